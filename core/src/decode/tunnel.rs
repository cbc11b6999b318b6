//! Tunnels seen in mirrored traffic: GRE (with ERSPAN types I, II and III) and VXLAN.

use super::link::{ethertype, Next};

/// UDP port of VXLAN (IANA).
pub const VXLAN_PORT: u16 = 4789;
/// UDP port of VXLAN used by older Linux kernels.
pub const VXLAN_PORT_LINUX: u16 = 8472;

/// Decodes a GRE header (RFC 2784/2890) and what it carries.
pub fn gre(data: &[u8]) -> Next<'_> {
    if data.len() < 4 {
        return Next::Truncated;
    }
    let flags = u16::from_be_bytes([data[0], data[1]]);
    match flags & 0x0007 {
        0 => {}
        1 => return super::encap::gre_v1(data), // enhanced GRE (PPTP) carries PPP
        _ => return Next::Undecoded(super::encap::Undecoded::GreOther),
    }
    let proto = u16::from_be_bytes([data[2], data[3]]);
    let seq_present = flags & 0x1000 != 0;
    let mut off = 4;
    if flags & 0x8000 != 0 {
        off += 4; // checksum + reserved
    }
    if flags & 0x2000 != 0 {
        off += 4; // key
    }
    if seq_present {
        off += 4;
    }
    let rest = match data.get(off..) {
        Some(r) => r,
        None => return Next::Truncated,
    };
    match proto {
        ethertype::IPV4 | ethertype::IPV6 => Next::Ip(rest),
        ethertype::TEB => Next::Ethernet(rest),
        // ERSPAN type I has no header of its own (and no GRE sequence number); type II has 8 bytes.
        ethertype::ERSPAN2 if !seq_present => Next::Ethernet(rest),
        ethertype::ERSPAN2 => rest.get(8..).map_or(Next::Truncated, Next::Ethernet),
        ethertype::ERSPAN3 => {
            if rest.len() < 12 {
                return Next::Truncated;
            }
            // The O flag (last bit of the 12-byte header) announces an 8-byte platform sub-header.
            let skip = if rest[11] & 0x01 != 0 { 20 } else { 12 };
            rest.get(skip..).map_or(Next::Truncated, Next::Ethernet)
        }
        super::encap::GRE_PPP => super::encap::ppp(rest),
        _ => Next::Undecoded(super::encap::Undecoded::GreOther),
    }
}

/// Returns the inner Ethernet frame of a VXLAN datagram (RFC 7348), if it is one.
pub fn vxlan(payload: &[u8]) -> Option<&[u8]> {
    if payload.len() < 8 + 14 || payload[0] & 0x08 == 0 || payload[0] & !0x08 != 0 {
        return None;
    }
    Some(&payload[8..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gre_with_key_and_sequence() {
        let pkt = [0x30, 0x00, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 0x45];
        assert_eq!(gre(&pkt), Next::Ip(&[0x45]));
        assert_eq!(gre(&pkt[..9]), Next::Truncated);
    }

    #[test]
    fn erspan_types() {
        let mut t2 = vec![0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1];
        t2.extend_from_slice(&[0x10, 0, 0, 1, 0, 0, 0, 0, 0xaa]);
        assert_eq!(gre(&t2), Next::Ethernet(&[0xaa]));
        let mut t3 = vec![0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1];
        t3.extend_from_slice(&[0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
        t3.extend_from_slice(&[9; 8]);
        t3.push(0xbb);
        assert_eq!(gre(&t3), Next::Ethernet(&[0xbb]));
        let t1 = [0x00, 0x00, 0x88, 0xbe, 0xcc];
        assert_eq!(gre(&t1), Next::Ethernet(&[0xcc]));
    }
}
