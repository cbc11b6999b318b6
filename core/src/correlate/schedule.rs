//! When to look at a live call again, without sweeping every live call each second.
//!
//! Three small tables replace the once-a-second walk over all calls (which, with tens of
//! thousands of calls lingering, cost more in cache misses than the rest of the correlation):
//! - **deadlines**: each call's earliest moment something can happen to it without a new
//!   message (a timer fires, its stay in memory ends), in buckets of one second
//!   ([`super::deadlines`]). Entries are lazy: a call
//!   that moves its moment earlier files a new entry and the old one is skipped when it comes up;
//!   a call whose moment moves later keeps its entry, which is looked at, found early, and filed
//!   again. A moment is never later than the true one, so nothing fires late.
//! - **watched**: calls the rules look at on every tick (those whose last message the rules
//!   asked for, see [`super::Correlator::add_then`], and those whose timer just fired), kept
//!   until the caller says they are no longer of interest.
//! - **starts**: the first timestamps of live calls in a min-heap (lazy too), for the earliest
//!   start among the calls held.
//!
//! Stale entries are dropped when they come up, and all three tables are rebuilt from the live
//! calls when they grow past twice the calls held, so memory stays bounded by the calls held.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::deadlines::Deadlines;
use crate::time::Timestamp;

/// What the schedule keeps inside each call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Slot {
    /// The moment the call is filed under in the deadlines, if any.
    pub(crate) due: Option<Timestamp>,
    /// The call is on the watched list.
    pub(crate) watched: bool,
    /// The walk of the watched list that last visited the call (a Call-ID that left and came
    /// back can be listed twice; it is visited once a walk). Walks are counted, not timed: two
    /// ticks can carry the same capture time (a clock that steps back and forth).
    pub(crate) visited: u64,
}

impl Slot {
    /// Whether the call is filed under `at`; if so the filing is cleared.
    pub(crate) fn take_if_due(&mut self, at: Timestamp) -> bool {
        let filed = self.due == Some(at);
        if filed {
            self.due = None;
        }
        filed
    }

    /// Marks the call visited in walk `walk` (from [`Schedule::retain_watched`], never 0); false
    /// if it already was (listed twice because its Call-ID left and came back: the second entry
    /// goes).
    pub(crate) fn first_visit(&mut self, walk: u64) -> bool {
        if self.visited == walk {
            return false;
        }
        self.visited = walk;
        true
    }
}

/// The three tables of the schedule, keyed by the correlator's call keys.
#[derive(Debug, Default)]
pub struct Schedule {
    deadlines: Deadlines,
    watched: Vec<u64>,
    starts: BinaryHeap<Reverse<(Timestamp, u64)>>,
    /// Walks of the watched list so far.
    walks: u64,
}

impl Schedule {
    /// A new call under `key`, started at `first_ts` (its first message decides whether it is
    /// watched, see [`Schedule::watch`]).
    pub fn started(&mut self, key: u64, first_ts: Timestamp) {
        self.starts.push(Reverse((first_ts, key)));
    }

    /// Files the call under `due` if that is earlier than what it is filed under now (`now`:
    /// capture time).
    pub fn file(&mut self, key: u64, due: Timestamp, slot: &mut Slot, now: Timestamp) {
        if slot.due.is_none_or(|d| due < d) {
            slot.due = Some(due);
            self.deadlines.push(due, key, now);
        }
    }

    /// Puts the call on the watched list (once).
    pub fn watch(&mut self, key: u64, slot: &mut Slot) {
        if !slot.watched {
            slot.watched = true;
            self.watched.push(key);
        }
    }

    /// Takes every entry due by `now` for which `still_filed(key, at)` answers true (the call is
    /// there and still filed under `at`; it clears that filing, see [`Slot::take_if_due`]); the
    /// caller files the call again if it stays.
    pub fn take_due(&mut self, now: Timestamp, still_filed: impl FnMut(u64, Timestamp) -> bool) -> Vec<u64> {
        self.deadlines.take_due(now, still_filed)
    }

    /// Walks the watched list: `visit` gets each key and the number of this walk (for
    /// [`Slot::first_visit`]) and answers whether the key stays on it.
    pub fn retain_watched(&mut self, mut visit: impl FnMut(u64, u64) -> bool) {
        self.walks += 1;
        let walk = self.walks;
        self.watched.retain(|&key| visit(key, walk));
    }

    /// The earliest first timestamp among live calls (`start_of` tells a live call's start, or
    /// `None` for a key no longer live).
    pub fn earliest_start(
        &mut self,
        mut start_of: impl FnMut(u64) -> Option<Timestamp>,
    ) -> Option<Timestamp> {
        while let Some(&Reverse((at, key))) = self.starts.peek() {
            if start_of(key) == Some(at) {
                return Some(at);
            }
            self.starts.pop();
        }
        None
    }

    /// Whether the tables have grown past twice `live` calls (plus some room) and should be
    /// rebuilt with [`Schedule::rebuild`].
    pub fn needs_rebuild(&self, live: usize) -> bool {
        let limit = 2 * live + 1024;
        self.deadlines.len() > limit || self.starts.len() > limit || self.watched.len() > limit
    }

    /// Rebuilds the tables from the live calls: `(key, first_ts, slot)` for each, at capture
    /// time `now`.
    pub fn rebuild<'a>(
        &mut self,
        calls: impl Iterator<Item = (u64, Timestamp, &'a mut Slot)>,
        now: Timestamp,
    ) {
        self.deadlines.clear();
        self.starts.clear();
        self.watched.clear();
        for (key, first_ts, slot) in calls {
            self.starts.push(Reverse((first_ts, key)));
            if let Some(due) = slot.due {
                self.deadlines.push(due, key, now);
            }
            if slot.watched {
                self.watched.push(key);
            }
        }
        // The order of the watched list does not matter: the rules' tick sorts what it raises.
    }

    /// Entries held in the three tables (for tests of the bound).
    pub fn len(&self) -> usize {
        self.deadlines.len() + self.starts.len() + self.watched.len()
    }

    /// Whether the tables are empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ts(s: i64) -> Timestamp {
        Timestamp(s * 1_000_000_000)
    }

    #[test]
    fn takes_only_entries_due_and_still_filed() {
        let mut s = Schedule::default();
        let mut slots: HashMap<u64, Slot> = HashMap::new();
        for (key, due) in [(1, 5), (2, 3), (3, 9)] {
            let slot = slots.entry(key).or_default();
            s.file(key, ts(due), slot, ts(0));
        }
        // Call 1 moves earlier: its old entry at 5 is stale.
        s.file(1, ts(2), slots.get_mut(&1).unwrap(), ts(0));
        // Filing later than the current filing changes nothing.
        s.file(2, ts(8), slots.get_mut(&2).unwrap(), ts(0));
        let mut got = s.take_due(ts(6), |k, at| slots.get_mut(&k).is_some_and(|x| x.take_if_due(at)));
        got.sort_unstable();
        assert_eq!(got, vec![1, 2]);
        assert_eq!(slots[&1].due, None);
        assert_eq!(slots[&3].due, Some(ts(9)));
        // The stale entry of call 1 came up at 5 and was dropped, not taken again.
        assert!(s.take_due(ts(6), |k, at| slots.get_mut(&k).is_some_and(|x| x.take_if_due(at))).is_empty());
        // A call gone from the table is skipped.
        slots.remove(&3);
        assert!(s.take_due(ts(100), |k, at| slots.get_mut(&k).is_some_and(|x| x.take_if_due(at))).is_empty());
        assert!(s.deadlines.is_empty());
    }

    #[test]
    fn earliest_start_skips_calls_gone_or_replaced() {
        let mut s = Schedule::default();
        let mut starts: HashMap<u64, Timestamp> = HashMap::new();
        for (key, at) in [(1, 10), (2, 4), (3, 7)] {
            s.started(key, ts(at));
            starts.insert(key, ts(at));
        }
        assert_eq!(s.earliest_start(|k| starts.get(&k).copied()), Some(ts(4)));
        starts.remove(&2);
        assert_eq!(s.earliest_start(|k| starts.get(&k).copied()), Some(ts(7)));
        // Key 3 came back as a new call starting later: its old start no longer counts.
        starts.insert(3, ts(12));
        s.started(3, ts(12));
        assert_eq!(s.earliest_start(|k| starts.get(&k).copied()), Some(ts(10)));
        starts.clear();
        assert_eq!(s.earliest_start(|k| starts.get(&k).copied()), None);
    }

    #[test]
    fn watched_calls_are_visited_once_a_tick_until_let_go() {
        let mut s = Schedule::default();
        let mut slots: HashMap<u64, Slot> = HashMap::new();
        for key in [1, 2, 3] {
            let slot = slots.entry(key).or_default();
            s.watch(key, slot);
            s.watch(key, slot); // listed once only
        }
        // Key 2 listed twice (its Call-ID left and came back).
        s.watched.push(2);
        let mut visits: HashMap<u64, u32> = HashMap::new();
        for _ in 0..2 {
            s.retain_watched(|key, walk| {
                let Some(slot) = slots.get_mut(&key) else { return false };
                if !slot.first_visit(walk) {
                    return false;
                }
                *visits.entry(key).or_default() += 1;
                let keep = key != 3;
                slot.watched = keep;
                keep
            });
        }
        // Every call visited once per tick; call 3 let go after its first visit.
        assert_eq!(visits[&1], 2);
        assert_eq!(visits[&2], 2);
        assert_eq!(visits[&3], 1);
        assert!(!slots[&3].watched);
        assert_eq!(s.watched.len(), 2);
    }

    #[test]
    fn rebuild_keeps_one_entry_per_live_call() {
        let mut s = Schedule::default();
        let mut slots: HashMap<u64, Slot> = HashMap::new();
        for round in 0..5 {
            for key in 0..300u64 {
                let slot = slots.entry(key).or_default();
                s.started(key, ts(key as i64));
                s.watch(key, slot);
                s.file(key, ts(1000 - round), slot, ts(0));
            }
        }
        assert!(s.needs_rebuild(10));
        slots.retain(|&k, _| k < 10);
        let mut live: Vec<(u64, Timestamp, &mut Slot)> =
            slots.iter_mut().map(|(k, v)| (*k, ts(*k as i64), v)).collect();
        live.sort_by_key(|e| e.0);
        s.rebuild(live.into_iter(), ts(0));
        assert_eq!(s.deadlines.len(), 10);
        assert_eq!(s.starts.len(), 10);
        assert_eq!(s.watched.len(), 10);
        assert!(!s.needs_rebuild(10));
        assert_eq!(s.earliest_start(|k| slots.contains_key(&k).then(|| ts(k as i64))), Some(ts(0)));
    }
}
