//! Hostile traffic, built in the test: floods, fragments that never complete, many TCP flows,
//! absurd lengths, huge headers, NUL bytes and invalid UTF-8. Each asserts that memory stays
//! under its cap and that the counters say what was dropped.

mod common;

use common::*;
use sipscope::capture::{linktype, RawPacket};
use sipscope::correlate::CorrelatorConfig;
use sipscope::engine::{Engine, EngineConfig};
use sipscope::time::Timestamp;

fn feed(engine: &mut Engine, ms: i64, frame: &[u8]) -> usize {
    let pkt = RawPacket {
        ts: Timestamp::from_parts(1_700_000_000, 0).plus_millis(ms),
        linktype: linktype::RAW,
        data: frame,
        orig_len: 0,
    };
    engine.ingest(&pkt).count()
}

#[test]
fn flood_of_a_million_invites_with_unique_call_ids() {
    let cap = 50_000;
    let mut engine = Engine::new(EngineConfig {
        correlate: Some(CorrelatorConfig { max_calls: cap, ..Default::default() }),
        ..Default::default()
    });
    let template = sip_request("INVITE", "flood-0000000@198.51.100.9", 1, "");
    let at = template.windows(15).position(|w| w == b"Call-ID: flood-").unwrap() + 15;
    let mut msg = template.clone();
    let mut max_live = 0;
    let mut handed_out = 0u64;
    for i in 0..1_000_000u32 {
        // Rewrite the Call-ID digits in place (and in the Via branch's copy of it).
        let digits = format!("{i:07}");
        msg[at..at + 7].copy_from_slice(digits.as_bytes());
        let frame = ip_udp(addr("198.51.100.9:5060"), addr("192.0.2.2:5060"), &msg);
        feed(&mut engine, (i / 1000) as i64, &frame);
        if i % 10_000 == 0 {
            max_live = max_live.max(engine.stats().calls.live_calls);
        }
        handed_out += engine.drain_finished_calls().count() as u64;
        engine.drain_findings().for_each(drop);
    }
    let s = engine.stats();
    assert_eq!(s.sip_messages, 1_000_000);
    assert_eq!(s.calls.calls, 1_000_000);
    assert!(max_live <= cap as u64, "live calls {max_live} over the cap {cap}");
    assert!(s.calls.evicted_calls >= 1_000_000 - cap as u64 - 1, "evictions counted: {:?}", s.calls);
    assert_eq!(handed_out + s.calls.live_calls, 1_000_000, "every call handed out once or still held");
}

#[test]
fn fragments_that_never_complete_stay_under_the_cap() {
    let mut engine = Engine::default();
    let body = "x".repeat(3000);
    let mut held_max = 0;
    for i in 0..20_000u32 {
        let whole = ip_udp(
            addr("198.51.100.9:5060"),
            addr("192.0.2.2:5060"),
            &sip_request("INVITE", &format!("frag-{i}"), 1, &body),
        );
        let mut first = ipv4_fragments(&whole, 1480).remove(0);
        first[4..6].copy_from_slice(&(i as u16).to_be_bytes());
        first[12..16].copy_from_slice(&[10, (i >> 16) as u8, (i >> 8) as u8, i as u8]);
        feed(&mut engine, (i / 100) as i64, &first);
        held_max = held_max.max(engine.stats().bytes_held);
    }
    let d = engine.stats().decode.defrag;
    assert_eq!(d.reassembled, 0);
    assert!(d.in_progress <= 4096, "{d:?}");
    assert!(d.dropped_over_limit + d.expired > 0, "{d:?}");
    assert_eq!(d.fragments, 20_000);
    assert!(held_max <= 32 << 20, "held {held_max} bytes");
    // They also expire in capture time.
    engine.tick(Timestamp::from_parts(1_700_000_000 + 3_600, 0)).for_each(drop);
    assert_eq!(engine.stats().bytes_held, 0);
    assert_eq!(engine.stats().decode.defrag.in_progress, 0);
}

#[test]
fn a_hundred_thousand_concurrent_tcp_flows() {
    let mut engine = Engine::default();
    let partial = b"INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: partial\r\nVia: SIP/2.0/TCP x\r\n";
    for i in 0..100_000u32 {
        let src = format!("10.{}.{}.{}:{}", (i >> 16) & 255, (i >> 8) & 255, i & 255, 10_000 + i % 50_000);
        feed(
            &mut engine,
            (i / 1000) as i64,
            &ip_tcp(addr(&src), addr("192.0.2.2:5060"), 1, Flags::default(), partial),
        );
    }
    let t = engine.stats().tcp;
    assert!(t.active <= 65_536, "{t:?}");
    assert_eq!(t.evicted, 100_000 - 65_536, "{t:?}");
    assert!(engine.stats().bytes_held <= (65_536 * partial.len()) as u64);
}

#[test]
fn a_one_mebibyte_header_line_on_tcp_is_refused_and_the_stream_recovers() {
    let mut engine = Engine::default();
    let mut seq = 0u32;
    let mut send = |engine: &mut Engine, data: &[u8]| {
        let n = feed(
            engine,
            0,
            &ip_tcp(addr("198.51.100.9:40000"), addr("192.0.2.2:5060"), seq, Flags::default(), data),
        );
        seq = seq.wrapping_add(data.len() as u32);
        n
    };
    send(&mut engine, b"INVITE sip:bob@example.com SIP/2.0\r\nX-Huge: ");
    let chunk = vec![b'A'; 1400];
    let mut max_held = 0;
    for _ in 0..(1 << 20) / 1400 {
        send(&mut engine, &chunk);
        max_held = max_held.max(engine.stats().bytes_held);
    }
    send(&mut engine, b"\r\nContent-Length: 0\r\n\r\n");
    let after = send(&mut engine, &sip_request("OPTIONS", "after-huge", 1, ""));
    assert_eq!(after, 1, "the next message is read");
    assert!(max_held <= 80 * 1024, "held {max_held}");
    assert!(engine.stats().stream.invalid_messages >= 1);
}

#[test]
fn ten_thousand_vias_on_tcp_are_refused_as_too_large_and_counted() {
    let mut engine = Engine::default();
    let mut msg = b"OPTIONS sip:x SIP/2.0\r\n".to_vec();
    for i in 0..10_000 {
        msg.extend_from_slice(format!("Via: SIP/2.0/TCP h{i};branch=z9hG4bK{i}\r\n").as_bytes());
    }
    msg.extend_from_slice(b"Call-ID: many-vias\r\nContent-Length: 0\r\n\r\n");
    msg.extend_from_slice(&sip_request("OPTIONS", "after-vias", 1, ""));
    let mut seq = 0u32;
    let mut got = 0;
    let mut max_held = 0;
    for chunk in msg.chunks(1400) {
        got += feed(
            &mut engine,
            0,
            &ip_tcp(addr("198.51.100.9:40000"), addr("192.0.2.2:5060"), seq, Flags::default(), chunk),
        );
        seq += chunk.len() as u32;
        max_held = max_held.max(engine.stats().bytes_held);
    }
    assert_eq!(got, 1, "only the message after it");
    assert!(engine.stats().stream.invalid_messages >= 1);
    assert!(max_held <= 80 * 1024, "held {max_held}");
}

#[test]
fn thousands_of_vias_nul_bytes_and_invalid_utf8_in_a_fragmented_datagram() {
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    let mut msg = b"OPTIONS sip:x SIP/2.0\r\n".to_vec();
    for i in 0..2_500 {
        msg.extend_from_slice(format!("v: SIP/2.0/UDP h{i}\r\n").as_bytes());
    }
    msg.extend_from_slice(b"From: \"\x00\xff\xfe\" <sip:a@b>;tag=\x00x\r\nCall-ID: nul\x00\xc3\x28\r\nContent-Length: 3\r\n\r\n\x00\x01\x02");
    assert!(msg.len() < 65_000);
    let whole = ip_udp(addr("198.51.100.9:5060"), addr("192.0.2.2:5060"), &msg);
    let mut got = Vec::new();
    for f in ipv4_fragments(&whole, 1480) {
        let pkt = RawPacket {
            ts: Timestamp::from_parts(1_700_000_000, 0),
            linktype: linktype::RAW,
            data: &f,
            orig_len: 0,
        };
        got.extend(engine.ingest(&pkt));
    }
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].headers.via_count, 2_500);
    assert_eq!(got[0].call_id(), b"nul\x00\xc3\x28");
    engine.finish().for_each(drop);
    assert_eq!(engine.stats().calls.calls, 1);
}
