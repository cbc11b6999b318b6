//! SCTP (RFC 9260): DATA and I-DATA chunks carrying SIP (RFC 4168), with bounded reassembly of
//! user messages split over several DATA chunks.

use std::collections::HashMap;
use std::net::SocketAddr;

/// Largest user message rebuilt from fragments.
pub const MAX_MESSAGE: usize = 256 * 1024;
/// Most partial messages held at once.
pub const MAX_PARTIAL: usize = 1024;

/// Counters of the SCTP decoder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SctpStats {
    /// DATA/I-DATA chunks seen.
    pub data_chunks: u64,
    /// Fragmented user messages dropped (out of order, too large, or over the limit).
    pub dropped_fragments: u64,
}

struct Partial {
    next_tsn: u32,
    data: Vec<u8>,
}

/// Per-association reassembly state.
#[derive(Default)]
pub struct SctpDecoder {
    partial: HashMap<(SocketAddr, SocketAddr, u16), Partial>,
    /// Counters.
    pub stats: SctpStats,
}

impl SctpDecoder {
    /// Walks the chunks of one SCTP packet and calls `out` with each complete user message.
    pub fn packet(
        &mut self,
        src_ip: std::net::IpAddr,
        dst_ip: std::net::IpAddr,
        data: &[u8],
        out: &mut dyn FnMut(SocketAddr, SocketAddr, &[u8]),
    ) -> bool {
        if data.len() < 12 {
            return false;
        }
        let src = SocketAddr::new(src_ip, u16::from_be_bytes([data[0], data[1]]));
        let dst = SocketAddr::new(dst_ip, u16::from_be_bytes([data[2], data[3]]));
        let mut off = 12;
        while off + 4 <= data.len() {
            let ctype = data[off];
            let flags = data[off + 1];
            let clen = u16::from_be_bytes([data[off + 2], data[off + 3]]) as usize;
            if clen < 4 || off + clen > data.len() {
                return false;
            }
            let chunk = &data[off..off + clen];
            match ctype {
                0 if clen >= 16 => {
                    self.stats.data_chunks += 1;
                    let tsn = u32::from_be_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
                    let sid = u16::from_be_bytes([chunk[8], chunk[9]]);
                    self.data(src, dst, sid, tsn, flags, &chunk[16..], out);
                }
                64 if clen >= 20 => {
                    self.stats.data_chunks += 1;
                    if flags & 0x03 == 0x03 {
                        out(src, dst, &chunk[20..]);
                    } else {
                        self.stats.dropped_fragments += 1;
                    }
                }
                _ => {}
            }
            off += (clen + 3) & !3;
        }
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn data(
        &mut self,
        src: SocketAddr,
        dst: SocketAddr,
        sid: u16,
        tsn: u32,
        flags: u8,
        user: &[u8],
        out: &mut dyn FnMut(SocketAddr, SocketAddr, &[u8]),
    ) {
        let (begin, end) = (flags & 0x02 != 0, flags & 0x01 != 0);
        let key = (src, dst, sid);
        if begin && end {
            out(src, dst, user);
            return;
        }
        if begin {
            if self.partial.len() >= MAX_PARTIAL && !self.partial.contains_key(&key) {
                self.stats.dropped_fragments += 1;
                return;
            }
            if self
                .partial
                .insert(key, Partial { next_tsn: tsn.wrapping_add(1), data: user.to_vec() })
                .is_some()
            {
                self.stats.dropped_fragments += 1;
            }
            return;
        }
        let Some(p) = self.partial.get_mut(&key) else {
            self.stats.dropped_fragments += 1;
            return;
        };
        if p.next_tsn != tsn || p.data.len() + user.len() > MAX_MESSAGE {
            self.partial.remove(&key);
            self.stats.dropped_fragments += 1;
            return;
        }
        p.data.extend_from_slice(user);
        p.next_tsn = tsn.wrapping_add(1);
        if end {
            if let Some(p) = self.partial.remove(&key) {
                out(src, dst, &p.data);
            }
        }
    }
}
