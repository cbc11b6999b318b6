//! Capture files (pcap and pcapng, or `-` for standard input) read with libpcap.
//!
//! A file that stops in the middle of a record or holds a corrupt record ends the read with a
//! [`CaptureError`] naming the record and, for files, its byte offset; every record before it has
//! already been delivered.

use std::fmt;
use std::path::Path;

use super::RawPacket;
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
    cap: pcap::Capture<pcap::Offline>,
    path: String,
    linktype: i32,
    records: u64,
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
        let cap = pcap::Capture::from_file_with_precision(Path::new(path), pcap::Precision::Nano)
            .map_err(|e| err(describe(&e)))?;
        let linktype = cap.get_datalink().0;
        Ok(FileSource { cap, path: path.to_string(), linktype, records: 0 })
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
        match self.cap.next_packet() {
            Ok(p) => {
                self.records += 1;
                // time_t and suseconds_t differ across platforms; with nanosecond precision
                // libpcap puts nanoseconds in tv_usec.
                #[allow(clippy::unnecessary_cast)]
                let ts = Timestamp::from_parts(p.header.ts.tv_sec as i64, p.header.ts.tv_usec as u32);
                Ok(Some(RawPacket { ts, linktype: self.linktype, data: p.data, orig_len: p.header.len }))
            }
            Err(pcap::Error::NoMorePackets) => Ok(None),
            Err(e) => {
                let offset = if self.path == "-" { None } else { locate_record(&self.path, self.records) };
                Err(CaptureError {
                    path: self.path.clone(),
                    kind: CaptureErrorKind::Corrupt { records: self.records, offset, message: describe(&e) },
                })
            }
        }
    }
}

fn describe(e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(m) => m.clone(),
        other => other.to_string(),
    }
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
