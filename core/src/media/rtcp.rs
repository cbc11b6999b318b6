//! RTCP compound packets (RFC 3550 §6.4): sender reports, receiver report blocks, and the VoIP
//! metrics block of extended reports (RFC 3611 §4.7). Parsed without allocation, one item at a
//! time; anything that does not fit its stated length ends the walk.

/// One piece of information in an RTCP compound packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtcpItem {
    /// A sender report's sender information.
    Sender {
        /// Sender's SSRC.
        ssrc: u32,
        /// Middle 32 bits of the NTP timestamp (what a later report block's LSR echoes).
        ntp_middle: u32,
        /// Packets sent so far.
        packets: u32,
    },
    /// A reception report block: what `reporter` has received from `source`.
    Report {
        /// SSRC of the packet's sender (the receiver of the media).
        reporter: u32,
        /// SSRC of the media the block is about.
        source: u32,
        /// Fraction lost since the previous report, in 1/256.
        fraction_lost: u8,
        /// Cumulative packets lost (24-bit signed).
        cumulative_lost: i32,
        /// Interarrival jitter, in timestamp units.
        jitter: u32,
        /// Last SR timestamp (middle 32 bits of its NTP time), 0 if none yet.
        lsr: u32,
        /// Delay since that SR, in 1/65536 s.
        dlsr: u32,
    },
    /// An extended report's VoIP metrics block.
    VoipMetrics {
        /// SSRC of the packet's sender.
        reporter: u32,
        /// SSRC of the media the block is about.
        source: u32,
        /// Loss rate, in 1/256.
        loss_rate: u8,
        /// Discard rate (jitter buffer), in 1/256.
        discard_rate: u8,
        /// Round-trip delay in ms (0: unknown).
        round_trip_ms: u16,
        /// R factor (127: unavailable).
        r_factor: u8,
        /// Listening-quality MOS times ten (127: unavailable).
        mos_lq: u8,
    },
}

/// Walks a compound RTCP packet, calling `out` for each item. Returns the number of RTCP
/// packets read (0 when the first one is malformed).
pub fn parse(mut b: &[u8], out: &mut dyn FnMut(RtcpItem)) -> usize {
    let mut n = 0;
    while b.len() >= 4 && b[0] >> 6 == 2 {
        let count = (b[0] & 0x1f) as usize;
        let len = (u16::from_be_bytes([b[2], b[3]]) as usize + 1) * 4;
        let Some(pkt) = b.get(..len) else { break };
        match pkt[1] {
            200 if pkt.len() >= 28 => {
                let ssrc = be32(pkt, 4);
                out(RtcpItem::Sender { ssrc, ntp_middle: be32(pkt, 10), packets: be32(pkt, 20) });
                blocks(ssrc, &pkt[28..], count, out);
            }
            201 if pkt.len() >= 8 => blocks(be32(pkt, 4), &pkt[8..], count, out),
            207 if pkt.len() >= 8 => extended(be32(pkt, 4), &pkt[8..], out),
            _ => {}
        }
        n += 1;
        b = &b[len..];
    }
    n
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn blocks(reporter: u32, mut b: &[u8], count: usize, out: &mut dyn FnMut(RtcpItem)) {
    for _ in 0..count {
        let Some(r) = b.get(..24) else { return };
        let lost = u32::from_be_bytes([0, r[5], r[6], r[7]]);
        // sign-extend the 24-bit count
        let cumulative_lost = ((lost << 8) as i32) >> 8;
        out(RtcpItem::Report {
            reporter,
            source: be32(r, 0),
            fraction_lost: r[4],
            cumulative_lost,
            jitter: be32(r, 12),
            lsr: be32(r, 16),
            dlsr: be32(r, 20),
        });
        b = &b[24..];
    }
}

fn extended(reporter: u32, mut b: &[u8], out: &mut dyn FnMut(RtcpItem)) {
    while b.len() >= 4 {
        let len = 4 + 4 * u16::from_be_bytes([b[2], b[3]]) as usize;
        let Some(block) = b.get(..len) else { return };
        if block[0] == 7 && block.len() >= 36 {
            let m = &block[4..];
            out(RtcpItem::VoipMetrics {
                reporter,
                source: be32(m, 0),
                loss_rate: m[4],
                discard_rate: m[5],
                round_trip_ms: u16::from_be_bytes([m[12], m[13]]),
                r_factor: m[20],
                mos_lq: m[22],
            });
        }
        b = &b[len..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(b: &[u8]) -> Vec<RtcpItem> {
        let mut v = Vec::new();
        parse(b, &mut |i| v.push(i));
        v
    }

    #[test]
    fn sender_report_with_one_block() {
        let mut p = vec![0x81, 200, 0, 12];
        p.extend(7u32.to_be_bytes());
        p.extend([0, 0, 0x12, 0x34, 0x56, 0x78, 0, 0]); // NTP: middle = 0x12345678
        p.extend(160u32.to_be_bytes());
        p.extend(50u32.to_be_bytes());
        p.extend(8000u32.to_be_bytes());
        p.extend(9u32.to_be_bytes());
        p.extend([64, 0xff, 0xff, 0xfe]); // 25 %, cumulative -2
        p.extend(1000u32.to_be_bytes());
        p.extend(40u32.to_be_bytes());
        p.extend(0x1111_2222u32.to_be_bytes());
        p.extend(65536u32.to_be_bytes());
        let items = collect(&p);
        assert_eq!(items[0], RtcpItem::Sender { ssrc: 7, ntp_middle: 0x12345678, packets: 50 });
        assert_eq!(
            items[1],
            RtcpItem::Report {
                reporter: 7,
                source: 9,
                fraction_lost: 64,
                cumulative_lost: -2,
                jitter: 40,
                lsr: 0x1111_2222,
                dlsr: 65536
            }
        );
    }

    #[test]
    fn a_block_count_larger_than_the_packet_stops_the_walk() {
        let p = [0x9f, 201, 0, 1, 0, 0, 0, 7];
        assert!(collect(&p).is_empty());
        assert_eq!(parse(&[0x80, 201, 0, 40, 0, 0, 0, 7], &mut |_| {}), 0);
    }

    #[test]
    fn voip_metrics_block() {
        let mut p = vec![0x80, 207, 0, 10];
        p.extend(5u32.to_be_bytes());
        p.extend([7, 0, 0, 8]);
        let mut m = [0u8; 32];
        m[..4].copy_from_slice(&6u32.to_be_bytes());
        m[4] = 13;
        m[12..14].copy_from_slice(&120u16.to_be_bytes());
        m[20] = 88;
        m[22] = 41;
        p.extend(m);
        assert_eq!(
            collect(&p),
            vec![RtcpItem::VoipMetrics {
                reporter: 5,
                source: 6,
                loss_rate: 13,
                discard_rate: 0,
                round_trip_ms: 120,
                r_factor: 88,
                mos_lq: 41
            }]
        );
    }
}
