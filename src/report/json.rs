//! Minimal allocation-free JSON writing for hot paths (NDJSON streams, report calls).

use std::fmt::Display;
use std::io::{self, Write};

/// Writes `bytes` as a JSON string literal. Invalid UTF-8 becomes U+FFFD; control characters
/// (C0 and C1), bidirectional overrides, quotes and backslashes are escaped, so the output is
/// always valid JSON and terminal-inert.
pub fn write_str(w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    if sipscope_core::sanitize::is_plain_ascii(bytes) {
        w.write_all(b"\"")?;
        w.write_all(bytes)?;
        return w.write_all(b"\"");
    }
    w.write_all(b"\"")?;
    for chunk in bytes.utf8_chunks() {
        let s = chunk.valid();
        let mut start = 0;
        for (i, c) in s.char_indices() {
            let esc: Option<&[u8]> = match c {
                '"' => Some(b"\\\""),
                '\\' => Some(b"\\\\"),
                '\n' => Some(b"\\n"),
                '\r' => Some(b"\\r"),
                '\t' => Some(b"\\t"),
                c if crate::sanitize::is_unsafe_char(c) => None,
                _ => continue,
            };
            w.write_all(&s.as_bytes()[start..i])?;
            match esc {
                Some(e) => w.write_all(e)?,
                None => write!(w, "\\u{:04x}", c as u32)?,
            }
            start = i + c.len_utf8();
        }
        w.write_all(&s.as_bytes()[start..])?;
        if !chunk.invalid().is_empty() {
            w.write_all("\u{fffd}".as_bytes())?;
        }
    }
    w.write_all(b"\"")
}

/// Appends `bytes` as a JSON string literal (see [`write_str`]).
pub fn push_str(out: &mut Vec<u8>, bytes: &[u8]) {
    if !push_plain(out, bytes) {
        // Writing into a Vec cannot fail.
        let _ = write_str(out, bytes);
    }
}

/// Appends `bytes` as a JSON string literal if they need no escaping at all (printable ASCII
/// other than quote and backslash, nearly every text); false, with nothing written, otherwise.
pub fn push_plain(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    if !sipscope_core::sanitize::is_plain_ascii(bytes) {
        return false;
    }
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    push_bytes(out, bytes);
    out.push(b'"');
    true
}

/// Appends `bytes`; a short text (a method, a tag, a number) as two overlapping words of
/// constant size, as a call to memcpy for a few bytes costs more than the bytes.
fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    let at = out.len();
    match n {
        8..=16 => {
            out.extend_from_slice(<&[u8; 8]>::try_from(&bytes[..8]).expect("8 bytes"));
            out.truncate(at + n - 8);
            out.extend_from_slice(<&[u8; 8]>::try_from(&bytes[n - 8..]).expect("8 bytes"));
        }
        4..=7 => {
            out.extend_from_slice(<&[u8; 4]>::try_from(&bytes[..4]).expect("4 bytes"));
            out.truncate(at + n - 4);
            out.extend_from_slice(<&[u8; 4]>::try_from(&bytes[n - 4..]).expect("4 bytes"));
        }
        _ => out.extend_from_slice(bytes),
    }
}

/// Appends an address as `ip:port` (IPv6 in brackets).
pub fn push_addr(out: &mut Vec<u8>, addr: std::net::SocketAddr) {
    match addr {
        std::net::SocketAddr::V4(a) => {
            let mut buf = [0u8; 21];
            let n = crate::packet::v4_text(a, &mut buf);
            crate::packet::push_prefix(out, &buf, n);
        }
        // Writing into a Vec cannot fail.
        std::net::SocketAddr::V6(_) => {
            let _ = write!(out, "{addr}");
        }
    }
}

/// The text of the last few IPv4 addresses written, for a writer of many lines: a capture's
/// messages go back and forth between a handful of addresses, and each is written as text
/// once instead of on every line.
#[derive(Debug, Default)]
pub struct AddrTexts {
    /// Address (`None`: an empty slot), its text and the text's length.
    slots: [(Option<std::net::SocketAddrV4>, [u8; 21], u8); 4],
    /// The slot the next new address replaces.
    next: usize,
}

impl AddrTexts {
    /// Appends `addr` as [`push_addr`] would.
    pub fn push(&mut self, out: &mut Vec<u8>, addr: std::net::SocketAddr) {
        let std::net::SocketAddr::V4(a) = addr else { return push_addr(out, addr) };
        if let Some((_, text, len)) = self.slots.iter().find(|(k, _, _)| *k == Some(a)) {
            crate::packet::push_prefix(out, text, usize::from(*len));
            return;
        }
        let mut text = [0u8; 21];
        let len = crate::packet::v4_text(a, &mut text);
        crate::packet::push_prefix(out, &text, len);
        self.slots[self.next] = (Some(a), text, len as u8);
        self.next = (self.next + 1) % self.slots.len();
    }
}

/// Appends a JSON array: `each` writes one element of `items` (the commas are written here).
pub fn push_array<T>(
    out: &mut Vec<u8>,
    items: impl IntoIterator<Item = T>,
    mut each: impl FnMut(&mut Vec<u8>, T),
) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, item);
    }
    out.push(b']');
}

/// Appends the decimal digits of `n`.
pub fn push_u64(out: &mut Vec<u8>, n: u64) {
    sipscope_core::packet::push_decimal(out, n);
}

/// Writes the decimal digits of `n`.
pub fn write_u64(w: &mut impl Write, n: u64) -> io::Result<()> {
    let mut digits = [0u8; 20];
    w.write_all(sipscope_core::packet::decimal_digits(n, &mut digits))
}

/// Appends a signed decimal number.
pub fn push_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_u64(out, n.unsigned_abs());
}

/// Builds one JSON object in a byte buffer, member by member, without intermediate strings.
/// Members appear in the order they are added; `None` values are written as `null`.
pub struct Object<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Object<'a> {
    /// Opens an object at the end of `out`.
    pub fn begin(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Object { out, empty: true }
    }

    /// Writes the member name and colon; the caller writes the value into the returned buffer.
    pub fn key(&mut self, key: &str) -> &mut Vec<u8> {
        // `,"key":` in one piece (a call has some forty members).
        let mut head = [0u8; 40];
        let key = key.as_bytes();
        if key.len() + 4 > head.len() {
            if !self.empty {
                self.out.push(b',');
            }
            self.empty = false;
            self.out.push(b'"');
            self.out.extend_from_slice(key);
            self.out.extend_from_slice(b"\":");
            return self.out;
        }
        let skip = usize::from(self.empty);
        self.empty = false;
        head[0] = b',';
        head[1] = b'"';
        head[2..2 + key.len()].copy_from_slice(key);
        head[2 + key.len()..4 + key.len()].copy_from_slice(b"\":");
        self.out.extend_from_slice(&head[skip..4 + key.len()]);
        self.out
    }

    /// A string member from raw (possibly invalid UTF-8) bytes.
    pub fn str(&mut self, key: &str, value: &[u8]) -> &mut Self {
        let out = self.key(key);
        push_str(out, value);
        self
    }

    /// A string member, or `null`.
    pub fn opt_str(&mut self, key: &str, value: Option<&[u8]>) -> &mut Self {
        match value {
            Some(v) => self.str(key, v),
            None => self.null(key),
        }
    }

    /// A string member holding what `value` displays (addresses, times), escaped if need be.
    pub fn display(&mut self, key: &str, value: impl Display) -> &mut Self {
        let out = self.key(key);
        out.push(b'"');
        let start = out.len();
        let _ = write!(out, "{value}");
        if !sipscope_core::sanitize::is_plain_ascii(&out[start..]) {
            let text = out.split_off(start);
            out.pop();
            let _ = write_str(out, &text);
        } else {
            out.push(b'"');
        }
        self
    }

    /// A capture time member (RFC 3339, UTC, microseconds).
    pub fn time(&mut self, key: &str, ts: crate::time::Timestamp) -> &mut Self {
        let out = self.key(key);
        out.push(b'"');
        out.extend_from_slice(&ts.rfc3339().to_bytes());
        out.push(b'"');
        self
    }

    /// An address member (`ip:port`, IPv6 in brackets).
    pub fn addr(&mut self, key: &str, addr: std::net::SocketAddr) -> &mut Self {
        let out = self.key(key);
        out.push(b'"');
        push_addr(out, addr);
        out.push(b'"');
        self
    }

    /// An unsigned number member.
    pub fn uint(&mut self, key: &str, value: u64) -> &mut Self {
        let out = self.key(key);
        push_u64(out, value);
        self
    }

    /// A signed number member, or `null`.
    pub fn opt_int(&mut self, key: &str, value: Option<i64>) -> &mut Self {
        match value {
            Some(v) => {
                let out = self.key(key);
                push_i64(out, v);
                self
            }
            None => self.null(key),
        }
    }

    /// A number member rounded to `decimals` places (`null` when not finite).
    pub fn num(&mut self, key: &str, value: f64, decimals: usize) -> &mut Self {
        if !value.is_finite() {
            return self.null(key);
        }
        let out = self.key(key);
        let _ = write!(out, "{value:.decimals$}");
        self
    }

    /// A boolean member.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        let out = self.key(key);
        out.extend_from_slice(if value { b"true" } else { b"false" });
        self
    }

    /// A `null` member.
    pub fn null(&mut self, key: &str) -> &mut Self {
        self.key(key).extend_from_slice(b"null");
        self
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// Wraps a writer of JSON text and replaces every character a terminal would act on (C1
/// controls, bidirectional overrides, line separators) by its `\uXXXX` escape. Such characters
/// can only occur inside JSON strings, where the escape means the same, so the JSON stays valid
/// and equal; serde_json escapes C0 controls itself. ASCII passes through without copying.
pub struct InertJson<W: Write> {
    inner: W,
    /// The first bytes of a character split across two writes.
    pending: [u8; 4],
    pending_len: usize,
}

/// Length of the UTF-8 sequence a lead byte announces (1 for anything that is not a lead).
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

impl<W: Write> InertJson<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        InertJson { inner, pending: [0; 4], pending_len: 0 }
    }

    /// The wrapped writer (pending bytes are flushed first).
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush_pending()?;
        Ok(self.inner)
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        let n = std::mem::take(&mut self.pending_len);
        self.inner.write_all(&self.pending[..n])
    }

    /// Writes one whole character (or an invalid sequence), escaped if a terminal would act on it.
    fn write_char(&mut self, bytes: &[u8]) -> io::Result<()> {
        let ch = std::str::from_utf8(bytes).ok().and_then(|s| s.chars().next());
        match ch.filter(|c| crate::sanitize::is_unsafe_char(*c)) {
            Some(c) => write!(self.inner, "\\u{:04x}", c as u32),
            None => self.inner.write_all(bytes),
        }
    }
}

impl<W: Write> Write for InertJson<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending_len == 0 && buf.is_ascii() {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        let mut data = buf;
        if self.pending_len > 0 {
            // Complete the character the previous write ended in.
            let want = utf8_len(self.pending[0]);
            let take = (want - self.pending_len).min(data.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&data[..take]);
            self.pending_len += take;
            data = &data[take..];
            if self.pending_len < want {
                return Ok(buf.len());
            }
            let (bytes, n) = (self.pending, std::mem::take(&mut self.pending_len));
            self.write_char(&bytes[..n])?;
        }
        let mut start = 0;
        let mut i = 0;
        while i < data.len() {
            if data[i] < 0x80 {
                i += 1;
                continue;
            }
            let len = utf8_len(data[i]);
            if i + len > data.len() {
                // A character split across writes: keep its start for the next call.
                self.inner.write_all(&data[start..i])?;
                self.pending[..data.len() - i].copy_from_slice(&data[i..]);
                self.pending_len = data.len() - i;
                return Ok(buf.len());
            }
            self.inner.write_all(&data[start..i])?;
            self.write_char(&data[i..i + len])?;
            i += len;
            start = i;
        }
        self.inner.write_all(&data[start..])?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_pending()?;
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remembered texts are those of their own addresses, as the slots fill, hit and are replaced.
    #[test]
    fn remembered_address_texts_are_the_addresses_written_afresh() {
        let addrs: Vec<std::net::SocketAddr> = [
            "192.0.2.1:5060",
            "192.0.2.2:5060",
            "192.0.2.1:5060",
            "[2001:db8::1]:5060",
            "10.0.0.1:1",
            "10.0.0.2:65535",
            "255.255.255.255:65535",
            "192.0.2.2:5060",
            "0.0.0.0:0",
            "192.0.2.1:5061",
            "192.0.2.1:5060",
            "0.0.0.0:0",
            "10.0.0.1:1",
        ]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
        let mut texts = AddrTexts::default();
        for round in 0..3 {
            for a in &addrs {
                let (mut got, mut want) = (b"x".to_vec(), b"x".to_vec());
                texts.push(&mut got, *a);
                push_addr(&mut want, *a);
                assert_eq!(got, want, "round {round}: {a}");
            }
        }
    }

    #[test]
    fn push_bytes_appends_every_length_whole() {
        let text: Vec<u8> = (0..40u8).map(|i| b'A' + i).collect();
        for n in 0..=text.len() {
            let mut out = b"prefix".to_vec();
            push_bytes(&mut out, &text[..n]);
            assert_eq!(out, [&b"prefix"[..], &text[..n]].concat(), "length {n}");
        }
    }

    /// Members with keys of every length around the one-piece limit, strings plain and not,
    /// IPv4 and IPv6 addresses: the object parses back to exactly what went in.
    #[test]
    fn objects_parse_back_for_every_key_length() {
        for len in [0usize, 1, 7, 35, 36, 37, 38, 60] {
            let key: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            let mut out = Vec::new();
            let mut o = Object::begin(&mut out);
            o.str(&key, b"plain")
                .str("second", b"tab\there \x1b[2J \xff")
                .addr("v4", "192.0.2.1:5060".parse().unwrap());
            o.addr("v6", "[2001:db8::1]:5060".parse().unwrap()).null("nothing");
            o.end();
            let v: serde_json::Value = serde_json::from_slice(&out)
                .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&out)));
            assert_eq!(v[key.as_str()], "plain");
            assert_eq!(v["second"], "tab\there \u{1b}[2J \u{fffd}");
            assert_eq!(v["v4"], "192.0.2.1:5060");
            assert_eq!(v["v6"], "[2001:db8::1]:5060");
            assert!(v["nothing"].is_null());
            assert_eq!(v.as_object().unwrap().len(), 5);
        }
    }

    fn enc(b: &[u8]) -> String {
        let mut v = Vec::new();
        write_str(&mut v, b).unwrap();
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn inert_json_escapes_split_characters() {
        let value = serde_json::json!({"a": "x\u{202e}y\u{9b}z\u{2066}", "b": "Zoë"});
        let text = serde_json::to_vec(&value).unwrap();
        for split in 0..text.len() {
            let mut w = InertJson::new(Vec::new());
            w.write_all(&text[..split]).unwrap();
            w.write_all(&text[split..]).unwrap();
            let out = w.into_inner().unwrap();
            let s = String::from_utf8(out.clone()).unwrap();
            assert!(!s.chars().any(crate::sanitize::is_unsafe_char), "{s}");
            let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, value);
        }
    }

    #[test]
    fn escapes_and_roundtrips_through_serde() {
        for input in
            [&b"plain"[..], b"q\"uo\\te", b"\x1b[2J\r\n\t\x00\x7f", b"bad\xff utf8", "Zoë".as_bytes()]
        {
            let out = enc(input);
            let back: String = serde_json::from_str(&out).unwrap();
            assert_eq!(back, String::from_utf8_lossy(input));
            assert!(!out.bytes().any(|b| b < 0x20 || b == 0x7f), "{out:?}");
        }
    }
}
