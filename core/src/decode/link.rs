//! Link layers: Ethernet (with 802.1Q/802.1ad/QinQ tags and MPLS), Linux cooked SLL and SLL2,
//! BSD NULL/LOOP and raw IP. Each function returns what the next layer is and where it starts.

use crate::packet::linktype;

/// What a link layer carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next<'a> {
    /// An IPv4 or IPv6 packet (version taken from the first nibble).
    Ip(&'a [u8]),
    /// An Ethernet frame (from a tunnel).
    Ethernet(&'a [u8]),
    /// A protocol we do not decode (ARP, LLDP, …).
    Other,
    /// Something we recognise and do not decode further, counted by kind.
    Undecoded(super::encap::Undecoded),
    /// The header was cut short.
    Truncated,
}

/// Ethertypes we act on.
pub mod ethertype {
    /// IPv4
    pub const IPV4: u16 = 0x0800;
    /// IPv6
    pub const IPV6: u16 = 0x86dd;
    /// 802.1Q VLAN tag
    pub const VLAN: u16 = 0x8100;
    /// 802.1ad service tag
    pub const QINQ: u16 = 0x88a8;
    /// Old QinQ tag
    pub const QINQ_OLD: u16 = 0x9100;
    /// MPLS unicast
    pub const MPLS: u16 = 0x8847;
    /// MPLS multicast
    pub const MPLS_MC: u16 = 0x8848;
    /// Transparent Ethernet bridging (GRE)
    pub const TEB: u16 = 0x6558;
    /// ERSPAN type II (GRE)
    pub const ERSPAN2: u16 = 0x88be;
    /// ERSPAN type III (GRE)
    pub const ERSPAN3: u16 = 0x22eb;
    /// PPPoE discovery stage
    pub const PPPOE_DISCOVERY: u16 = 0x8863;
    /// PPPoE session stage
    pub const PPPOE_SESSION: u16 = 0x8864;
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Whether the decoder understands link type `lt` (the link layers above).
pub fn is_supported(lt: i32) -> bool {
    use linktype::*;
    matches!(lt, NULL | ETHERNET | RAW_12 | RAW_14 | RAW | LOOP | LINUX_SLL | IPV4 | IPV6 | LINUX_SLL2)
}

/// Decodes the outer link layer of a captured frame.
pub fn decode(lt: i32, data: &[u8]) -> Next<'_> {
    match lt {
        linktype::ETHERNET => ethernet(data),
        linktype::RAW | linktype::RAW_12 | linktype::RAW_14 | linktype::IPV4 | linktype::IPV6 => {
            Next::Ip(data)
        }
        linktype::NULL | linktype::LOOP => null(data),
        linktype::LINUX_SLL => {
            if data.len() < 16 {
                return Next::Truncated;
            }
            by_ethertype(be16(data, 14), &data[16..])
        }
        linktype::LINUX_SLL2 => {
            if data.len() < 20 {
                return Next::Truncated;
            }
            by_ethertype(be16(data, 0), &data[20..])
        }
        _ => Next::Other,
    }
}

/// Ethernet II with any number of VLAN tags.
pub fn ethernet(data: &[u8]) -> Next<'_> {
    if data.len() < 14 {
        return Next::Truncated;
    }
    by_ethertype(be16(data, 12), &data[14..])
}

/// Follows an ethertype through VLAN tags and MPLS labels to the payload.
fn by_ethertype(mut et: u16, mut rest: &[u8]) -> Next<'_> {
    for _ in 0..8 {
        match et {
            ethertype::IPV4 | ethertype::IPV6 => return Next::Ip(rest),
            ethertype::VLAN | ethertype::QINQ | ethertype::QINQ_OLD => {
                if rest.len() < 4 {
                    return Next::Truncated;
                }
                et = be16(rest, 2);
                rest = &rest[4..];
            }
            ethertype::MPLS | ethertype::MPLS_MC => return mpls(rest),
            ethertype::TEB => return Next::Ethernet(rest),
            ethertype::PPPOE_SESSION => return super::encap::pppoe_session(rest),
            ethertype::PPPOE_DISCOVERY => return Next::Undecoded(super::encap::Undecoded::PppoeDiscovery),
            _ => return Next::Other,
        }
    }
    Next::Other
}

/// Pops MPLS labels to the bottom of the stack and guesses IP from the version nibble.
fn mpls(mut rest: &[u8]) -> Next<'_> {
    for _ in 0..16 {
        if rest.len() < 4 {
            return Next::Truncated;
        }
        let bottom = rest[2] & 0x01 != 0;
        rest = &rest[4..];
        if bottom {
            return match rest.first().map(|b| b >> 4) {
                Some(4) | Some(6) => Next::Ip(rest),
                None => Next::Truncated,
                _ => Next::Other,
            };
        }
    }
    Next::Other
}

/// BSD NULL/LOOP: a 4-byte address family, in either byte order (NULL uses the capturing host's).
fn null(data: &[u8]) -> Next<'_> {
    if data.len() < 4 {
        return Next::Truncated;
    }
    let le = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
    let be = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
    // AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (Darwin).
    let family = if le < 256 { le } else { be };
    match family {
        2 | 10 | 24 | 28 | 30 => Next::Ip(&data[4..]),
        _ => Next::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethernet_with_qinq_reaches_ip() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x88, 0xa8, 0, 10, 0x81, 0x00, 0, 20, 0x08, 0x00, 0x45]);
        assert_eq!(ethernet(&f), Next::Ip(&[0x45]));
    }

    #[test]
    fn short_frames_are_truncated_not_panics() {
        for lt in [0, 1, 12, 101, 108, 113, 228, 229, 276] {
            for len in 0..24 {
                let _ = decode(lt, &vec![0x81; len]);
            }
        }
        assert_eq!(ethernet(&[0; 13]), Next::Truncated);
    }

    #[test]
    fn null_family_in_both_byte_orders() {
        assert_eq!(null(&[2, 0, 0, 0, 0x45]), Next::Ip(&[0x45]));
        assert_eq!(null(&[0, 0, 0, 30, 0x60]), Next::Ip(&[0x60]));
        assert_eq!(null(&[7, 0, 0, 0]), Next::Other);
    }

    #[test]
    fn mpls_bottom_of_stack() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x88, 0x47, 0, 0, 0x10, 64, 0, 0, 0x11, 64, 0x45]);
        assert_eq!(ethernet(&f), Next::Ip(&[0x45]));
    }
}
