//! Prometheus metrics of a running monitor, in the text exposition format (version 0.0.4):
//! one `sipscope_` prefix, counters ending in `_total`, seconds and bytes as base units, ratios as
//! 0–1, and only low-cardinality labels (method, code, kind, state, rule, severity, status, stage,
//! table, agent) — never a Call-ID, a user or an address other than a HEP agent's (bounded by the
//! listener's agent table).
//!
//! [`MetricsSink`] is a driver sink: it counts messages, ended calls and findings as they pass,
//! and at most once a second renders the exposition from its counters and the engine's state
//! into a shared string the HTTP endpoint serves.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::correlate::{Added, Call, CallKind, RegStatus};
use crate::diagnose::Finding;
use crate::driver::Sink;
use crate::engine::Engine;
use crate::export::hep::HepOutCounters;
use crate::listen::hep::Agents;
use crate::packet::Drops;
use crate::sip::SipMessage;

/// Upper bounds of the post-dial delay histogram, in seconds.
pub const PDD_BUCKETS: [f64; 11] = [0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0];

/// Where the live capture's drops and the HEP counters are read when rendering.
#[derive(Default, Clone)]
pub struct Probes {
    /// Live capture drops so far.
    pub drops: Option<Arc<dyn Fn() -> Drops + Send + Sync>>,
    /// The `-L` listeners' agents.
    pub agents: Option<Arc<Agents>>,
    /// The `--hep` output.
    pub hep_out: Option<Arc<HepOutCounters>>,
}

/// Counters accumulated from what passes through the driver.
#[derive(Default)]
struct Counts {
    requests: BTreeMap<&'static str, u64>,
    responses: BTreeMap<(&'static str, u16), u64>,
    retransmissions: BTreeMap<&'static str, u64>,
    duplicates: u64,
    calls: BTreeMap<(&'static str, &'static str), u64>,
    resumed: u64,
    findings: BTreeMap<(&'static str, &'static str), u64>,
    pdd: [u64; PDD_BUCKETS.len()],
    pdd_count: u64,
    pdd_sum_ms: i64,
}

/// The metrics as a driver sink.
pub struct MetricsSink {
    counts: Counts,
    file: Option<std::path::PathBuf>,
    probes: Probes,
    page: Arc<Mutex<String>>,
    rendered_at: Option<Instant>,
    every: Duration,
    started: std::time::SystemTime,
}

impl MetricsSink {
    /// A sink rendering into `page` at most every `every`.
    pub fn new(page: Arc<Mutex<String>>, probes: Probes, every: Duration) -> MetricsSink {
        MetricsSink {
            counts: Counts::default(),
            file: None,
            probes,
            page,
            rendered_at: None,
            every,
            started: std::time::SystemTime::now(),
        }
    }

    /// Renders the exposition now.
    pub fn render(&self, engine: &Engine) -> String {
        let mut e = Exposition::default();
        let c = &self.counts;
        let s = engine.stats();
        e.gauge("sipscope_build_info", "Version of the running sipscope (always 1).");
        e.sample(&[("version", env!("CARGO_PKG_VERSION"))], 1.0);
        e.gauge("sipscope_process_start_time_seconds", "When this monitor started, seconds since the epoch.");
        let started = self.started.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        e.sample(&[], started.as_secs_f64().floor());

        e.counter(
            "sipscope_packets_total",
            "Packets read from the inputs (captured frames and HEP packets).",
        );
        e.sample(&[], s.decode.packets as f64);
        e.counter(
            "sipscope_capture_drops_total",
            "Packets lost before sipscope read them, by where they were lost.",
        );
        let d = self.probes.drops.as_ref().map(|f| f()).unwrap_or_default();
        for (stage, n) in [("kernel", d.kernel), ("interface", d.interface), ("queue", d.queue)] {
            e.sample(&[("stage", stage)], n as f64);
        }
        e.counter("sipscope_decode_errors_total", "Frames that could not be decoded.");
        e.sample(&[], s.decode.errors as f64);
        e.counter(
            "sipscope_sip_messages_total",
            "SIP messages read (retransmissions and duplicates included).",
        );
        e.sample(&[], s.sip_messages as f64);
        e.counter(
            "sipscope_sip_requests_total",
            "SIP requests by method (retransmissions and duplicates excluded).",
        );
        for (m, n) in &c.requests {
            e.sample(&[("method", m)], *n as f64);
        }
        e.counter(
            "sipscope_sip_responses_total",
            "SIP responses by CSeq method and status code (retransmissions and duplicates excluded).",
        );
        for ((m, code), n) in &c.responses {
            e.sample(&[("method", m), ("code", &code.to_string())], *n as f64);
        }
        e.counter("sipscope_sip_retransmissions_total", "SIP retransmissions by method.");
        for (m, n) in &c.retransmissions {
            e.sample(&[("method", m)], *n as f64);
        }
        e.counter(
            "sipscope_sip_duplicates_total",
            "Packets captured twice (the same SIP message seen again within 10 ms).",
        );
        e.sample(&[], c.duplicates as f64);

        e.counter(
            "sipscope_calls_total",
            "Ended exchanges (one per Call-ID) by kind and final state, counted when they leave memory (32 s after their end).",
        );
        for ((kind, state), n) in &c.calls {
            e.sample(&[("kind", kind), ("state", state)], *n as f64);
        }
        e.counter(
            "sipscope_calls_resumed_total",
            "Messages of a Call-ID after its call was handed out (late BYEs, retransmissions): later parts, not new calls.",
        );
        e.sample(&[], c.resumed as f64);
        e.gauge("sipscope_calls_active", "Exchanges (Call-IDs) held in memory now.");
        e.sample(&[], s.calls.live_calls as f64);
        e.counter("sipscope_findings_total", "Findings raised, by rule and severity.");
        for ((rule, sev), n) in &c.findings {
            e.sample(&[("rule", rule), ("severity", sev)], *n as f64);
        }

        e.histogram(
            "sipscope_post_dial_delay_seconds",
            "Post-dial delay of ended INVITE calls: INVITE to the first 18x or final response.",
        );
        let mut cumulative = 0;
        for (le, n) in PDD_BUCKETS.iter().zip(c.pdd) {
            cumulative += n;
            e.sample_named(
                "sipscope_post_dial_delay_seconds_bucket",
                &[("le", &le.to_string())],
                cumulative as f64,
            );
        }
        e.sample_named("sipscope_post_dial_delay_seconds_bucket", &[("le", "+Inf")], c.pdd_count as f64);
        e.sample_named("sipscope_post_dial_delay_seconds_sum", &[], c.pdd_sum_ms as f64 / 1000.0);
        e.sample_named("sipscope_post_dial_delay_seconds_count", &[], c.pdd_count as f64);

        if let Some(m) = engine.metrics() {
            let r = m.rfc6076();
            for (name, help, v) in [
                ("sipscope_session_establishment_ratio", "RFC 6076 SER: answered INVITEs over INVITEs (redirects excluded), 0-1.", r.ser),
                ("sipscope_session_establishment_effectiveness_ratio", "RFC 6076 SEER: INVITEs that reached the user (answered, 480, 486, 600, 603) over INVITEs, 0-1.", r.seer),
                ("sipscope_ineffective_session_attempts_ratio", "RFC 6076 ISA: INVITEs ending in 408, 500, 503, 504 or no answer, over INVITEs, 0-1.", r.isa),
                ("sipscope_session_completion_ratio", "RFC 6076 SCR: INVITEs answered and ended with BYE, over INVITEs, 0-1.", r.scr),
            ] {
                if let Some(v) = v {
                    e.gauge(name, help);
                    e.sample(&[], v / 100.0);
                }
            }
            e.counter("sipscope_invites_total", "INVITE sessions (one per call).");
            e.sample(&[], m.invites as f64);
        }

        if let Some(t) = engine.registrations() {
            e.gauge("sipscope_registrations", "Registering devices by status now.");
            for (status, n) in RegStatus::ALL.iter().zip(t.count_by_status(engine.now())) {
                e.sample(&[("status", status.as_str())], n as f64);
            }
            let st = t.stats();
            e.counter("sipscope_register_requests_total", "REGISTER requests (retransmissions excluded).");
            e.sample(&[], st.requests as f64);
            e.counter(
                "sipscope_register_refusals_total",
                "REGISTER refusals (challenges, fresh-nonce requests and 423 Interval Too Brief excluded).",
            );
            e.sample(&[], st.refused as f64);
        }

        e.counter("sipscope_rtp_packets_total", "RTP packets attached to calls.");
        e.sample(&[], s.media.rtp_packets as f64);
        e.counter("sipscope_rtcp_packets_total", "RTCP packets attached to calls.");
        e.sample(&[], s.media.rtcp_packets as f64);

        e.gauge("sipscope_table_entries", "Entries held in each bounded table now.");
        let reg_len = engine.registrations().map_or(0, |t| t.len());
        for (table, n) in [
            ("calls", s.calls.live_calls),
            ("registrations", reg_len as u64),
            ("tcp_streams", s.tcp.active),
            ("ip_fragments", s.decode.defrag.in_progress),
            ("media_addresses", s.media.endpoints),
            ("call_ids", s.calls.remembered_call_ids),
        ] {
            e.sample(&[("table", table)], n as f64);
        }
        e.counter("sipscope_evictions_total", "Entries pushed out of a bounded table before their time.");
        let reg_evicted = engine.registrations().map_or(0, |t| t.stats().evicted);
        for (table, n) in [
            ("calls", s.calls.evicted_calls),
            ("registrations", reg_evicted),
            ("tcp_streams", s.tcp.evicted),
            ("ip_fragments", s.decode.defrag.dropped_over_limit),
            ("media_addresses", s.media.endpoints_refused),
            ("call_ids", s.calls.forgotten_call_ids),
        ] {
            e.sample(&[("table", table)], n as f64);
        }
        e.gauge("sipscope_reassembly_bytes", "Bytes held in TCP and IP reassembly buffers.");
        e.sample(&[], s.bytes_held as f64);

        e.counter("sipscope_hep_packets_total", "HEP3 packets read by the engine.");
        e.sample(&[], s.decode.hep as f64);
        e.counter(
            "sipscope_hep_errors_total",
            "HEP3 packets refused by the decoder (bad lengths, missing chunks).",
        );
        e.sample(&[], s.decode.hep_errors as f64);
        if let Some(agents) = &self.probes.agents {
            let snap = agents.snapshot();
            e.counter(
                "sipscope_hep_received_packets_total",
                "HEP3 packets received by the listeners, by agent (host/capture id).",
            );
            let label = |k: &Option<crate::listen::hep::AgentKey>| match k {
                Some(k) => format!(
                    "{}/{}",
                    k.host,
                    k.capture_id.map_or_else(|| "none".to_string(), |i| i.to_string())
                ),
                None => "others".to_string(),
            };
            for (k, c) in &snap {
                e.sample(&[("agent", &label(k))], c.packets as f64);
            }
            e.counter("sipscope_hep_received_bytes_total", "Bytes of HEP3 packets received, by agent.");
            for (k, c) in &snap {
                e.sample(&[("agent", &label(k))], c.bytes as f64);
            }
            e.counter(
                "sipscope_hep_refused_packets_total",
                "HEP3 packets refused by the listeners, by agent and reason.",
            );
            for (k, c) in &snap {
                e.sample(&[("agent", &label(k)), ("reason", "malformed")], c.malformed as f64);
                e.sample(&[("agent", &label(k)), ("reason", "key")], c.unauthorised as f64);
            }
        }
        if let Some(h) = &self.probes.hep_out {
            let g = HepOutCounters::get;
            e.counter("sipscope_hep_sent_packets_total", "HEP3 packets handed to the network by --hep.");
            e.sample(&[], g(&h.sent) as f64);
            e.counter(
                "sipscope_hep_send_drops_total",
                "HEP3 packets --hep dropped (queue full, too large, send failed).",
            );
            e.sample(&[], g(&h.dropped) as f64);
            e.counter("sipscope_hep_send_errors_total", "Send and connect errors of --hep.");
            e.sample(&[], g(&h.errors) as f64);
            e.counter("sipscope_hep_reconnects_total", "TCP connections --hep made again after losing one.");
            e.sample(&[], g(&h.reconnects) as f64);
        }
        if let Some(rss) = resident_bytes() {
            e.gauge("sipscope_process_resident_memory_bytes", "Resident memory of the process.");
            e.sample(&[], rss as f64);
        }
        e.finish()
    }

    /// Also writes every rendering to `path` (through a temporary file renamed over it, so a
    /// reader never sees half a page).
    pub fn with_file(mut self, path: Option<&str>) -> MetricsSink {
        self.file = path.map(std::path::PathBuf::from);
        self
    }

    /// Renders now and hands the page to the endpoint (and the file).
    pub fn publish(&mut self, engine: &Engine) {
        let text = self.render(engine);
        if let Some(path) = &self.file {
            let tmp = path.with_extension("tmp");
            if let Err(e) = std::fs::write(&tmp, &text).and_then(|()| std::fs::rename(&tmp, path)) {
                eprintln!(
                    "sipscope: --metrics-file {}: {e} (its directory must be writable by the user sipscope runs as; no longer written)",
                    path.display()
                );
                self.file = None;
            }
        }
        *self.page.lock().unwrap_or_else(|e| e.into_inner()) = text;
        self.rendered_at = Some(Instant::now());
    }
}

impl Sink for MetricsSink {
    fn message(&mut self, msg: &SipMessage, added: Option<Added>) -> io::Result<()> {
        let c = &mut self.counts;
        match added {
            Some(a) if a.duplicate => c.duplicates += 1,
            Some(a) if a.retransmission => *c.retransmissions.entry(msg.method().as_str()).or_default() += 1,
            _ => match msg.status() {
                Some(code) => *c.responses.entry((msg.headers.cseq_method.as_str(), code)).or_default() += 1,
                None => *c.requests.entry(msg.method().as_str()).or_default() += 1,
            },
        }
        Ok(())
    }

    fn call(&mut self, call: &Call) -> io::Result<()> {
        let c = &mut self.counts;
        // A Call-ID that comes back after it was handed out (a late BYE or retransmission) is a
        // later part of the same call: counted apart, so each call is counted once.
        if call.part > 1 {
            c.resumed += 1;
            return Ok(());
        }
        *c.calls.entry((call.kind.as_str(), call.state.as_str())).or_default() += 1;
        if call.kind == CallKind::Call {
            if let Some(ms) = call.pdd_ms() {
                let ms = ms.max(0);
                c.pdd_count += 1;
                c.pdd_sum_ms += ms;
                if let Some(i) = PDD_BUCKETS.iter().position(|le| ms as f64 / 1000.0 <= *le) {
                    c.pdd[i] += 1;
                }
            }
        }
        Ok(())
    }

    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        *self.counts.findings.entry((f.rule, f.severity.as_str())).or_default() += 1;
        Ok(())
    }

    fn step(&mut self, engine: &Engine) -> io::Result<()> {
        if self.rendered_at.is_none_or(|t| t.elapsed() >= self.every) {
            self.publish(engine);
        }
        Ok(())
    }
}

/// Resident set size from `/proc/self/statm`.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf with a valid name has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok()?)
}

/// Text exposition being written: HELP and TYPE once per family, then its samples.
#[derive(Default)]
struct Exposition {
    out: String,
    family: String,
}

impl Exposition {
    fn head(&mut self, name: &str, kind: &str, help: &str) {
        self.family = name.to_string();
        let _ = writeln!(self.out, "# HELP {name} {}", help.replace('\\', "\\\\").replace('\n', "\\n"));
        let _ = writeln!(self.out, "# TYPE {name} {kind}");
    }

    fn counter(&mut self, name: &str, help: &str) {
        self.head(name, "counter", help);
    }

    fn gauge(&mut self, name: &str, help: &str) {
        self.head(name, "gauge", help);
    }

    fn histogram(&mut self, name: &str, help: &str) {
        self.head(name, "histogram", help);
    }

    /// A sample of the current family.
    fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        let name = std::mem::take(&mut self.family);
        self.sample_named(&name, labels, value);
        self.family = name;
    }

    fn sample_named(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                let v = v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
                let _ = write!(self.out, "{k}=\"{v}\"");
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }

    fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let mut e = Exposition::default();
        e.counter("x_total", "help with \\ and\nnewline");
        e.sample(&[("a", "q\"uo\\te\nnl")], 2.0);
        assert_eq!(
            e.finish(),
            "# HELP x_total help with \\\\ and\\nnewline\n# TYPE x_total counter\nx_total{a=\"q\\\"uo\\\\te\\nnl\"} 2\n"
        );
    }
}
