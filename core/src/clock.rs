//! The capture clock: packet timestamps made monotonic for the engine.
//!
//! Captures merged from several machines, or taken on a host whose clock was stepped (NTP,
//! a VM resumed, a dead RTC battery), can hold time that runs backwards or leaps years ahead.
//! Taken at face value that gives negative or absurd delays and splits calls on timers. A
//! backward step of more than [`BACKWARD_TOLERANCE_MS`], or a forward leap of more than
//! [`FORWARD_LEAP_MS`], is taken as a clock step once a second packet confirms it: later packets
//! are shifted so time carries on from where it was, and the step is counted and reported. A
//! single packet out of line (one out-of-order record, a stray from another interface) is held
//! at the current time and changes nothing else. Small backward steps (packets of two
//! interfaces interleaved slightly out of order) pass unchanged.

use crate::time::Timestamp;

/// A backward step up to this is ordinary interleaving, not a clock step.
pub const BACKWARD_TOLERANCE_MS: i64 = 1_000;
/// A forward leap beyond this between two consecutive packets is a clock step (30 days).
pub const FORWARD_LEAP_MS: i64 = 30 * 86_400_000;

/// What the clock has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockStats {
    /// Clock steps found (backward beyond the tolerance, or forward leaps).
    pub jumps: u64,
    /// The largest step, in milliseconds (negative: backwards).
    pub largest_jump_ms: i64,
    /// Capture time (as recorded) of the first step.
    pub first_jump_at: Option<Timestamp>,
    /// Total shift applied to the latest packets, in milliseconds.
    pub shift_ms: i64,
}

/// Makes packet time monotonic (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct CaptureClock {
    last: Option<Timestamp>,
    shift_ns: i64,
    /// A step seen on one packet, waiting for the next to confirm it: the shift it would need.
    suspect: Option<i64>,
    stats: ClockStats,
}

impl CaptureClock {
    /// A clock that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// What it has seen.
    pub fn stats(&self) -> ClockStats {
        self.stats
    }

    /// The engine time of a packet recorded at `ts`.
    pub fn adjust(&mut self, ts: Timestamp) -> Timestamp {
        let mut t = Timestamp(ts.0.saturating_add(self.shift_ns));
        if let Some(last) = self.last {
            let step = t.millis_since(last);
            if (-BACKWARD_TOLERANCE_MS..=FORWARD_LEAP_MS).contains(&step) {
                self.suspect = None;
            } else if let Some(shift) = self.suspect.take() {
                // Two packets in a row out of line: the clock really stepped. Shift by what the
                // first one needed, so the time between the two is kept.
                self.shift_ns = self.shift_ns.saturating_add(shift);
                self.stats.jumps += 1;
                let jump = -(shift / 1_000_000);
                if jump.saturating_abs() > self.stats.largest_jump_ms.saturating_abs() {
                    self.stats.largest_jump_ms = jump;
                }
                self.stats.first_jump_at.get_or_insert(ts);
                self.stats.shift_ms = self.shift_ns / 1_000_000;
                t = Timestamp(ts.0.saturating_add(self.shift_ns)).max(last);
            } else {
                // One packet out of line: held at the current time until the next one says more.
                self.suspect = Some(last.0.saturating_sub(t.0));
                t = last;
            }
        }
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
        t
    }

    /// Engine time for a tick at wall-clock `now` (live mode): shifted like the packets.
    pub fn tick_time(&self, now: Timestamp) -> Timestamp {
        Timestamp(now.0.saturating_add(self.shift_ns))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: i64) -> Timestamp {
        Timestamp::from_parts(1_700_000_000, 0).plus_millis(ms)
    }

    #[test]
    fn ordinary_time_passes_unchanged() {
        let mut c = CaptureClock::new();
        for ms in [0, 10, 5, 900, 400, 3_600_000] {
            assert_eq!(c.adjust(t(ms)), t(ms));
        }
        assert_eq!(c.stats().jumps, 0);
    }

    #[test]
    fn backward_step_is_absorbed_and_counted() {
        let mut c = CaptureClock::new();
        assert_eq!(c.adjust(t(10_000)), t(10_000));
        // The clock is stepped back by an hour: time carries on from 10 s, the 250 ms between
        // the two packets after the step kept.
        assert_eq!(c.adjust(t(10_000 - 3_600_000)), t(10_000));
        assert_eq!(c.adjust(t(10_000 - 3_600_000 + 250)), t(10_250));
        let s = c.stats();
        assert_eq!((s.jumps, s.largest_jump_ms, s.shift_ms), (1, -3_600_000, 3_600_000));
    }

    #[test]
    fn one_packet_out_of_line_changes_nothing_else() {
        let mut c = CaptureClock::new();
        assert_eq!(c.adjust(t(50_000)), t(50_000));
        // One record 40 s out of order, then time goes on as before.
        assert_eq!(c.adjust(t(10_000)), t(50_000));
        assert_eq!(c.adjust(t(50_100)), t(50_100));
        assert_eq!(c.stats().jumps, 0);
    }

    #[test]
    fn leap_of_years_is_absorbed() {
        let mut c = CaptureClock::new();
        c.adjust(t(0));
        let years = 5 * 365 * 86_400_000;
        assert_eq!(c.adjust(t(100 + years)), t(0));
        assert_eq!(c.adjust(t(300 + years)), t(200));
        assert_eq!(c.adjust(t(400 + years)), t(300));
        assert_eq!(c.stats().jumps, 1);
    }
}
