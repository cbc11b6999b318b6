//! What the dashboard knows: a copy of the calls, their messages, the findings and the counters,
//! built from the engine's batches. Pure data, no terminal: views read it, tests build it.

use std::collections::HashMap;

use crate::correlate::{Added, BranchSummary, Call, CallKind, CallState, Metrics, RegStatus, Rfc6076};
use crate::diagnose::{Finding, Severity};
use crate::engine::EngineStats;
use crate::sip::SipMessage;
use crate::time::Timestamp;

/// A call as the dashboard shows it (what the correlator knew at the last update).
#[derive(Debug, Clone)]
pub struct CallSummary {
    /// Call-ID (lossy UTF-8, not yet sanitised).
    pub call_id: String,
    /// Kind.
    pub kind: CallKind,
    /// State.
    pub state: CallState,
    /// First request method.
    pub method: &'static str,
    /// Deciding final code.
    pub final_code: Option<u16>,
    /// Its reason phrase.
    pub final_reason: String,
    /// From display name (or user) and URI.
    pub from: String,
    /// To URI.
    pub to: String,
    /// Caller address.
    pub src: String,
    /// First hop.
    pub dst: String,
    /// First message time.
    pub first_ts: Timestamp,
    /// Last message time.
    pub last_ts: Timestamp,
    /// Messages of the Call-ID.
    pub messages: u32,
    /// Retransmissions among them.
    pub retransmissions: u32,
    /// Post-dial delay.
    pub pdd_ms: Option<i64>,
    /// Talk time.
    pub duration_ms: Option<i64>,
    /// Rule ids of findings.
    pub findings: Vec<&'static str>,
    /// Linked Call-IDs.
    pub linked: Vec<String>,
    /// Branches.
    pub branches: Vec<BranchSummary>,
    /// Handed out by the correlator (ended, evicted or end of input).
    pub ended: bool,
    /// Which record of the Call-ID the correlator is on (2 and up: it came back after ending).
    pub part: u32,
    /// What each side's session descriptions said, one line each.
    pub sdp: Vec<String>,
    /// The call's RTP streams.
    pub streams: Vec<StreamRow>,
    /// RTP packets attached so far (to notice media changes between updates).
    pub rtp_packets: u64,
}

/// One RTP stream as the dashboard shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamRow {
    /// Sender.
    pub src: String,
    /// Receiver.
    pub dst: String,
    /// SSRC.
    pub ssrc: u32,
    /// `caller`, `callee` or `?`.
    pub from: &'static str,
    /// Codec name.
    pub codec: String,
    /// Packets received.
    pub packets: u64,
    /// Lost (expected minus received).
    pub lost: i64,
    /// Lost, percent.
    pub loss_pct: f64,
    /// Mean jitter, ms.
    pub mean_jitter_ms: f64,
    /// Largest jitter, ms.
    pub max_jitter_ms: f64,
    /// Largest gap between packets, ms.
    pub max_delta_ms: f64,
    /// Estimated MOS.
    pub mos: Option<f64>,
    /// RFC 4733 digits.
    pub dtmf: String,
    /// RTCP round trip, ms.
    pub rtt_ms: Option<f64>,
    /// Sender and receiver as addresses, and the times of the first and last packets (to fetch
    /// the packets again when the call is saved).
    pub span: (std::net::SocketAddr, std::net::SocketAddr, Timestamp, Timestamp),
}

impl StreamRow {
    /// The rows of a call's streams.
    pub fn of(c: &Call) -> Vec<StreamRow> {
        let m = &c.media;
        m.streams
            .iter()
            .map(|s| StreamRow {
                src: s.src.to_string(),
                dst: s.dst.to_string(),
                ssrc: s.ssrc,
                from: m.stream_side(s).unwrap_or("?"),
                codec: m.codec(s),
                packets: s.packets,
                lost: s.lost(),
                loss_pct: s.loss_pct(),
                mean_jitter_ms: s.mean_jitter_ms,
                max_jitter_ms: s.max_jitter_ms,
                max_delta_ms: s.max_delta_ms,
                mos: m.quality(s).map(|(_, mos)| mos),
                dtmf: s.dtmf.digits().to_string(),
                rtt_ms: m.rtt_ms(s),
                span: (s.src, s.dst, s.first_ts, s.last_ts),
            })
            .collect()
    }
}

/// Every stream of every row, worst first: lowest estimated MOS, then most lost; streams
/// without an estimate (events, too short) last. Pairs of row index and stream.
pub fn streams_by_quality(model: &Model) -> Vec<(usize, &StreamRow)> {
    let mut v: Vec<(usize, &StreamRow)> = model
        .rows
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.summary.streams.iter().map(move |s| (i, s)))
        .collect();
    v.sort_by(|a, b| {
        let key = |s: &StreamRow| s.mos.unwrap_or(f64::INFINITY);
        key(a.1).total_cmp(&key(b.1)).then(b.1.loss_pct.total_cmp(&a.1.loss_pct)).then(a.0.cmp(&b.0))
    });
    v
}

/// One line per session description of a call: `#0 INVITE caller 192.0.2.1:4000 sendrecv PCMU,PCMA`.
pub fn sdp_lines(c: &Call) -> Vec<String> {
    c.media.sdp.iter().map(|r| format!("#{} {}", r.index, c.media.sdp_line(r))).collect()
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl CallSummary {
    /// Summarises a correlator call.
    pub fn of(c: &Call, ended: bool) -> CallSummary {
        let first = &c.first;
        let h = &first.headers;
        let decisive = c.decisive();
        // `Name <uri>` when the header has a display name, else the URI (for From and To alike).
        let party = |addr: crate::sip::NameAddr| {
            let (display, uri) = (first.slice(addr.display), lossy(first.slice(addr.uri)));
            if display.is_empty() {
                uri
            } else {
                format!("{} <{uri}>", lossy(display))
            }
        };
        CallSummary {
            call_id: lossy(&c.call_id),
            kind: c.kind,
            state: c.state,
            method: first.method().as_str(),
            final_code: decisive.map(|r| r.code),
            final_reason: decisive.map(|r| lossy(r.msg.reason_phrase())).unwrap_or_default(),
            from: party(h.from_addr(&first.raw)),
            to: party(h.to_addr(&first.raw)),
            src: c.src().to_string(),
            dst: c.dst().to_string(),
            first_ts: c.first_ts,
            last_ts: c.last_ts,
            messages: c.total_messages(),
            retransmissions: c.retransmissions,
            pdd_ms: c.pdd_ms(),
            duration_ms: c.duration_ms(),
            findings: c.findings.clone(),
            linked: c.linked.clone(),
            branches: c.branches(),
            ended,
            part: c.part,
            sdp: sdp_lines(c),
            streams: StreamRow::of(c),
            rtp_packets: c.media.rtp_packets(),
        }
    }
}

/// The summary of a later part of a Call-ID, shown on the row of its first: who called whom,
/// when it started and its earlier findings stay; state, outcome and counts are the latest.
fn continued(earlier: &CallSummary, mut later: CallSummary) -> CallSummary {
    if !earlier.method.is_empty() {
        later.method = earlier.method;
        later.from.clone_from(&earlier.from);
        later.to.clone_from(&earlier.to);
        later.src.clone_from(&earlier.src);
        later.dst.clone_from(&earlier.dst);
        later.first_ts = earlier.first_ts.min(later.first_ts);
        later.pdd_ms = later.pdd_ms.or(earlier.pdd_ms);
        later.duration_ms = later.duration_ms.or(earlier.duration_ms);
        for f in &earlier.findings {
            if !later.findings.contains(f) {
                later.findings.insert(0, f);
            }
        }
        if later.streams.is_empty() && later.sdp.is_empty() {
            later.streams.clone_from(&earlier.streams);
            later.sdp.clone_from(&earlier.sdp);
        }
        if later.final_code.is_none() {
            later.final_code = earlier.final_code;
            later.final_reason.clone_from(&earlier.final_reason);
        }
    }
    later
}

/// One message kept for the call view.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The message.
    pub msg: SipMessage,
    /// Retransmission / duplicate flags and index.
    pub added: Option<Added>,
}

/// One row of the calls list.
#[derive(Debug, Clone)]
pub struct Row {
    /// Latest summary.
    pub summary: CallSummary,
    /// Messages kept (may be emptied by the memory budget).
    pub messages: Vec<Shown>,
    /// Messages dropped from this row by the budget.
    pub dropped: u32,
    /// Worst severity among its findings.
    pub worst: Option<Severity>,
    /// The finding the calls list names: the first of the worst severity (rule, one-line summary).
    pub top: Option<(&'static str, String)>,
    /// Findings of this call.
    pub finding_count: u32,
    /// Sequence number of the last change (for emphasis of fresh rejections).
    pub changed: u64,
}

/// Capture-wide numbers for the status bar and the stats view.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    /// Engine counters.
    pub engine: EngineStats,
    /// Responses per code (non-zero only).
    pub responses: Vec<(u16, u64)>,
    /// RFC 6076 figures, when any.
    pub rfc6076: Option<Rfc6076>,
    /// Packets the kernel dropped (live capture).
    pub kernel_drops: u64,
    /// Capture time of the newest packet.
    pub now: Timestamp,
}

/// One batch of changes from the engine thread.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// New messages, in capture order, with their flags.
    pub messages: Vec<(SipMessage, Option<Added>)>,
    /// Latest summaries of the calls that changed.
    pub calls: Vec<CallSummary>,
    /// New findings.
    pub findings: Vec<Finding>,
    /// Counters at the end of the batch.
    pub counters: Option<Counters>,
    /// Something the status bar should say (end of file, errors).
    pub notice: Option<String>,
    /// A fresh snapshot of the registrations table, when it changed.
    pub registrations: Option<Registrations>,
}

/// The registrations as the dashboard shows them: the rows (at most [`MAX_REG_ROWS`], in the
/// table's order) and how many there are in all.
#[derive(Debug, Clone, Default)]
pub struct Registrations {
    /// Rows, sorted by status then address of record.
    pub rows: Vec<RegRow>,
    /// Rows in the engine's table (more than shown when beyond [`MAX_REG_ROWS`]).
    pub total: usize,
    /// Count per status, in the order of [`RegStatus::ALL`].
    pub by_status: [u64; 6],
}

/// Registrations rows sent to the dashboard at most.
pub const MAX_REG_ROWS: usize = 10_000;

/// One registering device, as shown (network text already made inert).
#[derive(Debug, Clone)]
pub struct RegRow {
    /// Status at the time of the snapshot.
    pub status: RegStatus,
    /// Address of record.
    pub aor: String,
    /// Contact of the latest REGISTER.
    pub contact: String,
    /// Where it registers from.
    pub source: std::net::SocketAddr,
    /// Where it registers to.
    pub registrar: std::net::SocketAddr,
    /// User-Agent.
    pub user_agent: String,
    /// Latest final status code.
    pub last_code: Option<u16>,
    /// End of the granted binding.
    pub expires_at: Option<Timestamp>,
    /// REGISTER requests and refusals.
    pub requests: u32,
    /// Refusals.
    pub failures: u32,
    /// The REGISTER Call-ID (Enter opens it in the calls table).
    pub call_id: String,
}

impl Registrations {
    /// A snapshot of the engine's table at capture time `now`.
    pub fn of(table: &crate::correlate::Registrations, now: Timestamp) -> Registrations {
        let inert = crate::sanitize::inert_string;
        Registrations {
            rows: table
                .sorted(now)
                .into_iter()
                .take(MAX_REG_ROWS)
                .map(|(status, r)| RegRow {
                    status,
                    aor: inert(&r.aor),
                    contact: inert(&r.contact),
                    source: r.source,
                    registrar: r.registrar,
                    user_agent: inert(&r.user_agent),
                    last_code: r.last_code,
                    expires_at: r.expires_at,
                    requests: r.requests,
                    failures: r.failures,
                    call_id: String::from_utf8_lossy(&r.call_id).into_owned(),
                })
                .collect(),
            total: table.len(),
            by_status: table.count_by_status(now),
        }
    }
}

impl Batch {
    /// Whether there is nothing in it.
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
            && self.calls.is_empty()
            && self.findings.is_empty()
            && self.counters.is_none()
            && self.notice.is_none()
            && self.registrations.is_none()
    }

    /// Appends a later batch to this one.
    pub fn merge(&mut self, later: Batch) {
        self.messages.extend(later.messages);
        for c in later.calls {
            match self.calls.iter_mut().find(|x| x.call_id == c.call_id && !x.ended) {
                Some(slot) => *slot = c,
                None => self.calls.push(c),
            }
        }
        self.findings.extend(later.findings);
        if later.counters.is_some() {
            self.counters = later.counters;
        }
        if later.notice.is_some() {
            self.notice = later.notice;
        }
        if later.registrations.is_some() {
            self.registrations = later.registrations;
        }
    }

    /// Snapshot of the engine's counters and metrics.
    pub fn counters_of(
        stats: EngineStats,
        metrics: Option<&Metrics>,
        now: Timestamp,
        kernel_drops: u64,
    ) -> Counters {
        Counters {
            engine: stats,
            responses: metrics
                .map(|m| {
                    m.responses
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| **n > 0)
                        .map(|(c, n)| (c as u16, *n))
                        .collect()
                })
                .unwrap_or_default(),
            rfc6076: metrics.map(|m| m.rfc6076()),
            kernel_drops,
            now,
        }
    }
}

/// The dashboard's data.
#[derive(Debug, Default)]
pub struct Model {
    /// Rows in order of first appearance.
    pub rows: Vec<Row>,
    index: HashMap<String, usize>,
    /// Findings in the order raised.
    pub findings: Vec<Finding>,
    /// One copy of the texts those findings have in common.
    texts: crate::diagnose::SharedTexts,
    /// Counters.
    pub counters: Counters,
    /// Last notice from the source.
    pub notice: Option<String>,
    /// Bytes of messages held.
    pub bytes: usize,
    /// Budget for held message bytes.
    pub budget: usize,
    /// Rows whose messages were dropped for the budget.
    pub evicted_rows: u64,
    /// Change counter (bumped by every applied batch).
    pub version: u64,
    /// Calls per second of capture time: (second, new calls).
    pub per_second: Vec<(i64, u64)>,
    /// The latest registrations snapshot.
    pub registrations: Registrations,
    evict_cursor: usize,
}

/// Messages kept per row at most.
pub const MAX_MESSAGES_PER_ROW: usize = 2_000;
/// Findings kept at most.
pub const MAX_FINDINGS: usize = 50_000;

impl Model {
    /// An empty model with a memory budget for message bytes.
    pub fn new(budget: usize) -> Self {
        Model { budget, ..Default::default() }
    }

    /// The row of a Call-ID: one row per Call-ID for the life of the capture.
    pub fn row(&self, call_id: &str) -> Option<usize> {
        self.index.get(call_id).copied()
    }

    fn row_for(&mut self, call_id: &str, ts: Timestamp) -> usize {
        if let Some(&i) = self.index.get(call_id) {
            return i;
        }
        let i = self.rows.len();
        self.rows.push(Row {
            summary: CallSummary {
                call_id: call_id.to_string(),
                kind: CallKind::Other,
                state: CallState::InProgress,
                method: "",
                final_code: None,
                final_reason: String::new(),
                from: String::new(),
                to: String::new(),
                src: String::new(),
                dst: String::new(),
                first_ts: ts,
                last_ts: ts,
                messages: 0,
                retransmissions: 0,
                pdd_ms: None,
                duration_ms: None,
                findings: Vec::new(),
                linked: Vec::new(),
                branches: Vec::new(),
                ended: false,
                part: 1,
                sdp: Vec::new(),
                streams: Vec::new(),
                rtp_packets: 0,
            },
            messages: Vec::new(),
            dropped: 0,
            worst: None,
            top: None,
            finding_count: 0,
            changed: self.version,
        });
        self.index.insert(call_id.to_string(), i);
        let sec = ts.secs();
        match self.per_second.last_mut() {
            Some((s, n)) if *s == sec => *n += 1,
            _ => {
                self.per_second.push((sec, 1));
                if self.per_second.len() > 3_600 {
                    self.per_second.remove(0);
                }
            }
        }
        i
    }

    /// Applies a batch from the engine thread.
    pub fn apply(&mut self, batch: Batch) {
        self.version += 1;
        for (msg, added) in batch.messages {
            let id = String::from_utf8_lossy(msg.call_id()).into_owned();
            if id.is_empty() {
                continue;
            }
            let i = self.row_for(&id, msg.ts);
            let row = &mut self.rows[i];
            if row.messages.len() < MAX_MESSAGES_PER_ROW {
                self.bytes += msg.raw.len();
                row.messages.push(Shown { msg, added });
            } else {
                row.dropped += 1;
            }
        }
        for c in batch.calls {
            let i = self.row_for(&c.call_id, c.first_ts);
            let row = &mut self.rows[i];
            let was = (row.summary.state, row.summary.findings.len());
            row.summary = if c.part > 1 { continued(&row.summary, c) } else { c };
            if was != (row.summary.state, row.summary.findings.len()) {
                row.changed = self.version;
            }
        }
        for f in batch.findings {
            if let crate::diagnose::Subject::Call(id) = &f.subject {
                if let Some(&i) = self.index.get(id) {
                    let row = &mut self.rows[i];
                    if row.top.is_none() || Some(f.severity) > row.worst {
                        row.top = Some((f.rule, crate::sanitize::inert_string(f.summary.as_bytes())));
                    }
                    row.finding_count += 1;
                    row.worst = row.worst.max(Some(f.severity));
                    row.changed = self.version;
                }
            }
            if self.findings.len() < MAX_FINDINGS {
                let mut f = f;
                self.texts.share(&mut f);
                self.findings.push(f);
            }
        }
        if let Some(c) = batch.counters {
            self.counters = c;
        }
        if batch.notice.is_some() {
            self.notice = batch.notice;
        }
        if let Some(r) = batch.registrations {
            self.registrations = r;
        }
        self.enforce_budget();
    }

    /// Drops the messages of the oldest ended calls until the held bytes fit the budget.
    fn enforce_budget(&mut self) {
        while self.bytes > self.budget && self.evict_cursor < self.rows.len() {
            let row = &mut self.rows[self.evict_cursor];
            self.evict_cursor += 1;
            if !row.summary.ended || row.messages.is_empty() {
                continue;
            }
            let freed: usize = row.messages.iter().map(|s| s.msg.raw.len()).sum();
            row.dropped += row.messages.len() as u32;
            row.messages = Vec::new();
            self.bytes -= freed;
            self.evicted_rows += 1;
        }
        if self.evict_cursor >= self.rows.len() {
            self.evict_cursor = 0;
        }
    }
}
