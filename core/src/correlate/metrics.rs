//! Capture-wide counters that survive call eviction: response codes and the RFC 6076 metrics.
//! The counting rules are written down in `docs/metrics.md`.

use super::call::Call;
use super::kind::{CallKind, CallState};

/// Millisecond histogram: 1 ms buckets to 10 s, 100 ms buckets to 210 s, then one overflow.
#[derive(Debug, Clone)]
pub struct Histogram {
    fine: Vec<u32>,
    coarse: Vec<u32>,
    over: u32,
    count: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { fine: vec![0; 10_000], coarse: vec![0; 2_000], over: 0, count: 0 }
    }
}

impl Histogram {
    /// Adds one sample in milliseconds (negative samples count as 0).
    pub fn add(&mut self, ms: i64) {
        let ms = ms.max(0) as u64;
        self.count += 1;
        if ms < 10_000 {
            self.fine[ms as usize] += 1;
        } else if ms < 210_000 {
            self.coarse[((ms - 10_000) / 100) as usize] += 1;
        } else {
            self.over += 1;
        }
    }

    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The value at or below which `p` percent of the samples fall (nearest rank), in ms.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0u64;
        for (ms, &n) in self.fine.iter().enumerate() {
            seen += n as u64;
            if seen >= rank {
                return Some(ms as u64);
            }
        }
        for (i, &n) in self.coarse.iter().enumerate() {
            seen += n as u64;
            if seen >= rank {
                return Some(10_000 + i as u64 * 100);
            }
        }
        Some(210_000)
    }
}

/// Counters over the whole capture.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Responses per status code (index = code), retransmissions and duplicates excluded.
    pub responses: Vec<u64>,
    /// Calls with an INVITE (the RFC 6076 "INVITE requests", one per call).
    pub invites: u64,
    /// Of them, redirected (3xx).
    pub invites_3xx: u64,
    /// Of them, answered (2xx on the caller's hop).
    pub invites_answered: u64,
    /// Of them, answered or ended with 480, 486, 600 or 603 (the user was reached).
    pub invites_effective: u64,
    /// Of them, ended with 408, 500, 503, 504 or with no final response in time.
    pub invites_ineffective: u64,
    /// Of them, answered and ended with a BYE.
    pub invites_completed: u64,
    /// Session Request Delay samples (INVITE to first 18x, or to the final response if none).
    pub srd: Histogram,
    /// Registration Request Delay samples (first REGISTER of the attempt chain to its 2xx).
    pub rrd: Histogram,
    /// Registrations seen.
    pub registrations: u64,
    /// Of them, registered.
    pub registrations_ok: u64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            responses: vec![0; 700],
            invites: 0,
            invites_3xx: 0,
            invites_answered: 0,
            invites_effective: 0,
            invites_ineffective: 0,
            invites_completed: 0,
            srd: Histogram::default(),
            rrd: Histogram::default(),
            registrations: 0,
            registrations_ok: 0,
        }
    }
}

/// The RFC 6076 figures, as percentages and milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rfc6076 {
    /// Session Establishment Ratio (%).
    pub ser: Option<f64>,
    /// Session Establishment Effectiveness Ratio (%).
    pub seer: Option<f64>,
    /// Ineffective Session Attempts (%).
    pub isa: Option<f64>,
    /// Session Completion Ratio (%).
    pub scr: Option<f64>,
    /// Session Request Delay median and 95th percentile (ms).
    pub srd_p50: Option<u64>,
    /// See `srd_p50`.
    pub srd_p95: Option<u64>,
    /// Registration Request Delay median and 95th percentile (ms).
    pub rrd_p50: Option<u64>,
    /// See `rrd_p50`.
    pub rrd_p95: Option<u64>,
}

fn pct(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| (num as f64 * 10_000.0 / den as f64).round() / 100.0)
}

impl Metrics {
    /// Counts a response message (not a retransmission or duplicate).
    pub fn response(&mut self, code: u16) {
        if let Some(n) = self.responses.get_mut(code as usize) {
            *n += 1;
        }
    }

    /// Counts a call that has ended (or was evicted). `at_end`: the input ended with the call
    /// still open: a call still ringing or talking has no outcome yet and is left out of the
    /// session ratios rather than counted as a failure.
    pub fn call_ended(&mut self, call: &Call, at_end: bool) {
        let open = matches!(call.state, CallState::InProgress | CallState::Ringing | CallState::Answered);
        match call.kind {
            CallKind::Call if at_end && open => {}
            // A later part of a Call-ID belongs to the attempt its first part counted.
            CallKind::Call if call.part > 1 => {}
            CallKind::Call if call.invite_ts().is_some() => {
                self.invites += 1;
                let code = call.decisive().map(|r| r.code);
                match code {
                    Some(200..=299) => {
                        self.invites_answered += 1;
                        self.invites_effective += 1;
                        if call.bye_ts.is_some() && call.state != CallState::Unconfirmed {
                            self.invites_completed += 1;
                        }
                    }
                    Some(300..=399) => self.invites_3xx += 1,
                    Some(480) | Some(486) | Some(600) | Some(603) => self.invites_effective += 1,
                    Some(408) | Some(500) | Some(503) | Some(504) => self.invites_ineffective += 1,
                    None if call.state == CallState::Timeout => self.invites_ineffective += 1,
                    _ => {}
                }
                // SRD: the INVITE of the attempt that decided the call (after a challenge, the one
                // with credentials) to its first provisional other than 100, or its final response.
                if let Some(t) = call.caller_hop() {
                    let first_reply =
                        match (t.provisional.map(|p| p.ts), t.first_final.as_ref().map(|f| f.ts)) {
                            (Some(p), Some(f)) => Some(p.min(f)),
                            (p, f) => p.or(f),
                        };
                    if let Some(ts) = first_reply {
                        self.srd.add(ts.millis_since(t.first_ts));
                    }
                }
            }
            CallKind::Registration => {
                self.registrations += 1;
                if call.answered().is_some() {
                    self.registrations_ok += 1;
                }
                // RRD: for each registration that succeeded, its first REGISTER (challenges
                // included) to its 2xx. A refresh or de-registration later on the same Call-ID
                // starts a chain of its own.
                let mut start = None;
                for t in call.transactions.iter().filter(|t| t.method == call.primary && !t.in_dialog) {
                    let chain_start = *start.get_or_insert(t.first_ts);
                    if let Some(ok) = t.first_success.as_deref() {
                        self.rrd.add(ok.ts.millis_since(chain_start));
                        start = None;
                    }
                }
            }
            _ => {}
        }
    }

    /// The RFC 6076 figures so far.
    pub fn rfc6076(&self) -> Rfc6076 {
        let attempts = self.invites.saturating_sub(self.invites_3xx);
        Rfc6076 {
            ser: pct(self.invites_answered, attempts),
            seer: pct(self.invites_effective, attempts),
            isa: pct(self.invites_ineffective, self.invites),
            scr: pct(self.invites_completed, self.invites),
            srd_p50: self.srd.percentile(50.0),
            srd_p95: self.srd.percentile(95.0),
            rrd_p50: self.rrd.percentile(50.0),
            rrd_p95: self.rrd.percentile(95.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut h = Histogram::default();
        assert_eq!(h.percentile(50.0), None);
        for ms in 1..=100 {
            h.add(ms);
        }
        assert_eq!(h.percentile(50.0), Some(50));
        assert_eq!(h.percentile(95.0), Some(95));
        h.add(15_050);
        h.add(1_000_000);
        assert_eq!(h.percentile(100.0), Some(210_000));
        assert_eq!(h.count(), 102);
    }

    #[test]
    fn ratios_round_to_two_decimals() {
        assert_eq!(pct(2, 3), Some(66.67));
        assert_eq!(pct(0, 0), None);
    }
}
