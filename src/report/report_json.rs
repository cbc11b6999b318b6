//! `sipscope report --format json`: one JSON object. Calls are written as they end (so memory
//! stays flat on big captures); the capture counters, response codes, metrics and findings
//! follow once the input is done. Schema: `docs/schema/report.schema.json`.

use std::io::{self, Write};

use serde::Serialize;

use crate::correlate::{Call, Metrics};
use crate::diagnose::reason::{describe_reason, describe_warning};
use crate::diagnose::{Finding, Subject};
use crate::engine::EngineStats;

/// One branch of a call.
#[derive(Serialize)]
pub struct BranchJson {
    /// Far end (leg destination or answering Contact).
    pub peer: String,
    /// To-tag.
    pub to_tag: String,
    /// Final status code.
    pub final_code: Option<u16>,
}

/// One call in the report.
#[derive(Serialize)]
pub struct CallJson {
    /// Call-ID.
    pub call_id: String,
    /// call, registration, options, subscription, message, other.
    pub kind: &'static str,
    /// State name.
    pub state: &'static str,
    /// Final code that decided the call on the caller's hop.
    pub final_code: Option<u16>,
    /// Its reason phrase.
    pub final_reason: Option<String>,
    /// From URI of the first request.
    pub from: String,
    /// To URI of the first request.
    pub to: String,
    /// Caller address.
    pub src: String,
    /// First hop address.
    pub dst: String,
    /// Transport of the first request.
    pub transport: &'static str,
    /// Capture time of the first message (RFC 3339).
    pub start: String,
    /// Capture time of the last message (RFC 3339).
    pub end: String,
    /// All SIP messages of the Call-ID.
    pub messages: u32,
    /// Protocol retransmissions among them.
    pub retransmissions: u32,
    /// Packets captured twice among them.
    pub duplicates: u32,
    /// Branches.
    pub branches: Vec<BranchJson>,
    /// Post-dial delay.
    pub pdd_ms: Option<i64>,
    /// Setup time.
    pub setup_ms: Option<i64>,
    /// Ring time.
    pub ring_ms: Option<i64>,
    /// Talk time.
    pub duration_ms: Option<i64>,
    /// Linked calls.
    pub linked_calls: Vec<String>,
    /// Rule ids of findings.
    pub findings: Vec<&'static str>,
    /// Forced out of memory before it ended.
    pub evicted: bool,
    /// The Reason header of the deciding response, described (Q.850 cause names included).
    pub reason_header: Option<String>,
    /// Its Warning header, described.
    pub warning: Option<String>,
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl CallJson {
    /// The report's view of a call.
    pub fn from_call(c: &Call) -> CallJson {
        let first = &c.first;
        let decisive = c.decisive();
        CallJson {
            call_id: lossy(&c.call_id),
            kind: c.kind.as_str(),
            state: c.state.as_str(),
            final_code: decisive.map(|r| r.code),
            final_reason: decisive.map(|r| match r.msg.headers.start {
                crate::sip::StartLine::Response { reason, .. } => lossy(r.msg.slice(reason)),
                _ => String::new(),
            }),
            from: lossy(first.slice(first.headers.from.uri)),
            to: lossy(first.slice(first.headers.to.uri)),
            src: c.src().to_string(),
            dst: c.dst().to_string(),
            transport: first.transport.as_str(),
            start: c.first_ts.rfc3339().to_string(),
            end: c.last_ts.rfc3339().to_string(),
            messages: c.messages,
            retransmissions: c.retransmissions,
            duplicates: c.duplicates,
            branches: c
                .branches()
                .into_iter()
                .map(|b| BranchJson { peer: b.peer, to_tag: b.to_tag, final_code: b.final_code })
                .collect(),
            pdd_ms: c.pdd_ms(),
            setup_ms: c.setup_ms(),
            ring_ms: c.ring_ms(),
            duration_ms: c.duration_ms(),
            linked_calls: c.linked.clone(),
            findings: c.findings.clone(),
            evicted: c.evicted,
            reason_header: decisive
                .filter(|r| !r.msg.headers.reason.is_empty())
                .map(|r| describe_reason(r.msg.slice(r.msg.headers.reason))),
            warning: decisive
                .filter(|r| !r.msg.headers.warning.is_empty())
                .map(|r| describe_warning(r.msg.slice(r.msg.headers.warning))),
        }
    }
}

/// One message in a finding's evidence.
#[derive(Serialize)]
pub struct EvidenceJson<'a> {
    /// Call-ID.
    pub call_id: &'a str,
    /// Index of the message in its call.
    pub index: u32,
    /// What it is.
    pub what: &'a str,
}

/// One finding in the report.
#[derive(Serialize)]
pub struct FindingJson<'a> {
    /// Rule id.
    pub rule: &'static str,
    /// info, warning or error.
    pub severity: &'static str,
    /// The call, for call rules.
    pub call_id: Option<&'a str>,
    /// The source address, for traffic rules.
    pub source: Option<String>,
    /// Capture time the evidence was complete.
    pub ts: String,
    /// One line.
    pub summary: &'a str,
    /// What it means.
    pub explanation: &'a str,
    /// What to do.
    pub next_steps: &'a [String],
    /// Proof.
    pub evidence: Vec<EvidenceJson<'a>>,
}

impl<'a> FindingJson<'a> {
    /// The report's view of a finding.
    pub fn from_finding(f: &'a Finding) -> Self {
        let (call_id, source) = match &f.subject {
            Subject::Call(id) => (Some(id.as_str()), None),
            Subject::Source(ip) => (None, Some(ip.to_string())),
        };
        FindingJson {
            rule: f.rule,
            severity: f.severity.as_str(),
            call_id,
            source,
            ts: f.ts.rfc3339().to_string(),
            summary: &f.summary,
            explanation: &f.explanation,
            next_steps: &f.next_steps,
            evidence: f
                .evidence
                .iter()
                .map(|e| EvidenceJson { call_id: &e.call_id, index: e.index, what: &e.what })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct CaptureJson {
    packets: u64,
    sip_messages: u64,
    retransmissions: u64,
    duplicates: u64,
    decode_errors: u64,
    non_sip_payloads: u64,
    reassembled_ip_datagrams: u64,
    tcp_streams: u64,
    calls: u64,
    evicted_calls: u64,
    messages_without_call_id: u64,
    findings: u64,
    findings_not_listed: u64,
    kernel_drops: u64,
    interface_drops: u64,
    queue_drops: u64,
}

#[derive(Serialize)]
struct Delay {
    p50: Option<u64>,
    p95: Option<u64>,
    samples: u64,
}

#[derive(Serialize)]
struct MetricsJson {
    session_establishment_ratio: Option<f64>,
    session_establishment_effectiveness_ratio: Option<f64>,
    ineffective_session_attempts: Option<f64>,
    session_completion_ratio: Option<f64>,
    session_request_delay_ms: Delay,
    registration_request_delay_ms: Delay,
    invites: u64,
    invites_answered: u64,
    invites_redirected: u64,
    registrations: u64,
    registrations_ok: u64,
}

/// Streams the JSON report.
pub struct JsonReport<W: Write> {
    w: W,
    calls: u64,
}

impl<W: Write> JsonReport<W> {
    /// Starts the object and its `calls` array.
    pub fn start(mut w: W) -> io::Result<Self> {
        w.write_all(b"{\"calls\":[")?;
        Ok(JsonReport { w, calls: 0 })
    }

    /// Writes one finished call.
    pub fn call(&mut self, c: &Call) -> io::Result<()> {
        self.w.write_all(if self.calls == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut self.w, &CallJson::from_call(c))?;
        self.calls += 1;
        Ok(())
    }

    /// Closes the calls array and writes everything else.
    pub fn finish(
        mut self,
        stats: &EngineStats,
        metrics: Option<&Metrics>,
        findings: &[Finding],
        unlisted: u64,
        drops: crate::commands::live::Drops,
    ) -> io::Result<W> {
        self.w.write_all(b"\n],\n\"capture\":")?;
        let capture = CaptureJson {
            packets: stats.decode.packets,
            sip_messages: stats.sip_messages,
            retransmissions: stats.calls.retransmissions,
            duplicates: stats.calls.duplicates,
            decode_errors: stats.decode.errors,
            non_sip_payloads: stats.non_sip_payloads(),
            reassembled_ip_datagrams: stats.decode.defrag.reassembled,
            tcp_streams: stats.tcp.streams,
            calls: stats.calls.calls,
            evicted_calls: stats.calls.evicted_calls,
            messages_without_call_id: stats.calls.without_call_id,
            findings: stats.findings.findings,
            findings_not_listed: unlisted + stats.findings.dropped,
            kernel_drops: drops.kernel,
            interface_drops: drops.interface,
            queue_drops: drops.queue,
        };
        serde_json::to_writer(&mut self.w, &capture)?;
        self.w.write_all(b",\n\"responses\":{")?;
        if let Some(m) = metrics {
            let mut first = true;
            for (code, &n) in m.responses.iter().enumerate().filter(|(_, n)| **n > 0) {
                write!(self.w, "{}\"{}\":{}", if first { "" } else { "," }, code, n)?;
                first = false;
            }
        }
        self.w.write_all(b"},\n\"metrics\":")?;
        let m = metrics.cloned().unwrap_or_default();
        let r = m.rfc6076();
        let mj = MetricsJson {
            session_establishment_ratio: r.ser,
            session_establishment_effectiveness_ratio: r.seer,
            ineffective_session_attempts: r.isa,
            session_completion_ratio: r.scr,
            session_request_delay_ms: Delay { p50: r.srd_p50, p95: r.srd_p95, samples: m.srd.count() },
            registration_request_delay_ms: Delay { p50: r.rrd_p50, p95: r.rrd_p95, samples: m.rrd.count() },
            invites: m.invites,
            invites_answered: m.invites_answered,
            invites_redirected: m.invites_3xx,
            registrations: m.registrations,
            registrations_ok: m.registrations_ok,
        };
        serde_json::to_writer(&mut self.w, &mj)?;
        self.w.write_all(b",\n\"findings\":[")?;
        for (i, f) in findings.iter().enumerate() {
            self.w.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            serde_json::to_writer(&mut self.w, &FindingJson::from_finding(f))?;
        }
        self.w.write_all(b"\n]\n}\n")?;
        Ok(self.w)
    }
}
