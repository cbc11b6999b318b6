//! The media decoders on arbitrary bytes: SDP, RTP/RTCP classification, RTCP compound packets,
//! and a call's streams fed a sequence of packets cut from the input. No panic, and the stream
//! counters stay consistent (lost is expected minus received; duplicates and late packets are
//! among the received).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipscope_core::media::rtp::{classify, MediaPacket};
use sipscope_core::media::codec::ShortName;
use sipscope_core::media::{rtcp, sdp, CallMedia, Kind, SdpRecord};
use sipscope_core::time::Timestamp;

fuzz_target!(|data: &[u8]| {
    let parsed = sdp::parse(data);
    assert!(parsed.media.len() <= sdp::MAX_MEDIA);
    let mut media = CallMedia::default();
    let a = "192.0.2.1:4000".parse().unwrap();
    let b = "198.51.100.2:5000".parse().unwrap();
    media.add_sdp(
        SdpRecord {
            ts: Timestamp(0),
            index: 0,
            what: ShortName::new(b"INVITE"),
            in_request: true,
            from_caller: true,
            media: parsed.audio().cloned(),
        },
        &parsed,
    );
    rtcp::parse(data, &mut |_| {});
    // Packets: 2-byte length prefixes, each packet at a time 1 ms on from the last.
    let mut rest = data;
    let mut t = 0i64;
    while rest.len() >= 2 {
        let n = (u16::from_be_bytes([rest[0], rest[1]]) as usize).min(rest.len() - 2);
        let pkt = &rest[2..2 + n];
        rest = &rest[2 + n..];
        t += 1_000_000;
        match classify(pkt) {
            Some(MediaPacket::Rtp(h)) => {
                let body = &pkt[h.payload_at..h.payload_at + h.payload_len];
                let kind = if t % 3 == 0 { Kind::Video } else { Kind::Audio };
                media.add_rtp(Timestamp(t), a, b, kind, &h, body, Some(Timestamp(t / 2)));
            }
            Some(MediaPacket::Rtcp) => media.add_rtcp(Timestamp(t), pkt),
            None => {}
        }
    }
    for s in &media.streams {
        assert_eq!(s.lost(), s.expected() as i64 - s.packets as i64);
        assert!(s.duplicates + s.late < s.packets.max(1));
        assert!(s.max_jitter_ms.is_finite() && s.mean_jitter_ms.is_finite());
        let _ = media.quality(s);
    }
});
