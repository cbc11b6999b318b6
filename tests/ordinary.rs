//! Ordinary phone behaviour recorded with SIPp on loopback (`scripts/make-ordinary-captures.sh`,
//! `pcaps/ORDINARY.md`): what a VoIP engineer expects sipscope to say about each, and above
//! all what it must not say (issue 12: boot storms behind one NAT, stale-nonce refreshes,
//! forwarded and transferred calls, subscriptions, a 2xx never ACKed).

mod common;

use common::pcap;
use serde_json::Value;

fn report(file: &str) -> Value {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .args(["report", "-r", pcap(file).to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn rules(r: &Value) -> Vec<String> {
    r["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

fn states(r: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = r["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["call_id"].as_str().unwrap().to_string(), c["state"].as_str().unwrap().to_string()))
        .collect();
    v.sort();
    v
}

#[test]
fn twelve_phones_booting_behind_one_nat_raise_no_alarm() {
    let r = report("ordinary-nat-boot-storm.pcap");
    assert!(rules(&r).is_empty(), "a boot storm is not a scan: {:?}", rules(&r));
    let s = states(&r);
    assert_eq!(s.len(), 12);
    assert!(s.iter().all(|(_, st)| st == "registered"), "{s:?}");
}

#[test]
fn refreshes_with_a_stale_nonce_raise_no_alarm() {
    let r = report("ordinary-stale-nonce-refresh.pcap");
    assert!(rules(&r).is_empty(), "stale=true is a request for a fresh nonce: {:?}", rules(&r));
    assert!(states(&r).iter().all(|(_, st)| st == "registered"));
}

#[test]
fn forwarded_calls_are_ordinary_calls() {
    let r = report("ordinary-call-forwarded.pcap");
    assert!(rules(&r).is_empty(), "{:?}", rules(&r));
    // The 302 and the new INVITE on the same Call-ID are one call, answered at the new target.
    let s = states(&r);
    assert_eq!(
        s,
        [
            ("ord-fwd181-1@127.0.0.62".into(), "completed".into()),
            ("ord-fwd302-1@127.0.0.62".into(), "completed".into())
        ]
    );
}

#[test]
fn failed_transfers_are_explained_and_the_good_one_is_not() {
    let r = report("ordinary-blind-transfer.pcap");
    let f: Vec<(String, String)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["call_id"].as_str().unwrap().to_string(), f["summary"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(f.len(), 2, "{f:?}");
    assert!(f.iter().any(|(id, s)| id.starts_with("ord-xfer-busy") && s.contains("answered 486")), "{f:?}");
    assert!(
        f.iter().any(|(id, s)| id.starts_with("ord-xfer-403") && s.contains("REFER") && s.contains("403")),
        "{f:?}"
    );
    assert!(rules(&r).iter().all(|r| r == "transfer-failed"));
}

#[test]
fn subscriptions_active_and_lost() {
    let r = report("ordinary-subscriptions.pcap");
    let s = states(&r);
    assert_eq!(s[0], ("ord-sub-202-1@127.0.0.65".into(), "subscribed".into()));
    assert_eq!(rules(&r), ["subscription-lost", "subscription-lost"]);
    assert!(s[1..].iter().all(|(_, st)| st == "failed"), "{s:?}");
}

#[test]
fn answered_but_never_acked_is_unconfirmed_and_explained() {
    let r = report("ordinary-2xx-no-ack.pcap");
    assert_eq!(states(&r), [("ord-noack-1@127.0.0.80".into(), "unconfirmed".into())]);
    assert_eq!(rules(&r), ["no-ack-for-2xx"]);
    let e = r["findings"][0]["explanation"].as_str().unwrap();
    assert!(e.contains("192.168.1.50:5060") && e.contains("private address"), "Contact vs source: {e}");
    assert!(e.contains("ACK timeout"), "the BYE's Reason: {e}");
}
