//! `sipscope messages`: one line per SIP message, as text or NDJSON.

use std::io::{self, Write};

use super::json;
use crate::sanitize::Inert;
use crate::sip::{SipMessage, StartLine};

/// Output format of `messages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for people.
    Text,
    /// One JSON object per line.
    Ndjson,
}

/// Writes one message as a text line:
/// `TIME SRC -> DST TRANSPORT FIRST-LINE CSeq N METHOD Call-ID ID BYTES B`.
pub fn write_text(w: &mut impl Write, m: &SipMessage) -> io::Result<()> {
    let h = &m.headers;
    write!(w, "{} {} -> {} {} ", m.ts.rfc3339(), m.src, m.dst, m.transport.as_str())?;
    match h.start {
        StartLine::Request { method_span, uri, .. } => {
            write!(w, "{} {}", Inert(m.slice(method_span)), Inert(m.slice(uri)))?;
        }
        StartLine::Response { code, reason } => {
            write!(w, "{} {}", code, Inert(m.slice(reason)))?;
        }
    }
    writeln!(
        w,
        " | CSeq {} {} | Call-ID {} | {} B",
        h.cseq,
        Inert(m.slice(h.cseq_method_span)),
        Inert(m.call_id()),
        m.raw.len()
    )
}

/// Appends one message as an NDJSON line (fields documented in `docs/cli.md`) to `out`: built in
/// one buffer and written at once, as a writer call per field cost more than the fields;
/// `addrs` remembers the text of the addresses of the lines before.
pub fn push_ndjson(out: &mut Vec<u8>, m: &SipMessage, addrs: &mut json::AddrTexts) {
    let h = &m.headers;
    out.extend_from_slice(b"{\"ts\":\"");
    out.extend_from_slice(&m.ts.rfc3339().to_bytes());
    out.extend_from_slice(b"\",\"src\":\"");
    addrs.push(out, m.src);
    out.extend_from_slice(b"\",\"dst\":\"");
    addrs.push(out, m.dst);
    out.extend_from_slice(b"\",\"transport\":\"");
    out.extend_from_slice(m.transport.as_str().as_bytes());
    out.extend_from_slice(b"\",");
    match h.start {
        StartLine::Request { method_span, uri, .. } => {
            out.extend_from_slice(b"\"method\":");
            json::push_str(out, m.slice(method_span));
            out.extend_from_slice(b",\"uri\":");
            json::push_str(out, m.slice(uri));
        }
        StartLine::Response { code, reason } => {
            out.extend_from_slice(b"\"status\":");
            json::push_u64(out, code.into());
            out.extend_from_slice(b",\"reason\":");
            json::push_str(out, m.slice(reason));
        }
    }
    out.extend_from_slice(b",\"cseq\":");
    json::push_u64(out, h.cseq.into());
    out.extend_from_slice(b",\"cseq_method\":");
    json::push_str(out, m.slice(h.cseq_method_span));
    out.extend_from_slice(b",\"call_id\":");
    json::push_str(out, m.call_id());
    out.extend_from_slice(b",\"bytes\":");
    json::push_u64(out, m.raw.len() as u64);
    out.extend_from_slice(b"}\n");
}
