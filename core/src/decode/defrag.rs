//! Bounded IP fragment reassembly on top of `etherparse`'s `IpDefragBuf`.
//!
//! Limits: datagrams in progress, bytes held, and an expiry in capture time. Every fragment that
//! a limit throws away is counted.

use std::collections::HashMap;
use std::net::IpAddr;

use etherparse::defrag::{IpDefragBuf, IpFragRange};
use etherparse::IpNumber;

use super::ip::Fragment;
use crate::time::Timestamp;

/// Limits of the reassembly pool.
#[derive(Debug, Clone, Copy)]
pub struct DefragLimits {
    /// Most datagrams being reassembled at once.
    pub max_datagrams: usize,
    /// Most fragment payload bytes held at once.
    pub max_bytes: usize,
    /// A datagram not completed this long after its first fragment is dropped.
    pub timeout_ms: i64,
}

impl Default for DefragLimits {
    fn default() -> Self {
        DefragLimits { max_datagrams: 4096, max_bytes: 32 << 20, timeout_ms: 30_000 }
    }
}

/// Counters of the reassembly pool.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefragStats {
    /// Fragments seen.
    pub fragments: u64,
    /// Datagrams rebuilt.
    pub reassembled: u64,
    /// Datagrams dropped incomplete after the timeout.
    pub expired: u64,
    /// Fragments refused because a limit was reached.
    pub dropped_over_limit: u64,
    /// Fragments refused as inconsistent (overlaps, bad lengths).
    pub invalid: u64,
    /// Datagrams in progress right now.
    pub in_progress: u64,
}

#[derive(Hash, PartialEq, Eq, Clone, Copy)]
struct Key {
    src: IpAddr,
    dst: IpAddr,
    id: u32,
    proto: u8,
}

struct Pending {
    buf: IpDefragBuf,
    first_ts: Timestamp,
    bytes: usize,
}

/// The reassembly pool.
pub struct Defragmenter {
    limits: DefragLimits,
    active: HashMap<Key, Pending>,
    bytes: usize,
    spare_data: Vec<Vec<u8>>,
    spare_sections: Vec<Vec<IpFragRange>>,
    /// Counters.
    pub stats: DefragStats,
}

impl Defragmenter {
    /// An empty pool with the given limits.
    pub fn new(limits: DefragLimits) -> Self {
        Defragmenter {
            limits,
            active: HashMap::new(),
            bytes: 0,
            spare_data: Vec::new(),
            spare_sections: Vec::new(),
            stats: DefragStats::default(),
        }
    }

    /// Adds one fragment. Returns the whole datagram payload when this fragment completes it;
    /// hand the buffer back with [`Defragmenter::recycle`] when done.
    pub fn add(
        &mut self,
        ts: Timestamp,
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
        frag: Fragment,
        payload: &[u8],
    ) -> Option<Vec<u8>> {
        self.stats.fragments += 1;
        let key = Key { src, dst, id: frag.id, proto };
        if !self.active.contains_key(&key) {
            if self.active.len() >= self.limits.max_datagrams
                || self.bytes + payload.len() > self.limits.max_bytes
            {
                self.expire(ts);
            }
            if self.active.len() >= self.limits.max_datagrams
                || self.bytes + payload.len() > self.limits.max_bytes
            {
                self.stats.dropped_over_limit += 1;
                return None;
            }
            let data = self.spare_data.pop().unwrap_or_default();
            let sections = self.spare_sections.pop().unwrap_or_default();
            self.active.insert(
                key,
                Pending { buf: IpDefragBuf::new(IpNumber(proto), data, sections), first_ts: ts, bytes: 0 },
            );
        } else if self.bytes + payload.len() > self.limits.max_bytes {
            self.stats.dropped_over_limit += 1;
            return None;
        }
        let pending = self.active.get_mut(&key)?;
        if pending.buf.add(frag.offset, frag.more, payload).is_err() {
            self.stats.invalid += 1;
            self.remove(key);
            return None;
        }
        pending.bytes += payload.len();
        self.bytes += payload.len();
        let complete = pending.buf.is_complete();
        self.stats.in_progress = self.active.len() as u64;
        if !complete {
            return None;
        }
        let p = self.active.remove(&key)?;
        self.bytes -= p.bytes;
        self.stats.reassembled += 1;
        self.stats.in_progress = self.active.len() as u64;
        let (data, sections) = p.buf.take_bufs();
        self.spare_sections.push(sections);
        Some(data)
    }

    /// Returns a completed datagram's buffer to the pool for reuse.
    pub fn recycle(&mut self, mut data: Vec<u8>) {
        if self.spare_data.len() < 64 {
            data.clear();
            self.spare_data.push(data);
        }
    }

    /// Drops datagrams whose first fragment is older than the timeout at `now`.
    pub fn expire(&mut self, now: Timestamp) {
        let timeout = self.limits.timeout_ms;
        let before = self.active.len();
        let mut freed = 0;
        self.active.retain(|_, p| {
            let keep = now.millis_since(p.first_ts) < timeout;
            if !keep {
                freed += p.bytes;
            }
            keep
        });
        self.bytes -= freed;
        self.stats.expired += (before - self.active.len()) as u64;
        self.stats.in_progress = self.active.len() as u64;
    }

    /// Bytes held in incomplete datagrams.
    pub fn bytes_held(&self) -> usize {
        self.bytes
    }

    fn remove(&mut self, key: Key) {
        if let Some(p) = self.active.remove(&key) {
            self.bytes -= p.bytes;
            let (data, sections) = p.buf.take_bufs();
            self.spare_sections.push(sections);
            self.recycle(data);
        }
        self.stats.in_progress = self.active.len() as u64;
    }
}
