//! Parsers for the header values we index: name-addr (From/To/Contact), Via, CSeq, numbers.
//!
//! They work on offsets into the message so results are [`Span`]s, and they treat CR and LF like
//! spaces so folded values parse the same as unfolded ones.

use super::bytes::{eq_lower, find, value_len};
use super::message::{NameAddr, Span, Via};

fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// `buf[start..end]` with linear white space removed at both ends, as offsets.
pub fn trim(buf: &[u8], mut start: usize, mut end: usize) -> (usize, usize) {
    while start < end && is_lws(buf[start]) {
        start += 1;
    }
    while end > start && is_lws(buf[end - 1]) {
        end -= 1;
    }
    (start, end)
}

/// The end of `buf[start..end]` with trailing linear white space removed (never before `start`).
fn trim_end(buf: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && is_lws(buf[end - 1]) {
        end -= 1;
    }
    end
}

/// Parses a decimal number with optional surrounding white space.
pub fn parse_u32(b: &[u8]) -> Option<u32> {
    let (s, e) = trim(b, 0, b.len());
    parse_digits(&b[s..e])
}

/// A decimal number of one to ten digits, nothing else, that fits 32 bits.
fn parse_digits(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        n = n * 10 + (d - b'0') as u64;
    }
    u32::try_from(n).ok()
}

/// Counts the comma-separated values of a header and returns the end of the first one.
/// Commas inside quoted strings or angle brackets do not separate values.
pub fn split_first_value(buf: &[u8], start: usize, end: usize) -> (u16, usize) {
    let mut count: u16 = 1;
    let mut first_end = end;
    // Fast path: no comma at all (the usual single value).
    if find(&buf[start..end], b',').is_none() {
        return (count, first_end);
    }
    let mut in_quotes = false;
    let mut in_angle = false;
    let mut i = start;
    while i < end {
        match buf[i] {
            b'\\' if in_quotes => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'<' if !in_quotes => in_angle = true,
            b'>' if !in_quotes => in_angle = false,
            b',' if !in_quotes && !in_angle => {
                if count == 1 {
                    first_end = i;
                }
                count = count.saturating_add(1);
            }
            _ => {}
        }
        i += 1;
    }
    (count, first_end)
}

/// Finds parameter `name` (given in lower case; matched case-insensitively) in a
/// `;name=value;...` list within `buf[start..end]`.
pub fn find_param(buf: &[u8], start: usize, end: usize, name: &[u8]) -> Span {
    debug_assert!(!name.iter().any(u8::is_ascii_uppercase), "parameter names are given in lower case");
    let mut i = start;
    while i < end {
        let Some(p) = find(&buf[i..end], b';') else { return Span::NONE };
        let mut ns = i + p + 1;
        while ns < end && is_lws(buf[ns]) {
            ns += 1;
        }
        let ne = ns + name.len();
        if ne <= end && eq_lower(&buf[ns..ne], name) {
            let mut j = ne;
            while j < end && is_lws(buf[j]) {
                j += 1;
            }
            if j < end && buf[j] == b'=' {
                let (vs, _) = trim(buf, j + 1, end);
                if vs < end && buf[vs] == b'"' {
                    // An unterminated quoted value runs to the end, trailing white space excluded.
                    let ve = find(&buf[vs + 1..end], b'"')
                        .map_or_else(|| trim_end(buf, vs + 1, end), |q| vs + 1 + q);
                    return Span::new(vs + 1, ve);
                }
                return Span::new(vs, vs + value_len(&buf[vs..], end - vs));
            }
            if j == end || buf[j] == b';' || buf[j] == b',' || j > ne {
                // The parameter is there without a value.
                return Span::NONE;
            }
            // A longer name that starts like `name`: keep looking.
        }
        i = ns;
    }
    Span::NONE
}

/// Parses `"display" <uri>;params`, `display <uri>;params` or `uri;params` in `buf[start..end]`.
pub fn parse_name_addr(buf: &[u8], start: usize, end: usize) -> NameAddr {
    let (start, end) = trim(buf, start, end);
    let mut out = NameAddr::default();
    if start >= end {
        return out;
    }
    let mut i = start;
    let mut display = Span::NONE;
    if buf[i] == b'"' {
        let ds = i + 1;
        i += 1;
        while i < end && buf[i] != b'"' {
            if buf[i] == b'\\' {
                i += 1;
            }
            i += 1;
        }
        display = Span::new(ds, i.min(end));
        i = (i + 1).min(end);
    }
    // Look for an angle-bracketed URI.
    let lt = find(&buf[i..end], b'<').map(|p| i + p);
    let params_from;
    match lt {
        Some(lt) if display.is_empty() || buf[i..lt].iter().all(|&b| is_lws(b)) => {
            if display.is_empty() {
                let (ds, de) = trim(buf, start, lt);
                display = Span::new(ds, de);
            }
            let gt = find(&buf[lt + 1..end], b'>').map_or(end, |p| lt + 1 + p);
            let (us, ue) = trim(buf, lt + 1, gt);
            out.uri = Span::new(us, ue);
            params_from = (gt + 1).min(end);
        }
        _ => {
            // addr-spec: the URI runs to the first ';' (its header parameters follow) or space.
            let (s, _) = trim(buf, i, end);
            let mut e = s;
            while e < end && buf[e] != b';' && !is_lws(buf[e]) {
                e += 1;
            }
            out.uri = Span::new(s, e);
            params_from = e;
        }
    }
    out.display = display;
    out.tag = find_param(buf, params_from, end, b"tag");
    out
}

/// The `tag` parameter of a name-addr value in `buf[start..end]`, without parsing the rest:
/// the parameters follow the `>` closing an angle-bracketed URI, or the URI itself otherwise.
pub fn name_addr_tag(buf: &[u8], start: usize, end: usize) -> Span {
    let value = &buf[start..end];
    match value.iter().position(|&b| b == b'"' || b == b'<') {
        // A quoted display name may hold '<', '>' or ';': take the careful path.
        Some(q) if value[q] == b'"' => parse_name_addr(buf, start, end).tag,
        Some(lt) => {
            let from = find(&value[lt..], b'>').map_or(value.len(), |gt| lt + gt + 1);
            find_param(buf, start + from, end, b"tag")
        }
        None => find_param(buf, start, end, b"tag"),
    }
}

/// Parses one Via value `SIP/2.0/UDP host:port;branch=...` in `buf[start..end]`.
pub fn parse_via(buf: &[u8], start: usize, end: usize) -> Via {
    let mut via = Via::default();
    let (mut i, end) = trim(buf, start, end);
    // sent-protocol: name / version / transport, with optional LWS around the slashes
    for part in 0..3 {
        while i < end && is_lws(buf[i]) {
            i += 1;
        }
        let s = i;
        while i < end && buf[i] != b'/' && !is_lws(buf[i]) && buf[i] != b';' {
            i += 1;
        }
        if part == 2 {
            via.transport = Span::new(s, i);
            break;
        }
        while i < end && is_lws(buf[i]) {
            i += 1;
        }
        if i >= end || buf[i] != b'/' {
            return via;
        }
        i += 1;
    }
    while i < end && is_lws(buf[i]) {
        i += 1;
    }
    let s = i;
    if i < end && buf[i] == b'[' {
        while i < end && buf[i] != b']' {
            i += 1;
        }
    }
    while i < end && buf[i] != b';' && !is_lws(buf[i]) {
        i += 1;
    }
    via.sent_by = Span::new(s, i);
    via.branch = find_param(buf, i, end, b"branch");
    via
}

/// Parses `CSeq: 123 METHOD`; returns the number and the method span.
pub fn parse_cseq(buf: &[u8], start: usize, end: usize) -> Option<(u32, Span)> {
    let (ns, end) = trim(buf, start, end);
    let value = buf.get(ns..end)?;
    let digits = value.iter().position(|b| !b.is_ascii_digit()).unwrap_or(value.len());
    let n = parse_digits(&value[..digits])?;
    let i = ns + digits;
    let (ms, me) = trim(buf, i, end);
    if ms == i || ms >= me || !buf[ms..me].iter().all(|&b| super::scan::is_token(b)) {
        return None;
    }
    Some((n, Span::new(ms, me)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The straightforward parameter search `find_param` replaced (token by token, byte by
    /// byte), kept to check the faster one against.
    fn find_param_reference(buf: &[u8], start: usize, end: usize, name: &[u8]) -> Span {
        let mut i = start;
        while i < end {
            match buf[i..end].iter().position(|&b| b == b';') {
                Some(p) => i += p,
                None => return Span::NONE,
            }
            let (ns, _) = trim(buf, i + 1, end);
            let mut ne = ns;
            while ne < end && !matches!(buf[ne], b'=' | b';' | b',') && !is_lws(buf[ne]) {
                ne += 1;
            }
            if buf[ns..ne].eq_ignore_ascii_case(name) {
                let mut j = ne;
                while j < end && is_lws(buf[j]) {
                    j += 1;
                }
                if j < end && buf[j] == b'=' {
                    let (vs, _) = trim(buf, j + 1, end);
                    let mut ve = vs;
                    if vs < end && buf[vs] == b'"' {
                        ve = vs + 1;
                        while ve < end && buf[ve] != b'"' {
                            ve += 1;
                        }
                        if ve == end {
                            ve = trim_end(buf, vs + 1, end);
                        }
                        return Span::new(vs + 1, ve);
                    }
                    while ve < end && !matches!(buf[ve], b';' | b',') && !is_lws(buf[ve]) {
                        ve += 1;
                    }
                    return Span::new(vs, ve);
                }
                return Span::NONE;
            }
            i = ne.max(i + 1);
        }
        Span::NONE
    }

    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b";".to_vec()),
            Just(b"tag".to_vec()),
            Just(b"TAG".to_vec()),
            Just(b"branch".to_vec()),
            Just(b"=".to_vec()),
            Just(b" ".to_vec()),
            Just(b"\r\n ".to_vec()),
            Just(b"\"".to_vec()),
            Just(b",".to_vec()),
            Just(b">".to_vec()),
            Just(b"x".to_vec()),
            Just(b"z9hG4bK-1".to_vec()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5000))]
        #[test]
        fn find_param_agrees_with_the_reference(parts in proptest::collection::vec(piece(), 0..24)) {
            let buf = parts.concat();
            for name in [&b"tag"[..], b"branch"] {
                let fast = find_param(&buf, 0, buf.len(), name);
                let slow = find_param_reference(&buf, 0, buf.len(), name);
                prop_assert_eq!(fast.get(&buf), slow.get(&buf), "{:?}", String::from_utf8_lossy(&buf));
            }
        }
    }
}
