//! Escape sequences, control characters and bidi overrides from the network never reach a
//! terminal raw: not in `messages` text, not in `report` text (calls, Reason, Warning, findings),
//! and JSON outputs carry them escaped.

mod common;

use std::process::Command;

use common::*;

const NASTY: &[&str] = &[
    "\x1b[2J",
    "\x1b]0;owned\x07",
    "\x1bP+q\x1b\\",
    "\u{9b}31m",
    "\u{202e}",
    "\u{2066}",
    "\r",
    "\x08",
    "\x00",
];

fn hostile_capture() -> std::path::PathBuf {
    let mut frames = Vec::new();
    let evil = NASTY.concat();
    let invite = format!(
        "INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.9;branch=z9hG4bKevil\r\nFrom: \"{evil}\" <sip:a@10.0.0.1>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: evil{evil}\r\nCSeq: 1 INVITE\r\nUser-Agent: friendly-scanner {evil}\r\nContent-Length: {}\r\n\r\n{evil}",
        evil.len()
    );
    let refusal = format!(
        "SIP/2.0 403 Forbidden {evil}\r\nVia: SIP/2.0/UDP 198.51.100.9;branch=z9hG4bKevil\r\nFrom: \"{evil}\" <sip:a@10.0.0.1>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\nCall-ID: evil{evil}\r\nCSeq: 1 INVITE\r\nReason: Q.850;cause=21;text=\"{evil}\"\r\nWarning: 399 pbx \"{evil}\"\r\nContent-Length: 0\r\n\r\n"
    );
    frames.push(ip_udp(addr("198.51.100.9:5060"), addr("203.0.113.5:5060"), invite.as_bytes()));
    frames.push(ip_udp(addr("203.0.113.5:5060"), addr("198.51.100.9:5060"), refusal.as_bytes()));
    temp_file("terminal-safety.pcap", &pcap_file(101, &frames))
}

fn run(args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let o = Command::new(env!("CARGO_BIN_EXE_sipscope")).args(args).output().unwrap();
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    (o.stdout, o.stderr)
}

fn assert_inert(what: &str, out: &[u8]) {
    let text = String::from_utf8(out.to_vec()).unwrap_or_else(|_| panic!("{what}: output is valid UTF-8"));
    let bad: Vec<char> =
        text.chars().filter(|&c| c != '\n' && sipscope::sanitize::is_unsafe_char(c)).collect();
    assert!(bad.is_empty(), "{what}: raw {bad:?} in output:\n{text}");
}

#[test]
fn text_outputs_show_hostile_bytes_inert() {
    let pcap = hostile_capture();
    let p = pcap.to_str().unwrap();
    let (out, err) = run(&["messages", "-r", p]);
    assert_inert("messages", &out);
    assert_inert("messages stderr", &err);
    assert!(String::from_utf8_lossy(&out).contains("\\x1b[2J"), "shown, escaped");
    let (out, _) = run(&["report", "-r", p]);
    assert_inert("report", &out);
    let text = String::from_utf8_lossy(&out);
    // The hostile call comes from a scanner (its User-Agent says so): its own forbidden-403 is
    // rolled up into the scanner finding; Reason and Warning still show under the call.
    assert!(
        text.contains("scanner")
            && text.contains("findings about calls of flagged sources rolled up")
            && text.contains("Reason:")
            && text.contains("Warning:"),
        "{text}"
    );
}

#[test]
fn json_outputs_escape_them_and_stay_valid() {
    let pcap = hostile_capture();
    let p = pcap.to_str().unwrap();
    let (out, _) = run(&["messages", "-r", p, "--format", "ndjson"]);
    assert_inert("ndjson", &out);
    for line in String::from_utf8(out).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["call_id"].as_str().unwrap().contains('\x1b'), "the value itself is kept, escaped in JSON");
    }
    let (out, _) = run(&["report", "-r", p, "--format", "json"]);
    assert_inert("report json", &out);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["calls"].as_array().unwrap().len(), 1);
    assert!(v["calls"][0]["warning"].as_str().unwrap().contains('\u{202e}'), "the value itself is kept");
}
