//! Helpers shared by the integration tests: run the engine over files or in-memory frames, and
//! build frames and capture files byte by byte.
#![allow(dead_code)]

pub mod expected_counts;
pub mod script;
pub mod sipp;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use etherparse::PacketBuilder;
use sipscope::capture::file::{CaptureError, FileSource};
use sipscope::capture::RawPacket;
use sipscope::engine::{Engine, EngineConfig, EngineStats};
use sipscope::sip::SipMessage;
use sipscope::time::Timestamp;

/// Path of a bundled capture.
pub fn pcap(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("pcaps").join(name)
}

/// Every bundled capture (pcap and pcapng), sorted by name.
pub fn captures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(pcap(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    v.sort();
    v
}

/// Result of reading a capture file through the engine.
pub struct Run {
    pub messages: Vec<SipMessage>,
    pub stats: EngineStats,
    pub error: Option<CaptureError>,
}

/// Reads a whole capture file through a default engine.
pub fn run_file(path: &std::path::Path) -> Result<Run, CaptureError> {
    let mut src = FileSource::open(path.to_str().unwrap())?;
    let mut engine = Engine::new(EngineConfig::default());
    let mut messages = Vec::new();
    let mut error = None;
    loop {
        match src.next_packet() {
            Ok(Some(p)) => messages.extend(engine.ingest(&p)),
            Ok(None) => break,
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    messages.extend(engine.finish());
    Ok(Run { messages, stats: engine.stats(), error })
}

/// Feeds in-memory frames of one link type through an engine, 1 ms apart.
pub fn run_frames(linktype: i32, frames: &[Vec<u8>]) -> (Vec<SipMessage>, EngineStats) {
    run_frames_with(EngineConfig::default(), linktype, frames)
}

/// Like [`run_frames`] with a given configuration.
pub fn run_frames_with(
    config: EngineConfig,
    linktype: i32,
    frames: &[Vec<u8>],
) -> (Vec<SipMessage>, EngineStats) {
    let mut engine = Engine::new(config);
    let mut out = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let pkt = RawPacket {
            ts: Timestamp::from_parts(1_700_000_000, 0).plus_millis(i as i64),
            linktype,
            data: f,
            orig_len: f.len() as u32,
        };
        out.extend(engine.ingest(&pkt));
    }
    out.extend(engine.finish());
    (out, engine.stats())
}

/// A small but complete SIP request.
pub fn sip_request(method: &str, call_id: &str, cseq: u32, body: &str) -> Vec<u8> {
    format!(
        "{method} sip:bob@example.com SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-{call_id}-{cseq}\r\n\
         Max-Forwards: 70\r\n\
         From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n\
         To: <sip:bob@example.com>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {cseq} {method}\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A small SIP response.
pub fn sip_response(code: u16, reason: &str, call_id: &str, cseq: u32, method: &str) -> Vec<u8> {
    format!(
        "SIP/2.0 {code} {reason}\r\n\
         Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-{call_id}-{cseq}\r\n\
         From: \"Alice\" <sip:alice@example.com>;tag=a1\r\n\
         To: <sip:bob@example.com>;tag=b2\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: {cseq} {method}\r\n\
         Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// An IP packet (no link layer) carrying UDP.
pub fn ip_udp(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Vec<u8> {
    let b = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => PacketBuilder::ipv6(s.octets(), d.octets(), 64),
        _ => panic!("mixed families"),
    };
    let b = b.udp(src.port(), dst.port());
    let mut v = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut v, payload).unwrap();
    v
}

/// TCP flags for [`ip_tcp`].
#[derive(Default, Clone, Copy)]
pub struct Flags {
    pub syn: bool,
    pub fin: bool,
    pub rst: bool,
}

/// An IPv4/IPv6 packet carrying a TCP segment.
pub fn ip_tcp(src: SocketAddr, dst: SocketAddr, seq: u32, flags: Flags, payload: &[u8]) -> Vec<u8> {
    let b = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => PacketBuilder::ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => PacketBuilder::ipv6(s.octets(), d.octets(), 64),
        _ => panic!("mixed families"),
    };
    let mut b = b.tcp(src.port(), dst.port(), seq, 65535).ack(1);
    if flags.syn {
        b = b.syn();
    }
    if flags.fin {
        b = b.fin();
    }
    if flags.rst {
        b = b.rst();
    }
    let mut v = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut v, payload).unwrap();
    v
}

/// Wraps a packet in Ethernet II with the given ethertype and optional VLAN tags.
pub fn ethernet(ethertype: u16, vlans: &[(u16, u16)], payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    for &(tpid, id) in vlans {
        f.extend_from_slice(&tpid.to_be_bytes());
        f.extend_from_slice(&id.to_be_bytes());
    }
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Ethertype of an IP packet from its version nibble.
pub fn ethertype_of(ip: &[u8]) -> u16 {
    if ip[0] >> 4 == 6 {
        0x86dd
    } else {
        0x0800
    }
}

/// Splits an IPv4 packet into fragments carrying at most `chunk` payload bytes (multiple of 8).
pub fn ipv4_fragments(packet: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    let ihl = ((packet[0] & 0x0f) as usize) * 4;
    let payload = &packet[ihl..];
    let mut out = Vec::new();
    let mut off = 0;
    while off < payload.len() {
        let end = (off + chunk).min(payload.len());
        let mut h = packet[..ihl].to_vec();
        let total = (ihl + end - off) as u16;
        h[2..4].copy_from_slice(&total.to_be_bytes());
        h[4..6].copy_from_slice(&0x1234u16.to_be_bytes());
        let mut fo = (off / 8) as u16;
        if end < payload.len() {
            fo |= 0x2000;
        }
        h[6..8].copy_from_slice(&fo.to_be_bytes());
        h[10] = 0;
        h[11] = 0;
        h.extend_from_slice(&payload[off..end]);
        out.push(h);
        off = end;
    }
    out
}

/// Splits an IPv6 packet (no extension headers) into fragments with a Fragment header.
pub fn ipv6_fragments(packet: &[u8], chunk: usize) -> Vec<Vec<u8>> {
    let next = packet[6];
    let payload = &packet[40..];
    let mut out = Vec::new();
    let mut off = 0;
    while off < payload.len() {
        let end = (off + chunk).min(payload.len());
        let mut h = packet[..40].to_vec();
        h[6] = 44;
        let plen = (8 + end - off) as u16;
        h[4..6].copy_from_slice(&plen.to_be_bytes());
        let mut fo = ((off / 8) as u16) << 3;
        if end < payload.len() {
            fo |= 1;
        }
        h.extend_from_slice(&[next, 0]);
        h.extend_from_slice(&fo.to_be_bytes());
        h.extend_from_slice(&0xdeadbeefu32.to_be_bytes());
        h.extend_from_slice(&payload[off..end]);
        out.push(h);
        off = end;
    }
    out
}

/// Writes a classic little-endian microsecond pcap file with the given records.
pub fn pcap_file(linktype: u32, frames: &[Vec<u8>]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&0i32.to_le_bytes());
    f.extend_from_slice(&0u32.to_le_bytes());
    f.extend_from_slice(&262144u32.to_le_bytes());
    f.extend_from_slice(&linktype.to_le_bytes());
    for (i, fr) in frames.iter().enumerate() {
        f.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        f.extend_from_slice(&((i as u32) * 1000).to_le_bytes());
        f.extend_from_slice(&(fr.len() as u32).to_le_bytes());
        f.extend_from_slice(&(fr.len() as u32).to_le_bytes());
        f.extend_from_slice(fr);
    }
    f
}

/// Writes bytes to a fresh file in the test's temporary directory and returns its path.
pub fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sipscope-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The start line of a message, as text (for assertions).
pub fn first_line(m: &SipMessage) -> String {
    let end = m.raw.iter().position(|&b| b == b'\r' || b == b'\n').unwrap_or(m.raw.len());
    String::from_utf8_lossy(&m.raw[..end]).into_owned()
}

/// A SIP message as the HEP3 packet an agent with id `capture_id` would send, dated `ts_sec`,
/// `ts_usec` (the message's own capture time unless a test needs another).
pub fn hep_packet(m: &SipMessage, capture_id: u32, ts_sec: u32, ts_usec: u32) -> Vec<u8> {
    use sipscope::decode::hep::{self, Hep};
    let h = Hep {
        src: m.src,
        dst: m.dst,
        ip_proto: 17,
        ts_sec,
        ts_usec,
        proto_type: hep::proto::SIP,
        capture_id,
        auth_key: b"",
        correlation_id: b"",
        payload: &m.raw,
    };
    let mut out = Vec::new();
    assert!(hep::encode(&h, &mut out));
    out
}
