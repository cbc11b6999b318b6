//! IPv4 and IPv6 headers: addresses, payload protocol, fragment info. An ordinary IPv4 header is
//! read here directly; every other packet is parsed with `etherparse`.

use std::net::{IpAddr, Ipv4Addr};

use etherparse::{IpFragOffset, IpSlice, Ipv6ExtensionSlice};

/// Where a fragment belongs in its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    /// IPv4 identification or IPv6 fragment identification.
    pub id: u32,
    /// Offset of this fragment, in 8-byte units.
    pub offset: IpFragOffset,
    /// More fragments follow.
    pub more: bool,
}

/// The parts of an IP packet the decoder needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpPacket<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Protocol number of the payload (after IPv6 extension headers).
    pub proto: u8,
    /// The payload (a fragment's data when `frag` is set).
    pub payload: &'a [u8],
    /// Set when this packet is one fragment of a larger datagram.
    pub frag: Option<Fragment>,
}

/// Parses an IPv4 or IPv6 packet; `None` if the header is malformed or cut short.
pub fn parse(data: &[u8]) -> Option<IpPacket<'_>> {
    plain_v4(data).or_else(|| parse_any(data))
}

/// The usual IPv4 packet (no authentication header) read directly, with etherparse's own checks
/// of the header and total lengths: exactly what [`parse_any`] gives for it, in a few dozen
/// instructions instead of a few hundred (every captured packet comes this way). `None` hands
/// the packet, well formed or not, to etherparse.
#[inline]
fn plain_v4(data: &[u8]) -> Option<IpPacket<'_>> {
    const AUTH: u8 = 51;
    let &first = data.first()?;
    let header_len = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || header_len < 20 || data.len() < header_len {
        return None;
    }
    let total_len = usize::from(u16::from_be_bytes([data[2], data[3]]));
    if total_len < header_len || data.len() < total_len || data[9] == AUTH {
        return None;
    }
    let flags_offset = u16::from_be_bytes([data[6], data[7]]);
    let more = flags_offset & 0x2000 != 0;
    let offset = IpFragOffset::try_new(flags_offset & 0x1fff).ok()?;
    let frag = (more || offset.value() != 0).then(|| Fragment {
        id: u32::from(u16::from_be_bytes([data[4], data[5]])),
        offset,
        more,
    });
    Some(IpPacket {
        src: IpAddr::V4(Ipv4Addr::new(data[12], data[13], data[14], data[15])),
        dst: IpAddr::V4(Ipv4Addr::new(data[16], data[17], data[18], data[19])),
        proto: data[9],
        payload: &data[header_len..total_len],
        frag,
    })
}

/// Any IPv4 or IPv6 packet, through etherparse.
fn parse_any(data: &[u8]) -> Option<IpPacket<'_>> {
    let ip = IpSlice::from_slice(data).ok()?;
    let payload = ip.payload();
    let mut out = IpPacket {
        src: ip.source_addr(),
        dst: ip.destination_addr(),
        proto: payload.ip_number.0,
        payload: payload.payload,
        frag: None,
    };
    match &ip {
        IpSlice::Ipv4(v4) => {
            let h = v4.header();
            if h.is_fragmenting_payload() {
                out.frag = Some(Fragment {
                    id: h.identification() as u32,
                    offset: h.fragments_offset(),
                    more: h.more_fragments(),
                });
            }
        }
        IpSlice::Ipv6(v6) => {
            for ext in v6.extensions().clone().into_iter() {
                if let Ipv6ExtensionSlice::Fragment(f) = ext {
                    if f.is_fragmenting_payload() {
                        out.frag = Some(Fragment {
                            id: f.identification(),
                            offset: f.fragment_offset(),
                            more: f.more_fragments(),
                        });
                    }
                    break;
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An IPv4 header with these fields, then `extra` payload bytes.
    fn v4(ihl: u8, total_len: u16, flags_offset: u16, proto: u8, extra: usize) -> Vec<u8> {
        let mut d = vec![0u8; usize::from(ihl) * 4 + extra];
        d.resize(d.len().max(20), 0);
        d[0] = 0x40 | ihl;
        d[2..4].copy_from_slice(&total_len.to_be_bytes());
        d[4..6].copy_from_slice(&0xbeefu16.to_be_bytes());
        d[6..8].copy_from_slice(&flags_offset.to_be_bytes());
        d[9] = proto;
        d[12..20].copy_from_slice(&[192, 0, 2, 1, 198, 51, 100, 7]);
        d
    }

    /// Where the direct reading answers, it answers what etherparse does; and it does answer for
    /// the ordinary packets (else it would save nothing).
    #[test]
    fn plain_v4_is_etherparse_on_ordinary_packets() {
        for (ihl, total, flags, proto, extra) in [
            (5u8, 28u16, 0u16, 17u8, 8usize),
            (5, 28, 0x4000, 17, 8),
            (5, 20, 0, 6, 0),
            (15, 68, 0, 17, 8),
            (5, 28, 0x2000, 17, 8),
            (5, 28, 0x00b9, 17, 8),
            (5, 28, 0x20b9, 17, 100),
        ] {
            let d = v4(ihl, total, flags, proto, extra);
            let fast = plain_v4(&d);
            assert!(fast.is_some(), "{d:?}");
            assert_eq!(fast, parse_any(&d), "{d:?}");
        }
    }

    /// Every packet the direct reading refuses is one it must leave to etherparse: cut short,
    /// lengths that do not add up, an authentication header, not version 4.
    #[test]
    fn plain_v4_leaves_the_rest_to_etherparse() {
        let mut six = v4(5, 28, 0, 17, 8);
        six[0] = 0x65;
        for d in [
            v4(4, 28, 0, 17, 8),
            v4(5, 19, 0, 17, 8),
            v4(5, 40, 0, 17, 8),
            v4(6, 22, 0, 17, 8),
            v4(5, 28, 0, 51, 8),
            v4(5, 28, 0, 17, 8)[..19].to_vec(),
            six,
            Vec::new(),
        ] {
            assert_eq!(plain_v4(&d), None, "{d:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn plain_v4_agrees_with_etherparse(
            ihl in 0u8..16,
            total in 0u16..120,
            flags in proptest::prelude::any::<u16>(),
            proto in proptest::sample::select(vec![1u8, 6, 17, 51, 132, 4, 41, 47]),
            extra in 0usize..100,
            cut in 0usize..140,
        ) {
            let mut d = v4(ihl, total, flags, proto, extra);
            d.truncate(cut.max(1));
            if let Some(fast) = plain_v4(&d) {
                proptest::prop_assert_eq!(Some(fast), parse_any(&d));
            } else if d.get(9) != Some(&51) {
                // Refused: etherparse refuses it too (or it is not the plain kind).
                let any = parse_any(&d);
                proptest::prop_assert!(any.is_none(), "{:?} -> {:?}", d, any);
            }
        }
    }
}
