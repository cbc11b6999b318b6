//! Classic pcap files of Ethernet frames read without libpcap: the common case of `-r`
//! (tcpdump's default output) read straight from large blocks of the file, records handed out
//! where they lie instead of copied once more through stdio and libpcap's buffer.
//!
//! Only files whose header leaves nothing to interpret are taken: the pcap magic (microsecond
//! or nanosecond, either byte order), version 2.4, link type Ethernet with no extension bits,
//! and a snapshot length from 1 to 262,144. Anything else (pcapng, older versions, other link
//! types, standard input) is read by libpcap. For the files taken, what comes out is what
//! libpcap gives, errors included: the same records, times, lengths and messages (records
//! longer than the snapshot length are cut to it; a record over 262,144 bytes, or one the file
//! ends inside, stops the read with libpcap's words).

use std::fs::File;
use std::io::{self, Read};

use super::RawPacket;
use crate::packet::linktype;
use crate::time::Timestamp;

/// The largest record libpcap accepts for Ethernet (its `MAXIMUM_SNAPLEN`).
pub const MAX_SNAPLEN: u32 = 262_144;

/// Bytes read from the file at a time.
const BLOCK: usize = 1 << 20;
// A whole record always fits in the block.
const _: () = assert!(16 + MAX_SNAPLEN as usize <= BLOCK);

/// A classic pcap file being read.
pub struct PcapFile {
    file: File,
    /// Bytes read from the file and not yet handed out: `buf[pos..end]`.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// The file has no more bytes.
    eof: bool,
    swapped: bool,
    nanos: bool,
    snaplen: u32,
}

/// What the 24-byte file header says, when this reader takes the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Header {
    swapped: bool,
    nanos: bool,
    snaplen: u32,
}

/// The header of a file this reader takes, or `None` (libpcap reads it).
fn header(h: &[u8; 24]) -> Option<Header> {
    let (swapped, nanos) = match h[..4] {
        [0xd4, 0xc3, 0xb2, 0xa1] => (cfg!(target_endian = "big"), false),
        [0x4d, 0x3c, 0xb2, 0xa1] => (cfg!(target_endian = "big"), true),
        [0xa1, 0xb2, 0xc3, 0xd4] => (cfg!(target_endian = "little"), false),
        [0xa1, 0xb2, 0x3c, 0x4d] => (cfg!(target_endian = "little"), true),
        _ => return None,
    };
    let little = h[0] != 0xa1;
    let u16_at = |at: usize| {
        let b = [h[at], h[at + 1]];
        if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    };
    let u32_at = |at: usize| {
        let b = [h[at], h[at + 1], h[at + 2], h[at + 3]];
        if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        }
    };
    let (major, minor, snaplen, link) = (u16_at(4), u16_at(6), u32_at(16), u32_at(20));
    let plain =
        major == 2 && minor == 4 && link == linktype::ETHERNET as u32 && (1..=MAX_SNAPLEN).contains(&snaplen);
    plain.then_some(Header { swapped, nanos, snaplen })
}

impl PcapFile {
    /// Opens `path` if this reader takes it (see the module documentation); `Ok(None)` if not.
    pub fn open(path: &str) -> io::Result<Option<PcapFile>> {
        let mut file = File::open(path)?;
        if !file.metadata()?.is_file() {
            return Ok(None);
        }
        let mut head = [0u8; 24];
        match file.read_exact(&mut head) {
            Ok(()) => {}
            // Shorter than a file header: libpcap says what it is.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let Some(h) = header(&head) else { return Ok(None) };
        Ok(Some(PcapFile {
            file,
            buf: vec![0; BLOCK],
            pos: 0,
            end: 0,
            eof: false,
            swapped: h.swapped,
            nanos: h.nanos,
            snaplen: h.snaplen,
        }))
    }

    /// Makes at least `want` unread bytes available if the file has them; returns how many are.
    #[inline]
    fn fill(&mut self, want: usize) -> io::Result<usize> {
        let have = self.end - self.pos;
        if have >= want || self.eof {
            return Ok(have);
        }
        self.refill(want)
    }

    /// [`PcapFile::fill`] when the block runs out: reads on from the file.
    #[cold]
    fn refill(&mut self, want: usize) -> io::Result<usize> {
        // Move what is left to the front: the block then has room for the whole record (`want`
        // is at most a record, see the assertion on BLOCK).
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        while self.end < want {
            match self.file.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(self.end - self.pos)
    }

    /// The four numbers of the record header at `at` (seconds, sub-seconds, captured length,
    /// wire length), in host order.
    #[inline]
    fn record_header(&self, at: usize) -> [u32; 4] {
        let mut out = [0u32; 4];
        for (n, b) in out.iter_mut().zip(self.buf[at..at + 16].chunks_exact(4)) {
            let v = u32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
            *n = if self.swapped { v.swap_bytes() } else { v };
        }
        out
    }

    /// The next record, `Ok(None)` at the end of the file; `Err` with libpcap's description
    /// when the file is cut inside a record or announces an impossible length.
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, String> {
        // libpcap's words: the system's message without Rust's "(os error N)".
        let io_err = |e: io::Error| {
            let text = e.to_string();
            format!("error reading dump file: {}", text.split(" (os error").next().unwrap_or(&text))
        };
        let have = self.fill(16).map_err(io_err)?;
        if have == 0 {
            return Ok(None);
        }
        if have < 16 {
            self.pos = self.end;
            return Err(format!("truncated dump file; tried to read 16 header bytes, only got {have}"));
        }
        let at = self.pos;
        let [secs, frac, caplen, orig_len] = self.record_header(at);
        // As libpcap reads the time fields: signed 32-bit numbers in a file of the host's byte
        // order; in a byte-swapped file its swap yields an unsigned number.
        let (secs, frac) = if self.swapped {
            (i64::from(secs), i64::from(frac))
        } else {
            (i64::from(secs as i32), i64::from(frac as i32))
        };
        self.pos += 16;
        if caplen > MAX_SNAPLEN {
            return Err(format!(
                "invalid packet capture length {caplen}, bigger than snaplen of {}",
                self.snaplen
            ));
        }
        let kept = caplen.min(self.snaplen) as usize;
        let have = self.fill(caplen as usize).map_err(io_err)?;
        if have < caplen as usize {
            self.pos = self.end;
            // libpcap names the snapshot length when the record was cut before it, else the
            // record's length with everything it read.
            return Err(if have < kept {
                format!("truncated dump file; tried to read {kept} captured bytes, only got {have}")
            } else {
                format!("truncated dump file; tried to read {caplen} captured bytes, only got {have}")
            });
        }
        let start = self.pos;
        self.pos += caplen as usize;
        // With nanosecond precision asked for, libpcap scales microseconds up (in C `long`).
        let subsec = if self.nanos { frac } else { frac * 1000 };
        Ok(Some(RawPacket {
            ts: Timestamp::from_parts(secs, subsec as u32),
            linktype: linktype::ETHERNET,
            data: &self.buf[start..start + kept],
            orig_len,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_header(magic: [u8; 4], little: bool, version: (u16, u16), snaplen: u32, link: u32) -> [u8; 24] {
        let mut h = [0u8; 24];
        h[..4].copy_from_slice(&magic);
        let (v, s, l) = if little {
            (
                [version.0.to_le_bytes(), version.1.to_le_bytes()].concat(),
                snaplen.to_le_bytes(),
                link.to_le_bytes(),
            )
        } else {
            (
                [version.0.to_be_bytes(), version.1.to_be_bytes()].concat(),
                snaplen.to_be_bytes(),
                link.to_be_bytes(),
            )
        };
        h[4..8].copy_from_slice(&v);
        h[16..20].copy_from_slice(&s);
        h[20..24].copy_from_slice(&l);
        h
    }

    /// Every record as (time, bytes, wire length), then the error that ended the read, if any.
    type Records = (Vec<(Timestamp, Vec<u8>, u32)>, Option<String>);

    fn ours(path: &str) -> Option<Records> {
        let mut f = PcapFile::open(path).unwrap()?;
        let mut out = Vec::new();
        loop {
            match f.next_packet() {
                Ok(Some(p)) => out.push((p.ts, p.data.to_vec(), p.orig_len)),
                Ok(None) => return Some((out, None)),
                Err(e) => return Some((out, Some(e))),
            }
        }
    }

    fn libpcap(path: &str) -> Records {
        let mut cap =
            pcap::Capture::from_file_with_precision(std::path::Path::new(path), pcap::Precision::Nano)
                .unwrap();
        let mut out = Vec::new();
        loop {
            match cap.next_packet() {
                Ok(p) => out.push((
                    Timestamp::from_parts(p.header.ts.tv_sec, p.header.ts.tv_usec as u32),
                    p.data.to_vec(),
                    p.header.len,
                )),
                Err(pcap::Error::NoMorePackets) => return (out, None),
                Err(pcap::Error::PcapError(e)) => return (out, Some(e)),
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }

    fn temp(name: &str, bytes: &[u8]) -> String {
        let dir = std::env::temp_dir().join(format!("sipscope-pcap-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn bundled(name: &str) -> Vec<u8> {
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps").join(name)).unwrap()
    }

    /// A record header in little-endian order.
    fn record(secs: u32, frac: u32, caplen: u32, len: u32) -> Vec<u8> {
        [secs, frac, caplen, len].iter().flat_map(|n| n.to_le_bytes()).collect()
    }

    /// The same records, times, lengths and errors as libpcap for every bundled capture it
    /// takes (microsecond and nanosecond files).
    #[test]
    fn reads_every_bundled_capture_as_libpcap_does() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps");
        let mut taken = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let path = path.to_str().unwrap();
            if let Some(records) = ours(path) {
                assert_eq!(records, libpcap(path), "{path}");
                taken += 1;
            }
        }
        assert!(taken >= 50, "{taken} bundled captures taken");
    }

    /// A file cut at any byte, byte-swapped (big-endian), with a record longer than the
    /// snapshot length (whole, or cut before or after the snapshot length), or announcing more
    /// than 262,144 bytes: what libpcap reads, and the error it gives, word for word.
    #[test]
    fn damaged_files_read_and_fail_as_with_libpcap() {
        let data = bundled("lab-basic-udp.pcap");
        for cut in 24..data.len() {
            let path = temp("cut.pcap", &data[..cut]);
            assert_eq!(ours(&path).unwrap(), libpcap(&path), "cut at {cut}");
        }
        // Big-endian: the header and every record header swapped.
        let mut big = data[..24].to_vec();
        big[..4].copy_from_slice(&[0xa1, 0xb2, 0xc3, 0xd4]);
        for at in [4, 6] {
            big[at..at + 2].reverse();
        }
        for at in [8, 12, 16, 20] {
            big[at..at + 4].reverse();
        }
        let mut at = 24;
        while at + 16 <= data.len() {
            let caplen = u32::from_le_bytes(data[at + 8..at + 12].try_into().unwrap()) as usize;
            for f in 0..4 {
                big.extend(data[at + 4 * f..at + 4 * f + 4].iter().rev());
            }
            big.extend_from_slice(&data[at + 16..at + 16 + caplen]);
            at += 16 + caplen;
        }
        let path = temp("big-endian.pcap", &big);
        let (records, error) = ours(&path).unwrap();
        assert_eq!((records.len(), error.is_none()), (7, true));
        assert_eq!((records, error), libpcap(&path));
        // Times past 2038 (the top bit of the seconds set) and sub-second fields out of range,
        // in a file of either byte order: read as libpcap reads them.
        for swap in [false, true] {
            let mut f = if swap { big[..24].to_vec() } else { data[..24].to_vec() };
            for (secs, frac) in [(0x8000_0000u32, 999_999u32), (0xffff_ffff, 0xffff_ffff), (1, 0x8000_0001)] {
                let mut header = record(secs, frac, 4, 4);
                if swap {
                    for field in header.chunks_exact_mut(4) {
                        field.reverse();
                    }
                }
                f.extend(header);
                f.extend([1u8, 2, 3, 4]);
            }
            let path = temp("times.pcap", &f);
            let (records, error) = ours(&path).unwrap();
            assert_eq!((records.len(), error.is_none()), (3, true), "swapped {swap}");
            assert_eq!((records, error), libpcap(&path), "swapped {swap}");
        }
        // Snapshot length 100 and a 300-byte record: cut to 100 when whole; errors when the
        // file ends before 100 bytes or between 100 and 300.
        let mut small = data[..24].to_vec();
        small[16..20].copy_from_slice(&100u32.to_le_bytes());
        let mut long = small.clone();
        long.extend(record(1_700_000_000, 999_999, 300, 1500));
        long.extend((0..300u32).map(|b| b as u8));
        long.extend(record(1_700_000_001, 5, 20, 20));
        long.extend([7u8; 20]);
        for cut in [long.len(), 24 + 16 + 50, 24 + 16 + 200, 24 + 16 + 300 + 8] {
            let path = temp("long.pcap", &long[..cut]);
            assert_eq!(ours(&path).unwrap(), libpcap(&path), "cut at {cut}");
        }
        // More than libpcap accepts for Ethernet.
        let mut huge = small;
        huge.extend(record(1, 2, MAX_SNAPLEN + 1, MAX_SNAPLEN + 1));
        huge.extend([0u8; 64]);
        let path = temp("huge.pcap", &huge);
        let (records, error) = ours(&path).unwrap();
        assert!(records.is_empty() && error.as_deref().is_some_and(|e| e.contains("262145")), "{error:?}");
        assert_eq!((records, error), libpcap(&path));
    }

    /// A file of several blocks: records straddle every block boundary (small ones, and
    /// 60,000-byte ones), and read as libpcap reads them.
    #[test]
    fn records_across_block_boundaries_read_as_with_libpcap() {
        let data = bundled("lab-basic-udp.pcap");
        let mut f = data[..24].to_vec();
        let (mut n, mut size) = (0u32, 0usize);
        while f.len() < 3 * BLOCK + 100_000 {
            // Sizes that drift against the block size, with a big record now and then.
            size = if n % 97 == 0 { 60_000 } else { 60 + (size * 7 + 13) % 1_400 };
            f.extend(record(1_700_000_000 + n, n % 1_000_000, size as u32, size as u32 + 4));
            f.extend((0..size).map(|i| (i as u32 ^ n) as u8));
            n += 1;
        }
        let path = temp("blocks.pcap", &f);
        let (records, error) = ours(&path).unwrap();
        assert_eq!((records.len(), error.is_none()), (n as usize, true));
        assert_eq!((records, error), libpcap(&path));
    }

    #[test]
    fn takes_only_plain_ethernet_pcap() {
        let le_us = [0xd4, 0xc3, 0xb2, 0xa1];
        let be_ns = [0xa1, 0xb2, 0x3c, 0x4d];
        assert!(header(&file_header(le_us, true, (2, 4), 262_144, 1)).is_some_and(|h| !h.nanos));
        assert!(header(&file_header(be_ns, false, (2, 4), 65_535, 1)).is_some_and(|h| h.nanos));
        // Older versions (lengths possibly swapped), other link types, link extension bits,
        // snapshot lengths libpcap adjusts, pcapng and anything else go to libpcap.
        assert!(header(&file_header(le_us, true, (2, 3), 65_535, 1)).is_none());
        assert!(header(&file_header(le_us, true, (2, 4), 65_535, 113)).is_none());
        assert!(header(&file_header(le_us, true, (2, 4), 65_535, 1 | 0x1000_0000)).is_none());
        assert!(header(&file_header(le_us, true, (2, 4), 0, 1)).is_none());
        assert!(header(&file_header(le_us, true, (2, 4), 262_145, 1)).is_none());
        assert!(header(&file_header([0x0a, 0x0d, 0x0d, 0x0a], true, (2, 4), 65_535, 1)).is_none());
        // The byte order of the numbers follows the magic's.
        assert!(header(&file_header(le_us, false, (2, 4), 65_535, 1)).is_none());
    }
}
