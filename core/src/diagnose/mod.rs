//! Diagnose stage: rules that watch calls and traffic and explain failures as they happen.
//!
//! Call rules ([`rules`]) are pure functions of a [`Call`] at a capture time: they run after each
//! new message of the call, on each tick, and when the call ends, and fire once per call when
//! their evidence is complete. Source rules (scanners, brute force) keep a bounded window per
//! source address. Findings carry a stable rule id, a severity, the call or source address, a
//! one-line summary, an explanation, next steps and the evidence (messages by index in the call).

pub mod codes;
pub mod nat;
pub mod reason;
pub mod refusal;
pub mod roles;
pub mod rules;
pub mod sources;

use std::fmt;
use std::net::IpAddr;

use crate::correlate::{Added, Call, Correlator};
use crate::sip::SipMessage;
use crate::time::Timestamp;
use sources::SourceRules;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Probably a misconfiguration or a misbehaving device.
    Warning,
    /// A failure or a broken element.
    Error,
}

impl Severity {
    /// Name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// One call (by Call-ID).
    Call(String),
    /// A traffic pattern from one source address.
    Source(IpAddr),
}

/// One message that proves a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The call the message belongs to.
    pub call_id: String,
    /// Index of the message in its call (0-based, every message counted).
    pub index: u32,
    /// What the message is (`INVITE`, `603 Decline`…).
    pub what: String,
}

/// A diagnosis.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable rule id (`forbidden-403`, `decline-not-honoured`…).
    pub rule: &'static str,
    /// Severity.
    pub severity: Severity,
    /// The call or source address.
    pub subject: Subject,
    /// Capture time at which the evidence was complete.
    pub ts: Timestamp,
    /// One line.
    pub summary: String,
    /// What it means (shared: the dashboard, keeping thousands of findings, holds one copy of
    /// each text they have in common; see [`SharedTexts`]).
    pub explanation: std::sync::Arc<str>,
    /// What to check or change.
    pub next_steps: Vec<std::sync::Arc<str>>,
    /// The messages that prove it.
    pub evidence: Vec<Evidence>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.severity.as_str(), self.rule, self.summary)
    }
}

/// Keeps one copy of the explanation and next-step texts that findings have in common: the
/// dashboard holding thousands of findings of one rule holds each shared text once (bounded:
/// past [`SharedTexts::MAX`] distinct texts, new ones stay unshared).
#[derive(Debug, Default)]
pub struct SharedTexts(std::collections::HashSet<std::sync::Arc<str>>);

impl SharedTexts {
    /// Most distinct texts remembered.
    pub const MAX: usize = 4_096;

    /// Points the finding's texts at the copies already held (or holds its own).
    pub fn share(&mut self, f: &mut Finding) {
        f.explanation = self.one(&f.explanation);
        for step in &mut f.next_steps {
            *step = self.one(step);
        }
    }

    fn one(&mut self, text: &std::sync::Arc<str>) -> std::sync::Arc<str> {
        if let Some(held) = self.0.get(text) {
            return held.clone();
        }
        if self.0.len() < Self::MAX {
            self.0.insert(text.clone());
        }
        text.clone()
    }
}

/// Every rule id, for views and docs.
pub const RULES: &[&str] = &[
    "forbidden-403",
    "auth-failed",
    "from-private-host",
    "decline-should-be-busy",
    "decline-from-server",
    "decline-not-honoured",
    "cancel-not-propagated",
    "487-without-cancel",
    "no-final-response",
    "no-ack-for-2xx",
    "loop-or-hops",
    "media-rejected",
    "server-failure",
    "subscription-lost",
    "transfer-failed",
    "one-way-media",
    "no-media",
    "media-nat",
    "media-to-unannounced",
    "asymmetric-rtp",
    "codec-not-negotiated",
    "media-quality",
    "media-after-bye",
    "scanner",
    "auth-bruteforce",
    "toll-fraud",
];

/// When a call rule is being run.
#[derive(Debug, Clone, Copy)]
pub struct Moment {
    /// Capture time now.
    pub now: Timestamp,
    /// The call is over (ended, evicted, or the input ended): no more evidence will come.
    pub ended: bool,
}

/// Most findings kept waiting for a view to take them; beyond, they are counted only.
pub const MAX_PENDING_FINDINGS: usize = 100_000;

/// Counters of the diagnosis stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiagnoseStats {
    /// Findings raised.
    pub findings: u64,
    /// Findings not kept because views did not take them fast enough.
    pub dropped: u64,
    /// Findings about calls of a flagged source (scanner, brute force, toll fraud), rolled up
    /// into that source's finding instead of listed one by one.
    pub rolled_up: u64,
}

/// Runs the rules.
#[derive(Default)]
pub struct Diagnoser {
    sources: SourceRules,
    servers_403: std::collections::HashMap<IpAddr, u32>,
    roles: roles::Roles,
    pending: Vec<Finding>,
    stats: DiagnoseStats,
    media_pairs: std::collections::HashSet<(IpAddr, IpAddr)>,
}

/// Most pairs of hosts remembered as having had media seen by the capture.
pub const MAX_MEDIA_PAIRS: usize = 65_536;

impl Diagnoser {
    /// A diagnoser with empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counters so far.
    pub fn stats(&self) -> DiagnoseStats {
        self.stats
    }

    /// Notes a new RTP stream between two hosts: this capture point sees media between them,
    /// so a call of theirs without any is evidence of a media failure rather than of a capture
    /// that holds signalling only or of media taking another path.
    pub fn note_media_pair(&mut self, a: IpAddr, b: IpAddr) {
        if self.media_pairs.len() < MAX_MEDIA_PAIRS {
            self.media_pairs.insert(if a <= b { (a, b) } else { (b, a) });
        }
    }

    /// After a message was added to `call`. Answers whether the rules' tick should look at the
    /// call: only when it holds something time alone can complete (a 6xx, a CANCEL, a 487, a
    /// 408 or a timeout; see [`rules::wants_tick`]).
    pub fn on_message(&mut self, msg: &SipMessage, added: Added, call: &mut Call) -> bool {
        if added.duplicate || added.retransmission {
            return rules::wants_tick(rules::facts_of(call));
        }
        self.roles.learn(msg);
        if msg.status() == Some(403) && self.servers_403.len() < 65_536 {
            *self.servers_403.entry(msg.src.ip()).or_default() += 1;
        }
        let mut found = Vec::new();
        self.sources.on_message(msg, added, call, &mut found);
        for f in found {
            self.raise(f);
        }
        rules::wants_tick(self.check_rules(call, Moment { now: msg.ts, ended: false }, false))
    }

    /// On a tick of capture time, for the calls the correlator watches (see
    /// [`Correlator::visit_watched`]). Only the rules whose evidence can
    /// complete with time alone matter here (grace periods after a 6xx, a CANCEL or a 487;
    /// timers), so calls quiet for longer than those periods, and not newly timed out, are
    /// skipped. The findings raised come out ordered by call, whatever order the calls come in.
    pub fn on_tick(&mut self, calls: &mut Correlator, now: Timestamp) {
        let start = self.pending.len();
        let watching = |call: &Call| {
            let recent = now.millis_since(call.last_ts) <= 2 * rules::GRACE_MS + 1_000;
            recent || (call.timed_out && !call.findings.contains(&"no-final-response"))
        };
        calls.visit_watched(|call| {
            if watching(call) {
                self.check_rules(call, Moment { now, ended: false }, true);
            }
            // Once neither holds, only a new message (or a timer) brings the call back.
            watching(call)
        });
        self.pending[start..].sort_by(|a, b| (a.ts, &a.subject, a.rule).cmp(&(b.ts, &b.subject, b.rule)));
    }

    /// When a call leaves memory.
    pub fn on_end(&mut self, call: &mut Call, now: Timestamp) {
        self.check(call, Moment { now, ended: true });
    }

    /// Judges the source windows whose time is up, and forgets old ones.
    pub fn sweep(&mut self, now: Timestamp) {
        let mut found = Vec::new();
        self.sources.sweep(now, &mut found);
        self.raise_sorted(found);
    }

    /// End of input: the source rules judge what they hold as it stands.
    pub fn finish(&mut self, now: Timestamp) {
        let mut found = Vec::new();
        self.sources.finish(now, &mut found);
        self.raise_sorted(found);
    }

    fn raise_sorted(&mut self, mut found: Vec<Finding>) {
        found.sort_by(|a, b| (a.ts, &a.subject, a.rule).cmp(&(b.ts, &b.subject, b.rule)));
        for f in found {
            self.raise(f);
        }
    }

    /// Findings raised since the last call, in the order they were raised.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Finding> {
        self.pending.drain(..)
    }

    /// Whether findings wait to be drained.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    fn check(&mut self, call: &mut Call, at: Moment) {
        self.check_rules(call, at, false);
    }

    /// Runs the call rules (only the timed ones when `timed_only`) not yet raised for `call`;
    /// returns the call's [`rules::facts`].
    fn check_rules(&mut self, call: &mut Call, at: Moment, timed_only: bool) -> u32 {
        let ctx = rules::Context {
            at,
            servers_403: &self.servers_403,
            roles: &self.roles,
            media_pairs: &self.media_pairs,
        };
        let mut new = Vec::new();
        let facts = rules::facts_of(call);
        // Most rules need a fact most calls do not have: only the rules that can find something
        // are visited, in their order.
        let run = rules::to_run(facts, timed_only, at.ended);
        if cfg!(debug_assertions) {
            // A rule left out would fail its own first test: check that it finds nothing.
            let mut skipped = rules::allowed(timed_only, at.ended) & !run;
            while skipped != 0 {
                let rule = &rules::CALL_RULES[skipped.trailing_zeros() as usize];
                skipped &= skipped - 1;
                assert!(
                    (rule.check)(call, &ctx).is_none(),
                    "rule {} found something without the facts it needs",
                    rule.id
                );
            }
        }
        let mut bits = run;
        while bits != 0 {
            let rule = &rules::CALL_RULES[bits.trailing_zeros() as usize];
            bits &= bits - 1;
            if call.findings.contains(&rule.id) || call.rolled_up.contains(&rule.id) {
                continue;
            }
            if let Some(f) = (rule.check)(call, &ctx) {
                new.push((rule.id, f));
            }
        }
        if new.is_empty() {
            return facts;
        }
        let flagged = self.sources.flagged(call.src().ip());
        for (id, f) in new {
            if flagged {
                call.rolled_up.push(id);
                self.stats.rolled_up += 1;
            } else {
                call.findings.push(id);
                self.raise(f);
            }
        }
        facts
    }

    fn raise(&mut self, f: Finding) {
        self.stats.findings += 1;
        if self.pending.len() >= MAX_PENDING_FINDINGS {
            self.stats.dropped += 1;
        } else {
            self.pending.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::correlate::CorrelatorConfig;
    use crate::sip::scan::{scan, Framing, Scan};

    /// A message of Call-ID `c1` from 192.0.2.1 (requests) or 192.0.2.2 (responses).
    fn message(start: &str, cseq: &str, to_tag: &str, ms: i64) -> SipMessage {
        let text = format!(
            "{start}\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nFrom: <sip:a@192.0.2.1>;tag=1\r\nTo: <sip:b@192.0.2.2>{to_tag}\r\nCall-ID: c1\r\nCSeq: {cseq}\r\nContent-Length: 0\r\n\r\n"
        );
        let raw: std::sync::Arc<[u8]> = text.into_bytes().into();
        let Scan::Complete { headers, .. } = scan(&raw, Framing::Datagram) else { panic!("test message") };
        let (a, b) = ("192.0.2.1:5060".parse().unwrap(), "192.0.2.2:5060".parse().unwrap());
        let request = start.starts_with("INVITE") || start.starts_with("ACK");
        SipMessage {
            ts: Timestamp::from_parts(1_700_000_000, 0).plus_millis(ms),
            src: if request { a } else { b },
            dst: if request { b } else { a },
            transport: crate::sip::Transport::Udp,
            raw,
            headers,
        }
    }

    /// Whether the diagnoser asks the tick to watch the call after each of `messages`.
    fn watch_answers(messages: &[SipMessage]) -> Vec<bool> {
        let mut calls = Correlator::new(CorrelatorConfig::default());
        let mut rules = Diagnoser::new();
        messages
            .iter()
            .map(|m| {
                let mut watch = None;
                calls.add_then(m, |added, call| {
                    let w = rules.on_message(m, added, call);
                    watch = Some(w);
                    w
                });
                watch.expect("filed")
            })
            .collect()
    }

    /// An answered call holds nothing that time alone completes: the tick leaves it alone. A
    /// declined one (the other branches have a second to be cancelled) is watched from the 603
    /// on, its retransmission included.
    #[test]
    fn only_calls_with_something_timed_are_watched() {
        let invite = message("INVITE sip:b@192.0.2.2 SIP/2.0", "1 INVITE", "", 0);
        let ringing = message("SIP/2.0 180 Ringing", "1 INVITE", ";tag=2", 10);
        let ok = message("SIP/2.0 200 OK", "1 INVITE", ";tag=2", 20);
        let ack = message("ACK sip:b@192.0.2.2 SIP/2.0", "1 ACK", ";tag=2", 30);
        assert_eq!(watch_answers(&[invite.clone(), ringing.clone(), ok, ack]), [false; 4]);
        let decline = message("SIP/2.0 603 Decline", "1 INVITE", ";tag=2", 20);
        let again = SipMessage { ts: decline.ts.plus_millis(500), ..decline.clone() };
        assert_eq!(watch_answers(&[invite, ringing, decline, again]), [false, false, true, true]);
    }
}
