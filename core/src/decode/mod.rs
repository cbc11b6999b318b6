//! Decode stage: from a captured frame to transport payloads.
//!
//! Link layer ([`link`]) → IPv4/IPv6 ([`ip`]) with fragment reassembly ([`defrag`]) → tunnels
//! ([`tunnel`]: IP-in-IP, GRE, ERSPAN, VXLAN) → UDP, TCP or SCTP ([`sctp`]). UDP and SCTP
//! payloads are handed on as datagrams; TCP segments as [`TcpSegment`]s for the reassembler
//! ([`tcp`]). [`websocket`] parses WebSocket frames for the stream consumer.

pub mod defrag;
pub mod encap;
pub mod hep;
pub mod ip;
pub mod link;
pub mod sctp;
pub mod tcp;
pub mod tunnel;
pub mod websocket;

use std::net::{IpAddr, SocketAddr};

use crate::packet::RawPacket;
use crate::time::Timestamp;
use defrag::{DefragLimits, DefragStats, Defragmenter};
use encap::{Undecoded, UndecodedCounts};
use link::Next;
use sctp::{SctpDecoder, SctpStats};
pub use tcp::TcpSegment;

/// How deep tunnels may nest before we give up on a packet.
pub const MAX_TUNNEL_DEPTH: u8 = 4;

/// A transport payload out of the decoder.
#[derive(Debug, Clone, Copy)]
pub enum Segment<'a> {
    /// A UDP datagram's payload.
    Udp(&'a [u8]),
    /// One SCTP user message.
    Sctp(&'a [u8]),
    /// A TCP segment's header fields and payload.
    Tcp(TcpSegment, &'a [u8]),
    /// One whole message a HEP agent captured, with the IP protocol it travelled on.
    Hep(&'a [u8], u8),
}

/// A decoded transport payload with its addresses and capture time.
#[derive(Debug, Clone, Copy)]
pub struct Decoded<'a> {
    /// Capture time of the packet (of the last fragment for a reassembled datagram).
    pub ts: Timestamp,
    /// Sender address and port.
    pub src: SocketAddr,
    /// Receiver address and port.
    pub dst: SocketAddr,
    /// The payload.
    pub segment: Segment<'a>,
}

/// Counters of the decode stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeStats {
    /// Frames handed to the decoder.
    pub packets: u64,
    /// Frames that were cut short or malformed at some layer.
    pub errors: u64,
    /// Frames of a link type we do not decode.
    pub unsupported_link: u64,
    /// Frames carrying something other than IP (ARP, LLDP, …) or another IP protocol.
    pub not_ip_transport: u64,
    /// Tunnel headers removed.
    pub tunnels: u64,
    /// UDP datagrams.
    pub udp: u64,
    /// TCP segments.
    pub tcp: u64,
    /// IP fragment reassembly counters.
    pub defrag: DefragStats,
    /// SCTP counters.
    pub sctp: SctpStats,
    /// Packets recognised and not decoded further, by kind (PPPoE discovery, ESP…).
    pub undecoded: UndecodedCounts,
    /// HEP3 packets read (from a listener, or in UDP datagrams of a capture).
    pub hep: u64,
    /// HEP3 packets refused (lengths that do not add up, missing chunks, compressed).
    pub hep_errors: u64,
    /// HEP3 packets carrying something other than SIP (RTCP reports as JSON, logs…), not read.
    pub hep_other: u64,
    /// HEP3 packets whose agent time was over [`HEP_TIME_TOLERANCE_MS`] from the frame's: the
    /// frame's time was used.
    pub hep_time_off: u64,
}

/// How far a HEP agent's capture time may be from the time the packet reached us (ms).
pub const HEP_TIME_TOLERANCE_MS: i64 = 2_000;

/// The decoder: stateless per packet except for fragment and SCTP reassembly.
pub struct Decoder {
    defrag: Defragmenter,
    sctp: SctpDecoder,
    stats: DecodeStats,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(DefragLimits::default())
    }
}

impl Decoder {
    /// A decoder with the given fragment limits.
    pub fn new(limits: DefragLimits) -> Self {
        Decoder {
            defrag: Defragmenter::new(limits),
            sctp: SctpDecoder::default(),
            stats: DecodeStats::default(),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> DecodeStats {
        let mut s = self.stats;
        s.defrag = self.defrag.stats;
        s.sctp = self.sctp.stats;
        s
    }

    /// IP fragments seen so far.
    pub fn fragments_seen(&self) -> u64 {
        self.defrag.stats.fragments
    }

    /// Bytes held in incomplete IP datagrams.
    pub fn bytes_held(&self) -> usize {
        self.defrag.bytes_held()
    }

    /// Drops incomplete IP datagrams that have timed out at `now`.
    pub fn expire(&mut self, now: Timestamp) {
        self.defrag.expire(now);
    }

    /// Decodes one frame, calling `out` for each transport payload in it (none, one, or several
    /// when a tunnel or an SCTP packet carries more).
    pub fn decode(&mut self, pkt: &RawPacket<'_>, out: &mut dyn FnMut(Decoded<'_>)) {
        self.stats.packets += 1;
        if pkt.linktype == crate::packet::linktype::HEP {
            return self.hep(pkt.ts, pkt.data, out);
        }
        if !link::is_supported(pkt.linktype) {
            self.stats.unsupported_link += 1;
            self.stats.undecoded.add(Undecoded::LinkType);
            return;
        }
        let next = link::decode(pkt.linktype, pkt.data);
        self.next(pkt.ts, next, 0, out);
    }

    /// A HEP3 packet: the message it carries, with the agent's addresses and capture time. The
    /// agent's time is taken when it is within [`HEP_TIME_TOLERANCE_MS`] of the frame's (the
    /// capture clock's, which absorbs steps); otherwise the frame's time is, and that is counted:
    /// an agent's clock that is off must not split calls or make delays absurd.
    fn hep(&mut self, frame_ts: Timestamp, data: &[u8], out: &mut dyn FnMut(Decoded<'_>)) {
        match hep::parse(data) {
            Ok((h, _)) if h.proto_type == hep::proto::SIP => {
                self.stats.hep += 1;
                let agent = Timestamp::from_parts(i64::from(h.ts_sec), h.ts_usec.saturating_mul(1000));
                let ts = if agent.millis_since(frame_ts).abs() <= HEP_TIME_TOLERANCE_MS {
                    agent
                } else {
                    self.stats.hep_time_off += 1;
                    frame_ts
                };
                out(Decoded { ts, src: h.src, dst: h.dst, segment: Segment::Hep(h.payload, h.ip_proto) });
            }
            Ok(_) => {
                self.stats.hep += 1;
                self.stats.hep_other += 1;
            }
            Err(_) => self.stats.hep_errors += 1,
        }
    }

    fn next(&mut self, ts: Timestamp, next: Next<'_>, depth: u8, out: &mut dyn FnMut(Decoded<'_>)) {
        match next {
            Next::Ip(data) => self.ip(ts, data, depth, out),
            Next::Ethernet(frame) => {
                let inner = link::ethernet(frame);
                self.next(ts, inner, depth, out)
            }
            Next::Other => {
                self.stats.not_ip_transport += 1;
                self.stats.undecoded.add(Undecoded::OtherEthertype);
            }
            Next::Undecoded(kind) => self.stats.undecoded.add(kind),
            Next::Truncated => self.stats.errors += 1,
        }
    }

    fn ip(&mut self, ts: Timestamp, data: &[u8], depth: u8, out: &mut dyn FnMut(Decoded<'_>)) {
        let Some(pkt) = ip::parse(data) else {
            self.stats.errors += 1;
            return;
        };
        match pkt.frag {
            None => self.transport(ts, pkt.src, pkt.dst, pkt.proto, pkt.payload, depth, out),
            Some(frag) => {
                if let Some(whole) = self.defrag.add(ts, pkt.src, pkt.dst, pkt.proto, frag, pkt.payload) {
                    self.transport(ts, pkt.src, pkt.dst, pkt.proto, &whole, depth, out);
                    self.defrag.recycle(whole);
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn transport(
        &mut self,
        ts: Timestamp,
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
        payload: &[u8],
        depth: u8,
        out: &mut dyn FnMut(Decoded<'_>),
    ) {
        const UDP: u8 = 17;
        const TCP: u8 = 6;
        const SCTP: u8 = 132;
        const IPIP: u8 = 4;
        const IPV6_IN_IP: u8 = 41;
        const GRE: u8 = 47;
        const ESP: u8 = 50;
        match proto {
            UDP => {
                let Ok(udp) = etherparse::UdpSlice::from_slice_lax(payload) else {
                    self.stats.errors += 1;
                    return;
                };
                let (sp, dp) = (udp.source_port(), udp.destination_port());
                let data = udp.payload();
                if depth < MAX_TUNNEL_DEPTH && (dp == tunnel::VXLAN_PORT || dp == tunnel::VXLAN_PORT_LINUX) {
                    if let Some(inner) = tunnel::vxlan(data) {
                        self.stats.tunnels += 1;
                        return self.next(ts, Next::Ethernet(inner), depth + 1, out);
                    }
                }
                // GTP-U on port 2152; a datagram that is not GTP (version 1) there, SIP from a
                // client that happens to use the port, stays plain UDP.
                if depth < MAX_TUNNEL_DEPTH
                    && (dp == encap::GTPU_PORT || sp == encap::GTPU_PORT)
                    && data.first().is_some_and(|b| b >> 5 == 1)
                {
                    let next = encap::gtpu(data);
                    if matches!(next, Next::Ip(_)) {
                        self.stats.tunnels += 1;
                    }
                    return self.next(ts, next, depth + 1, out);
                }
                // HEP3 sent by a capture agent to a collector, captured on the way.
                if hep::is_hep3(data) {
                    return self.hep(ts, data, out);
                }
                if dp == L2TP_PORT && sp == L2TP_PORT {
                    self.stats.undecoded.add(Undecoded::L2tp);
                    return;
                }
                self.stats.udp += 1;
                out(Decoded {
                    ts,
                    src: SocketAddr::new(src, sp),
                    dst: SocketAddr::new(dst, dp),
                    segment: Segment::Udp(data),
                });
            }
            TCP => {
                let Ok(tcp) = etherparse::TcpSlice::from_slice(payload) else {
                    self.stats.errors += 1;
                    return;
                };
                self.stats.tcp += 1;
                let seg =
                    TcpSegment { seq: tcp.sequence_number(), syn: tcp.syn(), fin: tcp.fin(), rst: tcp.rst() };
                out(Decoded {
                    ts,
                    src: SocketAddr::new(src, tcp.source_port()),
                    dst: SocketAddr::new(dst, tcp.destination_port()),
                    segment: Segment::Tcp(seg, tcp.payload()),
                });
            }
            SCTP => {
                let ok = self.sctp.packet(src, dst, payload, &mut |s, d, msg| {
                    out(Decoded { ts, src: s, dst: d, segment: Segment::Sctp(msg) })
                });
                if !ok {
                    self.stats.errors += 1;
                }
            }
            IPIP | IPV6_IN_IP if depth < MAX_TUNNEL_DEPTH => {
                self.stats.tunnels += 1;
                self.ip(ts, payload, depth + 1, out)
            }
            GRE if depth < MAX_TUNNEL_DEPTH => {
                self.stats.tunnels += 1;
                let next = tunnel::gre(payload);
                self.next(ts, next, depth + 1, out)
            }
            ESP => self.stats.undecoded.add(Undecoded::IpsecEsp),
            _ => {
                self.stats.not_ip_transport += 1;
                self.stats.undecoded.add(Undecoded::OtherIpProtocol);
            }
        }
    }
}

/// UDP port of L2TP.
const L2TP_PORT: u16 = 1701;
