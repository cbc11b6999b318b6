//! Byte search tuned for SIP header lines: the byte wanted is usually within the next few dozen
//! bytes, where setting up a vector search costs more than the search. The first 64 bytes are
//! checked eight at a time in plain integer arithmetic; longer distances go to `memchr`.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;
/// How far the word-at-a-time search looks before handing over to `memchr`.
const NEAR: usize = 64;

/// Position of the first `byte` in `hay`.
#[inline]
pub fn find(hay: &[u8], byte: u8) -> Option<usize> {
    let pattern = ONES * u64::from(byte);
    let near = hay.len().min(NEAR);
    let mut i = 0;
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
    memchr::memchr(byte, &hay[i..]).map(|p| i + p)
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
