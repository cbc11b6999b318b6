//! Scripted SIP conversations for tests: build requests and responses field by field, run them
//! as UDP packets through a correlating engine, get calls, stats, metrics and findings back.

use super::{addr, ip_udp};
use sipscope::capture::{linktype, RawPacket};
use sipscope::correlate::{Call, CorrelatorConfig, Metrics};
use sipscope::diagnose::Finding;
use sipscope::engine::{Engine, EngineConfig, EngineStats};
use sipscope::time::Timestamp;

pub const A: &str = "192.0.2.10:5060"; // caller
pub const P: &str = "192.0.2.20:5060"; // proxy / callee

/// A message under construction.
pub struct M {
    start: String,
    call_id: String,
    branch: String,
    cseq: u32,
    method: String,
    to_tag: Option<String>,
    extra: String,
    from_uri: String,
    to_uri: String,
    via: String,
}

pub fn req(method: &str, call_id: &str, branch: &str, cseq: u32) -> M {
    M {
        start: format!("{method} sip:bob@example.com SIP/2.0"),
        call_id: call_id.into(),
        branch: branch.into(),
        cseq,
        method: method.into(),
        to_tag: None,
        extra: String::new(),
        from_uri: "sip:alice@example.com".into(),
        to_uri: "sip:bob@example.com".into(),
        via: "192.0.2.10:5060".into(),
    }
}

pub fn resp(code: u16, call_id: &str, branch: &str, cseq: u32, method: &str) -> M {
    M {
        start: format!("SIP/2.0 {code} Reason {code}"),
        call_id: call_id.into(),
        branch: branch.into(),
        cseq,
        method: method.into(),
        to_tag: None,
        extra: String::new(),
        from_uri: "sip:alice@example.com".into(),
        to_uri: "sip:bob@example.com".into(),
        via: "192.0.2.10:5060".into(),
    }
}

impl M {
    pub fn tag(mut self, t: &str) -> M {
        self.to_tag = Some(t.into());
        self
    }
    pub fn from(mut self, uri: &str) -> M {
        self.from_uri = uri.into();
        self
    }
    pub fn to(mut self, uri: &str) -> M {
        self.to_uri = uri.into();
        self
    }
    /// The top Via's sent-by and parameters after the branch (`192.168.1.10:5060`, …).
    pub fn via(mut self, sent_by: &str) -> M {
        self.via = sent_by.into();
        self
    }
    pub fn status(mut self, code: u16, phrase: &str) -> M {
        self.start = format!("SIP/2.0 {code} {phrase}");
        self
    }
    pub fn header(mut self, h: &str) -> M {
        self.extra.push_str(h);
        self.extra.push_str("\r\n");
        self
    }
    pub fn bytes(&self) -> Vec<u8> {
        let to_tag = self.to_tag.as_ref().map(|t| format!(";tag={t}")).unwrap_or_default();
        format!(
            "{}\r\nVia: SIP/2.0/UDP {};branch=z9hG4bK{}\r\nFrom: <{}>;tag=from1\r\nTo: <{}>{}\r\nCall-ID: {}\r\nCSeq: {} {}\r\n{}Content-Length: 0\r\n\r\n",
            self.start, self.via, self.branch, self.from_uri, self.to_uri, to_tag, self.call_id, self.cseq, self.method, self.extra
        )
        .into_bytes()
    }
}

/// Runs (ms, from, to, message) through a correlating engine; returns the calls by Call-ID order
/// of ending, the stats and the metrics.
pub fn run_with(cfg: CorrelatorConfig, script: &[(i64, &str, &str, M)]) -> (Vec<Call>, EngineStats, Metrics) {
    let (calls, stats, metrics, _) = run_full(cfg, script);
    (calls, stats, metrics)
}

/// Like [`run_with`], also returning the findings.
pub fn run_full(
    cfg: CorrelatorConfig,
    script: &[(i64, &str, &str, M)],
) -> (Vec<Call>, EngineStats, Metrics, Vec<Finding>) {
    let mut engine = Engine::new(EngineConfig { correlate: Some(cfg), ..Default::default() });
    let t0 = Timestamp::from_parts(1_700_000_000, 0);
    let mut calls = Vec::new();
    let mut findings = Vec::new();
    for (ms, src, dst, m) in script {
        let frame = ip_udp(addr(src), addr(dst), &m.bytes());
        let pkt = RawPacket { ts: t0.plus_millis(*ms), linktype: linktype::RAW, data: &frame, orig_len: 0 };
        engine.ingest(&pkt).for_each(drop);
        findings.extend(engine.drain_findings());
        calls.extend(engine.drain_finished_calls().map(|c| *c));
    }
    engine.finish().for_each(drop);
    findings.extend(engine.drain_findings());
    calls.extend(engine.drain_finished_calls().map(|c| *c));
    let metrics = engine.metrics().unwrap().clone();
    (calls, engine.stats(), metrics, findings)
}

pub fn run(script: &[(i64, &str, &str, M)]) -> (Vec<Call>, EngineStats, Metrics) {
    run_with(CorrelatorConfig::default(), script)
}
