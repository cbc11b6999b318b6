//! Makes bytes from the network safe to print on a terminal.
//!
//! SIP carries attacker-controlled text (display names, User-Agent, bodies). Every view that
//! writes such text to a terminal or a text file goes through [`Inert`], which shows control
//! characters, escape sequences, bidirectional overrides and invalid UTF-8 as visible `\xNN` /
//! `\u{NNNN}` escapes instead of emitting them.

use std::fmt::{self, Write};

/// Display adapter: writes `bytes` with every unsafe character escaped. Allocation-free.
pub struct Inert<'a>(pub &'a [u8]);

/// Whether a character must not reach a terminal raw.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200e}' | '\u{200f}' | '\u{061c}'          // direction marks
            | '\u{202a}'..='\u{202e}'                    // embeddings and overrides
            | '\u{2066}'..='\u{2069}'                    // isolates
            | '\u{2028}' | '\u{2029}'                    // line and paragraph separators
            | '\u{feff}'                                 // zero-width no-break space
        )
}

impl fmt::Display for Inert<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            let valid = chunk.valid();
            let mut start = 0;
            for (i, c) in valid.char_indices() {
                if is_unsafe_char(c) {
                    f.write_str(&valid[start..i])?;
                    if (c as u32) < 0x100 {
                        write!(f, "\\x{:02x}", c as u32)?;
                    } else {
                        write!(f, "\\u{{{:04x}}}", c as u32)?;
                    }
                    start = i + c.len_utf8();
                }
            }
            f.write_str(&valid[start..])?;
            for b in chunk.invalid() {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

/// Returns an owned, terminal-safe copy of `bytes`.
pub fn inert_string(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    let _ = write!(s, "{}", Inert(bytes));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_passes_unchanged() {
        assert_eq!(inert_string(b"Alice <sip:alice@example.com>"), "Alice <sip:alice@example.com>");
        assert_eq!(inert_string("Zoë Müller".as_bytes()), "Zoë Müller");
    }

    #[test]
    fn escapes_controls_bidi_and_invalid_utf8() {
        assert_eq!(inert_string(b"a\x1b[31mred"), "a\\x1b[31mred");
        assert_eq!(inert_string(b"\x1b]0;title\x07"), "\\x1b]0;title\\x07");
        assert_eq!(inert_string(b"tab\there\r\n"), "tab\\x09here\\x0d\\x0a");
        assert_eq!(inert_string("x\u{202e}y".as_bytes()), "x\\u{202e}y");
        assert_eq!(inert_string("c1\u{9b}".as_bytes()), "c1\\x9b");
        assert_eq!(inert_string(b"bad\xff\xfeend"), "bad\\xff\\xfeend");
        assert_eq!(inert_string(b"nul\0"), "nul\\x00");
    }

    #[test]
    fn output_never_contains_unsafe_chars() {
        let mut all = Vec::new();
        for b in 0u8..=255 {
            all.push(b);
        }
        all.extend_from_slice("\u{202e}\u{2066}\u{9b}".as_bytes());
        let s = inert_string(&all);
        assert!(!s.chars().any(is_unsafe_char), "{s:?}");
    }
}
