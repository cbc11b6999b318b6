//! Micro-benchmarks of the hot path: the SIP scanner, TCP reassembly with stream framing, and the
//! whole engine (with and without correlation and rules) over the bundled demo capture.
//! Run: `cargo bench --bench pipeline`.

use divan::{black_box, Bencher};
use sipscope_core::capture::file::FileSource;
use sipscope_core::capture::{linktype, RawPacket};
use sipscope_core::correlate::CorrelatorConfig;
use sipscope_core::engine::{Engine, EngineConfig};
use sipscope_core::sip::scan::{scan, Framing};
use sipscope_core::time::Timestamp;

fn main() {
    divan::main();
}

const INVITE: &[u8] = b"INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;rport\r\n\
Via: SIP/2.0/UDP bigbox3.site3.atlanta.example.com;branch=z9hG4bK77ef4c2312983.1\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>\r\n\
User-Agent: Bench/1.0\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 142\r\n\
\r\n\
v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\ns=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

#[divan::bench]
fn scan_invite_datagram() {
    black_box(scan(black_box(INVITE), Framing::Datagram));
}

#[divan::bench]
fn scan_compact_stream() {
    const M: &[u8] = b"SIP/2.0 180 Ringing\r\nv: SIP/2.0/TCP h;branch=z9hG4bKx\r\nf: <sip:a@h>;tag=1\r\nt: <sip:b@h>;tag=2\r\ni: abc@h\r\nCSeq: 1 INVITE\r\nl: 0\r\n\r\n";
    black_box(scan(black_box(M), Framing::Stream));
}

fn demo_frames() -> (i32, Vec<(Timestamp, Vec<u8>)>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../pcaps/demo.pcap");
    let mut src = FileSource::open(path).unwrap();
    let lt = src.linktype();
    let mut v = Vec::new();
    while let Ok(Some(p)) = src.next_packet() {
        v.push((p.ts, p.data.to_vec()));
    }
    (lt, v)
}

fn run(b: Bencher, correlate: bool) {
    let (lt, frames) = demo_frames();
    b.counter(divan::counter::ItemsCount::new(frames.len())).bench_local(|| {
        let mut e = Engine::new(EngineConfig {
            correlate: correlate.then(CorrelatorConfig::default),
            ..Default::default()
        });
        for (ts, f) in &frames {
            e.ingest(&RawPacket { ts: *ts, linktype: lt, data: f, orig_len: 0 }).for_each(drop);
        }
        e.finish().for_each(drop);
        black_box(e.drain_finished_calls().count());
    });
}

/// Decode and SIP framing only (what `messages` does), per packet of the demo capture.
#[divan::bench]
fn engine_messages(b: Bencher) {
    run(b, false)
}

/// With calls, rules and findings (what `report` and the dashboard do).
#[divan::bench]
fn engine_calls_and_rules(b: Bencher) {
    run(b, true)
}

/// TCP: 200 SIP messages over one connection, cut into 700-byte segments, through the engine.
#[divan::bench]
fn tcp_reassembly_and_framing(b: Bencher) {
    let mut stream = Vec::new();
    for _ in 0..200 {
        stream.extend_from_slice(INVITE);
    }
    let frames: Vec<Vec<u8>> = stream
        .chunks(700)
        .scan(0u32, |seq, chunk| {
            let mut f = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2];
            let total = (40 + chunk.len()) as u16;
            f[2..4].copy_from_slice(&total.to_be_bytes());
            f.extend_from_slice(&40000u16.to_be_bytes());
            f.extend_from_slice(&5060u16.to_be_bytes());
            f.extend_from_slice(&seq.to_be_bytes());
            f.extend_from_slice(&[0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]);
            f.extend_from_slice(chunk);
            *seq += chunk.len() as u32;
            Some(f)
        })
        .collect();
    b.counter(divan::counter::ItemsCount::new(200usize)).bench_local(|| {
        let mut e = Engine::default();
        let mut n = 0;
        for f in &frames {
            n += e
                .ingest(&RawPacket {
                    ts: Timestamp::default(),
                    linktype: linktype::RAW,
                    data: f,
                    orig_len: 0,
                })
                .count();
        }
        assert_eq!(n, 200);
    });
}
