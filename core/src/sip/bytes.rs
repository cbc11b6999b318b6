//! Byte search tuned for SIP header lines: the byte wanted is usually within the next few dozen
//! bytes, where setting up a general vector search costs more than the search. The first 64
//! bytes are checked 16 at a time with SSE2 (always present on x86_64; eight at a time in plain
//! integer arithmetic elsewhere); longer distances go to `memchr`.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
/// How far the short-distance search looks before handing over to `memchr`.
const NEAR: usize = 64;

/// Position of the first `byte` in `hay`.
#[inline(always)]
pub fn find(hay: &[u8], byte: u8) -> Option<usize> {
    let near = hay.len().min(NEAR);
    let (found, mut i) = find_blocks(&hay[..near], byte);
    if found.is_some() {
        return found;
    }
    let pattern = ONES * u64::from(byte);
    while i + 8 <= near {
        let mut word = [0u8; 8];
        word.copy_from_slice(&hay[i..i + 8]);
        let x = u64::from_le_bytes(word) ^ pattern;
        // A zero byte in `x` is a match; the lowest flagged byte is always a true match.
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if hay.len() <= NEAR {
        return hay[i..].iter().position(|&b| b == byte).map(|p| i + p);
    }
    memchr::memchr(byte, &hay[NEAR..]).map(|p| NEAR + p)
}

/// Searches whole 16-byte blocks of `hay`; returns the match, or how far it looked.
#[cfg(target_arch = "x86_64")]
#[inline]
fn find_blocks(hay: &[u8], byte: u8) -> (Option<usize>, usize) {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    let mut i = 0;
    // SAFETY: SSE2 is part of the x86_64 baseline, so these intrinsics are always available.
    // Each load reads the 16 bytes hay[i..i + 16], which the loop condition keeps in bounds,
    // and `loadu` accepts any alignment.
    unsafe {
        let pattern = _mm_set1_epi8(byte as i8);
        while i + 16 <= hay.len() {
            let block = _mm_loadu_si128(hay.as_ptr().add(i).cast::<__m128i>());
            let mask = _mm_movemask_epi8(_mm_cmpeq_epi8(block, pattern)) as u32;
            if mask != 0 {
                return (Some(i + mask.trailing_zeros() as usize), i);
            }
            i += 16;
        }
    }
    (None, i)
}

/// Elsewhere the word-at-a-time loop in [`find`] does all the work.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn find_blocks(_hay: &[u8], _byte: u8) -> (Option<usize>, usize) {
    (None, 0)
}

/// Bytes that end an unquoted parameter value: `;`, `,` and linear white space.
pub(crate) fn ends_value(b: u8) -> bool {
    matches!(b, b';' | b',' | b' ' | b'\t' | b'\r' | b'\n')
}

/// Length of the unquoted parameter value at the front of `hay[..limit]`: up to the first byte
/// that [`ends_value`] (16 bytes at a time with SSE2 on x86_64). The bytes of `hay` past `limit`
/// (the rest of the message) may be read, so that a short value at the end of a header is still
/// looked at in whole blocks; they never count.
#[inline]
pub fn value_len(hay: &[u8], limit: usize) -> usize {
    let limit = limit.min(hay.len());
    let mut i = value_blocks(hay, limit);
    while i < limit && !ends_value(hay[i]) {
        i += 1;
    }
    i.min(limit)
}

/// [`value_len`] over whole 16-byte blocks: the end if found in one, else how far it looked.
#[cfg(target_arch = "x86_64")]
#[inline]
fn value_blocks(hay: &[u8], limit: usize) -> usize {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut i = 0;
    // SAFETY: as in `find_blocks`.
    unsafe {
        let set = [b';', b',', b' ', b'\t', b'\r', b'\n'].map(|b| _mm_set1_epi8(b as i8));
        while i < limit && i + 16 <= hay.len() {
            let v = _mm_loadu_si128(hay.as_ptr().add(i).cast::<__m128i>());
            let a = _mm_or_si128(_mm_cmpeq_epi8(v, set[0]), _mm_cmpeq_epi8(v, set[1]));
            let b = _mm_or_si128(_mm_cmpeq_epi8(v, set[2]), _mm_cmpeq_epi8(v, set[3]));
            let c = _mm_or_si128(_mm_cmpeq_epi8(v, set[4]), _mm_cmpeq_epi8(v, set[5]));
            let mask = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(a, b), c)) as u32;
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    i
}

/// Elsewhere the byte loop in [`value_len`] does all the work.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn value_blocks(_hay: &[u8], _limit: usize) -> usize {
    0
}

/// `name` equals `lower` (lower case letters, digits and `-`) ignoring the case of letters, with
/// a few overlapping word loads instead of a loop: header names are compared on every line
/// (inlined, so a literal pattern's length picks the comparison at compile time).
#[inline(always)]
pub fn eq_lower(name: &[u8], lower: &[u8]) -> bool {
    debug_assert!(lower.is_ascii(), "patterns are ASCII");
    let n = name.len();
    if n != lower.len() {
        return false;
    }
    // The first and the last bytes of each, as words (they overlap when shorter than two words).
    match n {
        0 => true,
        1 => fold8(u64::from(name[0]), u64::from(lower[0])),
        2..=3 => fold8(u16w(name, 0), u16w(lower, 0)) && fold8(u16w(name, n - 2), u16w(lower, n - 2)),
        4..=7 => fold8(u32w(name, 0), u32w(lower, 0)) && fold8(u32w(name, n - 4), u32w(lower, n - 4)),
        _ => {
            let mut i = 0;
            while i + 8 < n {
                if !fold8(word(&name[i..i + 8]), word(&lower[i..i + 8])) {
                    return false;
                }
                i += 8;
            }
            fold8(word(&name[n - 8..]), word(&lower[n - 8..]))
        }
    }
}

/// Whether `hay` holds a space, a control byte (below 0x20) or DEL: what a Request-URI may not
/// hold. 16 bytes at a time with SSE2 on x86_64 (every request's start line is checked).
pub fn has_space_or_control(hay: &[u8]) -> bool {
    let bad = |b: u8| b <= b' ' || b == 0x7f;
    let i = space_or_control_blocks(hay);
    i.is_none_or(|i| hay[i..].iter().any(|&b| bad(b)))
}

/// [`has_space_or_control`] over whole 16-byte blocks: `None` if one holds such a byte, else
/// how far it looked.
#[cfg(target_arch = "x86_64")]
fn space_or_control_blocks(hay: &[u8]) -> Option<usize> {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    let mut i = 0;
    // SAFETY: as in `find_blocks`.
    unsafe {
        let (space, del) = (_mm_set1_epi8(b' ' as i8), _mm_set1_epi8(0x7f));
        while i + 16 <= hay.len() {
            let v = _mm_loadu_si128(hay.as_ptr().add(i).cast::<__m128i>());
            // Unsigned v <= 0x20 exactly when min(v, 0x20) == v.
            let low = _mm_cmpeq_epi8(_mm_min_epu8(v, space), v);
            if _mm_movemask_epi8(_mm_or_si128(low, _mm_cmpeq_epi8(v, del))) != 0 {
                return None;
            }
            i += 16;
        }
    }
    Some(i)
}

/// Elsewhere the byte loop in [`has_space_or_control`] does all the work.
#[cfg(not(target_arch = "x86_64"))]
fn space_or_control_blocks(_hay: &[u8]) -> Option<usize> {
    Some(0)
}

fn u16w(b: &[u8], at: usize) -> u64 {
    u64::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn u32w(b: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
}

fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(b);
    u64::from_le_bytes(w)
}

/// Eight bytes of a name against eight of a lower-case pattern: letters of the pattern match
/// either case (setting bit 0x20 turns only 'A'..'Z' into 'a'..'z' among the bytes that can
/// then equal a lower-case letter), other bytes must be equal.
fn fold8(name: u64, lower: u64) -> bool {
    // 0x20 in each byte of `lower` that is a lower-case letter ('a'..='z' is 0x61..=0x7a).
    let ge_a = lower.wrapping_add(0x1f1f_1f1f_1f1f_1f1f) & 0x8080_8080_8080_8080; // byte >= 0x61
    let le_z = !lower.wrapping_add(0x0505_0505_0505_0505) & 0x8080_8080_8080_8080; // byte <= 0x7a
    let letters = ((ge_a & le_z) >> 2) & 0x2020_2020_2020_2020;
    name | letters == lower
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn space_or_control_agrees_with_a_byte_loop(hay in proptest::collection::vec(prop_oneof![Just(b' '), Just(0x7f), Just(0x1f), Just(0x21), Just(0x80), Just(0xff), Just(b'a'), any::<u8>()], 0..80)) {
            for start in 0..hay.len().min(20) {
                let h = &hay[start..];
                prop_assert_eq!(has_space_or_control(h), h.iter().any(|&b| b <= b' ' || b == 0x7f));
            }
        }
    }

    proptest! {
        #[test]
        fn value_len_agrees_with_a_byte_loop(hay in proptest::collection::vec(prop_oneof![Just(b';'), Just(b','), Just(b' '), Just(b'\t'), Just(b'\r'), Just(b'\n'), any::<u8>()], 0..100)) {
            let want = hay.iter().position(|&b| ends_value(b)).unwrap_or(hay.len());
            prop_assert_eq!(value_len(&hay, hay.len()), want);
            // With a limit inside: what lies past it is read but never counts.
            for limit in [0, hay.len() / 3, hay.len() / 2] {
                prop_assert_eq!(value_len(&hay, limit), want.min(limit));
            }
        }

        #[test]
        fn eq_lower_agrees_with_std(name in proptest::collection::vec(any::<u8>(), 0..24), pick in 0usize..6) {
            let lowers: [&[u8]; 6] = [b"via", b"call-id", b"content-length", b"proxy-authorization", b"record-route", b"max-forwards"];
            let lower = lowers[pick];
            prop_assert_eq!(eq_lower(&name, lower), name.eq_ignore_ascii_case(lower));
            // Each name in any case, and with one byte changed.
            let mut mixed: Vec<u8> = lower.iter().enumerate().map(|(i, &b)| if (i + pick) % 2 == 0 { b.to_ascii_uppercase() } else { b }).collect();
            prop_assert!(eq_lower(&mixed, lower));
            if let Some(b) = name.first() {
                let at = *b as usize % mixed.len();
                mixed[at] = *b;
                prop_assert_eq!(eq_lower(&mixed, lower), mixed.eq_ignore_ascii_case(lower));
            }
        }
    }

    #[test]
    fn eq_lower_on_every_byte_at_every_place() {
        for lower in [&b"call-id"[..], b"content-length", b"to", b"x-1.a_b"] {
            for at in 0..lower.len() {
                for b in 0..=255u8 {
                    let mut name = lower.to_vec();
                    name[at] = b;
                    assert_eq!(eq_lower(&name, lower), name.eq_ignore_ascii_case(lower), "{name:?}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_memchr(hay in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b':'), any::<u8>()], 0..300), byte in prop_oneof![Just(b'\n'), Just(b':'), any::<u8>()]) {
            prop_assert_eq!(find(&hay, byte), memchr::memchr(byte, &hay));
        }
    }

    #[test]
    fn every_position_and_length() {
        for len in 0..140 {
            for at in 0..len {
                let mut hay = vec![b'a'; len];
                hay[at] = b'\n';
                if at + 1 < len {
                    hay[at + 1] = b'\n';
                }
                assert_eq!(find(&hay, b'\n'), Some(at), "len {len} at {at}");
            }
            assert_eq!(find(&vec![0x8a; len], b'\n'), None);
            assert_eq!(find(&vec![0x0b; len], b'\n'), None);
        }
    }
}
