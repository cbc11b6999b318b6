//! Minimal allocation-free JSON writing for hot paths (NDJSON streams).

use std::io::{self, Write};

/// Writes `bytes` as a JSON string literal. Invalid UTF-8 becomes U+FFFD; control characters
/// (C0 and C1), bidirectional overrides, quotes and backslashes are escaped, so the output is
/// always valid JSON and terminal-inert.
pub fn write_str(w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
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

/// Wraps a writer of JSON text and replaces every character a terminal would act on (C1
/// controls, bidirectional overrides, line separators) by its `\uXXXX` escape. Such characters
/// can only occur inside JSON strings, where the escape means the same, so the JSON stays valid
/// and equal; serde_json escapes C0 controls itself.
pub struct InertJson<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> InertJson<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        InertJson { inner, pending: Vec::with_capacity(4) }
    }

    /// The wrapped writer (pending bytes are flushed first).
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush_pending()?;
        Ok(self.inner)
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let p = std::mem::take(&mut self.pending);
            self.inner.write_all(&p)?;
        }
        Ok(())
    }
}

impl<W: Write> Write for InertJson<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut data = std::mem::take(&mut self.pending);
        data.extend_from_slice(buf);
        let mut start = 0;
        let mut i = 0;
        while i < data.len() {
            let b = data[i];
            if b < 0x80 {
                i += 1;
                continue;
            }
            let len = match b {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf7 => 4,
                _ => 1,
            };
            if i + len > data.len() {
                break; // a character split across writes: keep it for the next call
            }
            let ch = std::str::from_utf8(&data[i..i + len]).ok().and_then(|s| s.chars().next());
            if let Some(c) = ch.filter(|c| crate::sanitize::is_unsafe_char(*c)) {
                self.inner.write_all(&data[start..i])?;
                write!(self.inner, "\\u{:04x}", c as u32)?;
                start = i + len;
            }
            i += len;
        }
        self.inner.write_all(&data[start..i])?;
        self.pending.extend_from_slice(&data[i..]);
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
