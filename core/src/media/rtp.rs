//! RTP and RTCP packet headers (RFC 3550 §5.1 and §6.4), and telling the two apart on a shared
//! port (RFC 5761 §4).

/// The fixed RTP header fields we use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    /// Marker bit.
    pub marker: bool,
    /// Payload type (7 bits).
    pub pt: u8,
    /// Sequence number.
    pub seq: u16,
    /// Media timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Offset of the payload (after CSRCs and the header extension).
    pub payload_at: usize,
    /// Payload length, padding removed.
    pub payload_len: usize,
}

/// What a datagram on a media port is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaPacket {
    /// An RTP packet.
    Rtp(RtpHeader),
    /// An RTCP (compound) packet: parse it with [`super::rtcp::parse`].
    Rtcp,
}

/// Classifies a UDP payload as RTP or RTCP version 2, or neither (`None`). RTCP packet types
/// 192..=223 in the second byte are RTCP when the two share a port (RFC 5761 §4: RTP payload
/// types 64-95 are not used there).
pub fn classify(b: &[u8]) -> Option<MediaPacket> {
    if b.len() < 8 || b[0] >> 6 != 2 {
        return None;
    }
    if (192..=223).contains(&b[1]) {
        // An RTCP header: length in 32-bit words minus one must fit the datagram.
        let words = u16::from_be_bytes([b[2], b[3]]) as usize;
        return ((words + 1) * 4 <= b.len()).then_some(MediaPacket::Rtcp);
    }
    parse_rtp(b).map(MediaPacket::Rtp)
}

/// Parses an RTP header; `None` when the packet is shorter than its header says.
pub fn parse_rtp(b: &[u8]) -> Option<RtpHeader> {
    if b.len() < 12 || b[0] >> 6 != 2 {
        return None;
    }
    let padding = b[0] & 0x20 != 0;
    let extension = b[0] & 0x10 != 0;
    let csrc = (b[0] & 0x0f) as usize;
    let mut at = 12 + 4 * csrc;
    if extension {
        let ext = b.get(at..at + 4)?;
        at += 4 + 4 * u16::from_be_bytes([ext[2], ext[3]]) as usize;
    }
    if at > b.len() {
        return None;
    }
    let mut end = b.len();
    if padding {
        let pad = *b.last()? as usize;
        if pad == 0 || at + pad > end {
            return None;
        }
        end -= pad;
    }
    Some(RtpHeader {
        marker: b[1] & 0x80 != 0,
        pt: b[1] & 0x7f,
        seq: u16::from_be_bytes([b[2], b[3]]),
        timestamp: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        ssrc: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
        payload_at: at,
        payload_len: end - at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rtp(pt: u8, seq: u16) -> Vec<u8> {
        let mut p = vec![0x80, pt, (seq >> 8) as u8, seq as u8, 0, 0, 0, 160, 1, 2, 3, 4];
        p.extend([0xffu8; 160]);
        p
    }

    #[test]
    fn rtp_header_fields() {
        let h = parse_rtp(&rtp(0x80 | 8, 513)).unwrap();
        assert!(h.marker);
        assert_eq!((h.pt, h.seq, h.timestamp, h.ssrc), (8, 513, 160, 0x01020304));
        assert_eq!((h.payload_at, h.payload_len), (12, 160));
    }

    #[test]
    fn csrc_extension_and_padding_are_skipped() {
        let mut p = vec![0xb1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9];
        p.extend([0, 0, 0, 7]); // one CSRC
        p.extend([0xbe, 0xde, 0, 1, 1, 2, 3, 4]); // one-word extension
        p.extend([0x55; 10]);
        p.extend([0, 0, 3]); // three bytes of padding, the last one counting them
        let h = parse_rtp(&p).unwrap();
        assert_eq!(h.payload_at, 24);
        assert_eq!(h.payload_len, 10);
    }

    #[test]
    fn short_or_lying_packets_are_refused() {
        assert_eq!(parse_rtp(&[0x80, 0, 0]), None);
        assert_eq!(parse_rtp(&[0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), None); // 15 CSRCs
        assert_eq!(classify(b"INVITE sip:a@b SIP/2.0\r\n"), None);
        let mut p = rtp(0, 1);
        *p.last_mut().unwrap() = 200; // padding longer than the payload
        p[0] |= 0x20;
        assert_eq!(parse_rtp(&p), None);
    }

    #[test]
    fn rtcp_is_told_from_rtp_on_a_shared_port() {
        let rr = [0x80, 201, 0, 1, 0, 0, 0, 1];
        assert_eq!(classify(&rr), Some(MediaPacket::Rtcp));
        let lying = [0x80, 201, 0, 9, 0, 0, 0, 1];
        assert_eq!(classify(&lying), None);
        assert!(matches!(classify(&rtp(0, 1)), Some(MediaPacket::Rtp(_))));
    }
}
