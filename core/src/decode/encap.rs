//! Access and mobile-network encapsulations: PPPoE sessions (RFC 2516), PPP in enhanced GRE
//! (PPTP, RFC 2637) and GTP-U (3GPP TS 29.281, UDP port 2152); and the kinds of packets we
//! carry no SIP out of, counted by kind so that a capture never reads as silently empty.

use super::link::Next;

/// UDP port of GTP-U.
pub const GTPU_PORT: u16 = 2152;
/// GRE protocol type of PPP (PPTP's enhanced GRE).
pub const GRE_PPP: u16 = 0x880b;

/// Packets we do not decode further, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undecoded {
    /// PPPoE discovery (PADI, PADO, PADR, PADS, PADT): session set-up, no payload.
    PppoeDiscovery,
    /// PPP control protocols (LCP, IPCP, authentication…) in PPPoE or GRE.
    PppControl,
    /// GTP signalling on the user-plane port (echo, error indication, end marker).
    GtpSignalling,
    /// GRE carrying a protocol other than IP, Ethernet, ERSPAN or PPP.
    GreOther,
    /// IPsec ESP: encrypted, nothing to read.
    IpsecEsp,
    /// L2TP (UDP 1701): tunnelled PPP we do not open.
    L2tp,
    /// Ethernet frames of another ethertype (ARP, LLDP, STP… and anything unknown).
    OtherEthertype,
    /// IP packets of another protocol (ICMP, OSPF, VRRP…).
    OtherIpProtocol,
    /// Frames of a link type we do not decode.
    LinkType,
}

impl Undecoded {
    /// Every kind, in display order.
    pub const ALL: [Undecoded; 9] = [
        Undecoded::PppoeDiscovery,
        Undecoded::PppControl,
        Undecoded::GtpSignalling,
        Undecoded::GreOther,
        Undecoded::IpsecEsp,
        Undecoded::L2tp,
        Undecoded::OtherEthertype,
        Undecoded::OtherIpProtocol,
        Undecoded::LinkType,
    ];

    /// Short name for counters (`pppoe_discovery`…).
    pub fn key(self) -> &'static str {
        match self {
            Undecoded::PppoeDiscovery => "pppoe_discovery",
            Undecoded::PppControl => "ppp_control",
            Undecoded::GtpSignalling => "gtp_signalling",
            Undecoded::GreOther => "gre_other",
            Undecoded::IpsecEsp => "ipsec_esp",
            Undecoded::L2tp => "l2tp",
            Undecoded::OtherEthertype => "other_ethertype",
            Undecoded::OtherIpProtocol => "other_ip_protocol",
            Undecoded::LinkType => "unsupported_link_type",
        }
    }

    /// What a count of them is, for people ("36 packets of PPPoE discovery").
    pub fn describe(self) -> &'static str {
        match self {
            Undecoded::PppoeDiscovery => "PPPoE discovery (session set-up)",
            Undecoded::PppControl => "PPP control frames (link and network set-up)",
            Undecoded::GtpSignalling => "GTP-U messages other than user data",
            Undecoded::GreOther => "GRE carrying other protocols",
            Undecoded::IpsecEsp => "IPsec ESP (encrypted)",
            Undecoded::L2tp => "L2TP tunnels (not opened)",
            Undecoded::OtherEthertype => "other link protocols (ARP, LLDP, …)",
            Undecoded::OtherIpProtocol => "other IP protocols (ICMP, …)",
            Undecoded::LinkType => "an unsupported link type",
        }
    }

    /// Whether a count of this kind is ordinary background traffic, not worth a line of its
    /// own in the summary (ARP, ICMP…).
    pub fn is_background(self) -> bool {
        matches!(self, Undecoded::OtherEthertype | Undecoded::OtherIpProtocol)
    }
}

/// Counts of [`Undecoded`] packets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UndecodedCounts([u64; 9]);

impl UndecodedCounts {
    /// Counts one packet of `kind`.
    pub fn add(&mut self, kind: Undecoded) {
        self.0[kind as usize] += 1;
    }

    /// Packets of `kind`.
    pub fn get(&self, kind: Undecoded) -> u64 {
        self.0[kind as usize]
    }

    /// Every kind with a non-zero count.
    pub fn nonzero(&self) -> impl Iterator<Item = (Undecoded, u64)> + '_ {
        Undecoded::ALL.into_iter().map(|k| (k, self.get(k))).filter(|(_, n)| *n > 0)
    }
}

/// What a PPP frame (address/control optional, protocol field 1 or 2 bytes) carries.
pub fn ppp(frame: &[u8]) -> Next<'_> {
    let rest = frame.strip_prefix(&[0xff, 0x03]).unwrap_or(frame);
    let Some(&first) = rest.first() else { return Next::Truncated };
    // Protocol-field compression: an odd first byte is a one-byte protocol.
    let (proto, payload) = if first & 1 == 1 {
        (u16::from(first), &rest[1..])
    } else {
        match rest.get(..2) {
            Some(p) => (u16::from_be_bytes([p[0], p[1]]), &rest[2..]),
            None => return Next::Truncated,
        }
    };
    match proto {
        0x0021 | 0x0057 => Next::Ip(payload),
        _ => Next::Undecoded(Undecoded::PppControl),
    }
}

/// A PPPoE session frame (ethertype 0x8864): 6 bytes of header, then PPP.
pub fn pppoe_session(data: &[u8]) -> Next<'_> {
    if data.len() < 8 {
        return Next::Truncated;
    }
    let len = usize::from(u16::from_be_bytes([data[4], data[5]]));
    // Ethernet padding may follow the payload: trust the length when it fits.
    let payload = data.get(6..6 + len).unwrap_or(&data[6..]);
    // PPPoE carries PPP without address and control bytes, protocol always two bytes.
    match u16::from_be_bytes([payload.first().copied().unwrap_or(0), payload.get(1).copied().unwrap_or(0)]) {
        0x0021 | 0x0057 => Next::Ip(payload.get(2..).unwrap_or_default()),
        _ => Next::Undecoded(Undecoded::PppControl),
    }
}

/// The PPP frame inside an enhanced GRE (version 1) packet.
pub fn gre_v1(data: &[u8]) -> Next<'_> {
    if data.len() < 8 {
        return Next::Truncated;
    }
    let (flags, ack_flag) = (data[0], data[1] & 0x80 != 0);
    let proto = u16::from_be_bytes([data[2], data[3]]);
    if proto != GRE_PPP {
        return Next::Undecoded(Undecoded::GreOther);
    }
    let payload_len = usize::from(u16::from_be_bytes([data[4], data[5]]));
    let mut off = 8; // flags, protocol, key (payload length + call id)
    if flags & 0x10 != 0 {
        off += 4; // sequence number
    }
    if ack_flag {
        off += 4; // acknowledgement number
    }
    if payload_len == 0 {
        return Next::Undecoded(Undecoded::GreOther); // an acknowledgement alone
    }
    match data.get(off..off + payload_len).or_else(|| data.get(off..)) {
        Some(p) if !p.is_empty() => ppp(p),
        _ => Next::Truncated,
    }
}

/// The inner IP packet of a GTP-U datagram, or what else it is.
pub fn gtpu(data: &[u8]) -> Next<'_> {
    if data.len() < 8 || data[0] >> 5 != 1 || data[0] & 0x10 == 0 {
        return Next::Undecoded(Undecoded::GtpSignalling);
    }
    let flags = data[0];
    if data[1] != 0xff {
        return Next::Undecoded(Undecoded::GtpSignalling);
    }
    let len = usize::from(u16::from_be_bytes([data[2], data[3]]));
    let Some(body) = data.get(8..8 + len) else { return Next::Truncated };
    let mut off = 0;
    if flags & 0x07 != 0 {
        // Sequence number, N-PDU number and next extension header type.
        let Some(opt) = body.get(..4) else { return Next::Truncated };
        off = 4;
        let mut next = opt[3];
        let mut hops = 0;
        while next != 0 {
            hops += 1;
            let Some(&units) = body.get(off) else { return Next::Truncated };
            if units == 0 || hops > 16 {
                return Next::Truncated;
            }
            let end = off + usize::from(units) * 4;
            let Some(&n) = body.get(end - 1) else { return Next::Truncated };
            next = n;
            off = end;
        }
    }
    match body.get(off..) {
        Some(ip) if matches!(ip.first().map(|b| b >> 4), Some(4) | Some(6)) => Next::Ip(ip),
        Some(_) => Next::Undecoded(Undecoded::GtpSignalling),
        None => Next::Truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppp_framings() {
        assert_eq!(ppp(&[0xff, 0x03, 0x00, 0x21, 0x45]), Next::Ip(&[0x45]));
        assert_eq!(ppp(&[0x00, 0x21, 0x45]), Next::Ip(&[0x45]));
        assert_eq!(ppp(&[0x21, 0x45]), Next::Ip(&[0x45]));
        assert_eq!(ppp(&[0xff, 0x03, 0x57, 0x60]), Next::Ip(&[0x60]));
        assert_eq!(ppp(&[0xc0, 0x21, 0x09]), Next::Undecoded(Undecoded::PppControl));
        assert_eq!(ppp(&[0xff, 0x03]), Next::Truncated);
    }

    #[test]
    fn gtpu_with_extension_headers() {
        let plain = [0x30, 0xff, 0x00, 0x01, 0, 0, 0xab, 0xcd, 0x45];
        assert_eq!(gtpu(&plain), Next::Ip(&[0x45]));
        // S flag: 4 optional bytes, next extension 0x85 with one 4-byte unit.
        let ext = [0x34, 0xff, 0x00, 0x09, 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0x10, 0x05, 0x00, 0x45];
        assert_eq!(gtpu(&ext), Next::Ip(&[0x45]));
        let echo = [0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0, 1, 0, 0];
        assert_eq!(gtpu(&echo), Next::Undecoded(Undecoded::GtpSignalling));
        // A zero-length extension would loop: refused.
        let bad = [0x34, 0xff, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 0x85, 0];
        assert_eq!(gtpu(&bad), Next::Truncated);
    }

    #[test]
    fn pppoe_and_gre_v1() {
        let s = [0x11, 0x00, 0x12, 0x34, 0x00, 0x03, 0x00, 0x21, 0x45, 0, 0];
        assert_eq!(pppoe_session(&s), Next::Ip(&[0x45]));
        let lcp = [0x11, 0x00, 0x12, 0x34, 0x00, 0x03, 0xc0, 0x21, 0x09];
        assert_eq!(pppoe_session(&lcp), Next::Undecoded(Undecoded::PppControl));
        let gre = [0x30, 0x81, 0x88, 0x0b, 0x00, 0x04, 0x00, 0x01, 0, 0, 0, 7, 0, 0, 0, 6, 0xff, 0x03, 0x21];
        assert_eq!(gre_v1(&[&gre[..], &[0x45]].concat()), Next::Ip(&[0x45]));
    }
}
