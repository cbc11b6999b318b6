//! The per-message path allocates nothing but the shared message buffer: counted with a global
//! allocator wrapper over UDP and TCP traffic, including NDJSON and text output.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use common::*;
use sipscope::capture::{linktype, RawPacket};
use sipscope::engine::Engine;
use sipscope::report::messages::{push_ndjson, write_text};
use sipscope::time::Timestamp;

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs frames through the engine and both writers; returns (messages, allocations).
fn count(engine: &mut Engine, frames: &[Vec<u8>], t0: i64) -> (u64, u64) {
    let mut sink = std::io::sink();
    // The NDJSON line buffer and the address texts are made once, as the messages command does.
    let mut line = Vec::with_capacity(1024);
    let mut addrs = sipscope::report::json::AddrTexts::default();
    let before = ALLOCS.load(Ordering::Relaxed);
    let mut n = 0;
    for (i, f) in frames.iter().enumerate() {
        let pkt = RawPacket {
            ts: Timestamp::from_parts(t0, 0).plus_millis(i as i64),
            linktype: linktype::RAW,
            data: f,
            orig_len: 0,
        };
        for m in engine.ingest(&pkt) {
            line.clear();
            push_ndjson(&mut line, &m, &mut addrs);
            assert!(line.ends_with(b"}\n"));
            write_text(&mut sink, &m).unwrap();
            n += 1;
        }
    }
    (n, ALLOCS.load(Ordering::Relaxed) - before)
}

#[test]
fn one_allocation_per_message_udp_and_tcp() {
    // UDP: 2,000 calls' worth of requests and responses.
    let udp: Vec<Vec<u8>> = (0..4000)
        .map(|i| {
            let id = format!("alloc-{i}@192.0.2.1");
            let m = if i % 2 == 0 {
                sip_request("INVITE", &id, 1, "v=0\r\n")
            } else {
                sip_response(180, "Ringing", &id, 1, "INVITE")
            };
            ip_udp(addr("192.0.2.1:5060"), addr("192.0.2.2:5060"), &m)
        })
        .collect();
    let mut engine = Engine::default();
    count(&mut engine, &udp[..100], 1_700_000_000); // warm-up: output buffer capacity
    let (n, allocs) = count(&mut engine, &udp, 1_700_000_001);
    assert_eq!(n, 4000);
    assert!(allocs >= n, "the counter sees the message buffers");
    assert!(allocs <= n + 8, "{allocs} allocations for {n} UDP messages");

    // TCP: one long-lived connection, two messages per segment, one split over segments.
    let mut stream = Vec::new();
    for i in 0..4000 {
        stream.extend_from_slice(&sip_request("MESSAGE", &format!("tcp-{i}"), i + 1, "hello"));
    }
    let mut frames = Vec::new();
    let mut off = 0;
    while off < stream.len() {
        let end = (off + 700).min(stream.len());
        frames.push(ip_tcp(
            addr("192.0.2.1:40000"),
            addr("192.0.2.2:5060"),
            off as u32,
            Flags::default(),
            &stream[off..end],
        ));
        off = end;
    }
    let mut engine = Engine::default();
    let warm = frames.len() / 10;
    count(&mut engine, &frames[..warm], 1_700_000_000);
    let (n, allocs) = count(&mut engine, &frames[warm..], 1_700_000_000);
    assert!(n > 3500);
    assert!(allocs <= n + 16, "{allocs} allocations for {n} TCP messages");
}
