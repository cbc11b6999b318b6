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
    write!(
        w,
        "{{\"ts\":\"{}\",\"src\":\"{}\",\"dst\":\"{}\",\"transport\":\"{}\",",
        m.ts.rfc3339(),
        m.src,
        m.dst,
        m.transport.as_str()
    )?;
    match h.start {
        StartLine::Request { method_span, uri, .. } => {
            w.write_all(b"\"method\":")?;
            json::write_str(w, m.slice(method_span))?;
            w.write_all(b",\"uri\":")?;
            json::write_str(w, m.slice(uri))?;
        }
        StartLine::Response { code, reason } => {
            write!(w, "\"status\":{code},\"reason\":")?;
            json::write_str(w, m.slice(reason))?;
        }
    }
    write!(w, ",\"cseq\":{},\"cseq_method\":", h.cseq)?;
    json::write_str(w, m.slice(h.cseq_method_span))?;
    w.write_all(b",\"call_id\":")?;
    json::write_str(w, m.call_id())?;
    writeln!(w, ",\"bytes\":{}}}", m.raw.len())
}
