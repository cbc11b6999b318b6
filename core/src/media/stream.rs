//! One RTP stream (a sender's SSRC from one address to another): packets, loss and duplicates
//! by sequence number (RFC 3550 §6.4.1 and Appendix A.1/A.3), interarrival jitter (RFC 3550
//! §6.4.1, in ms by the codec's clock), the largest gap between packets, and RFC 4733 events.
//!
//! Jitter, its maximum and mean, and the largest gap are computed the way Wireshark's RTP
//! analysis does (so `tshark -z rtp,streams` can serve as the oracle): a packet counts towards
//! the maximum and the mean only when it is a regular voice packet (not the first, no marker
//! bit, not comfort noise nor just after it, not older in media time than the first packet).
//! Loss is RFC 3550's (expected from the highest sequence number); Wireshark counts from the
//! last packet's number instead, so the two differ by the gap when the last packet came late.

use std::net::SocketAddr;

use super::codec::{is_comfort_noise, Codecs};
use super::rtp::RtpHeader;
use super::Kind;
use crate::time::Timestamp;

/// A jump in sequence numbers this large starts over instead of counting as loss
/// (RFC 3550 Appendix A.1 MAX_DROPOUT).
pub const MAX_DROPOUT: u16 = 3000;
/// A packet this far behind the highest sequence number is late, not a restart
/// (RFC 3550 Appendix A.1 MAX_MISORDER).
pub const MAX_MISORDER: u16 = 100;
/// A packet this far from its nominal arrival time (ms) marks a jump of the media clock, not
/// jitter (no jitter buffer holds seconds).
pub const TIMELINE_JUMP_MS: f64 = 5_000.0;
/// Most RFC 4733 digits kept per stream.
pub const MAX_DIGITS: usize = 32;

/// RFC 4733 events (DTMF) seen in a stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dtmf {
    digits: [u8; MAX_DIGITS],
    len: u8,
    /// Events seen (including those beyond the digits kept).
    pub events: u32,
    last_event_ts: Option<u32>,
}

impl Dtmf {
    /// The digits, in order (`0-9 * # A-D`, `!` for flash, `?` for other events).
    pub fn digits(&self) -> &str {
        std::str::from_utf8(&self.digits[..self.len as usize]).unwrap_or("")
    }

    /// Notes one telephone-event packet (RFC 4733 §2.3): a new event starts when the media
    /// timestamp changes; retransmitted end packets carry the same one.
    fn packet(&mut self, timestamp: u32, payload: &[u8]) {
        let Some(&event) = payload.first() else { return };
        if payload.len() < 4 || self.last_event_ts == Some(timestamp) {
            return;
        }
        self.last_event_ts = Some(timestamp);
        self.events = self.events.saturating_add(1);
        let c = match event {
            0..=9 => b'0' + event,
            10 => b'*',
            11 => b'#',
            12..=15 => b'A' + (event - 12),
            16 => b'!',
            _ => b'?',
        };
        if (self.len as usize) < MAX_DIGITS {
            self.digits[self.len as usize] = c;
            self.len += 1;
        }
    }
}

/// Statistics of one stream.
#[derive(Debug, Clone)]
pub struct RtpStream {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Audio, video or other, by the SDP section that announced its address.
    pub kind: Kind,
    /// Times the media clock jumped far from the arrival times (a new source behind the same
    /// SSRC: a transfer, music on hold): jitter starts over instead of counting the jump.
    pub timeline_resets: u32,
    /// Payload type of the first packet.
    pub payload_type: u8,
    /// Every payload type seen (bit n set for type n).
    pub payload_types: u128,
    /// Packets received (duplicates included, as RFC 3550 counts them).
    pub packets: u64,
    /// Payload bytes.
    pub bytes: u64,
    /// Capture time of the first packet.
    pub first_ts: Timestamp,
    /// Capture time of the last packet.
    pub last_ts: Timestamp,
    /// Packets whose sequence number was already received.
    pub duplicates: u64,
    /// Packets that came after a higher sequence number (late or reordered).
    pub late: u64,
    /// Times the sequence numbers started over (a jump of more than [`MAX_DROPOUT`]).
    pub restarts: u32,
    /// Largest interarrival jitter, ms.
    pub max_jitter_ms: f64,
    /// Mean interarrival jitter, ms.
    pub mean_jitter_ms: f64,
    /// Largest time between two consecutive packets, ms.
    pub max_delta_ms: f64,
    /// Telephone events (RFC 4733).
    pub dtmf: Dtmf,
    /// Packets sent after the call's BYE.
    pub after_bye: u64,
    /// Sequence number of the last packet captured (Wireshark counts loss up to it).
    pub last_seq: u16,
    // sequence state
    base: u16,
    max_seq: u16,
    cycles: u64,
    carried_expected: u64,
    probe: Option<u16>,
    window: u128,
    // timing state
    ts_raw: u32,
    ts_ext: i64,
    first_media_ts: i64,
    in_time_ts: i64,
    in_time_ms: f64,
    jitter_ms: f64,
    prev_pt: u8,
}

impl RtpStream {
    /// A stream started by its first packet.
    pub fn new(ts: Timestamp, src: SocketAddr, dst: SocketAddr, kind: Kind, h: &RtpHeader) -> RtpStream {
        RtpStream {
            src,
            dst,
            ssrc: h.ssrc,
            kind,
            timeline_resets: 0,
            payload_type: h.pt,
            payload_types: 0,
            packets: 0,
            bytes: 0,
            first_ts: ts,
            last_ts: ts,
            duplicates: 0,
            late: 0,
            restarts: 0,
            max_jitter_ms: 0.0,
            mean_jitter_ms: 0.0,
            max_delta_ms: 0.0,
            dtmf: Dtmf::default(),
            after_bye: 0,
            last_seq: h.seq,
            base: h.seq,
            max_seq: h.seq,
            cycles: 0,
            carried_expected: 0,
            probe: None,
            window: 0,
            ts_raw: h.timestamp,
            ts_ext: i64::from(h.timestamp),
            first_media_ts: i64::from(h.timestamp),
            in_time_ts: i64::from(h.timestamp),
            in_time_ms: 0.0,
            jitter_ms: 0.0,
            prev_pt: h.pt,
        }
    }

    /// Packets the sequence numbers say were sent: from the first to the highest, over
    /// wraps and restarts.
    pub fn expected(&self) -> u64 {
        let span = (self.cycles + u64::from(self.max_seq)).saturating_sub(u64::from(self.base)) + 1;
        self.carried_expected + span
    }

    /// Expected minus received (RFC 3550 §6.4.1): negative when duplicates outnumber losses.
    pub fn lost(&self) -> i64 {
        self.expected() as i64 - self.packets as i64
    }

    /// The highest sequence number received.
    pub fn highest_seq(&self) -> u16 {
        self.max_seq
    }

    /// Lost as a share of expected, percent (0 when none lost).
    pub fn loss_pct(&self) -> f64 {
        let lost = self.lost();
        if lost <= 0 {
            return 0.0;
        }
        lost as f64 * 100.0 / self.expected().max(1) as f64
    }

    /// Adds one packet of this stream (same addresses and SSRC).
    pub fn add(&mut self, ts: Timestamp, h: &RtpHeader, payload: &[u8], codecs: &Codecs) {
        let first = self.packets == 0;
        self.packets += 1;
        self.bytes += payload.len() as u64;
        self.last_ts = self.last_ts.max(ts);
        self.payload_types |= 1u128 << (h.pt & 0x7f);
        if codecs.is_telephone_event(h.pt) {
            self.dtmf.packet(h.timestamp, payload);
        }
        if first {
            self.window = 1;
            return;
        }
        self.last_seq = h.seq;
        self.sequence(h.seq);
        self.timing(ts, h, codecs);
    }

    fn sequence(&mut self, seq: u16) {
        let ahead = seq.wrapping_sub(self.max_seq);
        if ahead == 0 {
            self.duplicates += 1;
        } else if ahead < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles += 1 << 16;
            }
            self.window = if ahead >= 128 { 1 } else { (self.window << ahead) | 1 };
            self.max_seq = seq;
            self.probe = None;
        } else if ahead > u16::MAX - MAX_MISORDER {
            let behind = self.max_seq.wrapping_sub(seq);
            let bit = 1u128 << behind;
            if self.window & bit != 0 {
                self.duplicates += 1;
            } else {
                self.window |= bit;
                self.late += 1;
            }
        } else if self.probe == Some(seq) {
            // Two packets in a row after a big jump: the sender started over. The new run
            // begins with the packet that announced it.
            self.carried_expected = self.expected();
            self.restarts += 1;
            let first = seq.wrapping_sub(1);
            self.base = first;
            self.max_seq = seq;
            // A new run that starts at 65535 has already wrapped once at its second packet.
            self.cycles = if seq < first { 1 << 16 } else { 0 };
            self.window = 0b11;
            self.probe = None;
        } else {
            self.probe = Some(seq.wrapping_add(1));
        }
    }

    fn timing(&mut self, ts: Timestamp, h: &RtpHeader, codecs: &Codecs) {
        self.ts_ext += i64::from(h.timestamp.wrapping_sub(self.ts_raw) as i32);
        self.ts_raw = h.timestamp;
        // "In time" means not older in media time than the stream's first packet: a reordered
        // packet still counts and moves the reference, as Wireshark's analysis does.
        let in_time = self.ts_ext >= self.first_media_ts;
        let arrival_ms = ts.0.saturating_sub(self.first_ts.0) as f64 / 1e6;
        let delta = arrival_ms - self.in_time_ms;
        // Whole ticks per millisecond, as Wireshark divides (11.025 kHz counts as 11).
        let per_ms = codecs.timing_rate(h.pt).map(|r| r / 1000).filter(|&t| t > 0);
        if let Some(per_ms) = per_ms {
            let nominal = (self.ts_ext - self.in_time_ts) as f64 / f64::from(per_ms);
            let diff = (arrival_ms - (self.in_time_ms + nominal)).abs();
            if diff > TIMELINE_JUMP_MS {
                // Not jitter: the media clock itself jumped (a new source behind the same SSRC,
                // forwards or backwards). Start the timeline over from this packet.
                self.timeline_resets += 1;
                self.first_media_ts = self.ts_ext;
                self.in_time_ts = self.ts_ext;
                self.in_time_ms = arrival_ms;
                self.prev_pt = h.pt;
                return;
            }
            self.jitter_ms = (15.0 * self.jitter_ms + diff) / 16.0;
        }
        let regular = !h.marker && !is_comfort_noise(h.pt) && !is_comfort_noise(self.prev_pt) && in_time;
        if regular {
            self.max_delta_ms = self.max_delta_ms.max(delta);
            if per_ms.is_some() {
                self.max_jitter_ms = self.max_jitter_ms.max(self.jitter_ms);
                // A running mean weighted by the packets before this one, as Wireshark keeps it.
                let n = (self.packets - 1) as f64;
                self.mean_jitter_ms = (self.mean_jitter_ms * (n - 1.0) + self.jitter_ms) / n;
            }
        }
        if in_time {
            self.in_time_ms = arrival_ms;
            // Packets without a timing clock (telephone events hold the event's start time)
            // do not move the media-time reference, as in Wireshark.
            if per_ms.is_some() {
                self.in_time_ts = self.ts_ext;
            }
        }
        self.prev_pt = h.pt;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hdr(seq: u16, ts: u32) -> RtpHeader {
        RtpHeader { marker: false, pt: 0, seq, timestamp: ts, ssrc: 1, payload_at: 12, payload_len: 160 }
    }

    fn feed(seqs: &[u16]) -> RtpStream {
        let a: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        let mut s = RtpStream::new(Timestamp(0), a, a, Kind::Audio, &hdr(seqs[0], 0));
        let c = Codecs::default();
        for (i, &q) in seqs.iter().enumerate() {
            let t = Timestamp(i as i64 * 20_000_000);
            s.add(t, &hdr(q, u32::from(q.wrapping_sub(seqs[0])) * 160), &[0; 160], &c);
        }
        s
    }

    #[test]
    fn clean_stream_has_no_loss_and_no_jitter() {
        let s = feed(&(100..150).collect::<Vec<_>>());
        assert_eq!((s.packets, s.expected(), s.lost()), (50, 50, 0));
        assert!(s.max_jitter_ms < 1e-9 && (s.max_delta_ms - 20.0).abs() < 1e-6);
    }

    #[test]
    fn gaps_are_lost_and_late_arrivals_fill_them() {
        let s = feed(&[1, 2, 4, 5, 3, 6, 9, 10]);
        assert_eq!(s.expected(), 10);
        assert_eq!(s.lost(), 2); // 7 and 8
        assert_eq!(s.late, 1);
    }

    #[test]
    fn duplicates_count_as_received_and_are_counted_apart() {
        let s = feed(&[1, 2, 2, 3, 2, 4]);
        assert_eq!(s.duplicates, 2);
        assert_eq!(s.lost(), -2);
    }

    #[test]
    fn wrap_around_is_not_loss() {
        let s = feed(&[65533, 65534, 65535, 0, 1, 2]);
        assert_eq!((s.expected(), s.lost()), (6, 0));
    }

    #[test]
    fn a_restart_of_the_sequence_is_not_thirty_thousand_lost() {
        let s = feed(&[10, 11, 12, 40000, 40001, 40002]);
        assert_eq!(s.restarts, 1);
        assert_eq!(s.lost(), 0);
        let single = feed(&[10, 11, 12, 40000, 13, 14]);
        assert_eq!(single.restarts, 0);
        assert_eq!(single.lost(), -1, "a stray packet counts as received, not as a restart");
    }

    #[test]
    fn a_restart_at_the_top_of_the_numbering_keeps_counting_loss() {
        // 10 % loss after the sender restarts at 65535: the loss is still seen.
        let mut seqs = vec![30000, 30001, 30002, 65535, 0];
        seqs.extend((1..200u16).filter(|q| q % 10 != 0));
        let s = feed(&seqs);
        assert_eq!(s.restarts, 1);
        assert_eq!(s.lost(), 19);
    }

    #[test]
    fn a_jump_of_the_media_clock_is_not_jitter() {
        let a: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        let c = Codecs::default();
        let mut s = RtpStream::new(Timestamp(0), a, a, Kind::Audio, &hdr(1, 0));
        for i in 0..100u32 {
            // halfway, the timestamp leaps by a billion ticks (a new source, same SSRC)
            let ts = i * 160 + if i >= 50 { 1_000_000_000 } else { 0 };
            s.add(Timestamp(i64::from(i) * 20_000_000), &hdr(1 + i as u16, ts), &[0; 160], &c);
        }
        assert_eq!(s.timeline_resets, 1);
        assert!(s.max_jitter_ms < 1.0, "{}", s.max_jitter_ms);
        // and backwards
        let mut s = RtpStream::new(Timestamp(0), a, a, Kind::Audio, &hdr(1, 5_000_000));
        for i in 0..100u32 {
            let ts = if i >= 50 { i * 160 } else { 5_000_000 + i * 160 };
            s.add(Timestamp(i64::from(i) * 20_000_000), &hdr(1 + i as u16, ts), &[0; 160], &c);
        }
        assert_eq!(s.timeline_resets, 1);
        assert!(s.max_jitter_ms < 1.0 && s.mean_jitter_ms < 1.0);
    }

    #[test]
    fn telephone_events_are_digits() {
        let mut c = Codecs::default();
        c.set(super::super::codec::Mapping {
            pt: 101,
            name: super::super::codec::ShortName::new(b"telephone-event"),
            rate: 8000,
        });
        let a: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        let ev = |seq, ts, digit| (RtpHeader { pt: 101, ..hdr(seq, ts) }, [digit, 0x80, 0, 160]);
        let (h, p) = ev(1, 1000, 1);
        let mut s = RtpStream::new(Timestamp(0), a, a, Kind::Audio, &h);
        s.add(Timestamp(0), &h, &p, &c);
        for (i, (seq, ts, d)) in
            [(2, 1000, 1), (3, 1000, 1), (4, 2000, 11), (5, 3000, 10)].into_iter().enumerate()
        {
            let (h, p) = ev(seq, ts, d);
            s.add(Timestamp(i as i64 * 1_000_000), &h, &p, &c);
        }
        assert_eq!(s.dtmf.digits(), "1#*");
        assert_eq!(s.dtmf.events, 3);
    }
}
