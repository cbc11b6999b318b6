//! Writes SIP messages to a pcap file (Ethernet, microseconds) that Wireshark and `sipscope -r`
//! read. Each message's raw bytes are the payload, unchanged; they are wrapped in new Ethernet,
//! IP and UDP (or TCP, with consecutive sequence numbers per direction) headers carrying the
//! original addresses, ports and capture time.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

use etherparse::PacketBuilder;

use crate::sip::{SipMessage, Transport};

/// Writes the pcap global header.
pub fn write_header(w: &mut impl Write) -> io::Result<()> {
    w.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
    w.write_all(&2u16.to_le_bytes())?;
    w.write_all(&4u16.to_le_bytes())?;
    w.write_all(&0i32.to_le_bytes())?;
    w.write_all(&0u32.to_le_bytes())?;
    w.write_all(&262_144u32.to_le_bytes())?;
    w.write_all(&1u32.to_le_bytes())
}

/// Writes one record with a capture time in nanoseconds.
pub fn write_record(w: &mut impl Write, ts_ns: i64, frame: &[u8]) -> io::Result<()> {
    let secs = ts_ns.div_euclid(1_000_000_000).clamp(0, u32::MAX as i64) as u32;
    let micros = (ts_ns.rem_euclid(1_000_000_000) / 1000) as u32;
    w.write_all(&secs.to_le_bytes())?;
    w.write_all(&micros.to_le_bytes())?;
    w.write_all(&(frame.len() as u32).to_le_bytes())?;
    w.write_all(&(frame.len() as u32).to_le_bytes())?;
    w.write_all(frame)
}

/// Builds an Ethernet frame carrying `payload` from `src` to `dst`.
pub fn frame(src: SocketAddr, dst: SocketAddr, tcp_seq: Option<u32>, payload: &[u8]) -> Option<Vec<u8>> {
    let eth = PacketBuilder::ethernet2([0x02, 0, 0, 0, 0, 1], [0x02, 0, 0, 0, 0, 2]);
    let ip = match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => eth.ipv4(s.octets(), d.octets(), 64),
        (IpAddr::V6(s), IpAddr::V6(d)) => eth.ipv6(s.octets(), d.octets(), 64),
        _ => return None,
    };
    let mut out = Vec::new();
    match tcp_seq {
        Some(seq) => {
            let b = ip.tcp(src.port(), dst.port(), seq, 65_535).ack(1).psh();
            out.reserve(b.size(payload.len()));
            b.write(&mut out, payload).ok()?;
        }
        None => {
            let b = ip.udp(src.port(), dst.port());
            out.reserve(b.size(payload.len()));
            b.write(&mut out, payload).ok()?;
        }
    }
    Some(out)
}

/// Writes messages (in the order given) as a pcap file; returns how many were written.
/// Messages too large for one IP packet are skipped.
pub fn write_messages<'a>(
    w: &mut impl Write,
    messages: impl IntoIterator<Item = &'a SipMessage>,
) -> io::Result<usize> {
    write_header(w)?;
    let mut seqs: HashMap<(SocketAddr, SocketAddr), u32> = HashMap::new();
    let mut n = 0;
    for m in messages {
        let seq = match m.transport {
            Transport::Tcp | Transport::Ws => {
                let s = seqs.entry((m.src, m.dst)).or_insert(1);
                let cur = *s;
                *s = s.wrapping_add(m.raw.len() as u32);
                Some(cur)
            }
            Transport::Udp | Transport::Sctp => None,
        };
        if let Some(f) = frame(m.src, m.dst, seq, &m.raw) {
            write_record(w, m.ts.0, &f)?;
            n += 1;
        }
    }
    Ok(n)
}
