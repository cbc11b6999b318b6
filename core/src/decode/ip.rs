//! IPv4 and IPv6 headers (parsed with `etherparse`): addresses, payload protocol, fragment info.

use std::net::IpAddr;

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
#[derive(Debug, Clone, Copy)]
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
