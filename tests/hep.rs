//! HEP v3: a capture of HEP traffic (agents sending to a collector on port 9060) reads as the
//! SIP it carries, the same message sent by two agents is one message (a duplicate), and hostile
//! HEP is counted and skipped.

mod common;

use common::{addr, ip_udp, pcap};
use sipscope::capture::file::FileSource;
use sipscope::capture::{linktype, RawPacket};
use sipscope::decode::hep;
use sipscope::engine::{Engine, EngineConfig};
use sipscope::sip::SipMessage;
use sipscope::time::Timestamp;

/// Every SIP message of a bundled capture, as the engine read it.
fn messages(name: &str) -> Vec<SipMessage> {
    let mut src = FileSource::open(pcap(name).to_str().unwrap()).unwrap();
    let mut e = Engine::new(EngineConfig::default());
    let mut v = Vec::new();
    while let Some(p) = src.next_packet().unwrap() {
        v.extend(e.ingest(&p));
    }
    v.extend(e.finish());
    v
}

/// The messages as HEP3 datagrams from agent `agent` to a collector, in raw-IP frames.
fn as_hep(msgs: &[SipMessage], agent: &str, capture_id: u32) -> Vec<(Timestamp, Vec<u8>)> {
    msgs.iter()
        .map(|m| {
            let out = common::hep_packet(m, capture_id, m.ts.secs() as u32, m.ts.subsec_nanos() / 1000);
            (m.ts, ip_udp(addr(agent), addr("10.0.0.9:9060"), &out))
        })
        .collect()
}

fn run(
    frames: &[(Timestamp, Vec<u8>)],
) -> (Vec<SipMessage>, Vec<sipscope::correlate::Call>, sipscope::engine::EngineStats) {
    let mut e = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    let (mut msgs, mut calls) = (Vec::new(), Vec::new());
    for (ts, f) in frames {
        let p = RawPacket { ts: *ts, linktype: linktype::RAW, data: f, orig_len: f.len() as u32 };
        msgs.extend(e.ingest(&p));
        calls.extend(e.drain_finished_calls().map(|c| *c));
    }
    msgs.extend(e.finish());
    calls.extend(e.drain_finished_calls().map(|c| *c));
    (msgs, calls, e.stats())
}

#[test]
fn hep_traffic_reads_as_the_sip_it_carries() {
    for name in ["lab-fork-603-nocancel.pcap", "lab-basic-udp-ipv6.pcap", "lab-basic-tcp.pcap"] {
        let original = messages(name);
        let (got, calls, stats) = run(&as_hep(&original, "10.0.0.1:40000", 1));
        assert_eq!(stats.decode.hep, original.len() as u64, "{name}");
        assert_eq!(got.len(), original.len(), "{name}");
        for (a, b) in got.iter().zip(&original) {
            assert_eq!(
                (&a.raw, a.src, a.dst, a.ts.0 / 1000),
                (&b.raw, b.src, b.dst, b.ts.0 / 1000),
                "{name}"
            );
        }
        assert!(!calls.is_empty());
    }
}

/// Two agents (a proxy and a phone-side SBC) both send every message: each is counted once, the
/// second copy a duplicate.
#[test]
fn the_same_message_from_two_agents_is_one_message() {
    let original = messages("lab-basic-udp.pcap");
    let mut frames = as_hep(&original, "10.0.0.1:40000", 1);
    frames.extend(as_hep(&original, "10.0.0.2:40000", 2));
    frames.sort_by_key(|f| f.0);
    let (_, calls, stats) = run(&frames);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].duplicates as usize, original.len());
    assert_eq!(stats.calls.duplicates as usize, original.len());
}

/// Short, lying and compressed HEP is counted and skipped; what follows is still read.
#[test]
fn bad_hep_is_counted_and_skipped() {
    let original = messages("lab-basic-udp.pcap");
    let good = as_hep(&original[..1], "10.0.0.1:40000", 1);
    let mut bad: Vec<(Timestamp, Vec<u8>)> = Vec::new();
    for payload in [
        b"HEP3\x00\x06".to_vec(),
        b"HEP3\xff\xff\x00\x00\x00\x01\x00\x07\x02".to_vec(),
        b"HEP3\x00\x0d\x00\x00\x00\x10\x00\x07\x00".to_vec(),
    ] {
        bad.push((original[0].ts, ip_udp(addr("10.0.0.1:40000"), addr("10.0.0.9:9060"), &payload)));
    }
    bad.extend(good);
    let (msgs, _, stats) = run(&bad);
    assert_eq!(stats.decode.hep_errors, 3);
    assert_eq!(msgs.len(), 1);
}

/// `report -L`: a HEP3 collector on UDP. The messages of a call sent as an agent would send them
/// make the same call in the report; a bad datagram is counted.
#[test]
fn the_listener_reports_what_agents_send() {
    let port = 20_000 + (std::process::id() % 20_000) as u16;
    let listen = format!("127.0.0.1:{port}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .args(["report", "-L", &listen, "--duration", "3s", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let original = messages("lab-basic-udp.pcap");
    for m in &original {
        let out = common::hep_packet(m, 2001, m.ts.secs() as u32, m.ts.subsec_nanos() / 1000);
        sock.send_to(&out, &listen).unwrap();
    }
    sock.send_to(b"HEP3\x00\x06", &listen).unwrap();
    let out = child.wait_with_output().unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(r["capture"]["hep_packets"], original.len() as u64);
    assert_eq!(r["capture"]["hep_errors"], 1);
    let calls = r["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0]["state"].as_str(), calls[0]["final_code"].as_u64()), (Some("completed"), Some(200)));
    assert_eq!(calls[0]["messages"], original.len() as u64);
}

/// sipscope to sipscope: `report -r FILE --hep` sends every message as HEP3 to `report -L`, whose
/// report has the same calls with the same outcomes and message counts.
#[test]
fn hep_out_to_hep_in_gives_the_same_report() {
    let port = 40_000 + (std::process::id() % 20_000) as u16;
    let listen = format!("127.0.0.1:{port}");
    let bin = env!("CARGO_BIN_EXE_sipscope");
    let collector = std::process::Command::new(bin)
        .args(["report", "-L", &listen, "--duration", "4s", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let file = pcap("lab-fork-603-nocancel.pcap");
    let sent = std::process::Command::new(bin)
        .args(["report", "--format", "json", "--hep", &listen, "-r", file.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&sent.stderr);
    assert!(stderr.contains(": 28 handed to the network, 0 dropped"), "{stderr}");
    let direct: serde_json::Value = serde_json::from_slice(&sent.stdout).unwrap();
    let out = collector.wait_with_output().unwrap();
    let via_hep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = |r: &serde_json::Value| -> Vec<(String, String, u64, u64)> {
        r["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["call_id"].as_str().unwrap().to_string(),
                    c["state"].as_str().unwrap().to_string(),
                    c["final_code"].as_u64().unwrap_or(0),
                    c["messages"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(key(&via_hep), key(&direct));
    assert_eq!(via_hep["capture"]["hep_packets"], 28);
    let rules = |r: &serde_json::Value| -> Vec<String> {
        r["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(rules(&via_hep), rules(&direct));
}

/// A datagram Kamailio 5.6.3's siptrace sent (recorded by scripts/hep-kamailio-check.sh): every
/// field as Kamailio put it.
#[test]
fn kamailio_siptrace_datagram_byte_for_byte() {
    let bytes = include_bytes!("kamailio/siptrace-invite.hep");
    let (h, used) = hep::parse(bytes).unwrap();
    assert_eq!(used, bytes.len());
    assert_eq!(h.src, addr("127.0.0.72:5060"));
    assert_eq!(h.dst, addr("127.0.0.70:5060"));
    assert_eq!((h.ip_proto, h.proto_type, h.capture_id), (17, hep::proto::SIP, 2001));
    assert_eq!((h.ts_sec, h.ts_usec), (0x6b10_84b5, 0x0003_80bd));
    assert_eq!(h.payload.len(), 580);
    assert!(h.payload.starts_with(b"INVITE sip:bob@127.0.0.70:5060 SIP/2.0\r\n"));
    // Written back, it is the same bytes: our encoder puts the chunks in Kamailio's order.
    let mut out = Vec::new();
    assert!(hep::encode(&h, &mut out));
    assert_eq!(&out[..], &bytes[..]);
}

/// The real peer: Kamailio's siptrace sends HEP3 of SIPp calls to `report -L`, and the report
/// equals the one of a pcap of the same traffic (scripts/hep-kamailio-check.sh; root, kamailio).
#[test]
fn kamailio_siptrace_round_trip() {
    if !common::sipp::is_root() || std::process::Command::new("kamailio").arg("-v").output().is_err() {
        eprintln!("needs root and kamailio (CI has both); not run here");
        return;
    }
    let dir = std::env::temp_dir().join(format!("sipscope-hepk-{}", std::process::id()));
    let out =
        std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/hep-kamailio-check.sh"))
            .arg(&dir)
            .env("SIPSCOPE", env!("CARGO_BIN_EXE_sipscope"))
            .output()
            .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("RESULT: PASS"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// An agent whose clock is off (here: the epoch, and the far future) does not split the call or
/// make delays absurd: the time the packet reached us is used, and that is counted.
#[test]
fn an_agent_clock_far_off_is_replaced_by_arrival_time_and_counted() {
    let original = messages("lab-basic-udp.pcap");
    let mut frames = Vec::new();
    for (i, m) in original.iter().enumerate() {
        let ts_sec = match i {
            2 => 0,
            4 => u32::MAX,
            _ => m.ts.secs() as u32,
        };
        let out = common::hep_packet(m, 1, ts_sec, m.ts.subsec_nanos() / 1000);
        frames.push((m.ts, ip_udp(addr("10.0.0.1:40000"), addr("10.0.0.9:9060"), &out)));
    }
    let (_, calls, stats) = run(&frames);
    assert_eq!(stats.decode.hep_time_off, 2);
    assert_eq!(calls.len(), 1, "one call, not split");
    assert!(calls[0].pdd_ms().is_some_and(|p| (0..10_000).contains(&p)));
}

/// HEP3 of `m` with ip_proto `proto`, a key and a payload of our choosing.
fn hep_with(m: &SipMessage, proto: u8, key: &[u8], payload: &[u8], capture_id: u32) -> Vec<u8> {
    let h = hep::Hep {
        src: m.src,
        dst: m.dst,
        ip_proto: proto,
        ts_sec: m.ts.secs() as u32,
        ts_usec: m.ts.subsec_nanos() / 1000,
        proto_type: hep::proto::SIP,
        capture_id,
        auth_key: key,
        correlation_id: b"",
        payload,
    };
    let mut out = Vec::new();
    assert!(hep::encode(&h, &mut out));
    out
}

/// An agent forwarding what one read of a TCP stream returned sends two SIP messages in one HEP
/// packet (ip_proto 6): both are read, as TCP messages.
#[test]
fn a_tcp_payload_with_two_messages_gives_both() {
    let original = messages("lab-basic-tcp.pcap");
    let (a, b) = (&original[0], &original[1]);
    let mut both = a.raw.to_vec();
    both.extend_from_slice(&b.raw);
    let frames =
        vec![(a.ts, ip_udp(addr("10.0.0.1:40000"), addr("10.0.0.9:9060"), &hep_with(a, 6, b"", &both, 1)))];
    let (got, _, stats) = run(&frames);
    assert_eq!(stats.decode.hep, 1);
    assert_eq!(got.len(), 2);
    assert_eq!((&got[0].raw[..], &got[1].raw[..]), (&a.raw[..], &b.raw[..]));
    assert!(got.iter().all(|m| m.transport == sipscope::sip::Transport::Tcp));
    // A message cut short at the end of the payload is not made up.
    let cut = &both[..both.len() - 10];
    let frames =
        vec![(a.ts, ip_udp(addr("10.0.0.1:40000"), addr("10.0.0.9:9060"), &hep_with(a, 6, b"", cut, 1)))];
    let (got, _, stats) = run(&frames);
    assert_eq!(got.len(), 1);
    assert_eq!(stats.non_sip_datagrams, 1);
}

/// One process listening on UDP and TCP at once: two agents (one per transport, packets split
/// across TCP reads), a third whose key is wrong. The calls of the first two are complete, the
/// third's packets are refused, and standard error gives each agent's counts.
#[test]
fn udp_and_tcp_listeners_with_a_key_and_per_agent_counts() {
    use std::io::Write;
    let base = 30_000 + (std::process::id() % 10_000) as u16 * 2;
    let (udp, tcp) = (format!("127.0.0.1:{base}"), format!("127.0.0.1:{}", base + 1));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .args(["report", "-L", &udp, "-L", &format!("tcp:{tcp}"), "--listen-key", "s3cret"])
        .args(["--duration", "3s", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let basic = messages("lab-basic-udp.pcap");
    let fork = messages("lab-fork-603-nocancel.pcap");
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for m in &basic {
        sock.send_to(&hep_with(m, 17, b"s3cret", &m.raw, 11), &udp).unwrap();
        sock.send_to(&hep_with(m, 17, b"wrong", &m.raw, 13), &udp).unwrap();
    }
    let mut stream: Vec<u8> = Vec::new();
    for m in &fork {
        stream.extend(hep_with(m, 17, b"s3cret", &m.raw, 12));
    }
    let mut conn = std::net::TcpStream::connect(&tcp).unwrap();
    // Written in pieces of 333 bytes: packets arrive split across reads.
    for piece in stream.chunks(333) {
        conn.write_all(piece).unwrap();
        conn.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    drop(conn);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let r: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(r["capture"]["hep_packets"], (basic.len() + fork.len()) as u64, "{stderr}");
    let calls = r["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "{stderr}");
    let total: u64 = calls.iter().map(|c| c["messages"].as_u64().unwrap()).sum();
    assert_eq!(total, (basic.len() + fork.len()) as u64);
    let line =
        |id: u32| stderr.lines().find(|l| l.contains(&format!("127.0.0.1 id {id}:"))).map(str::to_string);
    let n = basic.len();
    assert!(line(11).unwrap().contains(&format!(": {n} packets, ")), "{stderr}");
    assert!(line(11).unwrap().contains("0 refused for their key"), "{stderr}");
    assert!(line(12).unwrap().contains(&format!(": {} packets, ", fork.len())), "{stderr}");
    // Packets with the wrong key do not get to name an agent: counted under their host alone.
    assert!(line(13).is_none(), "{stderr}");
    let unnamed = stderr.lines().find(|l| l.contains("127.0.0.1 (no capture id):")).unwrap_or_default();
    assert!(unnamed.contains(&format!("{n} refused for their key")), "{stderr}");
}

/// `--hep tcp:` keeps its connection: when the collector closes it, the sender connects again and
/// goes on; every packet is either sent or counted as dropped, and the collector never gets more
/// than was sent.
#[test]
fn the_tcp_sender_reconnects_when_the_collector_closes() {
    use sipscope::driver::Sink;
    use sipscope::export::hep::{HepOutCounters, HepSender};
    use std::io::Read;
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let at = server.local_addr().unwrap();
    let collector = std::thread::spawn(move || {
        let mut got = Vec::new();
        // First connection: read one packet's worth, then close.
        let (mut c, _) = server.accept().unwrap();
        let mut first = vec![0u8; 6];
        c.read_exact(&mut first).unwrap();
        drop(c);
        // Second connection: everything until the sender closes.
        let (mut c, _) = server.accept().unwrap();
        c.read_to_end(&mut got).unwrap();
        got
    });
    let msgs = messages("lab-fork-603-nocancel.pcap");
    let mut sender = HepSender::start(format!("tcp:{at}").parse().unwrap(), 5, None, true).unwrap();
    for round in 0..20 {
        for m in &msgs {
            sender.message(m, None).unwrap();
        }
        if round < 10 {
            std::thread::sleep(std::time::Duration::from_millis(30));
        }
    }
    sender.close();
    let got = collector.join().unwrap();
    let c = &sender.counters;
    let g = HepOutCounters::get;
    assert_eq!(g(&c.reconnects), 1, "{}", sender.summary());
    assert_eq!(g(&c.sent) + g(&c.dropped), 20 * msgs.len() as u64, "{}", sender.summary());
    // What the second connection got is whole packets only, all of them read back as HEP3.
    let mut at = 0;
    let mut packets = 0;
    while at < got.len() {
        let (_, n) = hep::parse(&got[at..]).expect("whole HEP3 packets on the new connection");
        at += n;
        packets += 1;
    }
    assert!(packets > 0 && packets <= g(&c.sent), "{packets} received, {}", sender.summary());
}

/// The real peer the other way: Kamailio's sipcapture module receives `report -r PCAP --hep`
/// over UDP, then over TCP, and logs what it decoded; every message sipscope sent is there with
/// the same addresses, ports, Call-ID, first line, CSeq, capture time to the microsecond,
/// capture id and key (scripts/hep-sipcapture-check.sh; needs kamailio, not root).
#[test]
fn kamailio_sipcapture_receives_what_we_send() {
    if std::process::Command::new("kamailio").arg("-v").output().is_err() {
        eprintln!("needs kamailio (CI has it); not run here");
        return;
    }
    for transport in ["udp", "tcp"] {
        let dir = std::env::temp_dir().join(format!("sipscope-hepc-{transport}-{}", std::process::id()));
        let out = std::process::Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/hep-sipcapture-check.sh"
        ))
        .arg(&dir)
        .env("SIPSCOPE", env!("CARGO_BIN_EXE_sipscope"))
        .env("HEP_TRANSPORT", transport)
        .output()
        .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success()
                && text.contains("RESULT: PASS")
                && text.contains("total                           155"),
            "{transport}: {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
