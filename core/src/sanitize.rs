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

/// Whether every byte is printable ASCII other than `"` and `\\` (0x20..0x7e): such bytes go into
/// a JSON string and onto a terminal as they are. Checks 16 bytes at a time with SSE2 on x86_64
/// (this runs over every text field of every message and call written out).
pub fn is_plain_ascii(bytes: &[u8]) -> bool {
    let plain = |b: u8| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\';
    // Short texts (methods, tags, numbers) as one or two overlapping words.
    let n = bytes.len();
    if n < 16 {
        let word8 = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
        let word4 = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        return match n {
            8.. => plain_word(word8(0)) && plain_word(word8(n - 8)),
            4.. => plain_word(u64::from(word4(0)) | u64::from(word4(n - 4)) << 32),
            _ => bytes.iter().all(|&b| plain(b)),
        };
    }
    match plain_blocks(bytes) {
        None => false,
        // The last partial block is checked again as the last 16 bytes, overlapping.
        Some(i) if i < bytes.len() && bytes.len() >= 16 => plain_blocks(&bytes[bytes.len() - 16..]).is_some(),
        Some(i) => bytes[i..].iter().all(|&b| plain(b)),
    }
}

/// Whether all eight bytes of `w` are plain (see [`is_plain_ascii`]), by word arithmetic: each
/// test flags the high bit of a byte that fails it, and the lowest flag is always a true one.
fn plain_word(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w;
    // 0x7e + 1 stays below 0x80; DEL (0x7f) + 1 reaches it; bytes from 0x80 have it already.
    let del_or_high = w.wrapping_add(ONES) | w;
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x;
    let quote = zero_in(w ^ (ONES * u64::from(b'"')));
    let backslash = zero_in(w ^ (ONES * u64::from(b'\\')));
    (below_space | del_or_high | quote | backslash) & HIGHS == 0
}

/// [`is_plain_ascii`] over whole 16-byte blocks: `None` if one holds a byte that is not plain,
/// else how far it looked.
#[cfg(target_arch = "x86_64")]
fn plain_blocks(bytes: &[u8]) -> Option<usize> {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    let mut i = 0;
    // SAFETY: SSE2 is part of the x86_64 baseline. Each load reads bytes[i..i + 16], which the
    // loop condition keeps in bounds; `loadu` accepts any alignment.
    unsafe {
        let (space, del, quote, backslash) =
            (_mm_set1_epi8(0x20), _mm_set1_epi8(0x7f), _mm_set1_epi8(b'"' as i8), _mm_set1_epi8(b'\\' as i8));
        while i + 16 <= bytes.len() {
            let v = _mm_loadu_si128(bytes.as_ptr().add(i).cast::<__m128i>());
            // Signed compare: bytes 0x80..0xff are negative, so "below 0x20" catches them too.
            let low = _mm_cmplt_epi8(v, space);
            let other = _mm_or_si128(
                _mm_cmpeq_epi8(v, del),
                _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
            );
            if _mm_movemask_epi8(_mm_or_si128(low, other)) != 0 {
                return None;
            }
            i += 16;
        }
    }
    Some(i)
}

/// Elsewhere the byte loop in [`is_plain_ascii`] does all the work.
#[cfg(not(target_arch = "x86_64"))]
fn plain_blocks(_bytes: &[u8]) -> Option<usize> {
    Some(0)
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

    proptest::proptest! {
        #[test]
        fn plain_ascii_agrees_with_a_byte_loop(bytes in proptest::collection::vec(proptest::prop_oneof![0x20u8..0x7f, proptest::prelude::any::<u8>()], 0..80)) {
            let want = bytes.iter().all(|&b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
            proptest::prop_assert_eq!(is_plain_ascii(&bytes), want);
        }
    }

    /// Every byte value at every place of every short length (the word-arithmetic path), both
    /// ways: no unsafe byte passes and no plain one is refused.
    #[test]
    fn plain_ascii_is_exact_for_short_texts() {
        for len in 1..=16usize {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut v = vec![b'~'; len];
                    v[at] = b;
                    let want = (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\';
                    assert_eq!(is_plain_ascii(&v), want, "{v:?}");
                }
            }
        }
    }

    #[test]
    fn plain_ascii_refuses_each_unsafe_byte_at_each_place() {
        for len in [1usize, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 40] {
            for at in 0..len {
                for b in [0u8, 0x1b, 0x1f, b'"', b'\\', 0x7f, 0x80, 0xc3, 0xff] {
                    let mut v = vec![b'a'; len];
                    v[at] = b;
                    assert!(!is_plain_ascii(&v), "{v:?}");
                }
            }
            assert!(is_plain_ascii(&vec![b'~'; len]));
        }
    }

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
