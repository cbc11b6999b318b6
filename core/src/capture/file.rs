//! Capture files (pcap and pcapng, or `-` for standard input): plain Ethernet pcap files read by
//! [`super::pcap_file`], everything else by libpcap.
//!
//! A file that stops in the middle of a record or holds a corrupt record ends the read with a
//! [`CaptureError`] naming the record and, for files, its byte offset; every record before it has
//! already been delivered.

use std::fmt;
use std::path::Path;

use super::pcap_file::PcapFile;
use super::RawPacket;
use crate::packet::{Pull, Source, SourceError};
use crate::time::Timestamp;

/// A capture file could not be opened or read to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureError {
    /// The file as given on the command line.
    pub path: String,
    /// What went wrong.
    pub kind: CaptureErrorKind,
}

/// The two ways reading a capture fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureErrorKind {
    /// Nothing could be read (missing file, not a capture, unknown format).
    Open(String),
    /// Reading stopped at a bad record after `records` good ones.
    Corrupt {
        /// Records read successfully before the failure.
        records: u64,
        /// Byte offset of the failing record, when it can be located.
        offset: Option<u64>,
        /// libpcap's description.
        message: String,
    },
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            CaptureErrorKind::Open(msg) => write!(f, "{}: cannot read capture: {}", self.path, msg),
            CaptureErrorKind::Corrupt { records, offset, message } => {
                write!(f, "{}: capture broken at record {}", self.path, records + 1)?;
                if let Some(o) = offset {
                    write!(f, " (byte offset {o})")?;
                }
                write!(f, ": {message}; the {records} records before it were read")
            }
        }
    }
}

impl std::error::Error for CaptureError {}

/// An open capture file.
pub struct FileSource {
    reader: Reader,
    path: String,
    linktype: i32,
    records: u64,
}

/// Who reads the records: this crate for plain Ethernet pcap files (see [`super::pcap_file`]),
/// libpcap for everything else.
enum Reader {
    Plain(Box<PcapFile>),
    Libpcap(pcap::Capture<pcap::Offline>),
}

impl FileSource {
    /// Opens `path` (`-` reads standard input) with nanosecond timestamps.
    pub fn open(path: &str) -> Result<FileSource, CaptureError> {
        let err = |m: String| CaptureError { path: path.to_string(), kind: CaptureErrorKind::Open(m) };
        if path != "-" {
            match std::fs::metadata(path) {
                Err(e) => return Err(err(e.to_string())),
                Ok(m) if m.is_dir() => return Err(err("is a directory".into())),
                Ok(_) => {}
            }
        }
        // An unreadable file is left to libpcap, which says why in its own words.
        if path != "-" {
            if let Ok(Some(plain)) = PcapFile::open(path) {
                return Ok(FileSource {
                    reader: Reader::Plain(Box::new(plain)),
                    path: path.to_string(),
                    linktype: crate::packet::linktype::ETHERNET,
                    records: 0,
                });
            }
        }
        let cap =
            pcap::Capture::from_file_with_precision(Path::new(path), pcap::Precision::Nano).map_err(|e| {
                match (path != "-").then(|| sniff_format(path)).flatten() {
                    Some(hint) => err(hint),
                    None => err(describe(&e)),
                }
            })?;
        let linktype = cap.get_datalink().0;
        Ok(FileSource { reader: Reader::Libpcap(cap), path: path.to_string(), linktype, records: 0 })
    }

    /// The file's link type.
    pub fn linktype(&self) -> i32 {
        self.linktype
    }

    /// Records read so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The next record, `Ok(None)` at the end of the file.
    pub fn next_packet(&mut self) -> Result<Option<RawPacket<'_>>, CaptureError> {
        let failed = match &mut self.reader {
            Reader::Plain(file) => match file.next_packet() {
                Ok(Some(p)) => {
                    self.records += 1;
                    return Ok(Some(p));
                }
                Ok(None) => return Ok(None),
                Err(message) => message,
            },
            Reader::Libpcap(cap) => match cap.next_packet() {
                Ok(p) => {
                    self.records += 1;
                    // time_t and suseconds_t differ across platforms; with nanosecond precision
                    // libpcap puts nanoseconds in tv_usec.
                    #[allow(clippy::unnecessary_cast)]
                    let ts = Timestamp::from_parts(p.header.ts.tv_sec as i64, p.header.ts.tv_usec as u32);
                    return Ok(Some(RawPacket {
                        ts,
                        linktype: self.linktype,
                        data: p.data,
                        orig_len: p.header.len,
                    }));
                }
                Err(pcap::Error::NoMorePackets) => return Ok(None),
                Err(e) => describe(&e),
            },
        };
        let offset = if self.path == "-" { None } else { locate_record(&self.path, self.records) };
        Err(CaptureError {
            path: self.path.clone(),
            kind: CaptureErrorKind::Corrupt { records: self.records, offset, message: failed },
        })
    }
}

fn describe(e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(m) => m.clone(),
        other => other.to_string(),
    }
}

/// Capture formats libpcap cannot read, by the bytes they start with.
const FOREIGN_FORMATS: &[(&[u8], &str)] = &[
    (b"snoop\0\0\0", "a Sun/Solaris snoop capture"),
    (b"GMBU", "a Microsoft Network Monitor 2.x capture"),
    (b"RTSS", "a Microsoft Network Monitor 1.x capture"),
    (b"TRSNIFF data", "a Network General Sniffer (DOS) capture"),
    (b"XCP\0", "a NetXRay / Sniffer for Windows capture"),
    (b"\x7fver", "a Network Instruments Observer capture"),
    (b"ObserverPktBuffe", "a Network Instruments Observer capture"),
    (b"\x1f\x8b", "a gzip-compressed file"),
];

/// When libpcap cannot open a file: names the format it looks like and how to convert it.
pub fn sniff_format(path: &str) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 64];
    let mut f = std::fs::File::open(path).ok()?;
    let n = f.read(&mut head).ok()?;
    let head = &head[..n];
    let convert = |what: &str| {
        format!(
            "this looks like {what}, a format libpcap cannot read; convert it first, for example with Wireshark's editcap: editcap -F pcap {path} {path}.pcap"
        )
    };
    if let Some((_, what)) = FOREIGN_FORMATS.iter().find(|(magic, _)| head.starts_with(magic)) {
        if head.starts_with(b"\x1f\x8b") {
            return Some(format!(
                "this is {what}; decompress it first (gunzip, or zcat {path} | sipscope … -r -), or convert it with editcap -F pcap {path} {path}.pcap"
            ));
        }
        return Some(convert(what));
    }
    if looks_like_erf(head) {
        return Some(convert("an Endace ERF capture"));
    }
    if n > 0 && head.iter().all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace()) {
        return Some("this is a text file, not a packet capture (a text export of a trace cannot be read; capture with tcpdump -w or export as pcap)".into());
    }
    None
}

/// An ERF record header (no file magic): 8-byte timestamp, a known record type, a record
/// length of at least the 16-byte header, and a wire length that fits.
fn looks_like_erf(head: &[u8]) -> bool {
    if head.len() < 16 {
        return false;
    }
    let rtype = head[8] & 0x7f;
    let rlen = u16::from_be_bytes([head[10], head[11]]);
    let wlen = u16::from_be_bytes([head[14], head[15]]);
    (1..=27).contains(&rtype) && rlen >= 16 && wlen > 0 && wlen <= 10_000 && head[9] & 0x08 == 0
}

/// Byte offset of record `index` (0-based) in a pcap or pcapng file, found by walking the
/// record and block headers. Used only to report where a file broke.
pub fn locate_record(path: &str, index: u64) -> Option<u64> {
    let data = std::fs::read(path).ok()?;
    let magic = data.get(..4)?;
    let u32_at = |at: usize, le: bool| -> Option<u32> {
        let b: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
        Some(if le { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    };
    match magic {
        [0xd4, 0xc3, 0xb2, 0xa1]
        | [0x4d, 0x3c, 0xb2, 0xa1]
        | [0xa1, 0xb2, 0xc3, 0xd4]
        | [0xa1, 0xb2, 0x3c, 0x4d] => {
            let le = magic[0] != 0xa1;
            let mut off: u64 = 24;
            for _ in 0..index {
                let caplen = u32_at(off as usize + 8, le)? as u64;
                off += 16 + caplen;
            }
            Some(off)
        }
        [0x0a, 0x0d, 0x0d, 0x0a] => {
            let mut off = 0usize;
            let mut le = true;
            let mut seen = 0u64;
            while off + 12 <= data.len() {
                let btype_raw: [u8; 4] = data[off..off + 4].try_into().ok()?;
                if btype_raw == [0x0a, 0x0d, 0x0d, 0x0a] {
                    le = data.get(off + 8..off + 12)? == [0x4d, 0x3c, 0x2b, 0x1a];
                }
                let btype = u32_at(off, le)?;
                let blen = u32_at(off + 4, le)? as usize;
                if matches!(btype, 2 | 3 | 6) {
                    if seen == index {
                        return Some(off as u64);
                    }
                    seen += 1;
                }
                if blen < 12 {
                    return Some(off as u64);
                }
                off += blen;
            }
            Some(off as u64)
        }
        _ => None,
    }
}

impl Source for FileSource {
    fn pull(&mut self) -> Result<Pull<'_>, SourceError> {
        match self.next_packet() {
            Ok(Some(p)) => Ok(Pull::Packet(p)),
            Ok(None) => Ok(Pull::End),
            Err(e) => {
                let corrupt = matches!(e.kind, CaptureErrorKind::Corrupt { .. });
                Err(SourceError { message: e.to_string(), corrupt })
            }
        }
    }
}
