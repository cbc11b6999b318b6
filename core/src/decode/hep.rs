//! HEP version 3 (the Homer Encapsulation Protocol, "HEP3"): a captured message with its
//! original addresses, ports and capture time, as capture agents (Kamailio `siptrace`, OpenSIPS,
//! FreeSWITCH, Asterisk, heplify) send it to a collector. A packet is the ASCII `HEP3`, a total
//! length (16 bits, header included), then chunks: vendor (16 bits), type (16 bits), length
//! (16 bits, the chunk header's 6 bytes included) and the value. Generic chunks (vendor 0) are
//! read; others are skipped. Nothing in a packet is trusted: every length is checked against the
//! bytes there are, and a packet that does not add up is refused with the reason.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// UDP and TCP port collectors listen on by default.
pub const DEFAULT_PORT: u16 = 9060;

/// What a HEP payload carries (chunk 0x000b, "protocol type").
pub mod proto {
    /// SIP.
    pub const SIP: u8 = 1;
    /// RTP.
    pub const RTP: u8 = 4;
    /// RTCP as JSON.
    pub const RTCP_JSON: u8 = 5;
}

/// One decoded HEP packet (values borrowed from the packet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hep<'a> {
    /// Original sender.
    pub src: SocketAddr,
    /// Original receiver.
    pub dst: SocketAddr,
    /// IP protocol of the original packet (17 UDP, 6 TCP, 132 SCTP).
    pub ip_proto: u8,
    /// Capture time: seconds and microseconds since the epoch.
    pub ts_sec: u32,
    /// Microseconds within the second.
    pub ts_usec: u32,
    /// What the payload is ([`proto`]).
    pub proto_type: u8,
    /// The capture agent's id.
    pub capture_id: u32,
    /// Authentication key, if sent.
    pub auth_key: &'a [u8],
    /// Correlation id, if sent.
    pub correlation_id: &'a [u8],
    /// The captured message.
    pub payload: &'a [u8],
}

/// Why a packet was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HepError {
    /// Shorter than its header, or not starting with `HEP3`.
    NotHep3,
    /// The total length is shorter than the header or longer than the bytes there are.
    BadLength,
    /// A chunk's length is under 6 or runs past the packet.
    BadChunk,
    /// A required chunk is missing (addresses, ports, time or payload), or an address chunk has
    /// the wrong size for its family.
    Incomplete,
    /// The payload is compressed (chunk 0x0010), which is not read.
    Compressed,
    /// The microseconds chunk holds a second or more.
    BadTime,
}

impl HepError {
    /// A short description, for counters and messages.
    pub fn describe(self) -> &'static str {
        match self {
            HepError::NotHep3 => "not HEP3",
            HepError::BadLength => "total length does not match",
            HepError::BadChunk => "chunk length out of bounds",
            HepError::Incomplete => "a required chunk is missing",
            HepError::Compressed => "compressed payload",
            HepError::BadTime => "microseconds of a second or more",
        }
    }
}

/// Whether bytes start like a HEP3 packet.
pub fn is_hep3(b: &[u8]) -> bool {
    b.len() >= 6 && &b[..4] == b"HEP3"
}

/// What the start of a HEP3 stream (TCP) holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFrame {
    /// A whole packet of this many bytes (from `HEP3` to its announced end).
    Packet(usize),
    /// The start of a packet; more bytes are needed.
    Partial,
    /// Not the start of a HEP3 packet (or a length under the header's): the stream cannot be
    /// followed further, since nothing marks where the next packet starts.
    Broken,
}

/// Frames the start of a TCP stream of HEP3 packets by the header's total length (the packet
/// itself is checked by [`parse`] afterwards).
pub fn stream_frame(b: &[u8]) -> StreamFrame {
    if b.len() < 6 {
        // A prefix of "HEP3" may still become one.
        return if b"HEP3".starts_with(&b[..b.len().min(4)]) {
            StreamFrame::Partial
        } else {
            StreamFrame::Broken
        };
    }
    let total = u16::from_be_bytes([b[4], b[5]]) as usize;
    if &b[..4] != b"HEP3" || total < 6 {
        StreamFrame::Broken
    } else if b.len() < total {
        StreamFrame::Partial
    } else {
        StreamFrame::Packet(total)
    }
}

/// Reads one packet from the start of `b`; returns it and the bytes it took (a TCP stream holds
/// packets back to back).
pub fn parse(b: &[u8]) -> Result<(Hep<'_>, usize), HepError> {
    if !is_hep3(b) {
        return Err(HepError::NotHep3);
    }
    let total = u16::from_be_bytes([b[4], b[5]]) as usize;
    if total < 6 || total > b.len() {
        return Err(HepError::BadLength);
    }
    let mut family = 0u8;
    let mut ip_proto = 0u8;
    let (mut src4, mut dst4, mut src6, mut dst6) = (None, None, None, None);
    let (mut sport, mut dport, mut sec, mut usec) = (None, None, None, 0u32);
    let (mut proto_type, mut capture_id) = (0u8, 0u32);
    let (mut auth_key, mut correlation_id, mut payload): (&[u8], &[u8], Option<&[u8]>) = (&[], &[], None);
    let mut at = 6;
    while at < total {
        let Some(h) = b.get(at..at + 6).filter(|_| at + 6 <= total) else { return Err(HepError::BadChunk) };
        let vendor = u16::from_be_bytes([h[0], h[1]]);
        let kind = u16::from_be_bytes([h[2], h[3]]);
        let len = u16::from_be_bytes([h[4], h[5]]) as usize;
        if len < 6 || at + len > total {
            return Err(HepError::BadChunk);
        }
        let v = &b[at + 6..at + len];
        at += len;
        if vendor != 0 {
            continue;
        }
        match (kind, v.len()) {
            (0x0001, 1) => family = v[0],
            (0x0002, 1) => ip_proto = v[0],
            (0x0003, 4) => src4 = Some(Ipv4Addr::new(v[0], v[1], v[2], v[3])),
            (0x0004, 4) => dst4 = Some(Ipv4Addr::new(v[0], v[1], v[2], v[3])),
            (0x0005, 16) => src6 = Some(Ipv6Addr::from(<[u8; 16]>::try_from(v).expect("16 bytes"))),
            (0x0006, 16) => dst6 = Some(Ipv6Addr::from(<[u8; 16]>::try_from(v).expect("16 bytes"))),
            (0x0007, 2) => sport = Some(u16::from_be_bytes([v[0], v[1]])),
            (0x0008, 2) => dport = Some(u16::from_be_bytes([v[0], v[1]])),
            (0x0009, 4) => sec = Some(u32::from_be_bytes([v[0], v[1], v[2], v[3]])),
            (0x000a, 4) => usec = u32::from_be_bytes([v[0], v[1], v[2], v[3]]),
            (0x000b, 1) => proto_type = v[0],
            (0x000c, 4) => capture_id = u32::from_be_bytes([v[0], v[1], v[2], v[3]]),
            // Some agents send a 16-bit capture id.
            (0x000c, 2) => capture_id = u32::from(u16::from_be_bytes([v[0], v[1]])),
            (0x000e, _) => auth_key = v,
            (0x000f, _) => payload = Some(v),
            (0x0010, _) => return Err(HepError::Compressed),
            (0x0011, _) => correlation_id = v,
            _ => {}
        }
    }
    let (src_ip, dst_ip): (IpAddr, IpAddr) = match family {
        2 => (src4.ok_or(HepError::Incomplete)?.into(), dst4.ok_or(HepError::Incomplete)?.into()),
        10 => (src6.ok_or(HepError::Incomplete)?.into(), dst6.ok_or(HepError::Incomplete)?.into()),
        _ => return Err(HepError::Incomplete),
    };
    let (Some(sport), Some(dport), Some(ts_sec), Some(payload)) = (sport, dport, sec, payload) else {
        return Err(HepError::Incomplete);
    };
    if usec >= 1_000_000 {
        return Err(HepError::BadTime);
    }
    // An IPv4 address sent in IPv6 form (::ffff:a.b.c.d) is the IPv4 host.
    let hep = Hep {
        src: SocketAddr::new(src_ip.to_canonical(), sport),
        dst: SocketAddr::new(dst_ip.to_canonical(), dport),
        ip_proto,
        ts_sec,
        ts_usec: usec,
        proto_type,
        capture_id,
        auth_key,
        correlation_id,
        payload,
    };
    Ok((hep, total))
}

/// Writes one HEP3 packet for `hep` into `out` (cleared first). Payloads that would not fit the
/// 16-bit length are refused (`false`).
pub fn encode(hep: &Hep<'_>, out: &mut Vec<u8>) -> bool {
    out.clear();
    out.extend_from_slice(b"HEP3\0\0");
    let chunk = |out: &mut Vec<u8>, kind: u16, v: &[u8]| {
        out.extend_from_slice(&0u16.to_be_bytes());
        out.extend_from_slice(&kind.to_be_bytes());
        out.extend_from_slice(&((v.len() + 6) as u16).to_be_bytes());
        out.extend_from_slice(v);
    };
    let family = if hep.src.is_ipv4() && hep.dst.is_ipv4() { 2u8 } else { 10 };
    chunk(out, 0x0001, &[family]);
    chunk(out, 0x0002, &[hep.ip_proto]);
    match (hep.src.ip(), hep.dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            chunk(out, 0x0003, &s.octets());
            chunk(out, 0x0004, &d.octets());
        }
        (s, d) => {
            let v6 = |ip: IpAddr| match ip {
                IpAddr::V4(a) => a.to_ipv6_mapped(),
                IpAddr::V6(a) => a,
            };
            chunk(out, 0x0005, &v6(s).octets());
            chunk(out, 0x0006, &v6(d).octets());
        }
    }
    chunk(out, 0x0007, &hep.src.port().to_be_bytes());
    chunk(out, 0x0008, &hep.dst.port().to_be_bytes());
    chunk(out, 0x0009, &hep.ts_sec.to_be_bytes());
    chunk(out, 0x000a, &hep.ts_usec.to_be_bytes());
    chunk(out, 0x000b, &[hep.proto_type]);
    chunk(out, 0x000c, &hep.capture_id.to_be_bytes());
    if !hep.auth_key.is_empty() {
        chunk(out, 0x000e, hep.auth_key);
    }
    if !hep.correlation_id.is_empty() {
        chunk(out, 0x0011, hep.correlation_id);
    }
    chunk(out, 0x000f, hep.payload);
    let Ok(total) = u16::try_from(out.len()) else { return false };
    out[4..6].copy_from_slice(&total.to_be_bytes());
    true
}

#[cfg(test)]
mod stream_tests {
    use super::{stream_frame, StreamFrame};

    #[test]
    fn stream_frames() {
        assert_eq!(stream_frame(b""), StreamFrame::Partial);
        assert_eq!(stream_frame(b"HE"), StreamFrame::Partial);
        assert_eq!(stream_frame(b"HX"), StreamFrame::Broken);
        assert_eq!(stream_frame(b"HEP3\x00"), StreamFrame::Partial);
        assert_eq!(stream_frame(b"HEP3\x00\x08ab"), StreamFrame::Packet(8));
        assert_eq!(stream_frame(b"HEP3\x00\x09ab"), StreamFrame::Partial);
        assert_eq!(stream_frame(b"HEP3\x00\x05ab"), StreamFrame::Broken);
        assert_eq!(stream_frame(b"GET / HTTP/1.1"), StreamFrame::Broken);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIP: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n";

    fn sample() -> Hep<'static> {
        Hep {
            src: "192.0.2.1:5060".parse().unwrap(),
            dst: "198.51.100.2:5080".parse().unwrap(),
            ip_proto: 17,
            ts_sec: 1_800_000_000,
            ts_usec: 123_456,
            proto_type: proto::SIP,
            capture_id: 2001,
            auth_key: b"secret",
            correlation_id: b"",
            payload: SIP,
        }
    }

    /// The exact bytes, chunk by chunk, as the specification lays them out.
    #[test]
    fn encodes_the_documented_layout_and_reads_it_back() {
        let mut out = Vec::new();
        assert!(encode(&sample(), &mut out));
        let mut want = b"HEP3".to_vec();
        want.extend(
            ((6 + 7 + 7 + 10 + 10 + 8 + 8 + 10 + 10 + 7 + 10 + 12 + 6 + SIP.len()) as u16).to_be_bytes(),
        );
        want.extend([0, 0, 0, 1, 0, 7, 2]);
        want.extend([0, 0, 0, 2, 0, 7, 17]);
        want.extend([0, 0, 0, 3, 0, 10, 192, 0, 2, 1]);
        want.extend([0, 0, 0, 4, 0, 10, 198, 51, 100, 2]);
        want.extend([0, 0, 0, 7, 0, 8, 0x13, 0xc4]);
        want.extend([0, 0, 0, 8, 0, 8, 0x13, 0xd8]);
        want.extend([0, 0, 0, 9, 0, 10]);
        want.extend(1_800_000_000u32.to_be_bytes());
        want.extend([0, 0, 0, 10, 0, 10]);
        want.extend(123_456u32.to_be_bytes());
        want.extend([0, 0, 0, 11, 0, 7, 1]);
        want.extend([0, 0, 0, 12, 0, 10]);
        want.extend(2001u32.to_be_bytes());
        want.extend([0, 0, 0, 14, 0, 12]);
        want.extend(b"secret");
        want.extend([0, 0, 0, 15]);
        want.extend(((6 + SIP.len()) as u16).to_be_bytes());
        want.extend(SIP);
        assert_eq!(out, want);
        let (back, used) = parse(&out).unwrap();
        assert_eq!(back, sample());
        assert_eq!(used, out.len());
    }

    #[test]
    fn ipv6_and_vendor_chunks() {
        let mut h = sample();
        h.src = "[2001:db8::1]:5060".parse().unwrap();
        h.dst = "[2001:db8::2]:5060".parse().unwrap();
        let mut out = Vec::new();
        assert!(encode(&h, &mut out));
        // a vendor chunk before the payload is skipped
        let mut with_vendor = out[..6].to_vec();
        with_vendor.extend([0x00, 0x99, 0x00, 0x01, 0x00, 0x08, 0xaa, 0xbb]);
        with_vendor.extend(&out[6..]);
        let total = with_vendor.len() as u16;
        with_vendor[4..6].copy_from_slice(&total.to_be_bytes());
        assert_eq!(parse(&with_vendor).unwrap().0, h);
    }

    #[test]
    fn lies_are_refused_with_the_reason() {
        let mut out = Vec::new();
        encode(&sample(), &mut out);
        assert_eq!(parse(b"HEP2\0\x06").unwrap_err(), HepError::NotHep3);
        let mut long = out.clone();
        long[4..6].copy_from_slice(&u16::MAX.to_be_bytes());
        assert_eq!(parse(&long).unwrap_err(), HepError::BadLength);
        let mut bad_chunk = out.clone();
        bad_chunk[6 + 4..6 + 6].copy_from_slice(&5000u16.to_be_bytes());
        assert_eq!(parse(&bad_chunk).unwrap_err(), HepError::BadChunk);
        let mut tiny_chunk = out.clone();
        tiny_chunk[6 + 4..6 + 6].copy_from_slice(&2u16.to_be_bytes());
        assert_eq!(parse(&tiny_chunk).unwrap_err(), HepError::BadChunk);
        // without the payload chunk
        let cut = out.len() - (6 + SIP.len());
        let mut no_payload = out[..cut].to_vec();
        no_payload[4..6].copy_from_slice(&(cut as u16).to_be_bytes());
        assert_eq!(parse(&no_payload).unwrap_err(), HepError::Incomplete);
        // truncated
        assert_eq!(parse(&out[..out.len() - 1]).unwrap_err(), HepError::BadLength);
    }

    #[test]
    fn microseconds_of_a_second_or_more_are_refused_and_mapped_v4_is_v4() {
        let mut h = sample();
        h.ts_usec = 1_000_000;
        let mut out = Vec::new();
        encode(&h, &mut out);
        assert_eq!(parse(&out).unwrap_err(), HepError::BadTime);
        let mut h = sample();
        h.src = "[::ffff:192.0.2.9]:5060".parse().unwrap();
        encode(&h, &mut out);
        assert_eq!(parse(&out).unwrap().0.src, "192.0.2.9:5060".parse().unwrap());
    }

    #[test]
    fn packets_back_to_back_on_a_stream() {
        let mut one = Vec::new();
        encode(&sample(), &mut one);
        let two = [one.clone(), one.clone()].concat();
        let (_, used) = parse(&two).unwrap();
        assert_eq!(parse(&two[used..]).unwrap().1, one.len());
    }
}
