//! `sipscope messages`: one line per SIP message, as text or NDJSON.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

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

#[derive(Serialize)]
struct Line<'a> {
    ts: String,
    src: String,
    dst: String,
    transport: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<Cow<'a, str>>,
    cseq: String,
    call_id: Cow<'a, str>,
    bytes: usize,
}

/// Writes one message as an NDJSON object (fields documented in `docs/cli.md`).
pub fn write_ndjson(w: &mut impl Write, m: &SipMessage) -> io::Result<()> {
    let h = &m.headers;
    let text = |s| String::from_utf8_lossy(m.slice(s));
    let (method, uri, status, reason) = match h.start {
        StartLine::Request { method_span, uri, .. } => (Some(text(method_span)), Some(text(uri)), None, None),
        StartLine::Response { code, reason } => (None, None, Some(code), Some(text(reason))),
    };
    let line = Line {
        ts: m.ts.rfc3339().to_string(),
        src: m.src.to_string(),
        dst: m.dst.to_string(),
        transport: m.transport.as_str(),
        method,
        uri,
        status,
        reason,
        cseq: format!("{} {}", h.cseq, String::from_utf8_lossy(m.slice(h.cseq_method_span))),
        call_id: text(h.call_id),
        bytes: m.raw.len(),
    };
    serde_json::to_writer(&mut *w, &line)?;
    w.write_all(b"\n")
}
