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

/// Writes one message as an NDJSON object (fields documented in `docs/cli.md`). Allocation-free.
pub fn write_ndjson(w: &mut impl Write, m: &SipMessage) -> io::Result<()> {
    let h = &m.headers;
    w.write_all(b"{\"ts\":\"")?;
    w.write_all(&m.ts.rfc3339().to_bytes())?;
    w.write_all(b"\",\"src\":\"")?;
    json::write_addr(w, m.src)?;
    w.write_all(b"\",\"dst\":\"")?;
    json::write_addr(w, m.dst)?;
    w.write_all(b"\",\"transport\":\"")?;
    w.write_all(m.transport.as_str().as_bytes())?;
    w.write_all(b"\",")?;
    match h.start {
        StartLine::Request { method_span, uri, .. } => {
            w.write_all(b"\"method\":")?;
            json::write_str(w, m.slice(method_span))?;
            w.write_all(b",\"uri\":")?;
            json::write_str(w, m.slice(uri))?;
        }
        StartLine::Response { code, reason } => {
            w.write_all(b"\"status\":")?;
            json::write_u64(w, code.into())?;
            w.write_all(b",\"reason\":")?;
            json::write_str(w, m.slice(reason))?;
        }
    }
    w.write_all(b",\"cseq\":")?;
    json::write_u64(w, h.cseq.into())?;
    w.write_all(b",\"cseq_method\":")?;
    json::write_str(w, m.slice(h.cseq_method_span))?;
    w.write_all(b",\"call_id\":")?;
    json::write_str(w, m.call_id())?;
    w.write_all(b",\"bytes\":")?;
    json::write_u64(w, m.raw.len() as u64)?;
    w.write_all(b"}\n")
}
