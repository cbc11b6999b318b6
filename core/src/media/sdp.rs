//! Session descriptions (RFC 8866, offer/answer RFC 3264): what each side says it will send and
//! receive. Only the lines that place and describe media are read; the parser never fails, it
//! keeps what it understood, and it is bounded (media sections, formats, mappings).

use std::net::{IpAddr, SocketAddr};

use super::codec::{Mapping, ShortName};
use crate::sip::SipMessage;

/// Most media sections read from one description.
pub const MAX_MEDIA: usize = 8;
/// Most payload formats kept per media section.
pub const MAX_FORMATS: usize = 16;

/// What a side says about the direction of media (RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Sends and receives (the default).
    #[default]
    SendRecv,
    /// Only sends (puts the other side on hold).
    SendOnly,
    /// Only receives.
    RecvOnly,
    /// Neither (held both ways).
    Inactive,
}

impl Direction {
    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// Whether the side that wrote this description will send media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether it will receive media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    fn from_attr(a: &[u8]) -> Option<Direction> {
        Some(match a {
            b"sendrecv" => Direction::SendRecv,
            b"sendonly" => Direction::SendOnly,
            b"recvonly" => Direction::RecvOnly,
            b"inactive" => Direction::Inactive,
            _ => return None,
        })
    }
}

/// The payload formats of an `m=` line (at most [`MAX_FORMATS`]), held inline: a call keeps
/// its descriptions for as long as it lives, and nearly every one lists a few formats only.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Formats {
    len: u8,
    pts: [u8; MAX_FORMATS],
}

impl Formats {
    /// Adds a format; false (and nothing added) when [`MAX_FORMATS`] are held.
    pub fn push(&mut self, pt: u8) -> bool {
        let Some(slot) = self.pts.get_mut(usize::from(self.len)) else { return false };
        *slot = pt;
        self.len += 1;
        true
    }
}

impl std::ops::Deref for Formats {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.pts[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for Formats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl FromIterator<u8> for Formats {
    /// The first [`MAX_FORMATS`] formats; the rest are dropped.
    fn from_iter<I: IntoIterator<Item = u8>>(iter: I) -> Self {
        let mut out = Formats::default();
        for pt in iter {
            if !out.push(pt) {
                break;
            }
        }
        out
    }
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDesc {
    /// Media type (`audio`, `video`, `image`…).
    pub kind: ShortName,
    /// Connection address (media-level `c=`, else session-level).
    pub addr: Option<IpAddr>,
    /// Port (0: the stream is refused or removed).
    pub port: u16,
    /// Transport protocol (`RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, `udptl`…).
    pub proto: ShortName,
    /// Payload formats offered, in preference order.
    pub formats: Formats,
    /// Direction attribute (media-level, else session-level, else sendrecv).
    pub direction: Direction,
    /// RTCP address from `a=rtcp` (RFC 3605), if given.
    pub rtcp: Option<SocketAddr>,
    /// RTP and RTCP share the port (`a=rtcp-mux`, RFC 5761).
    pub rtcp_mux: bool,
    /// ICE candidates or credentials are present (RFC 8839): media may flow elsewhere.
    pub ice: bool,
    /// `a=rtpmap` lines (one inline: most sections map one format).
    pub maps: crate::one_or_many::OneOrMany<Mapping>,
}

impl MediaDesc {
    /// Where this side receives RTP, when it names one.
    pub fn rtp_addr(&self) -> Option<SocketAddr> {
        let ip = self.addr?;
        (self.port != 0 && !ip.is_unspecified()).then(|| SocketAddr::new(ip, self.port))
    }

    /// Where this side receives RTCP: `a=rtcp`, the RTP port when multiplexed, else the next
    /// port up (RFC 3550 §11).
    pub fn rtcp_addr(&self) -> Option<SocketAddr> {
        if let Some(a) = self.rtcp {
            return Some(a);
        }
        let rtp = self.rtp_addr()?;
        if self.rtcp_mux {
            return Some(rtp);
        }
        rtp.port().checked_add(1).map(|p| SocketAddr::new(rtp.ip(), p))
    }

    /// Whether this section is RTP (any RTP profile).
    pub fn is_rtp(&self) -> bool {
        self.proto.as_str().contains("RTP")
    }

    /// Whether the connection address is the RFC 2543 hold address 0.0.0.0 (or ::).
    pub fn held_by_address(&self) -> bool {
        self.addr.is_some_and(|a| a.is_unspecified())
    }

    /// The direction this side means, counting the old `c=0.0.0.0` hold as inactive.
    pub fn effective_direction(&self) -> Direction {
        if self.held_by_address() || self.port == 0 {
            Direction::Inactive
        } else {
            self.direction
        }
    }
}

/// A parsed session description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sdp {
    /// Media sections, in order (at most [`MAX_MEDIA`]).
    pub media: Vec<MediaDesc>,
}

impl Sdp {
    /// The first audio section, if any.
    pub fn audio(&self) -> Option<&MediaDesc> {
        self.media.iter().find(|m| m.kind.as_str().eq_ignore_ascii_case("audio"))
    }
}

/// Parses a description. Lines may end in CRLF or LF; unknown lines are skipped.
pub fn parse(body: &[u8]) -> Sdp {
    let mut sdp = Sdp::default();
    parse_into(body, &mut sdp);
    sdp
}

/// [`parse`] into `sdp`, whose sections are replaced (its buffer is reused: a description is
/// read for every offer and answer).
pub fn parse_into(body: &[u8], sdp: &mut Sdp) {
    sdp.media.clear();
    let mut session_addr: Option<IpAddr> = None;
    let mut session_dir: Option<Direction> = None;
    let mut media_dir: Option<Direction> = None;
    let mut in_media = false;
    let mut skipping = false;
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', body).chain(std::iter::once(body.len()));
    for _ in 0..1024 {
        let Some(end) = ends.next() else { break };
        let line = &body[start.min(end)..end];
        start = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() < 2 || line[1] != b'=' {
            continue;
        }
        let value = &line[2..];
        match line[0] {
            b'm' => {
                if let Some(m) = sdp.media.last_mut().filter(|_| in_media && !skipping) {
                    m.direction = media_dir.or(session_dir).unwrap_or_default();
                }
                media_dir = None;
                in_media = true;
                skipping = sdp.media.len() >= MAX_MEDIA;
                if !skipping {
                    sdp.media.push(media_line(value, session_addr));
                }
            }
            b'c' => {
                if let Some(ip) = connection(value) {
                    if !in_media {
                        session_addr = Some(ip);
                    } else if let Some(m) = sdp.media.last_mut().filter(|_| !skipping) {
                        m.addr = Some(ip);
                    }
                }
            }
            b'a' => {
                let (name, arg) = match value.iter().position(|&b| b == b':') {
                    Some(i) => (&value[..i], &value[i + 1..]),
                    None => (value, &value[..0]),
                };
                if let Some(d) = Direction::from_attr(name) {
                    if in_media {
                        media_dir = Some(d);
                    } else {
                        session_dir = Some(d);
                    }
                    continue;
                }
                let Some(m) = sdp.media.last_mut().filter(|_| in_media && !skipping) else { continue };
                match name {
                    b"rtpmap" => {
                        if let Some(map) = rtpmap(arg) {
                            if m.maps.len() < MAX_FORMATS && !m.maps.iter().any(|x| x.pt == map.pt) {
                                m.maps.push(map);
                            }
                        }
                    }
                    b"rtcp" => m.rtcp = rtcp_attr(arg, m.addr),
                    b"rtcp-mux" => m.rtcp_mux = true,
                    b"candidate" | b"ice-ufrag" => m.ice = true,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if let Some(m) = sdp.media.last_mut().filter(|_| in_media && !skipping) {
        m.direction = media_dir.or(session_dir).unwrap_or_default();
    }
    // Calls keep these for as long as they live.
    for m in &mut sdp.media {
        m.maps.shrink_to_fit();
    }
}

fn words(b: &[u8]) -> impl Iterator<Item = &[u8]> {
    b.split(|c| *c == b' ' || *c == b'\t').filter(|w| !w.is_empty())
}

/// A decimal number of at most 10 digits that fits `T` (no sign, no spaces).
fn parse_num<T: TryFrom<u64>>(b: &[u8]) -> Option<T> {
    if b.is_empty() || b.len() > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    T::try_from(n).ok()
}

/// `c=IN IP4 192.0.2.1` (a multicast `/ttl` suffix dropped).
fn connection(v: &[u8]) -> Option<IpAddr> {
    // The usual line, `IN IP4 ` and a dotted quad: the address is the third word up to any
    // `/ttl`, found without splitting the line into words. Anything else (and an address this
    // does not take) goes the general way below, which decides.
    if let Some(rest) = v.strip_prefix(b"IN IP4 ") {
        let end = rest.iter().position(|&b| matches!(b, b' ' | b'\t' | b'/')).unwrap_or(rest.len());
        if let Some(octets) = ipv4(&rest[..end]) {
            return Some(IpAddr::V4(octets.into()));
        }
    }
    connection_by_words(v)
}

/// [`connection`] word by word: any family, blanks anywhere, IPv6 through the standard parser.
fn connection_by_words(v: &[u8]) -> Option<IpAddr> {
    let mut w = words(v);
    if w.next()? != b"IN" {
        return None;
    }
    let family = w.next()?;
    let addr = w.next()?;
    let addr = addr.split(|&b| b == b'/').next()?;
    let ip: IpAddr = match family {
        b"IP4" => IpAddr::V4(std::net::Ipv4Addr::from(ipv4(addr)?)),
        _ => std::str::from_utf8(addr).ok()?.parse().ok()?,
    };
    match (family, ip) {
        (b"IP4", IpAddr::V4(_)) | (b"IP6", IpAddr::V6(_)) => Some(ip),
        _ => None,
    }
}

/// A dotted-quad IPv4 address, without going through `str`.
fn ipv4(b: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut parts = b.split(|&c| c == b'.');
    for o in out.iter_mut() {
        let p = parts.next()?;
        if p.len() > 1 && p[0] == b'0' {
            return None;
        }
        *o = parse_num(p)?;
    }
    parts.next().is_none().then_some(out)
}

/// `m=audio 49170 RTP/AVP 0 8 101` (a `/count` port suffix dropped).
// Kept out of `parse_into`: inlined there by the compiler, it made reading a description about
// 1,000 instructions dearer (callgrind on the seed's 33,969 descriptions: 1.495 G against 1.461 G
// for the whole report).
#[inline(never)]
fn media_line(v: &[u8], session_addr: Option<IpAddr>) -> MediaDesc {
    let mut w = words(v);
    let kind = ShortName::new(w.next().unwrap_or_default());
    let port =
        w.next().and_then(|p| parse_num::<u16>(p.split(|&b| b == b'/').next().unwrap_or(p))).unwrap_or(0);
    let proto = ShortName::new(w.next().unwrap_or_default());
    let formats = w.filter_map(parse_num::<u8>).filter(|&pt| pt < 128).take(MAX_FORMATS).collect();
    MediaDesc {
        kind,
        addr: session_addr,
        port,
        proto,
        formats,
        direction: Direction::SendRecv,
        rtcp: None,
        rtcp_mux: false,
        ice: false,
        maps: Default::default(),
    }
}

/// `a=rtpmap:101 telephone-event/8000[/channels]`.
fn rtpmap(v: &[u8]) -> Option<Mapping> {
    let mut w = words(v);
    let pt: u8 = parse_num(w.next()?)?;
    let mut enc = w.next()?.split(|&b| b == b'/');
    let name = enc.next()?;
    let rate = enc.next().and_then(parse_num::<u32>).unwrap_or(0);
    (pt < 128).then(|| Mapping { pt, name: ShortName::new(name), rate })
}

/// `a=rtcp:53020 [IN IP4 126.16.64.4]` (RFC 3605).
fn rtcp_attr(v: &[u8], media_addr: Option<IpAddr>) -> Option<SocketAddr> {
    let mut w = words(v);
    let port: u16 = parse_num(w.next()?)?;
    let rest: Vec<&[u8]> = w.collect();
    let ip = if rest.len() >= 3 {
        let joined = [rest[0], b" ", rest[1], b" ", rest[2]].concat();
        connection(&joined)?
    } else {
        media_addr?
    };
    (port != 0).then(|| SocketAddr::new(ip, port))
}

/// The SDP in a message's body: the whole body when it is `application/sdp` (or untyped and
/// starts like one), the SDP part of a multipart body.
pub fn body_of(msg: &SipMessage) -> Option<&[u8]> {
    let body = msg.slice(msg.headers.body);
    if body.len() < 4 {
        return None;
    }
    let ct = msg.slice(msg.headers.content_type);
    let lower = |p: &[u8]| ct.len() >= p.len() && ct[..p.len()].eq_ignore_ascii_case(p);
    if lower(b"application/sdp") || (ct.is_empty() && body.starts_with(b"v=0")) {
        Some(body)
    } else if lower(b"multipart/") {
        let at = memchr::memmem::find(body, b"\nv=0")?;
        Some(&body[at + 1..])
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Dotted quads are read as the standard parser reads them (it refuses leading zeros
        /// too), on text shaped like addresses: valid ones, groups of digits mostly valid
        /// octets (some flawed, three to five of them), and any mix of digits and dots.
        #[test]
        fn dotted_quads_read_as_the_standard_parser_reads_them(
            text in prop_oneof![
                2 => any::<[u8; 4]>().prop_map(|o| std::net::Ipv4Addr::from(o).to_string()),
                3 => proptest::collection::vec(
                    prop_oneof![
                        4 => (0u16..=255).prop_map(|n| n.to_string()),
                        1 => "0[0-9]{1,2}|25[6-9]|2[6-9][0-9]|[3-9][0-9]{2}|[0-9]{4}|",
                    ],
                    3..=5,
                )
                .prop_map(|parts| parts.join(".")),
                1 => "[0-9.]{0,19}",
            ]
        ) {
            let ours = ipv4(text.as_bytes()).map(std::net::Ipv4Addr::from);
            prop_assert_eq!(ours, text.parse::<std::net::Ipv4Addr>().ok(), "{}", text);
        }

        /// The one-pass reading of `c=IN IP4 a.b.c.d` answers what the word-by-word one does,
        /// on lines shaped like addresses with every kind of flaw.
        #[test]
        fn plain_connection_agrees_with_words(
            prefix in prop_oneof![
                10 => Just("IN IP4 "), 1 => Just("IN IP4  "), 1 => Just("IN IP6 "), 1 => Just("IN  IP4 "),
                1 => Just("IN IP4\t"), 1 => Just(""),
            ],
            octets in proptest::collection::vec(prop_oneof![
                3 => Just("0"), 2 => Just("00"), 2 => Just("01"), 3 => Just("1"), 3 => Just("9"), 3 => Just("25"),
                3 => Just("255"), 1 => Just("256"), 1 => Just("999"), 1 => Just("1234"), 1 => Just("x"), 1 => Just(""),
            ], 6),
            count in prop_oneof![1 => 1..4usize, 6 => Just(4usize), 1 => 5..7usize],
            dots in proptest::collection::vec(prop_oneof![12 => Just("."), 1 => Just(":"), 1 => Just(" ")], 6),
            suffix in prop_oneof![Just(""), Just("/127"), Just(" x"), Just("\t"), Just("x"), Just("."), Just("/")],
        ) {
            let mut line = String::from(prefix);
            for (i, o) in octets.iter().take(count).enumerate() {
                if i > 0 {
                    line.push_str(dots[i]);
                }
                line.push_str(o);
            }
            line.push_str(suffix);
            prop_assert_eq!(connection(line.as_bytes()), connection_by_words(line.as_bytes()), "{:?}", line);
        }
    }

    #[test]
    fn plain_connection_on_usual_and_odd_lines() {
        for (line, want) in [
            ("IN IP4 192.0.2.10", Some("192.0.2.10")),
            ("IN IP4 224.2.1.1/127", Some("224.2.1.1")),
            ("IN IP4 10.0.0.1 extra", Some("10.0.0.1")),
            ("IN IP4 0.0.0.0", Some("0.0.0.0")),
            ("IN IP4 255.255.255.255", Some("255.255.255.255")),
            ("IN IP4 256.1.1.1", None),
            ("IN IP4 01.1.1.1", None),
            ("IN IP4 1.1.1", None),
            ("IN IP4 1.1.1.1.1", None),
            ("IN IP4 1.1.1.1x", None),
            ("IN IP4  1.1.1.1", Some("1.1.1.1")),
            ("IN IP6 ::1", Some("::1")),
            ("IN IP4 ::1", None),
        ] {
            assert_eq!(connection(line.as_bytes()), want.map(|w| w.parse().unwrap()), "{line}");
            assert_eq!(connection(line.as_bytes()), connection_by_words(line.as_bytes()), "{line}");
        }
    }

    const OFFER: &[u8] = b"v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\na=sendrecv\r\nm=video 0 RTP/AVP 96\r\n";

    #[test]
    fn offer_with_audio_and_a_refused_video() {
        let s = parse(OFFER);
        assert_eq!(s.media.len(), 2);
        let a = s.audio().unwrap();
        assert_eq!(a.rtp_addr(), Some("192.0.2.10:4000".parse().unwrap()));
        assert_eq!(a.rtcp_addr(), Some("192.0.2.10:4001".parse().unwrap()));
        assert_eq!(*a.formats, [0, 8, 101]);
        assert_eq!(a.maps.len(), 2);
        assert_eq!(a.maps[1].name.as_str(), "telephone-event");
        assert_eq!(a.direction, Direction::SendRecv);
        assert_eq!(s.media[1].rtp_addr(), None);
        assert_eq!(s.media[1].effective_direction(), Direction::Inactive);
    }

    #[test]
    fn hold_by_attribute_session_level_and_old_style_address() {
        let s = parse(b"v=0\nc=IN IP4 10.0.0.1\na=sendonly\nm=audio 5000 RTP/AVP 0\n");
        assert_eq!(s.media[0].direction, Direction::SendOnly);
        let s = parse(b"v=0\nm=audio 5000 RTP/AVP 0\nc=IN IP4 0.0.0.0\n");
        assert_eq!(s.media[0].effective_direction(), Direction::Inactive);
        assert_eq!(s.media[0].rtp_addr(), None);
        let s = parse(b"v=0\na=sendonly\nm=audio 5000 RTP/AVP 0\na=recvonly\n");
        assert_eq!(s.media[0].direction, Direction::RecvOnly);
    }

    #[test]
    fn ipv6_rtcp_attribute_mux_and_ice() {
        let s = parse(
            b"v=0\r\nc=IN IP6 2001:db8::1\r\nm=audio 6000 UDP/TLS/RTP/SAVPF 111\r\na=rtcp:6001 IN IP6 2001:db8::2\r\n\
a=rtcp-mux\r\na=candidate:1 1 udp 1 2001:db8::1 6000 typ host\r\na=rtpmap:111 opus/48000/2\r\n",
        );
        let m = &s.media[0];
        assert_eq!(m.rtp_addr(), Some("[2001:db8::1]:6000".parse().unwrap()));
        assert_eq!(m.rtcp, Some("[2001:db8::2]:6001".parse().unwrap()));
        assert!(m.rtcp_mux && m.ice && m.is_rtp());
        assert_eq!(m.maps[0].rate, 48000);
    }

    #[test]
    fn garbage_and_floods_are_bounded() {
        assert_eq!(parse(b"\x00\xff garbage\r\nm=\r\nc=IN IP4 999.1.1.1\r\n").media.len(), 1);
        let mut many = b"v=0\r\n".to_vec();
        for _ in 0..100 {
            many.extend_from_slice(
                b"m=audio 1 RTP/AVP 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\r\n",
            );
        }
        let s = parse(&many);
        assert_eq!(s.media.len(), MAX_MEDIA);
        assert_eq!(s.media[0].formats.len(), MAX_FORMATS);
    }
}
