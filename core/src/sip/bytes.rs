//! Byte search tuned for SIP header lines: the byte wanted is usually within the next few dozen
//! bytes, where setting up a general vector search costs more than the search. The first 64
//! bytes are checked 16 at a time with SSE2 (always present on x86_64; eight at a time in plain
//! integer arithmetic elsewhere); longer distances go to `memchr`.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
/// How far the short-distance search looks before handing over to `memchr`.
const NEAR: usize = 64;

/// Position of the first `byte` in `hay`.
#[inline]
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
