//! TCP reassembly and stream framing: random segmentation, reordering and retransmission give
//! the same messages; WebSocket, TLS, gaps, hostile lengths and connection cleanup behave.

mod common;

use common::*;
use proptest::prelude::*;
use sipscope::capture::linktype;
use sipscope::sip::Transport;

const C: &str = "192.0.2.10:40000";
const S: &str = "192.0.2.20:5060";

/// A conversation of one direction: messages with bodies, compact forms, LF-only lines and
/// keep-alives between them. Returns (stream bytes, the messages in order).
fn conversation(n: usize, body_sizes: &[usize]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut stream = Vec::new();
    let mut msgs = Vec::new();
    for i in 0..n {
        let body = "x".repeat(body_sizes[i % body_sizes.len()]);
        let m = match i % 3 {
            0 => sip_request("INVITE", &format!("prop-{i}"), i as u32 + 1, &body),
            1 => format!("MESSAGE sip:b@h SIP/2.0\ni: prop-{i}\nv: SIP/2.0/TCP h;branch=z9hG4bK{i}\nf: <sip:a@h>;tag=1\nt: <sip:b@h>\nCSeq: {} MESSAGE\nl: {}\n\n{body}", i + 1, body.len()).into_bytes(),
            _ => sip_response(200, "OK", &format!("prop-{i}"), i as u32 + 1, "INVITE"),
        };
        if i % 4 == 3 {
            stream.extend_from_slice(b"\r\n\r\n"); // RFC 5626 ping
        }
        stream.extend_from_slice(&m);
        msgs.push(m);
    }
    (stream, msgs)
}

fn segments_of(stream: &[u8], cuts: &[usize]) -> Vec<(u32, Vec<u8>)> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    points.push(0);
    points.push(stream.len());
    points.sort();
    points.dedup();
    points.windows(2).map(|w| (w[0] as u32, stream[w[0]..w[1]].to_vec())).collect()
}

fn frames(isn: u32, segs: &[(u32, Vec<u8>)]) -> Vec<Vec<u8>> {
    let mut f = vec![ip_tcp(addr(C), addr(S), isn, Flags { syn: true, ..Default::default() }, b"")];
    for (off, data) in segs {
        f.push(ip_tcp(addr(C), addr(S), isn.wrapping_add(1).wrapping_add(*off), Flags::default(), data));
    }
    f
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_segmentation_reordering_and_retransmission_give_the_same_messages(
        n in 1usize..12,
        body_sizes in prop::collection::vec(0usize..3000, 1..4),
        cuts in prop::collection::vec(0usize..100_000, 0..40),
        swaps in prop::collection::vec((0usize..64, 1usize..4), 0..10),
        dups in prop::collection::vec(0usize..64, 0..6),
        isn in any::<u32>(),
    ) {
        let (stream, expected) = conversation(n, &body_sizes);
        let mut segs = segments_of(&stream, &cuts);
        // Retransmissions: copies of earlier segments re-sent later.
        for d in dups {
            if !segs.is_empty() {
                let s = segs[d % segs.len()].clone();
                let at = (d % segs.len() + 2).min(segs.len());
                segs.insert(at, s);
            }
        }
        // Local reordering.
        for (i, dist) in swaps {
            if segs.len() > 1 {
                let a = i % segs.len();
                let b = (a + dist).min(segs.len() - 1);
                segs.swap(a, b);
            }
        }
        let (msgs, stats) = run_frames(linktype::RAW, &frames(isn, &segs));
        let got: Vec<&[u8]> = msgs.iter().map(|m| m.raw.as_ref()).collect();
        let want: Vec<&[u8]> = expected.iter().map(|m| m.as_slice()).collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(stats.tcp.gaps, 0);
        prop_assert_eq!(stats.stream.invalid_messages, 0);
        prop_assert!(msgs.iter().all(|m| m.transport == Transport::Tcp));
    }
}

#[test]
fn lost_segment_loses_only_the_message_it_was_in() {
    let (stream, expected) = conversation(6, &[400]);
    let segs = segments_of(&stream, &(1..40).map(|i| i * 97).collect::<Vec<_>>());
    // Drop one segment in the middle of message 2.
    let m2_start = stream.windows(8).position(|w| w == b"prop-2\r\n").unwrap();
    let lost = segs
        .iter()
        .position(|(off, d)| (*off as usize) <= m2_start && m2_start < *off as usize + d.len())
        .unwrap();
    let kept: Vec<_> = segs.iter().enumerate().filter(|(i, _)| *i != lost).map(|(_, s)| s.clone()).collect();
    let (msgs, stats) = run_frames(linktype::RAW, &frames(1000, &kept));
    let ids: Vec<String> = msgs.iter().map(|m| String::from_utf8_lossy(m.call_id()).into_owned()).collect();
    assert!(!ids.contains(&"prop-2".to_string()), "{ids:?}");
    for keep in ["prop-0", "prop-1", "prop-3", "prop-4", "prop-5"] {
        assert!(ids.contains(&keep.to_string()), "{keep} missing from {ids:?}");
    }
    assert_eq!(stats.tcp.gaps, 1);
    assert_eq!(msgs.len(), expected.len() - 1);
}

#[test]
fn capture_starting_mid_stream_resynchronises() {
    let (stream, _) = conversation(4, &[50]);
    let start = 123; // inside the first message
    let frames = vec![ip_tcp(addr(C), addr(S), 5000, Flags::default(), &stream[start..])];
    let (msgs, stats) = run_frames(linktype::RAW, &frames);
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[0].call_id(), b"prop-1");
    assert!(stats.stream.skipped_bytes > 0);
}

#[test]
fn websocket_masked_unmasked_fragmented_with_control_frames() {
    let handshake_req = b"GET / HTTP/1.1\r\nHost: pbx\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n";
    let handshake_resp = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n";
    let frame = |fin: bool, opcode: u8, mask: Option<[u8; 4]>, data: &[u8]| {
        let mut f = vec![(if fin { 0x80 } else { 0 }) | opcode];
        let m = if mask.is_some() { 0x80 } else { 0 };
        if data.len() < 126 {
            f.push(m | data.len() as u8);
        } else {
            f.push(m | 126);
            f.extend_from_slice(&(data.len() as u16).to_be_bytes());
        }
        match mask {
            Some(k) => {
                f.extend_from_slice(&k);
                f.extend(data.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
            }
            None => f.extend_from_slice(data),
        }
        f
    };
    let invite = sip_request("INVITE", "ws-1", 1, "v=0\r\n");
    let ok = sip_response(200, "OK", "ws-1", 1, "INVITE");
    let mut up = handshake_req.to_vec();
    up.extend(frame(false, 1, Some([1, 2, 3, 4]), &invite[..200]));
    up.extend(frame(true, 9, Some([9, 9, 9, 9]), b"ping")); // control frame between fragments
    up.extend(frame(true, 0, Some([5, 6, 7, 8]), &invite[200..]));
    let mut down = handshake_resp.to_vec();
    down.extend(frame(true, 1, None, &ok));
    let frames = vec![
        ip_tcp(addr(C), addr(S), 0, Flags::default(), &up[..150]),
        ip_tcp(addr(C), addr(S), 150, Flags::default(), &up[150..]),
        ip_tcp(addr(S), addr(C), 0, Flags::default(), &down),
    ];
    let (msgs, stats) = run_frames(linktype::RAW, &frames);
    assert_eq!(msgs.len(), 2, "{stats:?}");
    assert_eq!(msgs[0].raw.as_ref(), invite.as_slice());
    assert_eq!(msgs[1].raw.as_ref(), ok.as_slice());
    assert!(msgs.iter().all(|m| m.transport == Transport::Ws));
    assert_eq!(stats.stream.websocket_streams, 2);
}

#[test]
fn tls_streams_produce_no_sip_and_no_error() {
    let mut hello = vec![0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03];
    hello.extend((0..500).map(|i| (i * 7) as u8));
    let frames = vec![
        ip_tcp(addr(C), addr("192.0.2.20:5061"), 0, Flags { syn: true, ..Default::default() }, b""),
        ip_tcp(addr(C), addr("192.0.2.20:5061"), 1, Flags::default(), &hello),
        ip_tcp(
            addr(C),
            addr("192.0.2.20:5061"),
            1 + hello.len() as u32,
            Flags::default(),
            b"INVITE sip:x SIP/2.0\r\n\r\n",
        ),
    ];
    let (msgs, stats) = run_frames(linktype::RAW, &frames);
    assert!(msgs.is_empty());
    assert_eq!(stats.decode.errors, 0);
    assert_eq!(stats.stream.not_sip_streams, 1);
}

#[test]
fn huge_content_length_and_endless_header_block_are_bounded_and_resynchronised() {
    let bad = b"INVITE sip:x SIP/2.0\r\nCall-ID: bad\r\nContent-Length: 99999999\r\n\r\n".to_vec();
    let good = sip_request("OPTIONS", "after-bad", 1, "");
    let mut s = bad.clone();
    s.extend_from_slice(&good);
    let (msgs, stats) = run_frames(linktype::RAW, &[ip_tcp(addr(C), addr(S), 0, Flags::default(), &s)]);
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].call_id(), b"after-bad");
    assert_eq!(stats.stream.invalid_messages, 1);

    // A header line that never ends, fed in 1400-byte segments: memory stays bounded.
    let mut frames = vec![ip_tcp(addr(C), addr(S), 0, Flags::default(), b"INVITE sip:x SIP/2.0\r\nX-Long: ")];
    let mut seq = 30u32;
    for _ in 0..200 {
        frames.push(ip_tcp(addr(C), addr(S), seq, Flags::default(), &[b'a'; 1400]));
        seq += 1400;
    }
    frames.push(ip_tcp(addr(C), addr(S), seq, Flags::default(), &good));
    let mut engine = sipscope::engine::Engine::default();
    let mut max_held = 0;
    let mut got = Vec::new();
    for f in &frames {
        let pkt = sipscope::capture::RawPacket {
            ts: Default::default(),
            linktype: linktype::RAW,
            data: f,
            orig_len: 0,
        };
        got.extend(engine.ingest(&pkt));
        max_held = max_held.max(engine.stats().bytes_held);
    }
    assert!(max_held <= 80 * 1024, "held {max_held} bytes");
    assert_eq!(got.len(), 1, "the message after the garbage is found");
    assert!(engine.stats().stream.invalid_messages >= 1);
}

#[test]
fn fin_and_rst_release_connections() {
    let msg = sip_request("OPTIONS", "fin-1", 1, "");
    let frames = vec![
        ip_tcp(addr(C), addr(S), 0, Flags { syn: true, ..Default::default() }, b""),
        ip_tcp(addr(S), addr(C), 0, Flags { syn: true, ..Default::default() }, b""),
        ip_tcp(addr(C), addr(S), 1, Flags::default(), &msg),
        ip_tcp(addr(S), addr(C), 1, Flags::default(), b"SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"),
        ip_tcp(addr(C), addr(S), 1 + msg.len() as u32, Flags { fin: true, ..Default::default() }, b""),
        ip_tcp(addr(S), addr(C), 40, Flags { rst: true, ..Default::default() }, b""),
    ];
    let (msgs, stats) = run_frames(linktype::RAW, &frames);
    assert_eq!(msgs.len(), 2);
    assert_eq!(stats.tcp.streams, 2);
    assert_eq!(stats.tcp.active, 0);
    assert_eq!(stats.bytes_held, 0);
}

#[test]
fn many_concurrent_flows_are_capped_and_counted() {
    let cfg = sipscope::engine::EngineConfig {
        tcp: sipscope::decode::tcp::TcpLimits { max_flows: 1000, ..Default::default() },
        ..Default::default()
    };
    let frames: Vec<Vec<u8>> = (0..5000u32)
        .map(|i| {
            let src =
                format!("10.{}.{}.{}:{}", (i >> 16) & 255, (i >> 8) & 255, i & 255, 10000 + (i % 50000));
            ip_tcp(addr(&src), addr(S), 0, Flags::default(), b"INVITE sip:x SIP/2.0\r\nCall-ID: partial")
        })
        .collect();
    let (_, stats) = run_frames_with(cfg, linktype::RAW, &frames);
    assert!(stats.tcp.active <= 1000);
    assert_eq!(stats.tcp.evicted, 4000);
}
