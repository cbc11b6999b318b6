//! Deadlines of live calls, in buckets of one second of capture time.
//!
//! The correlator looks for due calls once a second of capture time, so deadlines need no
//! finer order than their second: each is appended to its second's bucket (constant time), and
//! a tick takes the buckets of the seconds gone by whole and picks the due entries out of the
//! current one. A min-heap did the same with a logarithmic, cache-missing sift on every entry.
//! Deadlines further ahead than [`HORIZON_SECS`] (registrations that last an hour) wait in a
//! small heap until their second comes within reach.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::time::Timestamp;

/// How many seconds ahead of the first bucket deadlines get a bucket of their own.
pub const HORIZON_SECS: i64 = 512;

/// Spare emptied buckets kept for reuse (their room is kept with them).
const SPARES: usize = 16;

/// Deadlines `(when, key)`, taken once due.
#[derive(Debug, Default)]
pub struct Deadlines {
    /// Bucket `i` holds the deadlines in second `base + i`; the first one also those of earlier
    /// seconds filed after their second had gone (a clock that stepped back).
    buckets: VecDeque<Vec<(Timestamp, u64)>>,
    /// The second of the first bucket.
    base: i64,
    /// Deadlines beyond the buckets' reach.
    far: BinaryHeap<Reverse<(Timestamp, u64)>>,
    spares: Vec<Vec<(Timestamp, u64)>>,
    len: usize,
}

impl Deadlines {
    /// Files `key` under `at`, at capture time `now` (the buckets start from now's second when
    /// there are none).
    pub fn push(&mut self, at: Timestamp, key: u64, now: Timestamp) {
        if self.buckets.is_empty() {
            self.base = now.secs();
        }
        self.file(at, key);
    }

    fn file(&mut self, at: Timestamp, key: u64) {
        self.len += 1;
        let sec = at.secs();
        let index = sec.saturating_sub(self.base).max(0);
        if index >= HORIZON_SECS {
            self.far.push(Reverse((at, key)));
            return;
        }
        let index = index as usize;
        while self.buckets.len() <= index {
            let bucket = self.spares.pop().unwrap_or_default();
            self.buckets.push_back(bucket);
        }
        self.buckets[index].push((at, key));
    }

    /// Takes every entry due by `now` (filed at `now` or earlier); `keep(key, at)` answers
    /// whether it still stands (stale entries are dropped). Returns the keys that stand.
    pub fn take_due(&mut self, now: Timestamp, mut keep: impl FnMut(u64, Timestamp) -> bool) -> Vec<u64> {
        let mut due = Vec::new();
        let now_sec = now.secs();
        // Whole seconds gone by.
        while self.base < now_sec {
            let Some(mut bucket) = self.buckets.pop_front() else {
                self.base = now_sec;
                break;
            };
            self.base += 1;
            self.len -= bucket.len();
            due.extend(bucket.drain(..).filter(|&(at, key)| keep(key, at)).map(|(_, key)| key));
            self.recycle(bucket);
        }
        // Deadlines that came within reach (or are due: they go to the first bucket).
        while let Some(&Reverse((at, key))) = self.far.peek() {
            if at.secs().saturating_sub(self.base) >= HORIZON_SECS {
                break;
            }
            self.far.pop();
            self.len -= 1;
            self.file(at, key);
        }
        // The current second: what is due by now.
        if let Some(first) = self.buckets.front_mut() {
            let before = first.len();
            first.retain(|&(at, key)| {
                if at > now {
                    return true;
                }
                if keep(key, at) {
                    due.push(key);
                }
                false
            });
            self.len -= before - first.len();
        }
        due
    }

    fn recycle(&mut self, bucket: Vec<(Timestamp, u64)>) {
        if self.spares.len() < SPARES {
            self.spares.push(bucket);
        }
    }

    /// Entries held (stale ones included).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no entry is held.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Drops every entry.
    pub fn clear(&mut self) {
        while let Some(mut bucket) = self.buckets.pop_front() {
            bucket.clear();
            self.recycle(bucket);
        }
        self.far.clear();
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(millis: i64) -> Timestamp {
        Timestamp::from_parts(1_700_000_000, 0).plus_millis(millis)
    }

    #[derive(Debug, Clone)]
    enum Op {
        Push(i64, u64),
        Take(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            // Near, far beyond the horizon, and in the past.
            (-5_000i64..40_000, 0u64..50).prop_map(|(at, key)| Op::Push(at, key)),
            (-10_000i64..2_000_000, 0u64..50).prop_map(|(at, key)| Op::Push(at, key)),
            // Ticks mostly forward, sometimes back, sometimes leaping.
            (-2_000i64..1_500_000).prop_map(Op::Take),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Every tick takes exactly the entries a min-heap would: all filed at or before now,
        /// none later; the count held stays exact.
        #[test]
        fn takes_what_a_heap_would(ops in proptest::collection::vec(op(), 0..200)) {
            let mut d = Deadlines::default();
            let mut heap: BinaryHeap<Reverse<(Timestamp, u64)>> = BinaryHeap::new();
            let mut now = 0;
            for op in ops {
                match op {
                    Op::Push(at, key) => {
                        d.push(ts(at), key, ts(now));
                        heap.push(Reverse((ts(at), key)));
                    }
                    Op::Take(at) => {
                        now = at;
                        let mut seen = Vec::new();
                        let mut got = d.take_due(ts(now), |key, at| {
                            seen.push((at, key));
                            true
                        });
                        let mut want = Vec::new();
                        let mut want_entries = Vec::new();
                        while heap.peek().is_some_and(|Reverse((at, _))| *at <= ts(now)) {
                            let Reverse((at, key)) = heap.pop().unwrap();
                            want.push(key);
                            want_entries.push((at, key));
                        }
                        got.sort_unstable();
                        want.sort_unstable();
                        seen.sort_unstable();
                        want_entries.sort_unstable();
                        prop_assert_eq!(got, want);
                        prop_assert_eq!(seen, want_entries);
                    }
                }
                prop_assert_eq!(d.len(), heap.len());
            }
        }
    }

    #[test]
    fn stale_entries_are_dropped_and_clear_empties() {
        let mut d = Deadlines::default();
        d.push(ts(100), 1, ts(0));
        d.push(ts(200), 2, ts(0));
        d.push(ts(3_000_000), 3, ts(0));
        assert_eq!(d.len(), 3);
        assert_eq!(d.take_due(ts(500), |key, _| key != 1), [2]);
        assert_eq!(d.len(), 1, "the far one stays");
        d.clear();
        assert!(d.is_empty());
        assert!(d.take_due(ts(10_000_000), |_, _| true).is_empty());
    }
}
