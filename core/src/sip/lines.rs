//! The line ends and colons of a header block, found 64 bytes at a time.
//!
//! [`Lines`] looks at a buffer in 64-byte windows and keeps two bit masks per window: where the
//! `\n` bytes are and where the `:` bytes are. Walking the header lines then takes the lowest bit
//! of a mask instead of restarting a search at every line, and every byte is loaded once.
//! On x86_64 a window is four 16-byte SSE2 loads, each compared with both bytes (SSE2 is always
//! present there); elsewhere a byte loop fills the masks.

/// Width of a window, in bytes (one bit each in a `u64`).
const WINDOW: usize = 64;

/// A cursor over the `\n` and `:` bytes of a buffer, from a starting offset on.
#[derive(Debug)]
pub struct Lines<'a> {
    buf: &'a [u8],
    /// Offset of the current window in `buf` (a multiple of [`WINDOW`]).
    base: usize,
    /// `\n` bytes of the current window not yet passed.
    lf: u64,
    /// `:` bytes of the current window not yet passed.
    colon: u64,
}

impl<'a> Lines<'a> {
    /// A cursor at `from` (at most `buf.len()`): bytes before it are never reported.
    pub fn new(buf: &'a [u8], from: usize) -> Lines<'a> {
        debug_assert!(from <= buf.len(), "a cursor inside the buffer");
        let base = from - from % WINDOW;
        let (lf, colon) = marks(buf, base);
        // Bits below `from` are cleared (`from - base` is below 64).
        let keep = !0u64 << (from - base);
        Lines { buf, base, lf: lf & keep, colon: colon & keep }
    }

    /// The next line end (the offset of its `\n`) and the first colon before it, both at or
    /// after where the cursor is; the cursor moves past that `\n`. With no `\n` left the line
    /// end is `None` and the colon is the first one up to the end of the buffer.
    #[inline]
    pub fn next_line(&mut self) -> (Option<usize>, Option<usize>) {
        let mut colon = None;
        loop {
            if self.lf != 0 {
                let at = self.lf.trailing_zeros();
                // Bits up to and including `at`.
                let upto = (2u64 << at).wrapping_sub(1);
                let before = self.colon & (upto >> 1);
                if colon.is_none() && before != 0 {
                    colon = Some(self.base + before.trailing_zeros() as usize);
                }
                self.lf &= !upto;
                self.colon &= !upto;
                return (Some(self.base + at as usize), colon);
            }
            if colon.is_none() && self.colon != 0 {
                colon = Some(self.base + self.colon.trailing_zeros() as usize);
            }
            self.base += WINDOW;
            if self.base >= self.buf.len() {
                self.colon = 0;
                return (None, colon);
            }
            (self.lf, self.colon) = marks(self.buf, self.base);
        }
    }
}

/// The masks of the window at `base` (at most `buf.len()`; at the end, both are empty). A window
/// running past the end is read from a zero-padded copy: zero is neither mark.
#[inline]
fn marks(buf: &[u8], base: usize) -> (u64, u64) {
    match buf.get(base..base + WINDOW) {
        Some(window) => window_marks(window.try_into().expect("a window is 64 bytes")),
        None => {
            let mut padded = [0u8; WINDOW];
            let tail = buf.get(base..).unwrap_or(&[]);
            padded[..tail.len()].copy_from_slice(tail);
            window_marks(&padded)
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn window_marks(window: &[u8; WINDOW]) -> (u64, u64) {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    let (mut lf, mut colon) = (0u64, 0u64);
    // SAFETY: SSE2 is part of the x86_64 baseline. Each load reads 16 of the window's 64 bytes
    // (offsets 0, 16, 32, 48), and `loadu` accepts any alignment.
    unsafe {
        let (nl, co) = (_mm_set1_epi8(b'\n' as i8), _mm_set1_epi8(b':' as i8));
        for k in 0..WINDOW / 16 {
            let block = _mm_loadu_si128(window.as_ptr().add(16 * k).cast::<__m128i>());
            lf |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(block, nl)) as u16) << (16 * k);
            colon |= u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(block, co)) as u16) << (16 * k);
        }
    }
    (lf, colon)
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn window_marks(window: &[u8; WINDOW]) -> (u64, u64) {
    let (mut lf, mut colon) = (0u64, 0u64);
    for (i, &b) in window.iter().enumerate() {
        lf |= u64::from(b == b'\n') << i;
        colon |= u64::from(b == b':') << i;
    }
    (lf, colon)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The same walk done byte by byte.
    fn naive(buf: &[u8], from: usize) -> Vec<(Option<usize>, Option<usize>)> {
        let mut out = Vec::new();
        let mut pos = from;
        loop {
            let rest = &buf[pos.min(buf.len())..];
            let lf = rest.iter().position(|&b| b == b'\n').map(|e| pos + e);
            let upto = lf.unwrap_or(buf.len());
            let colon = buf[pos.min(upto)..upto].iter().position(|&b| b == b':').map(|c| pos + c);
            out.push((lf, colon));
            match lf {
                Some(e) => pos = e + 1,
                None => return out,
            }
        }
    }

    fn walk(buf: &[u8], from: usize) -> Vec<(Option<usize>, Option<usize>)> {
        let mut lines = Lines::new(buf, from);
        let mut out = Vec::new();
        loop {
            let line = lines.next_line();
            out.push(line);
            if line.0.is_none() {
                return out;
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_a_byte_loop(
            buf in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b':'), Just(b'a'), any::<u8>()], 0..400),
            from in 0usize..400,
        ) {
            let from = from.min(buf.len());
            prop_assert_eq!(walk(&buf, from), naive(&buf, from));
        }
    }

    #[test]
    fn marks_at_every_place_of_a_window_and_across_windows() {
        for len in 0..200 {
            for at in 0..len {
                let mut buf = vec![b'x'; len];
                buf[at] = b'\n';
                if at > 0 {
                    buf[at - 1] = b':';
                }
                for from in [0, at.saturating_sub(1), at, at + 1] {
                    let from = from.min(len);
                    assert_eq!(walk(&buf, from), naive(&buf, from), "len {len} at {at} from {from}");
                }
            }
        }
    }

    #[test]
    fn a_colon_on_a_later_line_is_not_this_lines() {
        let buf = b"Via x\nTo: y\n";
        let mut lines = Lines::new(buf, 0);
        assert_eq!(lines.next_line(), (Some(5), None));
        assert_eq!(lines.next_line(), (Some(11), Some(8)));
        assert_eq!(lines.next_line(), (None, None));
    }
}
