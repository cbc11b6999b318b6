//! Correlate stage: groups SIP messages into calls (one per Call-ID), with transactions, legs,
//! forked branches, retransmissions, states, timings and capture-wide metrics.
//!
//! Memory is bounded: a cap on live calls (finished ones leave first, the evictions counted), a
//! cap on transactions per call. A call that has reached its outcome lingers for what may still
//! come (see [`linger_ms`]): late retransmissions, a retry after a challenge, the refresh of a
//! registration or subscription. Then it is handed out through [`Correlator::drain_finished`]
//! and dropped; the metrics keep counting.
//!
//! One Call-ID is one call for the life of the capture: a compact record of every Call-ID handed
//! out is kept (bounded, the forgotten ones counted), and a later message of it continues the
//! call as its next part, with the message numbering carried on.

pub mod call;
mod deadlines;
pub mod kind;
pub mod metrics;
pub mod registrations;
pub mod schedule;
pub mod transaction;
pub(crate) mod warm;

use std::collections::{HashMap, VecDeque};

use schedule::Schedule;
use std::hash::BuildHasherDefault;

pub use call::{Added, BranchRef, BranchSummary, Call, Peer, Resumed};
pub use kind::{CallKind, CallState};
pub use metrics::{Metrics, Rfc6076};
pub use registrations::{RegStatus, Registration, Registrations};

use crate::sip::SipMessage;
use crate::time::Timestamp;

/// Settings of the correlator.
#[derive(Debug, Clone)]
pub struct CorrelatorConfig {
    /// Most calls held at once.
    pub max_calls: usize,
    /// Headers naming a linked call's Call-ID (B2BUA legs), matched case-insensitively.
    pub link_headers: Vec<String>,
    /// How long a call that reached its outcome stays for late messages.
    pub linger_ms: i64,
    /// An answered call with no message for this long is handed out as it is.
    pub idle_ms: i64,
    /// A request with no response at all for this long has timed out (RFC 3261 Timer B/F).
    pub no_response_ms: i64,
    /// A call ringing with no final response for this long has timed out (RFC 3261 Timer C).
    pub ringing_ms: i64,
    /// How long a request refused with a challenge (401/407) waits for its retry.
    pub retry_linger_ms: i64,
    /// Longest a registration or subscription stays for its refresh (it stays for the lifetime
    /// its 2xx granted, up to this).
    pub max_refresh_linger_ms: i64,
    /// Most Call-IDs remembered after their record was written out.
    pub max_ended: usize,
}

impl Default for CorrelatorConfig {
    fn default() -> Self {
        CorrelatorConfig {
            max_calls: 200_000,
            link_headers: vec!["X-Call-ID".into(), "X-CID".into()],
            linger_ms: 32_000,
            idle_ms: 3_600_000,
            no_response_ms: 32_000,
            ringing_ms: 180_000,
            retry_linger_ms: 300_000,
            max_refresh_linger_ms: 3_700_000,
            max_ended: 262_144,
        }
    }
}

/// Counters of the correlator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CorrelatorStats {
    /// Calls created.
    pub calls: u64,
    /// Calls forced out before they ended.
    pub evicted_calls: u64,
    /// Protocol retransmissions.
    pub retransmissions: u64,
    /// Packets captured twice.
    pub duplicates: u64,
    /// Messages without a Call-ID (not correlated).
    pub without_call_id: u64,
    /// Calls held right now.
    pub live_calls: u64,
    /// Records that continue a Call-ID seen before (its earlier record already written out).
    pub resumed_calls: u64,
    /// Call-IDs of ended calls remembered right now (bounded by `max_ended`).
    pub remembered_call_ids: u64,
    /// Call-IDs forgotten from the table of ended ones (a later message of one of them starts a
    /// new call instead of continuing it).
    pub forgotten_call_ids: u64,
}

/// The correlator.
pub struct Correlator {
    config: CorrelatorConfig,
    /// Live calls by the keyed digest of their Call-ID (one hash per message; a second digest
    /// kept in the call is compared on every hit, so two calls are merged only if both digests
    /// collide: the keyed one about once in 2^64 lookups, and no sender can aim for it). Boxed:
    /// a call is hundreds of bytes and moves from table to table.
    calls: HashMap<u64, Box<Call>, BuildHasherDefault<PreHashed>>,
    // Boxed on purpose: calls come out of the live table as boxes and are handed on as they are.
    #[allow(clippy::vec_box)]
    finished: Vec<Box<Call>>,
    metrics: Metrics,
    registrations: Registrations,
    stats: CorrelatorStats,
    last_sweep: Timestamp,
    /// When to look at each live call again, and which calls the rules watch.
    schedule: Schedule,
    /// Earliest start among the calls held, as of the last sweep (calls created since start
    /// later, calls handed out since only raise the true value: it is a lower bound).
    oldest_live: Option<Timestamp>,
    // Sequence numbers wrap at 2^32: an entry of the order queue is compared with the entry it
    // was made for, never more than a few hundred thousand records apart.
    ended: HashMap<u64, (Resumed, u32), BuildHasherDefault<PreHashed>>,
    ended_order: VecDeque<(u64, u32)>,
    ended_seq: u32,
    /// Random key of the Call-ID digests that key `calls` and `ended`: a crafted Call-ID cannot
    /// be made to match another call's digest, nor to crowd one bucket.
    ended_keys: std::collections::hash_map::RandomState,
}

/// Hasher for keys that are already keyed hashes (`Correlator::id_key`): passes the `u64`
/// through.
#[derive(Default)]
struct PreHashed(u64);

impl std::hash::Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl Correlator {
    /// An empty correlator.
    pub fn new(config: CorrelatorConfig) -> Self {
        Correlator {
            config,
            calls: HashMap::default(),
            finished: Vec::new(),
            metrics: Metrics::default(),
            registrations: Registrations::default(),
            stats: CorrelatorStats::default(),
            last_sweep: Timestamp(i64::MIN),
            schedule: Schedule::default(),
            oldest_live: None,
            ended: HashMap::default(),
            ended_order: VecDeque::new(),
            ended_seq: 0,
            ended_keys: std::collections::hash_map::RandomState::new(),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> CorrelatorStats {
        let mut s = self.stats;
        s.live_calls = self.calls.len() as u64;
        s.remembered_call_ids = self.ended.len() as u64;
        s
    }

    /// Capture-wide metrics so far (calls still live are not in the RFC 6076 counts yet).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The registrations table (every registering device seen).
    pub fn registrations(&self) -> &Registrations {
        &self.registrations
    }

    /// No call held now started before this (as of the last once-a-second sweep): every call
    /// that started earlier has been handed out. `None` when none is held.
    pub fn oldest_live_start(&self) -> Option<Timestamp> {
        if self.calls.is_empty() {
            None
        } else {
            // Calls made since the sweep started after it, give or take packets a little out of
            // order (two interfaces, HEP agents): a margin of two seconds. Before any sweep,
            // nothing is known.
            let after_sweep = Timestamp(self.last_sweep.0.saturating_sub(2_000_000_000));
            Some(self.oldest_live.map_or(after_sweep, |o| o.min(after_sweep)))
        }
    }

    /// Calls held right now.
    pub fn live(&self) -> impl Iterator<Item = &Call> {
        self.calls.values().map(|c| &**c)
    }

    /// The live call with this Call-ID.
    pub fn get(&self, call_id: &[u8]) -> Option<&Call> {
        self.calls.get(&self.id_key(call_id)).filter(|c| *c.call_id == *call_id).map(|c| &**c)
    }

    /// The call with this Call-ID, held now, to update (media attaches to it).
    pub fn get_mut(&mut self, call_id: &[u8]) -> Option<&mut Call> {
        let key = self.id_key(call_id);
        self.calls.get_mut(&key).filter(|c| *c.call_id == *call_id).map(|c| &mut **c)
    }

    /// The live call with this Call-ID, found by its key (see [`Call`]'s `key`) instead of
    /// hashing the Call-ID again: a call handed out looks for the Call-ID's next part.
    pub(crate) fn get_keyed(&self, key: u64, call_id: &[u8]) -> Option<&Call> {
        self.calls.get(&key).filter(|c| *c.call_id == *call_id).map(|c| &**c)
    }

    /// The live call with this Call-ID, found by its key (see [`Call`]'s `key`, kept by the
    /// media table) instead of hashing the Call-ID again.
    pub(crate) fn get_mut_keyed(&mut self, key: u64, call_id: &[u8]) -> Option<&mut Call> {
        self.calls.get_mut(&key).filter(|c| *c.call_id == *call_id).map(|c| &mut **c)
    }

    /// Adds one message; returns what it was to its call, and the call. The rules' tick will
    /// look at the call (see [`Correlator::visit_watched`]).
    pub fn add(&mut self, msg: &SipMessage) -> Option<(Added, &mut Call)> {
        self.file_message(msg, |_, _| true)
    }

    /// Adds one message, then runs `then` on what it was and on its call, before the next
    /// message: `then` answers whether the rules' tick should look at the call (a call with
    /// nothing that time alone can complete need not be visited every second).
    pub fn add_then(
        &mut self,
        msg: &SipMessage,
        then: impl FnOnce(Added, &mut Call) -> bool,
    ) -> Option<Added> {
        self.file_message(msg, then).map(|(added, _)| added)
    }

    fn file_message(
        &mut self,
        msg: &SipMessage,
        then: impl FnOnce(Added, &mut Call) -> bool,
    ) -> Option<(Added, &mut Call)> {
        let id = msg.call_id();
        if id.is_empty() {
            self.stats.without_call_id += 1;
            return None;
        }
        let key = self.id_key(id);
        // The call's own Call-ID is told by a second digest kept inside the call, not by its
        // bytes: they are an allocation of their own, one more wait on memory for every message.
        // Two Call-IDs agreeing on both digests would need the keyed one to collide, which no
        // sender can aim for.
        let check = Call::id_check(id);
        // A message arriving after its call's time in memory was up (between two sweeps)
        // finds it written out first: it continues the Call-ID as its next part. (A different
        // Call-ID under the same 64-bit keyed digest, which no sender can aim for, does the same.)
        let live = self.calls.get(&key).map(|c| {
            debug_assert!(c.id_check != check || *c.call_id == *id, "two Call-IDs, one pair of digests");
            c.id_check == check && msg.ts.millis_since(last_seen(c)) < stay_ms(c, &self.config)
        });
        if live == Some(false) {
            if let Some(old) = self.calls.remove(&key) {
                self.hand_out(old);
            }
        }
        if live != Some(true) {
            if self.calls.len() >= self.config.max_calls {
                self.evict();
            }
            let call = match self.ended.remove(&key) {
                Some((earlier, _)) => {
                    self.stats.resumed_calls += 1;
                    Call::resume(msg, &earlier)
                }
                None => {
                    self.stats.calls += 1;
                    Call::new(msg)
                }
            };
            let link = if msg.is_request() { link_target(msg, &self.config.link_headers) } else { None };
            let mut call = Box::new(call);
            call.key = key;
            call.id_check = check;
            self.schedule.started(key, call.first_ts);
            self.calls.insert(key, call);
            if let Some(other) = link {
                self.link(id, &other);
            }
        }
        // Checked on every message, not only on ticks: a capture whose clock stands still (or
        // a flood inside one second) makes and evicts calls, or moves their moments earlier,
        // with no tick in between. Before this message's filing, so the call is looked up once.
        if self.schedule.needs_rebuild(self.calls.len()) {
            self.schedule
                .rebuild(self.calls.iter_mut().map(|(&key, c)| (key, c.first_ts, &mut c.slot)), msg.ts);
        }
        let call = &mut **self.calls.get_mut(&key)?;
        let added = call.add(msg);
        self.schedule.file(key, next_due(call, &self.config), &mut call.slot, msg.ts);
        if then(added, call) {
            self.schedule.watch(key, &mut call.slot);
        }
        let (stats, metrics) = (&mut self.stats, &mut self.metrics);
        if added.retransmission {
            stats.retransmissions += 1;
        } else if added.duplicate {
            stats.duplicates += 1;
        } else {
            if let Some(code) = msg.status() {
                metrics.response(code);
            }
            self.registrations.observe(msg);
        }
        Some((added, call))
    }

    fn link(&mut self, id: &[u8], other: &[u8]) {
        if other == id || self.get(other).is_none() {
            if let Some(c) = self.get_mut(id) {
                c.linked.push(String::from_utf8_lossy(other).into_owned());
            }
            return;
        }
        for (a, b) in [(id, other), (other, id)] {
            if let Some(c) = self.get_mut(a) {
                let name = String::from_utf8_lossy(b).into_owned();
                if !c.linked.contains(&name) {
                    c.linked.push(name);
                }
            }
        }
    }

    /// Advances capture time: fires timers and hands out calls that are done. Cheap to call on
    /// every packet (it works at most once per second of capture time, and then only on the
    /// calls whose moment has come, see [`schedule`]).
    pub fn tick(&mut self, now: Timestamp) {
        if now.millis_since(self.last_sweep) < 1_000 {
            return;
        }
        self.last_sweep = now;
        self.registrations.sweep(now);
        let cfg = &self.config;
        let calls = &mut self.calls;
        let due = self
            .schedule
            .take_due(now, |key, at| calls.get_mut(&key).is_some_and(|c| c.slot.take_if_due(at)));
        let mut done: Vec<u64> = Vec::new();
        for key in due {
            let Some(call) = calls.get_mut(&key) else { continue };
            let was_timed_out = call.timed_out;
            fire_timers(call, now, cfg);
            if call.timed_out && !was_timed_out {
                // The rules look at a call whose timer just fired.
                self.schedule.watch(key, &mut call.slot);
            }
            if now.millis_since(last_seen(call)) >= stay_ms(call, cfg) {
                done.push(key);
            } else {
                self.schedule.file(key, next_due(call, cfg), &mut call.slot, now);
            }
        }
        // Hand out in a deterministic order (the map's order changes from run to run).
        let mut order: Vec<(Timestamp, &[u8], u64)> =
            done.iter().filter_map(|k| calls.get(k).map(|c| (c.first_ts, &*c.call_id, *k))).collect();
        order.sort_unstable();
        let keys: Vec<u64> = order.into_iter().map(|(_, _, key)| key).collect();
        #[allow(clippy::vec_box)] // the calls stay boxed: they are handed on as they are
        let leaving: Vec<Box<Call>> = keys.iter().filter_map(|key| self.calls.remove(key)).collect();
        warm::start(&leaving);
        let mut leaving = leaving.into_iter();
        while let Some(call) = leaving.next() {
            warm::ahead(leaving.as_slice());
            self.hand_out(call);
        }
        let calls = &self.calls;
        self.oldest_live = self.schedule.earliest_start(|key| calls.get(&key).map(|c| c.first_ts));
        if self.schedule.needs_rebuild(self.calls.len()) {
            self.schedule.rebuild(self.calls.iter_mut().map(|(&key, c)| (key, c.first_ts, &mut c.slot)), now);
        }
    }

    /// Visits the calls the rules watch: those whose last message was filed with a yes (see
    /// [`Correlator::add_then`]) and those whose timer just fired (each once a tick). `visit`
    /// answers whether to go on watching the call; a new message filed with a yes puts it back.
    pub fn visit_watched(&mut self, mut visit: impl FnMut(&mut Call) -> bool) {
        let calls = &mut self.calls;
        self.schedule.retain_watched(|key, walk| {
            let Some(call) = calls.get_mut(&key) else { return false };
            if !call.slot.first_visit(walk) {
                return false;
            }
            let keep = visit(call);
            call.slot.watched = keep;
            keep
        });
    }

    /// End of input: hands out every call still held.
    pub fn finish(&mut self) {
        // Sort small keys rather than the calls themselves (a call is hundreds of bytes).
        let mut all: Vec<Option<Box<Call>>> = self.calls.drain().map(|(_, c)| Some(c)).collect();
        let key = |i: usize| all[i].as_ref().map(|c| (c.first_ts, &c.call_id));
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_unstable_by(|&a, &b| key(a).cmp(&key(b)));
        for i in order {
            if let Some(mut call) = all[i].take() {
                gave_up_at_end(&mut call);
                self.hand_out_last(call);
            }
        }
    }

    /// Calls handed out since the last drain, in the order they ended.
    pub fn drain_finished(&mut self) -> std::vec::Drain<'_, Box<Call>> {
        self.finished.drain(..)
    }

    fn hand_out(&mut self, call: Box<Call>) {
        self.metrics.call_ended(&call, false);
        self.remember(&call);
        self.finished.push(call);
    }

    /// Hands out a call at the end of input (nothing can continue it).
    fn hand_out_last(&mut self, call: Box<Call>) {
        self.metrics.call_ended(&call, true);
        self.finished.push(call);
    }

    /// The key of a Call-ID in the tables of live and ended calls (SipHash under a random key).
    fn id_key(&self, call_id: &[u8]) -> u64 {
        use std::hash::BuildHasher;
        self.ended_keys.hash_one(call_id)
    }

    /// Keeps the compact record of a Call-ID written out, forgetting the oldest beyond the cap.
    fn remember(&mut self, call: &Call) {
        if self.config.max_ended == 0 {
            return;
        }
        // The key the call was filed under: the Call-ID's digest, not computed again.
        let key = call.key;
        debug_assert_eq!(key, self.id_key(&call.call_id));
        let seq = self.ended_seq;
        self.ended_seq = self.ended_seq.wrapping_add(1);
        let resumed = Resumed {
            messages: call.total_messages(),
            parts: call.part,
            kind: call.kind,
            primary: call.primary,
        };
        self.ended.insert(key, (resumed, seq));
        self.ended_order.push_back((key, seq));
        while self.ended.len() > self.config.max_ended {
            let Some((old, old_seq)) = self.ended_order.pop_front() else { break };
            if self.ended.get(&old).is_some_and(|(_, s)| *s == old_seq) {
                self.ended.remove(&old);
                self.stats.forgotten_call_ids += 1;
            }
        }
        // Entries whose Call-ID came back (or was remembered again) leave stale places behind.
        if self.ended_order.len() > 2 * self.config.max_ended.max(1024) {
            let ended = &self.ended;
            self.ended_order.retain(|(k, s)| ended.get(k).is_some_and(|(_, cur)| cur == s));
        }
    }

    /// Makes room: hands out the least useful sixteenth of the calls (finished ones first, then
    /// the longest idle), marking the unfinished ones as evicted.
    fn evict(&mut self) {
        let mut order: Vec<(bool, Timestamp, &[u8], u64)> =
            self.calls.iter().map(|(&key, c)| (!c.state.is_final(), c.last_ts, &*c.call_id, key)).collect();
        let n = (self.config.max_calls / 16).max(1).min(order.len());
        order.select_nth_unstable_by(n.saturating_sub(1), |a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        order.truncate(n);
        order.sort_by(|a, b| (a.1, a.2).cmp(&(b.1, b.2)));
        let order: Vec<(bool, u64)> = order.into_iter().map(|(u, _, _, key)| (u, key)).collect();
        for (unfinished, key) in order {
            if let Some(mut call) = self.calls.remove(&key) {
                if unfinished {
                    call.evicted = true;
                    self.stats.evicted_calls += 1;
                }
                self.hand_out(call);
            }
        }
    }
}

/// How long a call that has reached its outcome stays in memory after its last message, for
/// what may still come: a registration or subscription until its refresh is due (the lifetime
/// its 2xx granted, capped), a request refused with a challenge until its retry, anything else
/// for late retransmissions (64*T1).
pub fn linger_ms(call: &Call, cfg: &CorrelatorConfig) -> i64 {
    match call.state {
        CallState::Registered | CallState::Subscribed => call
            .granted_expires
            .map_or(cfg.max_refresh_linger_ms, |s| i64::from(s) * 1_000 + cfg.linger_ms)
            .clamp(cfg.linger_ms, cfg.max_refresh_linger_ms.max(cfg.linger_ms)),
        _ if call.awaiting_retry => cfg.retry_linger_ms.max(cfg.linger_ms),
        _ => cfg.linger_ms,
    }
}

/// How long a call stays in memory after its last message: [`linger_ms`] once it has reached
/// its outcome, [`CorrelatorConfig::idle_ms`] before.
/// What a call's stay is counted from: its last message once it has reached its outcome (media
/// trailing after a BYE does not keep it), else its last message or media packet (an hour of
/// conversation without session timers has RTP and no SIP).
fn last_seen(call: &Call) -> Timestamp {
    if call.state.is_final() {
        call.last_ts
    } else {
        call.last_activity()
    }
}

fn stay_ms(call: &Call, cfg: &CorrelatorConfig) -> i64 {
    if call.state.is_final() {
        linger_ms(call, cfg)
    } else {
        cfg.idle_ms
    }
}

/// The earliest moment `call` can change without a new message: its stay in memory ends or its
/// timer fires. A millisecond early, never late: [`Correlator::tick`] checks again then.
fn next_due(call: &Call, cfg: &CorrelatorConfig) -> Timestamp {
    let leave = last_seen(call).plus_millis(stay_ms(call, cfg) - 1);
    match timer_due(call, cfg) {
        Some(fire) => fire.min(leave),
        None => leave,
    }
}

/// When the timer of a call still waiting for its final answer fires (see [`fire_timers`]).
fn timer_due(call: &Call, cfg: &CorrelatorConfig) -> Option<Timestamp> {
    if call.state.is_final() || call.timed_out {
        return None;
    }
    let caller = call.caller_hop()?;
    if caller.first_final.is_some() {
        return None;
    }
    Some(caller.first_ts.plus_millis(timer_limit_ms(call, caller, cfg) - 1))
}

/// How long the caller's hop may wait for a final answer: Timer C once something answered an
/// INVITE, else Timer B/F.
fn timer_limit_ms(call: &Call, caller: &transaction::Transaction, cfg: &CorrelatorConfig) -> i64 {
    if caller.responded && call.kind == CallKind::Call {
        cfg.ringing_ms
    } else {
        cfg.no_response_ms
    }
}

/// Transmissions of an unanswered request over UDP by the time its client transaction gives
/// up (RFC 3261 §17.1.1.2 and §17.1.2.2, T1 = 500 ms, T2 = 4 s): an INVITE is sent 7 times
/// (0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s), any other request 11 times.
pub fn transmissions_to_give_up(method: crate::sip::Method) -> u32 {
    if method == crate::sip::Method::Invite {
        7
    } else {
        11
    }
}

/// At the end of the input: a request sent as often as its timer allows, with no response at
/// all, was not answered, even if the capture stops just before Timer B/F would fire.
fn gave_up_at_end(call: &mut Call) {
    if call.state.is_final() || call.timed_out {
        return;
    }
    let Some(caller) = call.caller_hop() else { return };
    if !caller.responded
        && caller.request_retransmissions.saturating_add(1) >= transmissions_to_give_up(caller.method)
    {
        call.timed_out = true;
        call.update_state();
    }
}

/// Applies the timeouts to a call at capture time `now`.
fn fire_timers(call: &mut Call, now: Timestamp, cfg: &CorrelatorConfig) {
    if call.state.is_final() || call.timed_out {
        return;
    }
    let Some(caller) = call.caller_hop() else { return };
    if caller.first_final.is_some() {
        return;
    }
    if now.millis_since(caller.first_ts) >= timer_limit_ms(call, caller, cfg) {
        call.timed_out = true;
        call.update_state();
    }
}

/// The Call-ID named by a link header of `msg`, if any (the earliest-listed name present wins).
fn link_target(msg: &SipMessage, names: &[String]) -> Option<Box<[u8]>> {
    let (_, span) = crate::sip::scan::find_any_header(&msg.raw, msg.headers.body.start as usize, names)?;
    let v = msg.slice(span);
    (!v.is_empty()).then(|| v.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::scan::{scan, Framing, Scan};
    use std::sync::Arc;

    fn invite(i: usize, ts: Timestamp) -> SipMessage {
        attempt(i, 1, ts)
    }

    /// INVITE number `cseq` of Call-ID `flood-{i}`.
    fn attempt(i: usize, cseq: u32, ts: Timestamp) -> SipMessage {
        let text = format!(
            "INVITE sip:b@192.0.2.2 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK{i}-{cseq}\r\nFrom: <sip:a@192.0.2.1>;tag=1\r\nTo: <sip:b@192.0.2.2>\r\nCall-ID: flood-{i}\r\nCSeq: {cseq} INVITE\r\nContent-Length: 0\r\n\r\n"
        );
        let raw: Arc<[u8]> = text.into_bytes().into();
        let Scan::Complete { headers, .. } = scan(&raw, Framing::Datagram) else { panic!("test message") };
        SipMessage {
            ts,
            src: "192.0.2.1:5060".parse().unwrap(),
            dst: "192.0.2.2:5060".parse().unwrap(),
            transport: crate::sip::Transport::Udp,
            raw,
            headers,
        }
    }

    /// The loops handing calls out warm the calls ahead of them: with any number of calls,
    /// fewer than the distance looked ahead included, every step fetches every call exactly
    /// once, and each call's steps come in order, all before the loop reaches it.
    #[test]
    fn calls_are_warmed_ahead_whatever_is_left() {
        let mut c = Correlator::new(CorrelatorConfig::default());
        for i in 0..8 {
            let invite = invite(i, Timestamp(i as i64));
            c.add(&invite);
            // Half of them answered: a response kept as evidence for the last step to fetch.
            if i % 2 == 0 {
                let text = format!(
                    "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK{i}-1\r\nFrom: <sip:a@192.0.2.1>;tag=1\r\nTo: <sip:b@192.0.2.2>;tag=b\r\nCall-ID: flood-{i}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
                );
                let raw: Arc<[u8]> = text.into_bytes().into();
                let Scan::Complete { headers, .. } = scan(&raw, Framing::Datagram) else {
                    panic!("test message")
                };
                let busy = SipMessage { src: invite.dst, dst: invite.src, raw, headers, ..invite.clone() };
                c.add(&busy);
            }
        }
        c.finish();
        let calls: Vec<Box<Call>> = c.drain_finished().collect();
        assert_eq!(calls.len(), 8);
        assert_eq!(
            calls.iter().filter(|c| c.transactions.iter().any(|t| t.first_final.is_some())).count(),
            4
        );
        let at = |c: &Call| c as *const Call as usize;
        for n in 0..=calls.len() {
            let list = &calls[..n];
            warm::tests::take();
            warm::start(list);
            // Where the loop stood when each fetch was asked for: `start` is before the first.
            let mut asked: Vec<(u8, usize, usize)> =
                warm::tests::take().into_iter().map(|(s, c)| (s, c, 0)).collect();
            for i in 0..n {
                warm::ahead(&list[i + 1..]);
                asked.extend(warm::tests::take().into_iter().map(|(s, c)| (s, c, i + 1)));
            }
            for (i, call) in list.iter().enumerate() {
                let steps: Vec<(u8, usize)> =
                    asked.iter().filter(|a| a.1 == at(call)).map(|&(s, _, when)| (s, when)).collect();
                assert_eq!(steps.iter().map(|s| s.0).collect::<Vec<_>>(), [0, 1, 2, 3], "call {i} of {n}");
                // Each step no later than the loop's work on the call (at `i`, counted from 1
                // after `start`), and the steps in order.
                assert!(steps.iter().all(|&(_, when)| when <= i), "call {i} of {n}: {steps:?}");
                assert!(steps.windows(2).all(|w| w[0].1 <= w[1].1), "call {i} of {n}: {steps:?}");
            }
        }
        warm::start(&[]);
        warm::ahead(&[]);
        assert!(warm::tests::take().is_empty());
    }

    /// A flood of new Call-IDs within one second of capture time (no tick to clean up) with a
    /// small cap on calls: the schedule stays bounded by the calls held, not by the calls seen.
    #[test]
    fn the_schedule_stays_bounded_without_ticks() {
        let mut c = Correlator::new(CorrelatorConfig { max_calls: 500, ..Default::default() });
        let ts = Timestamp::from_parts(1_700_000_000, 0);
        let mut most = 0;
        for i in 0..50_000 {
            c.add(&invite(i, ts));
            most = most.max(c.schedule.len());
        }
        assert!(c.stats().evicted_calls > 40_000);
        assert!(most <= 3 * (2 * 500 + 1024) + 3, "schedule held {most} entries for 500 calls");
    }

    /// One Call-ID whose new attempts each move its moment earlier (timestamps stepping back a
    /// microsecond, as crafted captures can): the deadlines stay bounded without a tick.
    #[test]
    fn a_moment_moving_earlier_on_every_message_stays_bounded() {
        let mut c = Correlator::new(CorrelatorConfig::default());
        let t0 = Timestamp::from_parts(1_700_000_000, 0);
        let mut most = 0;
        for n in 1..20_000u32 {
            c.add(&attempt(1, n, Timestamp(t0.0 - i64::from(n) * 1_000)));
            most = most.max(c.schedule.len());
        }
        assert!(most <= 3 * (2 + 1024) + 3, "schedule held {most} entries for one call");
    }

    /// A call let go by the rules' walk and brought back by a message is visited again by every
    /// later walk, even when two walks carry the same capture time (a clock stepping back).
    #[test]
    fn a_call_brought_back_is_watched_on_every_later_walk() {
        let mut c = Correlator::new(CorrelatorConfig::default());
        let t0 = Timestamp::from_parts(1_700_000_000, 0);
        c.add(&invite(1, t0));
        let mut seen = 0;
        c.visit_watched(|_| {
            seen += 1;
            false
        });
        assert_eq!(seen, 1, "let go after the first walk");
        c.add(&attempt(1, 2, t0));
        for walk in 0..3 {
            let mut seen = 0;
            c.visit_watched(|_| {
                seen += 1;
                true
            });
            assert_eq!(seen, 1, "walk {walk} visits the call brought back");
        }
    }

    /// A call its consumer does not ask to watch is not visited by the rules' walk, until a
    /// later message is filed with a yes.
    #[test]
    fn only_calls_asked_for_are_watched() {
        let mut c = Correlator::new(CorrelatorConfig::default());
        let t0 = Timestamp::from_parts(1_700_000_000, 0);
        c.add_then(&invite(1, t0), |_, _| false);
        c.add_then(&invite(2, t0), |_, _| true);
        let mut seen = Vec::new();
        c.visit_watched(|call| {
            seen.push(call.call_id.to_vec());
            true
        });
        assert_eq!(seen, [b"flood-2".to_vec()]);
        c.add_then(&attempt(1, 2, t0), |_, _| true);
        let mut seen = 0;
        c.visit_watched(|_| {
            seen += 1;
            true
        });
        assert_eq!(seen, 2);
    }

    /// An unanswered INVITE is held, not timed out, until the tick 32 s after it was sent
    /// (Timer B), and then timed out and handed out at that tick (its stay after its last
    /// message is over too), as the walk over every call did.
    #[test]
    fn timers_and_stays_fire_on_the_tick_they_are_due() {
        let mut c = Correlator::new(CorrelatorConfig::default());
        let t0 = Timestamp::from_parts(1_700_000_000, 0);
        c.add(&invite(1, t0));
        for s in 1..=31 {
            c.tick(t0.plus_millis(s * 1_000));
            assert!(!c.get(b"flood-1").expect("held").timed_out, "not yet at {s} s");
            assert_eq!(c.drain_finished().count(), 0);
        }
        c.tick(t0.plus_millis(32_000));
        let out: Vec<Box<Call>> = c.drain_finished().collect();
        assert_eq!(out.len(), 1, "handed out at 32 s");
        assert!(out[0].timed_out, "Timer B fired");
        assert!(c.get(b"flood-1").is_none());
        assert_eq!(c.oldest_live, None);
    }
}
