//! Minimal allocation-free JSON writing for hot paths (NDJSON streams).

use std::io::{self, Write};

/// Writes `bytes` as a JSON string literal. Invalid UTF-8 becomes U+FFFD; control characters,
/// quotes and backslashes are escaped, so the output is always valid JSON and terminal-inert.
pub fn write_str(w: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    w.write_all(b"\"")?;
    for chunk in bytes.utf8_chunks() {
        let s = chunk.valid().as_bytes();
        let mut start = 0;
        for (i, &b) in s.iter().enumerate() {
            let esc: Option<&[u8]> = match b {
                b'"' => Some(b"\\\""),
                b'\\' => Some(b"\\\\"),
                b'\n' => Some(b"\\n"),
                b'\r' => Some(b"\\r"),
                b'\t' => Some(b"\\t"),
                0..=0x1f | 0x7f => None,
                _ => continue,
            };
            w.write_all(&s[start..i])?;
            match esc {
                Some(e) => w.write_all(e)?,
                None => write!(w, "\\u{:04x}", b)?,
            }
            start = i + 1;
        }
        w.write_all(&s[start..])?;
        if !chunk.invalid().is_empty() {
            w.write_all("\u{fffd}".as_bytes())?;
        }
    }
    w.write_all(b"\"")
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
