//! TCP reassembly and stream framing: the input is a list of segments (sequence offset, flags,
//! payload) of two directions of one connection, fed through the whole engine.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipscope_core::capture::{linktype, RawPacket};
use sipscope_core::engine::{Engine, EngineConfig};
use sipscope_core::time::Timestamp;

/// A minimal IPv4 + TCP frame (checksums are not checked by the decoder).
fn frame(reverse: bool, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let (a, b) = ([192u8, 0, 2, 1], [192u8, 0, 2, 2]);
    let (src, dst, sp, dp) = if reverse { (b, a, 5060u16, 40000u16) } else { (a, b, 40000, 5060) };
    let total = (20 + 20 + payload.len()) as u16;
    let mut f = vec![0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6, 0, 0];
    f[2..4].copy_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&src);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&sp.to_be_bytes());
    f.extend_from_slice(&dp.to_be_bytes());
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&1u32.to_be_bytes());
    f.extend_from_slice(&[0x50, flags & 0x07 | 0x10, 0xff, 0xff, 0, 0, 0, 0]);
    f.extend_from_slice(payload);
    f
}

fuzz_target!(|data: &[u8]| {
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    let mut rest = data;
    let mut t = 0i64;
    while rest.len() >= 4 {
        let off = u16::from_be_bytes([rest[0], rest[1]]) as u32;
        let flags = rest[2];
        let len = (rest[3] as usize).min(rest.len() - 4);
        let payload = &rest[4..4 + len];
        rest = &rest[4 + len..];
        let f = frame(flags & 0x80 != 0, off.wrapping_add(1000), flags, payload);
        t += (flags as i64 & 0x30) * 100;
        let pkt = RawPacket {
            ts: Timestamp::from_parts(1_700_000_000, 0).plus_millis(t),
            linktype: linktype::RAW,
            data: &f,
            orig_len: 0,
        };
        engine.ingest(&pkt).for_each(drop);
    }
    engine.finish().for_each(drop);
    engine.drain_finished_calls().for_each(drop);
    engine.drain_findings().for_each(drop);
});
