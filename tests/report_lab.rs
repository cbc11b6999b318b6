//! `sipscope report --format json` on every bundled capture: valid against its schema, message
//! counts per Call-ID as tshark counts them, and the lab answer key (shared/lab/EXPECTED.md):
//! states, final codes and branch results.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::expected_counts::EXPECTED;
use common::{captures, pcap};
use serde_json::Value;

fn report(path: &std::path::Path) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .args(["report", "-r", path.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{path:?}: {}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn call<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["call_id"] == id)
        .unwrap_or_else(|| panic!("no call {id}"))
}

#[test]
fn every_report_matches_the_schema_and_tshark_counts() {
    let schema: Value = serde_json::from_str(include_str!("../docs/schema/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for path in captures() {
        let r = report(&path);
        if let Err(e) = validator.validate(&r) {
            panic!("{path:?}: {e}");
        }
        let name = path.file_name().unwrap().to_str().unwrap();
        let (_, calls, codes) = EXPECTED.iter().find(|(f, _, _)| *f == name).unwrap();
        let ours: BTreeMap<String, u64> = r["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["call_id"].as_str().unwrap().to_string(), c["messages"].as_u64().unwrap()))
            .collect();
        let theirs: BTreeMap<String, u64> =
            calls.iter().filter(|(c, _)| !c.is_empty()).map(|(c, n)| (c.to_string(), *n as u64)).collect();
        assert_eq!(ours, theirs, "{name}: messages per Call-ID");
        // Retransmissions as tshark finds them (sip.resend): only the unACKed 2xx resends its
        // 200 OK nine times; those are not new responses in the counts below.
        let resent: u64 = if name == "ordinary-2xx-no-ack.pcap" { 9 } else { 0 };
        assert_eq!(r["capture"]["retransmissions"], resent, "{name}");
        let responses: BTreeMap<u16, u64> = r["responses"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.parse().unwrap(), v.as_u64().unwrap()))
            .collect();
        let their_codes: BTreeMap<u16, u64> =
            codes.iter().map(|(c, n)| (*c, *n as u64 - if *c == 200 { resent } else { 0 })).collect();
        assert_eq!(responses, their_codes, "{name}: response codes");
    }
}

/// (file, Call-ID, kind, state, final code, branch final codes in peer order)
#[allow(clippy::type_complexity)]
const ANSWER_KEY: &[(&str, &str, &str, &str, Option<u64>, &[Option<u64>])] = &[
    ("lab-basic-udp.pcap", "lab-basic-udp-1@127.0.0.10", "call", "completed", Some(200), &[Some(200)]),
    ("lab-basic-tcp.pcap", "lab-basic-tcp-1@127.0.0.10", "call", "completed", Some(200), &[Some(200)]),
    ("lab-basic-udp-sll2.pcap", "lab-basic-sll2-1@127.0.0.17", "call", "completed", Some(200), &[Some(200)]),
    ("lab-basic-udp-ipv6.pcap", "lab-basic-ipv6-1@::1", "call", "completed", Some(200), &[Some(200)]),
    (
        "lab-invite-403-reason.pcap",
        "lab-403-reason-1@127.0.0.10",
        "call",
        "rejected",
        Some(403),
        &[Some(403)],
    ),
    ("lab-invite-403-plain.pcap", "lab-403-plain-1@127.0.0.10", "call", "rejected", Some(403), &[Some(403)]),
    ("lab-register-401-403.pcap", "lab-reg-1@127.0.0.10", "registration", "refused", Some(403), &[Some(403)]),
    (
        "lab-fork-603-cancel.pcap",
        "lab-fork-603-1@127.0.0.10",
        "call",
        "declined",
        Some(603),
        &[Some(487), Some(487), Some(603)],
    ),
    (
        "lab-fork-603-nocancel.pcap",
        "lab-fork-nocancel-1@127.0.0.10",
        "call",
        "completed",
        Some(200),
        &[Some(487), Some(200), Some(603)],
    ),
    (
        "lab-fork-603-then-200.pcap",
        "lab-603-then-200-1@127.0.0.10",
        "call",
        "completed",
        Some(200),
        &[None, Some(200), Some(603)],
    ),
    ("lab-dnd-603.pcap", "lab-dnd-603-1@127.0.0.10", "call", "declined", Some(603), &[Some(603)]),
    ("lab-busy-486.pcap", "lab-busy-486-1@127.0.0.10", "call", "busy", Some(486), &[Some(486)]),
    ("lab-cancel-487.pcap", "lab-cancel-1@127.0.0.10", "call", "cancelled", Some(487), &[Some(487)]),
    ("lab-tcp-coalesced-split.pcap", "lab-tcp-1@127.0.0.40", "call", "completed", Some(200), &[Some(200)]),
    ("lab-tcp-coalesced-split.pcap", "lab-tcp-2@127.0.0.40", "call", "busy", Some(486), &[Some(486)]),
    ("lab-tcp-coalesced-split.pcap", "lab-tcp-3@127.0.0.40", "call", "declined", Some(603), &[Some(603)]),
    (
        "lab-ip-fragmented-invite.pcap",
        "lab-frag-v4-1@10.99.0.1",
        "call",
        "completed",
        Some(200),
        &[Some(200)],
    ),
    (
        "lab-ipv6-fragmented-invite.pcap",
        "lab-frag-v6-1@fd99::1",
        "call",
        "completed",
        Some(200),
        &[Some(200)],
    ),
];

#[test]
fn lab_answer_key() {
    for (file, id, kind, state, code, branches) in ANSWER_KEY {
        let r = report(&pcap(file));
        let c = call(&r, id);
        assert_eq!(c["kind"], *kind, "{file}");
        assert_eq!(c["state"], *state, "{file}");
        assert_eq!(c["final_code"].as_u64(), *code, "{file}");
        let mut got: Vec<(String, Option<u64>)> = c["branches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (b["peer"].as_str().unwrap().to_string(), b["final_code"].as_u64()))
            .collect();
        got.sort();
        let got: Vec<Option<u64>> = got.into_iter().map(|(_, c)| c).collect();
        assert_eq!(got, branches.to_vec(), "{file}: branch results");
    }
}

#[test]
fn forked_call_branches_name_the_phones() {
    let r = report(&pcap("lab-fork-603-cancel.pcap"));
    let c = call(&r, "lab-fork-603-1@127.0.0.10");
    let peers: Vec<&str> =
        c["branches"].as_array().unwrap().iter().map(|b| b["peer"].as_str().unwrap()).collect();
    assert_eq!(peers, ["127.0.0.31:5060", "127.0.0.32:5060", "127.0.0.33:5060"]);
    assert_eq!(c["messages"], 26);
    assert_eq!(c["src"], "127.0.0.10:5060");
    assert_eq!(c["dst"], "127.0.0.20:5060");
    // 603-then-200: the branches are the three early dialogs the broken proxy relayed.
    let r = report(&pcap("lab-fork-603-then-200.pcap"));
    let tags: Vec<&str> = call(&r, "lab-603-then-200-1@127.0.0.10")["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["to_tag"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["br-a-1", "br-b-1", "br-c-1"]);
}

#[test]
fn lab_timings_match_the_scenarios() {
    // lab-basic-udp: ringing ~0.1 s, answer ~0.6 s after the INVITE, talk ~1 s.
    let r = report(&pcap("lab-basic-udp.pcap"));
    let c = call(&r, "lab-basic-udp-1@127.0.0.10");
    let near = |v: &Value, want: i64, tol: i64| (v.as_i64().unwrap() - want).abs() <= tol;
    assert!(near(&c["pdd_ms"], 100, 20), "{}", c["pdd_ms"]);
    assert!(near(&c["setup_ms"], 600, 30), "{}", c["setup_ms"]);
    assert!(near(&c["duration_ms"], 1000, 30), "{}", c["duration_ms"]);
    // lab-fork-603-nocancel: answered ~3.1 s after the INVITE, BYE ~1 s later.
    let r = report(&pcap("lab-fork-603-nocancel.pcap"));
    let c = call(&r, "lab-fork-nocancel-1@127.0.0.10");
    assert!(near(&c["setup_ms"], 3100, 100), "{}", c["setup_ms"]);
    assert!(near(&c["duration_ms"], 1000, 100), "{}", c["duration_ms"]);
}

/// The findings each bundled capture must raise, exactly (shared/lab/EXPECTED.md for the lab;
/// the scanner sources of the public attack captures).
const FINDINGS: &[(&str, &[(&str, &str)])] = &[
    ("lab-basic-udp.pcap", &[]),
    ("lab-basic-tcp.pcap", &[]),
    ("lab-basic-udp-sll2.pcap", &[]),
    ("lab-basic-udp-ipv6.pcap", &[]),
    ("lab-ip-fragmented-invite.pcap", &[]),
    ("lab-ipv6-fragmented-invite.pcap", &[]),
    ("lab-busy-486.pcap", &[]),
    ("lab-cancel-487.pcap", &[]),
    ("lab-fork-603-cancel.pcap", &[]),
    ("lab-invite-403-reason.pcap", &[("forbidden-403", "lab-403-reason-1@127.0.0.10")]),
    ("lab-invite-403-plain.pcap", &[("forbidden-403", "lab-403-plain-1@127.0.0.10")]),
    ("lab-register-401-403.pcap", &[("auth-failed", "lab-reg-1@127.0.0.10")]),
    ("lab-dnd-603.pcap", &[("decline-should-be-busy", "lab-dnd-603-1@127.0.0.10")]),
    ("lab-tcp-coalesced-split.pcap", &[("decline-should-be-busy", "lab-tcp-3@127.0.0.40")]),
    ("lab-fork-603-nocancel.pcap", &[("decline-not-honoured", "lab-fork-nocancel-1@127.0.0.10")]),
    ("lab-fork-603-then-200.pcap", &[("decline-not-honoured", "lab-603-then-200-1@127.0.0.10")]),
    (
        "initconf-sipvicious-baduseragent.pcap",
        &[
            ("scanner", "146.38.187.119"),
            ("scanner", "167.39.178.73"),
            ("scanner", "167.39.178.78"),
            ("scanner", "171.217.27.156"),
            ("scanner", "171.217.27.159"),
            ("scanner", "207.236.89.0"),
            // User-Agent "Zeeko", but the From display name is still "sipvicious".
            ("scanner", "27.164.15.39"),
            ("scanner", "27.53.138.51"),
            ("scanner", "7.17.254.165"),
            ("scanner", "7.17.254.188"),
            ("scanner", "75.225.19.2"),
        ],
    ),
];

#[test]
fn findings_are_exactly_the_expected_ones() {
    for (file, want) in FINDINGS {
        let r = report(&pcap(file));
        let mut got: Vec<(String, String)> = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let who = f["call_id"].as_str().or(f["source"].as_str()).unwrap();
                (f["rule"].as_str().unwrap().to_string(), who.to_string())
            })
            .collect();
        got.sort();
        let mut want: Vec<(String, String)> =
            want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        want.sort();
        assert_eq!(got, want, "{file}");
        // Per-call ids agree with the findings list.
        for c in r["calls"].as_array().unwrap() {
            for id in c["findings"].as_array().unwrap() {
                assert!(
                    got.iter()
                        .any(|(rule, who)| rule == id.as_str().unwrap()
                            && who == c["call_id"].as_str().unwrap())
                );
            }
        }
    }
}

#[test]
fn the_toll_fraud_capture_is_explained() {
    let r = report(&pcap("initconf-3700-unauthorized-401.pcap"));
    let rules: std::collections::BTreeSet<&str> =
        r["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    // One source, sipcli's: flagged by its User-Agent at its first request, then as toll fraud
    // once its calls to international numbers have failed. Its calls' own outcomes (401 then
    // 403 after credentials, 482 loops, 503s) are rolled up into those two findings instead of
    // a dozen per-call ones.
    assert_eq!(rules, ["scanner", "toll-fraud"].into_iter().collect());
    let findings = r["findings"].as_array().unwrap();
    for f in findings {
        assert_eq!(f["source"], "40.129.198.250", "sipcli's packets, not its From header");
    }
    let fraud = findings.iter().find(|f| f["rule"] == "toll-fraud").unwrap();
    assert!(fraud["summary"].as_str().unwrap().contains("international numbers"), "{}", fraud["summary"]);
    let rolled = r["capture"]["findings_rolled_up"].as_u64().unwrap();
    assert!(rolled >= 10, "the per-call findings are counted, not lost: {rolled}");
}

#[test]
fn reason_and_warning_are_shown_with_failures() {
    let r = report(&pcap("lab-invite-403-reason.pcap"));
    let c = call(&r, "lab-403-reason-1@127.0.0.10");
    assert_eq!(c["reason_header"], "Q.850 cause 21 (Call rejected) \"Call rejected\"");
    let f = &r["findings"][0];
    assert!(f["explanation"].as_str().unwrap().contains("Q.850 cause 21 (Call rejected)"));
    let r = report(&pcap("lab-invite-403-plain.pcap"));
    assert!(call(&r, "lab-403-plain-1@127.0.0.10")["reason_header"].is_null());
}

#[test]
fn fail_on_sets_exit_code_3() {
    let run = |file: &str, level: &str| {
        Command::new(env!("CARGO_BIN_EXE_sipscope"))
            .args(["report", "-r", pcap(file).to_str().unwrap(), "--fail-on", level])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(run("lab-dnd-603.pcap", "warning"), Some(3));
    assert_eq!(run("lab-dnd-603.pcap", "info"), Some(3));
    assert_eq!(run("lab-dnd-603.pcap", "error"), Some(0), "a warning is below error");
    assert_eq!(run("lab-fork-603-nocancel.pcap", "error"), Some(3));
    assert_eq!(run("lab-basic-udp.pcap", "info"), Some(0));
}
