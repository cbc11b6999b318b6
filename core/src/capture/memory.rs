//! A classic pcap file held in memory (the embedded demo), read as a [`Source`] without a
//! temporary file, optionally looping: each round's time shifted to follow the last one.

use crate::packet::{Pull, RawPacket, Source, SourceError};
use crate::time::Timestamp;

/// Pause between two rounds of a looping capture.
const LOOP_GAP_NS: i64 = 5_000_000_000;

/// A pcap file in memory.
pub struct MemoryPcap {
    data: &'static [u8],
    le: bool,
    nanos: bool,
    linktype: i32,
    pos: usize,
    looping: bool,
    offset_ns: i64,
    first: Option<Timestamp>,
    last: Timestamp,
}

impl MemoryPcap {
    /// Reads `data` (classic pcap, either byte order, micro- or nanosecond timestamps).
    pub fn new(data: &'static [u8], looping: bool) -> Result<MemoryPcap, SourceError> {
        let bad = |m: &str| SourceError { message: m.to_string(), corrupt: true };
        let magic = data.get(..4).ok_or_else(|| bad("embedded capture too short"))?;
        let (le, nanos) = match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] => (true, false),
            [0x4d, 0x3c, 0xb2, 0xa1] => (true, true),
            [0xa1, 0xb2, 0xc3, 0xd4] => (false, false),
            [0xa1, 0xb2, 0x3c, 0x4d] => (false, true),
            _ => return Err(bad("embedded capture is not a classic pcap file")),
        };
        let mut m = MemoryPcap {
            data,
            le,
            nanos,
            linktype: 0,
            pos: 24,
            looping,
            offset_ns: 0,
            first: None,
            last: Timestamp(0),
        };
        m.linktype = m.u32_at(20).ok_or_else(|| bad("embedded capture header cut short"))? as i32;
        Ok(m)
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.data.get(at..at + 4)?.try_into().ok()?;
        Some(if self.le { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }
}

impl Source for MemoryPcap {
    fn pull(&mut self) -> Result<Pull<'_>, SourceError> {
        let header = |m: &MemoryPcap| -> Option<(Timestamp, usize, u32)> {
            let (secs, frac) = (m.u32_at(m.pos)?, m.u32_at(m.pos + 4)?);
            let (caplen, orig) = (m.u32_at(m.pos + 8)? as usize, m.u32_at(m.pos + 12)?);
            m.data.get(m.pos + 16..m.pos + 16 + caplen)?;
            let nanos = if m.nanos { frac } else { frac.saturating_mul(1_000) };
            Some((Timestamp::from_parts(i64::from(secs), nanos.min(999_999_999)), caplen, orig))
        };
        let mut rec = header(self);
        if rec.is_none() && self.looping && self.first.is_some() {
            // Start the next round after the last one, with a short pause.
            let span = self.last.0 - self.first.map_or(0, |f| f.0);
            self.offset_ns = self.offset_ns.saturating_add(span + LOOP_GAP_NS);
            self.pos = 24;
            self.first = None;
            rec = header(self);
        }
        let Some((ts, caplen, orig_len)) = rec else { return Ok(Pull::End) };
        let ts = Timestamp(ts.0.saturating_add(self.offset_ns));
        self.first.get_or_insert(Timestamp(ts.0 - self.offset_ns));
        self.last = Timestamp(ts.0 - self.offset_ns);
        let start = self.pos + 16;
        self.pos = start + caplen;
        Ok(Pull::Packet(RawPacket {
            ts,
            linktype: self.linktype,
            data: &self.data[start..start + caplen],
            orig_len,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static DEMO: &[u8] = include_bytes!("../../../pcaps/demo.pcap");

    #[test]
    fn reads_the_demo_like_libpcap_and_loops_later_in_time() {
        let mut lib = crate::capture::file::FileSource::open(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../pcaps/demo.pcap"
        ))
        .unwrap();
        let mut mem = MemoryPcap::new(DEMO, true).unwrap();
        let mut n = 0;
        let mut last = Timestamp(0);
        while let Ok(Some(p)) = lib.next_packet() {
            let (ts, data) = (p.ts, p.data.to_vec());
            let Ok(Pull::Packet(q)) = mem.pull() else { panic!("memory reader ended early") };
            assert_eq!((q.ts, q.data), (ts, &data[..]));
            last = ts;
            n += 1;
        }
        assert!(n > 100);
        let Ok(Pull::Packet(q)) = mem.pull() else { panic!("no second round") };
        assert!(q.ts.0 > last.0, "the next round comes after the last one");
        assert!(MemoryPcap::new(&DEMO[..10], false).is_err());
    }
}
