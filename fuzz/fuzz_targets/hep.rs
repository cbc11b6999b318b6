//! The HEP3 decoder and TCP stream framing on arbitrary bytes, alone and through the engine: no panic, a payload is
//! always a slice of the input, and what decodes re-encodes to a packet that decodes the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipscope_core::decode::hep;
use sipscope_core::engine::{Engine, EngineConfig};
use sipscope_core::packet::{linktype, RawPacket};
use sipscope_core::time::Timestamp;

fuzz_target!(|data: &[u8]| {
    let range = data.as_ptr_range();
    let mut rest = data;
    while let Ok((h, used)) = hep::parse(rest) {
        let r = h.payload.as_ptr_range();
        assert!(r.start >= range.start && r.end <= range.end, "payload outside the input");
        assert!(used >= 6 && used <= rest.len());
        let mut out = Vec::new();
        if hep::encode(&h, &mut out) {
            let (again, n) = hep::parse(&out).expect("re-encoded packet decodes");
            assert_eq!(n, out.len());
            assert_eq!((again.src, again.dst, again.payload), (h.src, h.dst, h.payload));
        }
        rest = &rest[used..];
    }
    // The same bytes as a TCP stream: framing never reads past the input and always advances.
    let mut at = 0;
    while let hep::StreamFrame::Packet(n) = hep::stream_frame(&data[at..]) {
        assert!(n >= 6 && at + n <= data.len());
        at += n;
    }
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    let pkt = RawPacket { ts: Timestamp(0), linktype: linktype::HEP, data, orig_len: data.len() as u32 };
    engine.ingest(&pkt).for_each(drop);
    engine.finish().for_each(drop);
});
