//! Live capture end to end (needs root, as CI runs): `sipscope report -i lo` while SIPp places
//! real calls on 127.0.0.0/8 over UDP and TCP: answered, 403, 603 after ringing, and cancelled.
//! The report must match what SIPp did, call by call. Every process is bounded (`-m`, `-timeout`)
//! and stopped by its PID.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::sipp::{is_root, scenario, sipp, Proc, WaitRef};

/// (case, UAS scenario, extra UAS args, UAC scenario, expected state, expected final code)
type Case = (&'static str, &'static str, &'static [&'static str], &'static str, &'static str, u64);

const CASES: &[Case] = &[
    ("answered", "uas_basic.xml", &[], "uac_basic.xml", "completed", 200),
    ("forbidden", "uas_reject_403.xml", &["-key", "server", "live-pbx"], "uac_reject.xml", "rejected", 403),
    ("declined", "uas_ring_decline.xml", &[], "uac_reject.xml", "declined", 603),
    ("cancelled", "uas_ring_cancel.xml", &[], "uac_cancel.xml", "cancelled", 487),
];

#[test]
fn report_on_loopback_matches_what_sipp_did() {
    if !is_root() {
        eprintln!("live capture test needs root (CI runs as root); not run here");
        return;
    }
    assert!(
        Command::new("sipp").arg("-v").output().is_ok(),
        "SIPp (Debian sip-tester) is installed by `make test`"
    );
    let report = Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .args(["report", "-i", "lo", "-f", "net 127.0.0.96/27", "--duration", "60s", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = report.id() as i32;
    let mut report = Proc(report);
    std::thread::sleep(Duration::from_millis(800));
    let mut expected = Vec::new();
    for (t, transport) in ["udp", "tcp"].iter().enumerate() {
        for (i, (case, uas_sc, uas_extra, uac_sc, state, code)) in CASES.iter().enumerate() {
            let uas_ip = format!("127.0.0.{}", 100 + t * 10 + i * 2);
            let uac_ip = format!("127.0.0.{}", 101 + t * 10 + i * 2);
            let cid = format!("live-{case}-{transport}-%u@%s");
            let mode: &[&str] = if *transport == "tcp" { &["-t", "t1"] } else { &["-t", "u1"] };
            let mut uas_args = vec![
                "-sf".to_string(),
                scenario(uas_sc),
                "-i".into(),
                uas_ip.clone(),
                "-p".into(),
                "5060".into(),
                "-m".into(),
                "1".into(),
            ];
            uas_args.extend(mode.iter().map(|s| s.to_string()));
            uas_args.extend(uas_extra.iter().map(|s| s.to_string()));
            let uas = Proc(sipp(&uas_args.iter().map(String::as_str).collect::<Vec<_>>()).spawn().unwrap());
            std::thread::sleep(Duration::from_millis(300));
            let target = format!("{uas_ip}:5060");
            let mut uac_args = vec![target.as_str(), "-sf"];
            let uac_sc = scenario(uac_sc);
            uac_args.extend([
                uac_sc.as_str(),
                "-i",
                &uac_ip,
                "-p",
                "5060",
                "-s",
                "bob",
                "-m",
                "1",
                "-cid_str",
                &cid,
            ]);
            uac_args.extend(mode);
            let status = sipp(&uac_args).status().unwrap();
            assert!(status.success(), "SIPp UAC for {case} over {transport} failed: {status}");
            drop(uas);
            expected.push((format!("live-{case}-{transport}-1@{uac_ip}"), *transport, *state, *code));
        }
    }
    // Stop the capture the way an operator does: SIGINT. It must print the report of what it saw.
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let out = report.0.wait_with_output_ref();
    assert!(started.elapsed() < Duration::from_secs(5), "SIGINT stops the capture at once");
    let stderr = String::from_utf8_lossy(&out.1);
    assert!(stderr.contains("running as user nobody"), "root is dropped: {stderr}");
    let r: serde_json::Value = serde_json::from_slice(&out.0).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(r["capture"]["kernel_drops"], 0);
    assert_eq!(r["capture"]["queue_drops"], 0);
    let calls = r["calls"].as_array().unwrap();
    assert_eq!(calls.len(), expected.len(), "{calls:#?}");
    for (id, transport, state, code) in expected {
        let c = calls
            .iter()
            .find(|c| c["call_id"] == id.as_str())
            .unwrap_or_else(|| panic!("call {id} missing: {calls:#?}"));
        assert_eq!((c["state"].as_str().unwrap(), c["final_code"].as_u64().unwrap()), (state, code), "{id}");
        assert_eq!(c["transport"], transport, "{id}");
    }
    let findings: Vec<&str> =
        r["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(
        findings,
        ["forbidden-403", "forbidden-403"],
        "the 403s are explained, a 603 after ringing and a CANCEL are not problems"
    );
}

/// The load check, short and bounded: 500 calls/s for 3 s through loopback, zero drops, every call
/// in the report (scripts/load-check.sh; `make load-check` runs a longer one).
#[test]
fn short_load_check_has_no_drops() {
    if !is_root() {
        eprintln!("load check needs root (CI runs as root); not run here");
        return;
    }
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/load-check.sh"))
        .args(["500", "3"])
        .env("SIPSCOPE", env!("CARGO_BIN_EXE_sipscope"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("PASS"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("drops: kernel 0, interface 0, queue 0"), "{text}");
}

/// Media live: the default capture filter admits RTP (by its version bits) without `-f`, and
/// `report -i lo` counts every packet of a real SIPp call with G.711 both ways and one-way, equal
/// to what tcpdump captured alongside (scripts/make-media-captures.sh drives SIPp and tcpdump).
#[test]
fn live_default_filter_captures_rtp_and_counts_it_like_tcpdump() {
    if !is_root() {
        eprintln!("live capture test needs root (CI runs as root); not run here");
        return;
    }
    let dir = std::env::temp_dir().join(format!("sipscope-live-media-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .args(["report", "-i", "lo", "--duration", "90s", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = report.id() as i32;
    let mut report = Proc(report);
    std::thread::sleep(Duration::from_millis(800));
    let made = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/make-media-captures.sh"))
        .arg(&dir)
        .args(["two_way", "one_way"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stdout));
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(pid, libc::SIGINT) };
    let out = report.0.wait_with_output_ref();
    let r: serde_json::Value = serde_json::from_slice(&out.0).unwrap();
    assert_eq!(r["capture"]["kernel_drops"], 0);
    for (case, streams) in [("two-way", 2), ("one-way", 1)] {
        let live = r["calls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["call_id"].as_str().unwrap().starts_with(&format!("media-{case}-")))
            .unwrap_or_else(|| panic!("{case}: {}", String::from_utf8_lossy(&out.1)));
        let file = dir.join(format!("media-{case}.pcap"));
        let offline = Command::new(env!("CARGO_BIN_EXE_sipscope"))
            .args(["report", "--format", "json", "-r", file.to_str().unwrap()])
            .output()
            .unwrap();
        let f: serde_json::Value = serde_json::from_slice(&offline.stdout).unwrap();
        let packets = |c: &serde_json::Value| -> Vec<u64> {
            let mut v: Vec<u64> =
                c["media"].as_array().unwrap().iter().map(|s| s["packets"].as_u64().unwrap()).collect();
            v.sort();
            v
        };
        assert_eq!(live["media"].as_array().unwrap().len(), streams, "{case}: {live:#}");
        assert_eq!(packets(live), packets(&f["calls"][0]), "{case}: live and tcpdump's file agree");
        assert!(packets(live).iter().all(|&n| n >= 140), "{case}: ~150 packets per stream");
    }
    // Other live tests may run at the same time on lo: only these calls' findings count.
    let rules: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["call_id"].as_str().is_some_and(|c| c.starts_with("media-")))
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["one-way-media"]);
    std::fs::remove_dir_all(&dir).ok();
}

/// A quiet link: three SIP datagrams and then nothing. Each must come out at once, not wait in
/// the capture thread (or the kernel) for a packet that may never come. (libpcap's immediate
/// mode never returned from its read timeout, so a partial batch waited for the next packet.)
#[test]
fn messages_on_a_quiet_link_come_out_at_once() {
    if !is_root() {
        eprintln!("live capture test needs root (CI runs as root); not run here");
        return;
    }
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .args(["messages", "-i", "lo", "-f", "host 127.0.0.121 and udp port 5060", "--duration", "30s"])
        .args(["--format", "ndjson"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let _stopped_on_drop = Proc(child);
    let mut err = BufReader::new(stderr);
    let mut line = String::new();
    while err.read_line(&mut line).unwrap() > 0 && !line.contains("capturing on") {
        line.clear();
    }
    assert!(line.contains("capturing on lo"), "{line}");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let sock = std::net::UdpSocket::bind("127.0.0.121:0").unwrap();
    for i in 0..3 {
        let msg = format!(
            "OPTIONS sip:x@127.0.0.122 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.121;branch=z9hG4bKq{i}\r\nFrom: <sip:a@127.0.0.121>;tag=1\r\nTo: <sip:x@127.0.0.122>\r\nCall-ID: quiet-{i}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        );
        sock.send_to(msg.as_bytes(), "127.0.0.122:5060").unwrap();
    }
    let sent = Instant::now();
    for i in 0..3 {
        let l = rx.recv_timeout(Duration::from_secs(2)).unwrap_or_else(|_| panic!("message {i} still held"));
        assert!(l.contains(&format!("quiet-{i}")), "{l}");
    }
    assert!(sent.elapsed() < Duration::from_secs(1), "took {:?}", sent.elapsed());
}
