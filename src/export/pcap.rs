//! Writes SIP messages to a pcap file (Ethernet, microseconds) that Wireshark and `sipscope -r`
//! read. Each message's raw bytes are the payload, unchanged; they are wrapped in new Ethernet,
//! IP and UDP (or TCP, with consecutive sequence numbers per direction) headers carrying the
//! original addresses, ports and capture time.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};

use etherparse::PacketBuilder;

use crate::sip::{SipMessage, Transport};

/// Writes the pcap global header (Ethernet).
pub fn write_header(w: &mut impl Write) -> io::Result<()> {
    write_header_for(w, 1)
}

/// Writes the pcap global header for a link type.
pub fn write_header_for(w: &mut impl Write, linktype: u32) -> io::Result<()> {
    w.write_all(&0xa1b2_c3d4u32.to_le_bytes())?;
    w.write_all(&2u16.to_le_bytes())?;
    w.write_all(&4u16.to_le_bytes())?;
    w.write_all(&0i32.to_le_bytes())?;
    w.write_all(&0u32.to_le_bytes())?;
    w.write_all(&262_144u32.to_le_bytes())?;
    w.write_all(&linktype.to_le_bytes())
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

/// The frames of messages (in the order given), with their capture times. Messages too large
/// for one IP packet are left out.
pub fn message_frames<'a>(messages: impl IntoIterator<Item = &'a SipMessage>) -> Vec<(i64, Vec<u8>)> {
    let mut seqs: HashMap<(SocketAddr, SocketAddr), u32> = HashMap::new();
    let mut out = Vec::new();
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
            out.push((m.ts.0, f));
        }
    }
    out
}

/// Writes messages (in the order given) as a pcap file; returns how many were written.
/// Messages too large for one IP packet are skipped.
pub fn write_messages<'a>(
    w: &mut impl Write,
    messages: impl IntoIterator<Item = &'a SipMessage>,
) -> io::Result<usize> {
    write_header(w)?;
    let frames = message_frames(messages);
    for (ts, f) in &frames {
        write_record(w, *ts, f)?;
    }
    Ok(frames.len())
}

/// Writes messages and other frames (a call's RTP) as one pcap file, in capture-time order
/// (messages first at equal times); returns how many messages and other frames were written.
pub fn write_call<'a>(
    w: &mut impl Write,
    messages: impl IntoIterator<Item = &'a SipMessage>,
    others: Vec<(i64, Vec<u8>)>,
) -> io::Result<(usize, usize)> {
    let mut records: Vec<(i64, bool, Vec<u8>)> =
        message_frames(messages).into_iter().map(|(ts, f)| (ts, false, f)).collect();
    let (n, m) = (records.len(), others.len());
    records.extend(others.into_iter().map(|(ts, f)| (ts, true, f)));
    records.sort_by_key(|r| (r.0, r.1));
    write_header(w)?;
    for (ts, _, f) in &records {
        write_record(w, *ts, f)?;
    }
    Ok((n, m))
}

/// Whether `path` no longer names the file `open` (moved, removed, or replaced by another).
pub fn moved_away(path: &str, open: &std::fs::File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), open.metadata()) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) != (b.dev(), b.ino()),
        _ => true,
    }
}

/// Writes captured frames as they arrive (`-w FILE`), starting a new file when one reaches
/// `rotate_bytes` (`-C MB`): `FILE`, `FILE.1`, `FILE.2`, … as tcpdump names them.
pub struct PcapWriter {
    base: String,
    linktype: u32,
    rotate_bytes: Option<u64>,
    index: u32,
    written: u64,
    out: io::BufWriter<std::fs::File>,
}

impl PcapWriter {
    /// Creates `path` for frames of `linktype`.
    pub fn create(path: &str, linktype: u32, rotate_bytes: Option<u64>) -> io::Result<PcapWriter> {
        let mut out = io::BufWriter::new(std::fs::File::create(path)?);
        write_header_for(&mut out, linktype)?;
        Ok(PcapWriter { base: path.to_string(), linktype, rotate_bytes, index: 0, written: 24, out })
    }

    /// Writes one captured frame (rotating first if the current file is full), and flushes it
    /// so readers see complete records. A frame of another link type (a HEP packet received
    /// with `-L` beside `-i`) has no place in this file and is skipped.
    pub fn write(&mut self, pkt: &crate::packet::RawPacket<'_>) -> io::Result<()> {
        if pkt.linktype < 0 || pkt.linktype as u32 != self.linktype {
            return Ok(());
        }
        let (ts_ns, frame) = (pkt.ts.0, pkt.data);
        if let Some(limit) = self.rotate_bytes {
            if self.written + 16 + frame.len() as u64 > limit && self.written > 24 {
                self.out.flush()?;
                self.index += 1;
                let path = format!("{}.{}", self.base, self.index);
                self.out = io::BufWriter::new(std::fs::File::create(&path)?);
                write_header_for(&mut self.out, self.linktype)?;
                self.written = 24;
            }
        }
        write_record(&mut self.out, ts_ns, frame)?;
        self.written += 16 + frame.len() as u64;
        self.out.flush()
    }

    /// Starts the file again at its first name after SIGHUP, when a log rotator has moved the
    /// current one away (if it is still in place, writing simply goes on). When that fails,
    /// frames keep going to the file as it was open, and the error is returned.
    pub fn reopen(&mut self) -> io::Result<()> {
        self.out.flush()?;
        // Not moved (a rotator that handles other files sent the signal): keep writing, never
        // truncate what is there.
        let path = if self.index == 0 { self.base.clone() } else { format!("{}.{}", self.base, self.index) };
        if !moved_away(&path, self.out.get_ref()) {
            return Ok(());
        }
        let mut new = io::BufWriter::new(std::fs::File::create(&self.base)?);
        write_header_for(&mut new, self.linktype)?;
        self.out = new;
        self.index = 0;
        self.written = 24;
        Ok(())
    }
}
