//! Zero-copy SIP framing and header indexing over `&[u8]`.
//!
//! [`scan`] reads one message from the front of a buffer: the start line, the header block (any
//! header-name casing, compact forms, folded lines, LF-only line ends) and the body as framed by
//! Content-Length. On a stream it answers [`Scan::Incomplete`] until the whole message is there;
//! on a datagram the datagram is the message. It never allocates and never panics.

use super::bytes::{eq_lower, find};
use super::lines::Lines;

use super::fields::{parse_cseq, parse_u32, split_first_value, trim};
use super::message::{Headers, Method, Span, StartLine};

/// How the bytes reached us, which decides how the message end is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One datagram (UDP, SCTP DATA, WebSocket message): the buffer is the message.
    Datagram,
    /// A byte stream (TCP): Content-Length frames the body, and more bytes may follow.
    Stream,
}

/// Why bytes could not be read as a SIP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// The first line is not a SIP request or status line.
    NotSip,
    /// The header block (or start line) is longer than [`MAX_HEADER_BYTES`].
    HeaderTooLarge,
    /// On a stream, Content-Length is missing a number or exceeds [`MAX_BODY_BYTES`].
    BadLength,
}

/// Result of scanning the front of a buffer. Returned by value: boxing the index would cost an
/// allocation per message.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// A whole message of `len` bytes is at the front.
    Complete {
        /// Bytes the message occupies, from the start line to the end of its body.
        len: usize,
        /// The index of the message.
        headers: Headers,
    },
    /// More bytes are needed (streams only).
    Incomplete,
    /// The bytes are not a usable SIP message.
    Invalid(Invalid),
}

/// Largest start line plus header block we accept.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Largest body we frame on a stream.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Number of CR/LF bytes at the front of `buf` (keep-alives and the CRLFs RFC 3261 §7.5 lets
/// senders put before a message).
pub fn leading_crlf(buf: &[u8]) -> usize {
    buf.iter().take_while(|&&b| b == b'\r' || b == b'\n').count()
}

/// Answer of [`start_line_kind`] about one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A SIP request or status line.
    Sip,
    /// Something else.
    Other,
    /// The line has not ended yet and what is there could still be a start line.
    NeedMore,
}

/// Whether `buf` begins with a SIP start line, without indexing anything else.
pub fn start_line_kind(buf: &[u8]) -> LineKind {
    let line_end = find(buf, b'\n');
    let line = match line_end {
        Some(e) => &buf[..e],
        None => {
            if buf.len() > MAX_HEADER_BYTES || !plausible_prefix(buf) {
                return LineKind::Other;
            }
            return LineKind::NeedMore;
        }
    };
    match parse_start_line(strip_cr(line)) {
        Some(_) => LineKind::Sip,
        None => LineKind::Other,
    }
}

/// Offset of the next line in `buf[from..]` that is a SIP start line, searching line starts only.
/// Returns `Err(pos)` with the start of a trailing line that is still too short to judge.
pub fn find_start_line(buf: &[u8], from: usize) -> Result<usize, Option<usize>> {
    let mut pos = from;
    while pos < buf.len() {
        let at = &buf[pos..];
        if at[0] != b'\r' && at[0] != b'\n' {
            match start_line_kind(at) {
                LineKind::Sip => return Ok(pos),
                LineKind::NeedMore => return Err(Some(pos)),
                LineKind::Other => {}
            }
        }
        match find(at, b'\n') {
            Some(e) => pos += e + 1,
            None => return Err(None),
        }
    }
    Err(None)
}

/// True if `prefix` (an unfinished line) can still grow into a start line.
fn plausible_prefix(prefix: &[u8]) -> bool {
    let check = &prefix[..prefix.len().min(8)];
    let sip = b"SIP/2.0 ";
    if check.len() <= sip.len() && check.eq_ignore_ascii_case(&sip[..check.len()]) {
        return true;
    }
    // A request line starts with a method token followed by a space.
    match prefix.iter().position(|&b| b == b' ') {
        Some(sp) => sp > 0 && prefix[..sp].iter().all(|&b| is_token(b)),
        None => prefix.len() <= 32 && prefix.iter().all(|&b| is_token(b)),
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    match line.last() {
        Some(b'\r') => &line[..line.len() - 1],
        _ => line,
    }
}

/// RFC 3261 `token` characters.
pub(crate) fn is_token(b: u8) -> bool {
    TOKEN[b as usize]
}

/// [`is_token`] as a table: header names are checked byte by byte on every line.
static TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(c, b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~');
        b += 1;
    }
    t
};

/// Parses a start line (without its line end). Offsets are relative to the line start.
fn parse_start_line(line: &[u8]) -> Option<StartLine> {
    // The version in lower case, compared case-blind.
    const VERSION: &[u8] = b"sip/2.0";
    if line.len() >= 8 && eq_lower(&line[..7], VERSION) && line[7] == b' ' {
        let rest = &line[8..];
        if rest.len() < 3 || !rest[..3].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let code = (rest[0] - b'0') as u16 * 100 + (rest[1] - b'0') as u16 * 10 + (rest[2] - b'0') as u16;
        if !(100..=699).contains(&code) {
            return None;
        }
        let reason = match rest.get(3) {
            None => Span::new(11, 11),
            Some(b' ') | Some(b'\t') => Span::new(12, line.len()),
            Some(_) => return None,
        };
        return Some(StartLine::Response { code, reason });
    }
    let sp1 = line.iter().position(|&b| b == b' ')?;
    if sp1 == 0 || !line[..sp1].iter().all(|&b| is_token(b)) {
        return None;
    }
    let mut end = line.len();
    while end > sp1 && (line[end - 1] == b' ' || line[end - 1] == b'\t') {
        end -= 1;
    }
    if end < sp1 + 1 + 1 + 1 + VERSION.len() || !eq_lower(&line[end - VERSION.len()..end], VERSION) {
        return None;
    }
    let uri_end = end - VERSION.len() - 1;
    if line[uri_end] != b' ' {
        return None;
    }
    let uri = &line[sp1 + 1..uri_end];
    if uri.is_empty() || super::bytes::has_space_or_control(uri) {
        return None;
    }
    Some(StartLine::Request {
        method: Method::from_token(&line[..sp1]),
        method_span: Span::new(0, sp1),
        uri: Span::new(sp1 + 1, uri_end),
    })
}

/// Header names we index, after compact forms are expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Name {
    CallId,
    CSeq,
    From,
    To,
    Via,
    Contact,
    Reason,
    Warning,
    UserAgent,
    Server,
    ContentType,
    ContentLength,
    MaxForwards,
    RecordRoute,
    Credentials,
    Other,
}

#[inline(always)]
fn classify(name: &[u8]) -> Name {
    let Some(&first) = name.first() else { return Name::Other };
    let first = first | 0x20;
    if name.len() == 1 {
        return match first {
            b'i' => Name::CallId,
            b'f' => Name::From,
            b't' => Name::To,
            b'v' => Name::Via,
            b'm' => Name::Contact,
            b'l' => Name::ContentLength,
            b'c' => Name::ContentType,
            _ => Name::Other,
        };
    }
    // One candidate per (length, first letter): a single comparison per line, against a literal
    // (so each comparison compiles to a word or two).
    match (name.len(), first) {
        (2, b't') if eq_lower(name, b"to") => Name::To,
        (3, b'v') if eq_lower(name, b"via") => Name::Via,
        (4, b'c') if eq_lower(name, b"cseq") => Name::CSeq,
        (4, b'f') if eq_lower(name, b"from") => Name::From,
        (6, b'r') if eq_lower(name, b"reason") => Name::Reason,
        (6, b's') if eq_lower(name, b"server") => Name::Server,
        (7, b'c') if eq_lower(name, b"call-id") => Name::CallId,
        (7, b'c') if eq_lower(name, b"contact") => Name::Contact,
        (7, b'w') if eq_lower(name, b"warning") => Name::Warning,
        (10, b'u') if eq_lower(name, b"user-agent") => Name::UserAgent,
        (12, b'c') if eq_lower(name, b"content-type") => Name::ContentType,
        (12, b'm') if eq_lower(name, b"max-forwards") => Name::MaxForwards,
        (12, b'r') if eq_lower(name, b"record-route") => Name::RecordRoute,
        (13, b'a') if eq_lower(name, b"authorization") => Name::Credentials,
        (14, b'c') if eq_lower(name, b"content-length") => Name::ContentLength,
        (19, b'p') if eq_lower(name, b"proxy-authorization") => Name::Credentials,
        _ => Name::Other,
    }
}

/// Reads one SIP message from the front of `buf`, which must begin at the start line.
pub fn scan(buf: &[u8], framing: Framing) -> Scan {
    let stream = framing == Framing::Stream;
    let mut lines = Lines::new(buf, 0);
    let line_end = match lines.next_line().0 {
        Some(e) => e,
        None => {
            return if stream && buf.len() <= MAX_HEADER_BYTES && plausible_prefix(buf) {
                Scan::Incomplete
            } else if buf.len() > MAX_HEADER_BYTES {
                Scan::Invalid(Invalid::HeaderTooLarge)
            } else {
                Scan::Invalid(Invalid::NotSip)
            };
        }
    };
    let start = match parse_start_line(strip_cr(&buf[..line_end])) {
        Some(s) => s,
        None => return Scan::Invalid(Invalid::NotSip),
    };
    let mut h = Headers::new(start);

    // Walk header lines. `pos` is the start of the current line.
    let mut pos = line_end + 1;
    let body_start;
    loop {
        if pos >= buf.len() {
            if stream {
                return if pos > MAX_HEADER_BYTES {
                    Scan::Invalid(Invalid::HeaderTooLarge)
                } else {
                    Scan::Incomplete
                };
            }
            h.truncated = true;
            body_start = buf.len();
            break;
        }
        let rest = &buf[pos..];
        // Blank line: end of the header block.
        if rest[0] == b'\n' {
            body_start = pos + 1;
            break;
        }
        if rest[0] == b'\r' {
            match rest.get(1) {
                Some(b'\n') => {
                    body_start = pos + 2;
                    break;
                }
                None if stream => return Scan::Incomplete,
                _ => {}
            }
        }
        // Find the end of this header field, including folded continuation lines, and the colon
        // after its name in the same pass.
        let (line_end, colon) = lines.next_line();
        let mut end = match line_end {
            Some(e) => e,
            None => {
                if stream {
                    return if buf.len() > MAX_HEADER_BYTES {
                        Scan::Invalid(Invalid::HeaderTooLarge)
                    } else {
                        Scan::Incomplete
                    };
                }
                h.truncated = true;
                buf.len()
            }
        };
        let mut next = end + 1;
        while next < buf.len() && (buf[next] == b' ' || buf[next] == b'\t') {
            match lines.next_line().0 {
                Some(e) => {
                    end = e;
                    next = end + 1;
                }
                None => {
                    if stream {
                        return Scan::Incomplete;
                    }
                    end = buf.len();
                    next = buf.len();
                }
            }
        }
        if stream && next > MAX_HEADER_BYTES {
            return Scan::Invalid(Invalid::HeaderTooLarge);
        }
        index_field(buf, pos, end.min(buf.len()), colon.map(|c| c - pos), &mut h);
        pos = next;
    }

    let available = buf.len() - body_start;
    let body_len = match (framing, h.content_length) {
        (Framing::Stream, Some(cl)) => {
            let cl = cl as usize;
            if cl > MAX_BODY_BYTES {
                return Scan::Invalid(Invalid::BadLength);
            }
            if available < cl {
                return Scan::Incomplete;
            }
            cl
        }
        (Framing::Stream, None) => {
            if h.bad_content_length {
                return Scan::Invalid(Invalid::BadLength);
            }
            0
        }
        (Framing::Datagram, Some(cl)) => {
            let cl = cl as usize;
            if cl > available {
                h.truncated = true;
                available
            } else {
                cl
            }
        }
        (Framing::Datagram, None) => available,
    };
    h.body = Span::new(body_start, body_start + body_len);
    Scan::Complete { len: body_start + body_len, headers: h }
}

/// Indexes one header field spanning `buf[start..end]` (folded lines included); `colon` is the
/// first colon of its first line (relative to `start`), if that line has one.
#[inline(always)]
fn index_field(buf: &[u8], start: usize, end: usize, colon: Option<usize>, h: &mut Headers) {
    let field = &buf[start..end];
    // The name is what comes before the first colon (a colon only on a continuation line is
    // looked for there), white space around it dropped.
    let Some(colon) = colon.or_else(|| find(field, b':')) else {
        return; // not a header field; ignore the line
    };
    let name = &field[..colon];
    // Usually nothing to trim: look at both ends before walking.
    let name = match (name.first(), name.last()) {
        (Some(b' ' | b'\t'), _) | (_, Some(b' ' | b'\t')) => trim_ws(name),
        _ => name,
    };
    h.header_count = h.header_count.saturating_add(1);
    let kind = classify(name);
    if kind == Name::Other {
        return;
    }
    let (vs, ve) = trim(buf, start + colon + 1, end);
    let value = Span::new(vs, ve);
    match kind {
        Name::CallId => {
            if h.call_id.is_empty() {
                h.call_id = value;
            }
        }
        Name::CSeq => {
            if h.cseq_method_span.is_empty() {
                if let Some((n, m)) = parse_cseq(buf, vs, ve) {
                    h.cseq = n;
                    h.cseq_method_span = m;
                    h.cseq_method = Method::from_token(m.get(buf));
                }
            }
        }
        Name::From => {
            if h.from.is_empty() {
                h.from = value;
            }
        }
        Name::To => {
            if h.to.is_empty() {
                h.to = value;
            }
        }
        Name::Via => {
            let (count, first_end) = split_first_value(buf, vs, ve);
            if h.via_count == 0 {
                h.via = Span::new(vs, first_end);
            }
            h.via_count = h.via_count.saturating_add(count);
        }
        Name::Contact => {
            if h.contact.is_empty() {
                h.contact = value;
            }
        }
        Name::Reason => set_once(&mut h.reason, value),
        Name::Warning => set_once(&mut h.warning, value),
        Name::UserAgent => set_once(&mut h.user_agent, value),
        Name::Server => set_once(&mut h.server, value),
        Name::ContentType => set_once(&mut h.content_type, value),
        Name::ContentLength => match parse_u32(value.get(buf)) {
            Some(n) => match h.content_length {
                None if !h.bad_content_length => h.content_length = Some(n),
                Some(prev) if prev == n => {}
                _ => {
                    h.content_length = None;
                    h.bad_content_length = true;
                }
            },
            None => {
                h.content_length = None;
                h.bad_content_length = true;
            }
        },
        Name::MaxForwards => {
            if h.max_forwards.is_none() {
                h.max_forwards = parse_u32(value.get(buf));
            }
        }
        Name::RecordRoute => h.record_route = true,
        Name::Credentials => h.credentials = true,
        Name::Other => {}
    }
}

fn set_once(slot: &mut Span, value: Span) {
    if slot.is_empty() {
        *slot = value;
    }
}

fn trim_ws(b: &[u8]) -> &[u8] {
    let s = b.iter().position(|&c| !matches!(c, b' ' | b'\t')).unwrap_or(b.len());
    let e = b.iter().rposition(|&c| !matches!(c, b' ' | b'\t')).map_or(s, |e| e + 1);
    &b[s..e.max(s)]
}

/// Finds the first header named `name` (case-insensitive, full name only) in the header block
/// of a message whose body starts at `body_start`, and returns its trimmed value.
pub fn find_header(msg: &[u8], body_start: usize, name: &[u8]) -> Option<Span> {
    find_any_header(msg, body_start, &[name]).map(|(_, span)| span)
}

/// Like [`find_header`] for several names in one pass over the header block: returns the
/// position in `names` of the earliest-listed name present, and that header's value.
pub fn find_any_header<N: AsRef<[u8]>>(msg: &[u8], body_start: usize, names: &[N]) -> Option<(usize, Span)> {
    let block = &msg[..body_start.min(msg.len())];
    let mut best: Option<(usize, Span)> = None;
    let mut pos = find(block, b'\n')? + 1;
    while pos < block.len() {
        let end = find(&block[pos..], b'\n').map_or(block.len(), |e| pos + e);
        let line = &block[pos..end];
        // A header name starts the line (a line starting with white space continues the last).
        let first = line.first().map(u8::to_ascii_lowercase);
        let wanted = |n: &N| n.as_ref().first().map(u8::to_ascii_lowercase) == first;
        if names.iter().any(wanted) {
            if let Some(colon) = find(line, b':') {
                let found = trim_ws(&line[..colon]);
                let better = best.map_or(names.len(), |(i, _)| i);
                if let Some(i) = names[..better].iter().position(|n| found.eq_ignore_ascii_case(n.as_ref())) {
                    let (s, e) = trim(block, pos + colon + 1, end);
                    best = Some((i, Span::new(s, e)));
                    if i == 0 {
                        break;
                    }
                }
            }
        }
        pos = end + 1;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_indexed_name_in_any_case_and_nothing_else() {
        let names: &[(&str, Name)] = &[
            ("Call-ID", Name::CallId),
            ("i", Name::CallId),
            ("CSeq", Name::CSeq),
            ("From", Name::From),
            ("f", Name::From),
            ("To", Name::To),
            ("t", Name::To),
            ("Via", Name::Via),
            ("v", Name::Via),
            ("Contact", Name::Contact),
            ("m", Name::Contact),
            ("Reason", Name::Reason),
            ("Warning", Name::Warning),
            ("User-Agent", Name::UserAgent),
            ("Server", Name::Server),
            ("Content-Type", Name::ContentType),
            ("c", Name::ContentType),
            ("Content-Length", Name::ContentLength),
            ("l", Name::ContentLength),
            ("Max-Forwards", Name::MaxForwards),
            ("Record-Route", Name::RecordRoute),
            ("Authorization", Name::Credentials),
            ("Proxy-Authorization", Name::Credentials),
        ];
        for &(name, kind) in names {
            for variant in [name.to_string(), name.to_uppercase(), name.to_lowercase()] {
                assert_eq!(classify(variant.as_bytes()), kind, "{variant}");
            }
            // One byte changed anywhere, or one added or removed: not that header.
            for i in 0..name.len() {
                let mut b = name.as_bytes().to_vec();
                b[i] = if b[i] == b'x' { b'y' } else { b'x' };
                assert_ne!(classify(&b), kind, "{}", String::from_utf8_lossy(&b));
            }
            assert_ne!(classify(format!("{name}s").as_bytes()), kind);
            if name.len() > 1 {
                assert_ne!(classify(&name.as_bytes()[1..]), kind);
            }
        }
        for other in ["", "X-Call-ID", "Route", "Allow", "Expires", "Call\rID", "Content-Lengt"] {
            assert_eq!(classify(other.as_bytes()), Name::Other, "{other:?}");
        }
    }
}
