//! TCP stream reassembly: puts each direction's bytes in order, drops retransmitted bytes,
//! holds out-of-order segments (bounded), and tells the consumer where bytes were lost so it can
//! resynchronise. It knows nothing about what the bytes carry: the consumer reads
//! [`Stream::pending`], calls [`Stream::consume`] for what it used, and keeps its own state in
//! [`Stream::consumer`], of a type it chooses (`C`): the SIP framer's today, HEP over TCP later.

use std::collections::HashMap;
use std::net::SocketAddr;

use crate::time::Timestamp;

/// Limits of the reassembler. Every limit that bites is counted in [`TcpStats`].
#[derive(Debug, Clone, Copy)]
pub struct TcpLimits {
    /// Most directions (flows) tracked at once.
    pub max_flows: usize,
    /// Most bytes held for one direction (in-order plus out-of-order).
    pub max_flow_bytes: usize,
    /// Most bytes held across all directions.
    pub max_total_bytes: usize,
    /// Most out-of-order segments held for one direction.
    pub max_ooo_segments: usize,
    /// A hole not filled for this long (capture time) is skipped.
    pub gap_timeout_ms: i64,
    /// A direction idle this long is forgotten.
    pub idle_timeout_ms: i64,
}

impl Default for TcpLimits {
    fn default() -> Self {
        TcpLimits {
            max_flows: 65_536,
            max_flow_bytes: 2 << 20,
            max_total_bytes: 256 << 20,
            max_ooo_segments: 128,
            gap_timeout_ms: 2_000,
            idle_timeout_ms: 300_000,
        }
    }
}

/// Counters of the reassembler.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpStats {
    /// Segments seen (with or without payload).
    pub segments: u64,
    /// Directions opened (a connection usually counts two).
    pub streams: u64,
    /// Segments whose bytes had all been seen already.
    pub retransmissions: u64,
    /// Segments that arrived ahead of a hole.
    pub out_of_order: u64,
    /// Holes skipped (bytes never seen, or dropped by a limit).
    pub gaps: u64,
    /// Bytes thrown away because a limit was reached.
    pub bytes_dropped: u64,
    /// Directions evicted to make room for new ones.
    pub evicted: u64,
    /// Directions forgotten after being idle.
    pub expired: u64,
    /// Directions tracked right now.
    pub active: u64,
}

/// One direction of a TCP connection.
#[derive(Hash, PartialEq, Eq, Clone, Copy, Debug)]
pub struct FlowKey {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
}

/// The fields of a TCP segment the reassembler needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct TcpSegment {
    /// Sequence number of the first byte (of the SYN, if set).
    pub seq: u32,
    /// SYN flag.
    pub syn: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
}

/// One direction's in-order bytes and state, with the consumer's own state `C`.
#[derive(Debug, Default)]
pub struct Stream<C> {
    buf: Vec<u8>,
    head: usize,
    next_seq: Option<u32>,
    ooo: Vec<(u32, Vec<u8>)>,
    ooo_bytes: usize,
    ooo_since: Option<Timestamp>,
    accounted: usize,
    last_seen: Timestamp,
    closing: bool,
    /// Bytes were lost just before the current pending data: the consumer must resynchronise.
    pub gap: bool,
    /// Bytes lost at gaps or discarded by the consumer as not its protocol.
    pub discarded: u64,
    /// The consumer's state for this direction.
    pub consumer: C,
}

impl<C> Stream<C> {
    /// In-order bytes not yet consumed.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.head..]
    }

    /// Pending bytes together with the consumer's state.
    pub fn pending_and_consumer(&mut self) -> (&[u8], &mut C) {
        (&self.buf[self.head..], &mut self.consumer)
    }

    /// Marks `n` pending bytes as used.
    pub fn consume(&mut self, n: usize) {
        self.head = (self.head + n).min(self.buf.len());
        if self.head == self.buf.len() {
            self.buf.clear();
            self.head = 0;
        } else if self.head > 64 * 1024 && self.head * 2 > self.buf.len() {
            self.buf.drain(..self.head);
            self.head = 0;
        }
    }

    /// Whether the connection is ending in this direction (FIN or RST seen, nothing held).
    pub fn closing(&self) -> bool {
        self.closing && self.ooo.is_empty()
    }

    fn held(&self) -> usize {
        self.buf.len() - self.head + self.ooo_bytes
    }

    fn append(&mut self, data: &[u8]) {
        if self.head > 0 && self.head == self.buf.len() {
            self.buf.clear();
            self.head = 0;
        }
        self.buf.extend_from_slice(data);
        if let Some(n) = self.next_seq.as_mut() {
            *n = n.wrapping_add(data.len() as u32);
        }
    }

    /// Loses the unconsumed bytes and continues at `seq`.
    fn skip_to(&mut self, seq: u32, stats: &mut TcpStats) {
        stats.gaps += 1;
        self.discarded += (self.buf.len() - self.head) as u64;
        self.buf.clear();
        self.head = 0;
        self.next_seq = Some(seq);
        self.gap = true;
    }

    /// Moves held segments that now fit into the in-order buffer.
    fn drain_ooo(&mut self, stats: &mut TcpStats) {
        while let Some(next) = self.next_seq {
            let Some(i) = self.ooo.iter().position(|(s, _)| (s.wrapping_sub(next) as i32) <= 0) else {
                break;
            };
            let (seq, data) = self.ooo.swap_remove(i);
            self.ooo_bytes -= data.len();
            let skip = next.wrapping_sub(seq) as usize;
            if skip < data.len() {
                self.append(&data[skip..]);
            } else {
                stats.retransmissions += 1;
            }
        }
        if self.ooo.is_empty() {
            self.ooo_since = None;
        }
    }

    /// Skips the hole before the earliest held segment.
    fn skip_hole(&mut self, stats: &mut TcpStats) {
        if let Some(first) =
            self.ooo.iter().map(|(s, _)| *s).min_by_key(|s| s.wrapping_sub(self.next_seq.unwrap_or(*s)))
        {
            self.skip_to(first, stats);
            self.drain_ooo(stats);
        }
    }
}

/// All tracked directions.
pub struct TcpReassembler<C> {
    limits: TcpLimits,
    flows: HashMap<FlowKey, Stream<C>>,
    total: usize,
    last_sweep: Timestamp,
    /// Counters.
    pub stats: TcpStats,
}

impl<C: Default> TcpReassembler<C> {
    /// An empty reassembler.
    pub fn new(limits: TcpLimits) -> Self {
        TcpReassembler {
            limits,
            flows: HashMap::new(),
            total: 0,
            last_sweep: Timestamp::default(),
            stats: TcpStats::default(),
        }
    }

    /// Bytes held across all directions (an upper bound between calls).
    pub fn bytes_held(&self) -> usize {
        self.total
    }

    /// Adds one segment of direction `key`. Returns the stream when it has new bytes for the
    /// consumer or is closing; the caller should then call [`TcpReassembler::settle`].
    pub fn segment(
        &mut self,
        ts: Timestamp,
        key: FlowKey,
        seg: TcpSegment,
        payload: &[u8],
    ) -> Option<&mut Stream<C>> {
        self.stats.segments += 1;
        if seg.rst {
            if let Some(rev) = self.flows.get_mut(&FlowKey { src: key.dst, dst: key.src }) {
                rev.closing = true;
            }
        }
        if !self.flows.contains_key(&key) {
            if payload.is_empty() && !seg.syn {
                return None; // pure ACK/FIN of a direction we never saw data on
            }
            if self.flows.len() >= self.limits.max_flows {
                self.make_room(ts);
            }
            self.flows.insert(key, Stream::default());
            self.stats.streams += 1;
            self.stats.active = self.flows.len() as u64;
        }
        let limits = self.limits;
        let stats = &mut self.stats;
        let stream = self.flows.get_mut(&key)?;
        self.total -= stream.accounted;
        stream.last_seen = ts;
        let mut seq = seg.seq;
        if seg.syn {
            seq = seq.wrapping_add(1);
            if stream.next_seq.is_none() || stream.pending().is_empty() {
                stream.next_seq = Some(seq);
            }
        }
        if seg.fin || seg.rst {
            stream.closing = true;
        }
        let mut fresh = false;
        if !payload.is_empty() {
            let next = *stream.next_seq.get_or_insert(seq);
            let rel = seq.wrapping_sub(next) as i32;
            if rel <= 0 {
                let skip = (-(rel as i64)) as usize;
                if skip >= payload.len() {
                    stats.retransmissions += 1;
                } else {
                    let data = &payload[skip..];
                    if self.total + data.len() > limits.max_total_bytes {
                        stats.bytes_dropped += data.len() as u64;
                        let end = next.wrapping_add(data.len() as u32);
                        stream.skip_to(end, stats);
                    } else {
                        if stream.held() + data.len() > limits.max_flow_bytes {
                            stats.bytes_dropped += (stream.buf.len() - stream.head) as u64;
                            stream.skip_to(next, stats);
                        }
                        stream.append(data);
                        stream.drain_ooo(stats);
                    }
                    fresh = true;
                }
            } else {
                stats.out_of_order += 1;
                let over = stream.ooo.len() >= limits.max_ooo_segments
                    || stream.held() + payload.len() > limits.max_flow_bytes
                    || self.total + payload.len() > limits.max_total_bytes;
                if over {
                    // Give up on the hole: continue from the earliest data we hold (or this one).
                    stream.ooo.push((seq, payload.to_vec()));
                    stream.ooo_bytes += payload.len();
                    stream.skip_hole(stats);
                    fresh = true;
                } else if !stream.ooo.iter().any(|(s, d)| *s == seq && d.len() >= payload.len()) {
                    stream.ooo.push((seq, payload.to_vec()));
                    stream.ooo_bytes += payload.len();
                    stream.ooo_since.get_or_insert(ts);
                }
            }
        }
        if let Some(since) = stream.ooo_since {
            if ts.millis_since(since) > limits.gap_timeout_ms {
                stream.skip_hole(stats);
                fresh = true;
            }
        }
        stream.accounted = stream.held();
        self.total += stream.accounted;
        if fresh || stream.closing() {
            Some(stream)
        } else {
            None
        }
    }

    /// Call after consuming from the stream of `key`: updates the byte count and forgets the
    /// direction if it is closing.
    pub fn settle(&mut self, key: &FlowKey) {
        if let Some(s) = self.flows.get_mut(key) {
            self.total -= s.accounted;
            s.accounted = s.held();
            self.total += s.accounted;
            if s.closing() {
                self.remove(key);
            }
        }
    }

    /// Forgets directions idle longer than the idle timeout; cheap to call often.
    pub fn sweep(&mut self, now: Timestamp) {
        if now.millis_since(self.last_sweep) < 1_000 {
            return;
        }
        self.last_sweep = now;
        let idle = self.limits.idle_timeout_ms;
        let before = self.flows.len();
        let mut freed = 0;
        self.flows.retain(|_, s| {
            let keep = now.millis_since(s.last_seen) < idle;
            if !keep {
                freed += s.accounted;
            }
            keep
        });
        self.total -= freed;
        self.stats.expired += (before - self.flows.len()) as u64;
        self.stats.active = self.flows.len() as u64;
    }

    /// At the end of input: skips every hole so held bytes reach the consumer, calling `f` for
    /// each stream that received bytes.
    pub fn flush(&mut self, mut f: impl FnMut(&FlowKey, &mut Stream<C>)) {
        let stats = &mut self.stats;
        for (k, s) in self.flows.iter_mut() {
            if !s.ooo.is_empty() {
                while !s.ooo.is_empty() {
                    s.skip_hole(stats);
                }
                f(k, s);
            }
        }
    }

    fn remove(&mut self, key: &FlowKey) {
        if let Some(s) = self.flows.remove(key) {
            self.total -= s.accounted;
        }
        self.stats.active = self.flows.len() as u64;
    }

    fn make_room(&mut self, now: Timestamp) {
        self.last_sweep = Timestamp(i64::MIN);
        self.sweep(now);
        while self.flows.len() >= self.limits.max_flows {
            // Evict the direction idle the longest among a small sample (HashMap order is
            // arbitrary, so the sample is too).
            let victim = self.flows.iter().take(32).min_by_key(|(_, s)| s.last_seen).map(|(k, _)| *k);
            match victim {
                Some(k) => {
                    self.remove(&k);
                    self.stats.evicted += 1;
                }
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> FlowKey {
        FlowKey { src: "127.0.0.1:5060".parse().unwrap(), dst: "127.0.0.2:5060".parse().unwrap() }
    }

    fn feed(r: &mut TcpReassembler<()>, seq: u32, data: &[u8], out: &mut Vec<u8>) {
        let k = key();
        let seg = TcpSegment { seq, ..Default::default() };
        if let Some(s) = r.segment(Timestamp(0), k, seg, data) {
            out.extend_from_slice(s.pending());
            let n = s.pending().len();
            s.consume(n);
        }
        r.settle(&k);
    }

    #[test]
    fn orders_trims_and_skips_retransmissions() {
        let mut r = TcpReassembler::<()>::new(TcpLimits::default());
        let mut out = Vec::new();
        r.segment(Timestamp(0), key(), TcpSegment { seq: 99, syn: true, ..Default::default() }, b"");
        feed(&mut r, 100, b"hello ", &mut out);
        feed(&mut r, 111, b"!", &mut out); // ahead of a hole
        feed(&mut r, 100, b"hello ", &mut out); // retransmission
        feed(&mut r, 103, b"lo world", &mut out); // overlaps and fills the hole
        assert_eq!(out, b"hello world!");
        assert_eq!(r.stats.retransmissions, 1);
        assert_eq!(r.stats.out_of_order, 1);
        assert_eq!(r.bytes_held(), 0);
    }

    #[test]
    fn sequence_numbers_wrap() {
        let mut r = TcpReassembler::<()>::new(TcpLimits::default());
        let mut out = Vec::new();
        feed(&mut r, u32::MAX - 2, b"abc", &mut out);
        feed(&mut r, 3, b"ghi", &mut out);
        feed(&mut r, 0, b"def", &mut out);
        assert_eq!(out, b"abcdefghi");
    }

    #[test]
    fn too_many_held_segments_skip_the_hole() {
        let limits = TcpLimits { max_ooo_segments: 2, ..Default::default() };
        let mut r = TcpReassembler::new(limits);
        let mut out = Vec::new();
        feed(&mut r, 0, b"a", &mut out);
        feed(&mut r, 10, b"x", &mut out);
        feed(&mut r, 11, b"y", &mut out);
        feed(&mut r, 12, b"z", &mut out);
        assert_eq!(out, b"axyz");
        assert_eq!(r.stats.gaps, 1);
    }
}
