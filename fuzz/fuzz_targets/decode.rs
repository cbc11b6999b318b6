//! Link layers, IP, fragments, tunnels, UDP/TCP/SCTP and everything after them (SIP,
//! correlation, rules) on arbitrary frames. The first byte picks the link type; the input is
//! split into several frames so reassembly state is exercised.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipscope_core::capture::{linktype, RawPacket};
use sipscope_core::engine::{Engine, EngineConfig};
use sipscope_core::time::Timestamp;

const LINKTYPES: [i32; 10] = [
    linktype::ETHERNET,
    linktype::RAW,
    linktype::RAW_12,
    linktype::IPV4,
    linktype::IPV6,
    linktype::NULL,
    linktype::LOOP,
    linktype::LINUX_SLL,
    linktype::LINUX_SLL2,
    linktype::RAW_14,
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let lt = LINKTYPES[first as usize % LINKTYPES.len()];
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    // Frames separated by the marker "\xff\xfe\xfd".
    for (i, frame) in rest.split(|&b| b == 0xfd).enumerate() {
        let ts = Timestamp::from_parts(1_700_000_000, 0).plus_millis(i as i64 * ((first as i64 >> 4) * 700));
        engine
            .ingest(&RawPacket { ts, linktype: lt, data: frame, orig_len: frame.len() as u32 })
            .for_each(drop);
    }
    engine.finish().for_each(drop);
    engine.drain_finished_calls().for_each(drop);
    engine.drain_findings().for_each(drop);
});
