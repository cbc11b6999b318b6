//! `sipscope report --format json`: one JSON object. Calls are written as they end (so memory
//! stays flat on big captures); the capture counters, response codes, metrics and findings
//! follow once the input is done. Schema: `docs/schema/report.schema.json`.

use std::io::{self, Write};

use serde::Serialize;

use super::json::{push_array, push_plain, push_str, InertJson, Object};
use super::{CallReport, Totals};
use crate::correlate::{Call, Peer};
use crate::diagnose::reason::{describe_reason, describe_warning};
use crate::diagnose::{Finding, Subject};
use crate::sip::{SipMessage, Span};

/// Appends one call of the report as a JSON object (members as in
/// `docs/schema/report.schema.json`), straight from the call's shared bytes.
pub fn write_call(out: &mut Vec<u8>, c: &Call) {
    let first = &c.first;
    let decisive = c.decisive();
    let mut o = Object::begin(out);
    o.str("call_id", &c.call_id)
        .str("kind", c.kind.as_str().as_bytes())
        .str("state", c.state.as_str().as_bytes());
    match decisive {
        Some(r) => o.uint("final_code", r.code.into()),
        None => o.null("final_code"),
    };
    o.opt_str("final_reason", decisive.map(|r| r.msg.reason_phrase()))
        .str("from", first.slice(first.from_addr().uri))
        .str("to", first.slice(first.headers.to_addr(&first.raw).uri))
        .addr("src", c.src())
        .addr("dst", c.dst())
        .str("transport", first.transport.as_str().as_bytes())
        .time("start", c.first_ts)
        .time("end", c.last_ts)
        .uint("part", c.part.into())
        .uint("first_index", c.first_index.into())
        .uint("messages", c.messages.into())
        .uint("retransmissions", c.retransmissions.into())
        .uint("duplicates", c.duplicates.into());
    let out = o.key("branches");
    out.push(b'[');
    let mut n = 0;
    c.visit_branches(|b| {
        if n > 0 {
            out.push(b',');
        }
        n += 1;
        let mut bo = Object::begin(out);
        match b.peer {
            Peer::Addr(a) => bo.addr("peer", a),
            Peer::Text(t) => bo.str("peer", t.as_bytes()),
        };
        bo.str("to_tag", b.to_tag);
        match b.final_code {
            Some(code) => bo.uint("final_code", code.into()),
            None => bo.null("final_code"),
        };
        bo.end();
    });
    out.push(b']');
    o.opt_int("pdd_ms", c.pdd_ms())
        .opt_int("setup_ms", c.setup_ms())
        .opt_int("ring_ms", c.ring_ms())
        .opt_int("duration_ms", c.duration_ms());
    write_str_array(o.key("linked_calls"), c.linked.iter().map(|s| s.as_bytes()));
    write_str_array(o.key("findings"), c.findings.iter().map(|s| s.as_bytes()));
    o.bool("evicted", c.evicted);
    let described = |header: fn(&SipMessage) -> Span, describe: fn(&[u8]) -> String| {
        decisive.filter(|r| !header(&r.msg).is_empty()).map(|r| describe(r.msg.slice(header(&r.msg))))
    };
    let reason = described(|m| m.headers.reason, describe_reason);
    let warning = described(|m| m.headers.warning, describe_warning);
    o.opt_str("reason_header", reason.as_deref().map(str::as_bytes))
        .opt_str("warning", warning.as_deref().map(str::as_bytes));
    match crate::diagnose::nat::evidence(c) {
        Some(n) => {
            let mut no = Object::begin(o.key("nat"));
            no.str("announced", n.announced.as_bytes())
                .str("header", n.header.as_bytes())
                .str("seen_from", n.seen_from.as_bytes())
                .str("how", n.how.as_bytes());
            no.end();
        }
        None => {
            o.null("nat");
        }
    }
    super::media_json::write_media(&mut o, c);
    o.end();
}

fn write_str_array<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a [u8]>) {
    push_array(out, items, push_str);
}

/// Appends one finding as a JSON object (members as in `docs/schema/report.schema.json`:
/// rule, severity, call_id, source, ts, summary, explanation, next_steps, evidence), escaped as
/// everything the report writes: characters a terminal would act on become `\uXXXX`.
pub fn push_finding(out: &mut Vec<u8>, f: &Finding) {
    let mut o = Object::begin(out);
    o.str("rule", f.rule.as_bytes()).str("severity", f.severity.as_str().as_bytes());
    match &f.subject {
        Subject::Call(id) => {
            push_text(o.key("call_id"), id);
            o.null("source")
        }
        Subject::Source(ip) => o.null("call_id").display("source", ip),
    };
    o.time("ts", f.ts);
    push_text(o.key("summary"), &f.summary);
    push_text(o.key("explanation"), &f.explanation);
    push_array(o.key("next_steps"), &f.next_steps, |out, step| push_text(out, step));
    push_array(o.key("evidence"), &f.evidence, |out, e| {
        let mut item = Object::begin(out);
        push_text(item.key("call_id"), &e.call_id);
        item.uint("index", e.index.into());
        push_text(item.key("what"), &e.what);
        item.end();
    });
    o.end();
}

/// Appends a finding's text as a JSON string. Plain ASCII (nearly every text) is copied as it
/// is; anything else is escaped as serde_json does, then made terminal-inert (see
/// [`InertJson`]), so that a text reads the same whichever writer produced it.
fn push_text(out: &mut Vec<u8>, text: &str) {
    if push_plain(out, text.as_bytes()) {
        return;
    }
    let mut inert = InertJson::new(&mut *out);
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut inert, text);
    let _ = inert.flush();
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
    resumed_calls: u64,
    clock_jumps: u64,
    clock_largest_jump_ms: i64,
    forgotten_call_ids: u64,
    evicted_calls: u64,
    messages_without_call_id: u64,
    findings: u64,
    findings_not_listed: u64,
    findings_rolled_up: u64,
    undecoded: std::collections::BTreeMap<&'static str, u64>,
    hep_packets: u64,
    hep_errors: u64,
    hep_not_sip: u64,
    hep_time_off: u64,
    sdp_bodies: u64,
    rtp_packets: u64,
    rtcp_packets: u64,
    media_unmatched: u64,
    media_endpoints_refused: u64,
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
    /// Reused buffer a call (or a finding) is built in before it is written.
    buf: Vec<u8>,
    /// The findings, rendered as they come, written after the calls.
    findings: super::spool::Spool,
}

impl<W: Write> JsonReport<W> {
    /// Starts the object and its `calls` array.
    pub fn start(mut w: W) -> io::Result<Self> {
        w.write_all(b"{\"calls\":[")?;
        Ok(JsonReport { w, calls: 0, buf: Vec::with_capacity(2048), findings: Default::default() })
    }
}

impl<W: Write> CallReport for JsonReport<W> {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        // Rendered in the buffer calls use (a finding is over a kilobyte: a fresh one each time
        // was a trip through malloc's slower bins).
        self.buf.clear();
        self.buf.extend_from_slice(if self.findings.items() == 0 { b"\n" } else { b",\n" });
        push_finding(&mut self.buf, f);
        self.findings.push(&self.buf)
    }

    fn call(&mut self, c: &Call) -> io::Result<()> {
        self.buf.clear();
        self.buf.extend_from_slice(if self.calls == 0 { b"\n" } else { b",\n" });
        write_call(&mut self.buf, c);
        self.w.write_all(&self.buf)?;
        self.calls += 1;
        Ok(())
    }

    /// Closes the calls array and writes everything else.
    fn finish(mut self: Box<Self>, totals: &Totals<'_>) -> io::Result<()> {
        let Totals { stats, metrics, unlisted, drops, registrations, now } = *totals;
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
            resumed_calls: stats.calls.resumed_calls,
            clock_jumps: stats.clock.jumps,
            clock_largest_jump_ms: stats.clock.largest_jump_ms,
            forgotten_call_ids: stats.calls.forgotten_call_ids,
            evicted_calls: stats.calls.evicted_calls,
            messages_without_call_id: stats.calls.without_call_id,
            findings: stats.findings.findings,
            findings_not_listed: unlisted + stats.findings.dropped,
            findings_rolled_up: stats.findings.rolled_up,
            undecoded: stats.decode.undecoded.nonzero().map(|(k, n)| (k.key(), n)).collect(),
            hep_packets: stats.decode.hep,
            hep_errors: stats.decode.hep_errors,
            hep_not_sip: stats.decode.hep_other,
            hep_time_off: stats.decode.hep_time_off,
            sdp_bodies: stats.media.sdp,
            rtp_packets: stats.media.rtp_packets,
            rtcp_packets: stats.media.rtcp_packets,
            media_unmatched: stats.media.unmatched,
            media_endpoints_refused: stats.media.endpoints_refused,
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
        self.findings.copy_to(&mut self.w)?;
        self.w.write_all(b"\n],\n\"registrations\":")?;
        let mut regs = Vec::new();
        match registrations {
            Some(table) => super::registrations::push_json(&mut regs, table, now),
            None => regs.extend_from_slice(b"[]"),
        }
        self.w.write_all(&regs)?;
        self.w.write_all(b"\n}\n")?;
        self.w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::{Evidence, Severity};
    use crate::time::Timestamp;

    /// The members of a finding as serde_json wrote them before [`push_finding`] did.
    #[derive(Serialize)]
    struct AsSerde<'a> {
        rule: &'a str,
        severity: &'a str,
        call_id: Option<&'a str>,
        source: Option<String>,
        ts: String,
        summary: &'a str,
        explanation: &'a str,
        next_steps: Vec<&'a str>,
        evidence: Vec<EvidenceAsSerde<'a>>,
    }

    #[derive(Serialize)]
    struct EvidenceAsSerde<'a> {
        call_id: &'a str,
        index: u32,
        what: &'a str,
    }

    fn as_serde(f: &Finding) -> Vec<u8> {
        let (call_id, source) = match &f.subject {
            Subject::Call(id) => (Some(id.as_str()), None),
            Subject::Source(ip) => (None, Some(ip.to_string())),
        };
        let value = AsSerde {
            rule: f.rule,
            severity: f.severity.as_str(),
            call_id,
            source,
            ts: f.ts.rfc3339().to_string(),
            summary: &f.summary,
            explanation: &f.explanation,
            next_steps: f.next_steps.iter().map(|s| &**s).collect(),
            evidence: f
                .evidence
                .iter()
                .map(|e| EvidenceAsSerde { call_id: &e.call_id, index: e.index, what: &e.what })
                .collect(),
        };
        let mut out = Vec::new();
        let mut inert = InertJson::new(&mut out);
        serde_json::to_writer(&mut inert, &value).unwrap();
        inert.flush().unwrap();
        out
    }

    /// Byte for byte what serde_json and the terminal-inert wrapper wrote, for plain texts and
    /// for texts from the network holding every kind of byte that needs an escape (quotes,
    /// backslashes, \b and \f, other C0 controls, DEL, C1 controls, bidirectional overrides,
    /// line separators, other non-ASCII), for a call and for a source, with and without
    /// next steps and evidence.
    #[test]
    fn findings_are_written_as_serde_json_wrote_them() {
        let hostile =
            "say \"hi\" \\ \u{8}\u{c}\n\r\t\u{1}\u{1b}[31m \u{7f} \u{85} \u{202e}evil \u{2028} é 😀";
        let texts = ["plain text, nothing to escape", hostile, ""];
        for (n, text) in texts.iter().enumerate() {
            // Each text about a call and about a source (Call-IDs come from the network too).
            for subject in
                [Subject::Call(format!("call-{text}")), Subject::Source("2001:db8::1".parse().unwrap())]
            {
                let f = Finding {
                    rule: "forbidden-403",
                    severity: Severity::Warning,
                    subject,
                    ts: Timestamp::from_parts(1_700_000_000, 123_456_000),
                    summary: format!("summary {text}"),
                    explanation: format!("explanation {text}").into(),
                    next_steps: if n == 2 { Vec::new() } else { vec!["one".into(), text.to_string().into()] },
                    evidence: if n == 2 {
                        Vec::new()
                    } else {
                        vec![
                            Evidence { call_id: text.to_string(), index: 3, what: "INVITE".into() },
                            Evidence { call_id: "c".into(), index: 4, what: format!("403 {text}") },
                        ]
                    },
                };
                let mut ours = Vec::new();
                push_finding(&mut ours, &f);
                assert_eq!(
                    String::from_utf8_lossy(&ours),
                    String::from_utf8_lossy(&as_serde(&f)),
                    "text {n}"
                );
                let parsed: serde_json::Value = serde_json::from_slice(&ours).expect("valid JSON");
                assert_eq!(parsed["summary"], format!("summary {text}"));
            }
        }
    }
}
