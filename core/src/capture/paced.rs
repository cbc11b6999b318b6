//! A source replayed at the pace it was captured (`--speed N`: N times as fast), with idle
//! ticks of capture time while it waits, so timers fire as they would have live.

use std::time::{Duration, Instant};

use crate::packet::{Drops, Pull, RawPacket, Source, SourceError};
use crate::time::Timestamp;

/// Longest sleep between two looks at the clock (and two ticks).
const STEP: Duration = Duration::from_millis(20);

/// Paces `inner` to `speed` times real time.
pub struct Paced<S> {
    inner: S,
    speed: f64,
    start: Option<(Instant, Timestamp)>,
    pending: Option<(Timestamp, i32, Vec<u8>, u32)>,
    emitted: bool,
}

impl<S: Source> Paced<S> {
    /// `speed` times real time (1.0: as captured); a speed that is not positive is not paced.
    pub fn new(inner: S, speed: f64) -> Self {
        Paced { inner, speed, start: None, pending: None, emitted: false }
    }
}

impl<S: Source> Source for Paced<S> {
    fn pull(&mut self) -> Result<Pull<'_>, SourceError> {
        if self.emitted {
            self.emitted = false;
            self.pending = None;
        }
        if self.pending.is_none() {
            match self.inner.pull()? {
                Pull::Packet(p) => self.pending = Some((p.ts, p.linktype, p.data.to_vec(), p.orig_len)),
                Pull::Idle(t) => return Ok(Pull::Idle(t)),
                Pull::Notice(n) => return Ok(Pull::Notice(n)),
                Pull::End => return Ok(Pull::End),
            }
        }
        let Some((ts, linktype, data, orig_len)) = self.pending.as_ref() else { return Ok(Pull::End) };
        let ts = *ts;
        let (wall0, ts0) = *self.start.get_or_insert((Instant::now(), ts));
        if self.speed > 0.0 && self.speed.is_finite() {
            let due = Duration::from_nanos((ts.0.saturating_sub(ts0.0).max(0) as f64 / self.speed) as u64);
            let elapsed = wall0.elapsed();
            if elapsed < due {
                std::thread::sleep((due - elapsed).min(STEP));
                let now =
                    Timestamp(ts0.0.saturating_add((wall0.elapsed().as_nanos() as f64 * self.speed) as i64))
                        .min(ts);
                return Ok(Pull::Idle(now));
            }
        }
        self.emitted = true;
        Ok(Pull::Packet(RawPacket { ts, linktype: *linktype, data, orig_len: *orig_len }))
    }

    fn drops(&self) -> Drops {
        self.inner.drops()
    }
}
