//! The ground floor: what every stage agrees on about a captured frame. Capture produces
//! [`RawPacket`]s, decode reads them; the link-type numbers and port sets live here so that no
//! stage reaches up to another for them.

use crate::time::Timestamp;

/// One captured frame, borrowed from the source's buffer.
#[derive(Debug, Clone, Copy)]
pub struct RawPacket<'a> {
    /// Capture time.
    pub ts: Timestamp,
    /// libpcap link type (DLT) of `data`.
    pub linktype: i32,
    /// Captured bytes (possibly fewer than were on the wire).
    pub data: &'a [u8],
    /// Length of the frame on the wire.
    pub orig_len: u32,
}

/// Link-type numbers (DLT values as libpcap reports them; LINKTYPE aliases included).
pub mod linktype {
    /// BSD loopback, address family in host byte order.
    pub const NULL: i32 = 0;
    /// Ethernet II.
    pub const ETHERNET: i32 = 1;
    /// Raw IP (DLT_RAW on most platforms).
    pub const RAW_12: i32 = 12;
    /// Raw IP (DLT_RAW on OpenBSD).
    pub const RAW_14: i32 = 14;
    /// Raw IP (LINKTYPE_RAW in files).
    pub const RAW: i32 = 101;
    /// OpenBSD loopback, address family in network byte order.
    pub const LOOP: i32 = 108;
    /// Linux cooked capture v1.
    pub const LINUX_SLL: i32 = 113;
    /// Raw IPv4.
    pub const IPV4: i32 = 228;
    /// Raw IPv6.
    pub const IPV6: i32 = 229;
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: i32 = 276;
    /// A HEP3 packet as a collector receives it: what the HEP listener hands the engine. An
    /// internal value no capture file carries (link types of files are never negative).
    pub const HEP: i32 = -9060;
}

/// A set of ports (single ports and ranges), for `--ports`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortSet(Vec<(u16, u16)>);

impl PortSet {
    /// Parses `5060,5062-5070`.
    pub fn parse(spec: &str) -> Result<PortSet, String> {
        let mut ranges = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = match part.split_once('-') {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (part, part),
            };
            let a: u16 = a.parse().map_err(|_| format!("invalid port '{a}' in '{spec}'"))?;
            let b: u16 = b.parse().map_err(|_| format!("invalid port '{b}' in '{spec}'"))?;
            if a > b {
                return Err(format!("invalid port range '{part}'"));
            }
            ranges.push((a, b));
        }
        if ranges.is_empty() {
            return Err("empty port list".into());
        }
        Ok(PortSet(ranges))
    }

    /// The ranges (inclusive).
    pub fn ranges(&self) -> &[(u16, u16)] {
        &self.0
    }

    /// Whether `port` is in the set.
    pub fn contains(&self, port: u16) -> bool {
        self.0.iter().any(|&(a, b)| (a..=b).contains(&port))
    }
}

/// What a source has next.
pub enum Pull<'a> {
    /// A captured frame.
    Packet(RawPacket<'a>),
    /// Nothing arrived for a while; capture time is now this (live and paced sources): timers
    /// run.
    Idle(Timestamp),
    /// Something the person watching should know (an interface stopped…); the source goes on.
    Notice(String),
    /// The source is done.
    End,
}

/// A source of packets: a capture file, live interfaces, the embedded demo, a paced replay.
pub trait Source {
    /// The next thing from the source. An error ends the run; what came before it stays.
    fn pull(&mut self) -> Result<Pull<'_>, SourceError>;

    /// Packets lost before they reached sipscope (kernel, interface, queue), zero for files.
    fn drops(&self) -> Drops {
        Drops::default()
    }
}

/// Why a source stopped early, said for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// What happened (for a capture file: the record and byte offset where it broke).
    pub message: String,
    /// The input itself was broken (truncated or corrupt capture), as opposed to unreadable.
    pub corrupt: bool,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Packets lost before they reached sipscope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drops {
    /// Dropped by the kernel (buffer full).
    pub kernel: u64,
    /// Dropped by the interface or its driver.
    pub interface: u64,
    /// Dropped by sipscope (its queue from the capture threads was full).
    pub queue: u64,
}

impl Drops {
    /// All drops together.
    pub fn total(self) -> u64 {
        self.kernel + self.interface + self.queue
    }
}

/// Writes `a` as `a.b.c.d:port` into `out` and returns its length, without the formatting
/// machinery: every message's and call's addresses are written this way (JSON, branch names).
pub fn v4_text(a: std::net::SocketAddrV4, out: &mut [u8; 21]) -> usize {
    let mut n = 0;
    for (i, octet) in a.ip().octets().into_iter().enumerate() {
        if i > 0 {
            out[n] = b'.';
            n += 1;
        }
        // Each octet's digits come from a table: no division per digit.
        let (len, digits) = OCTETS[octet as usize];
        out[n..n + 3].copy_from_slice(&digits);
        n += len as usize;
    }
    out[n] = b':';
    n += 1;
    // The port's digits written in place, last first: copying a few bytes of variable length
    // would be a call to memcpy, dearer than the digits.
    let port = u32::from(a.port());
    let len = match port {
        0..=9 => 1,
        10..=99 => 2,
        100..=999 => 3,
        1000..=9999 => 4,
        _ => 5,
    };
    let mut rest = port;
    for at in (n..n + len).rev() {
        out[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    n + len
}

/// Appends the first `len` bytes of `text` to `out` with a copy of constant size (a few register
/// moves), not a call to memcpy for a few bytes: addresses and numbers on every line written.
#[inline(always)]
pub fn push_prefix<const N: usize>(out: &mut Vec<u8>, text: &[u8; N], len: usize) {
    let at = out.len();
    out.extend_from_slice(text);
    out.truncate(at + len.min(N));
}

/// Appends the decimal digits of `n` to `out` (see [`decimal_digits`] and [`push_prefix`]).
#[inline]
pub fn push_decimal(out: &mut Vec<u8>, n: u64) {
    // The digits end at byte 20; the 20 bytes after them are room to copy a constant 20 bytes
    // from wherever the digits begin.
    let mut buf = [0u8; 40];
    let digits: &mut [u8; 20] = (&mut buf[..20]).try_into().expect("20 bytes");
    let len = decimal_digits(n, digits).len();
    let from = 20 - len;
    let window: &[u8; 20] = buf[from..from + 20].try_into().expect("20 bytes");
    push_prefix(out, window, len);
}

/// The decimal digits of `n`, written at the end of `digits` two at a time from a table (one
/// division per two digits): ports, lengths and sequence numbers on every line written.
#[inline]
pub fn decimal_digits(mut n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut i = digits.len();
    while n >= 100 {
        let pair = crate::time::PAIRS[(n % 100) as usize];
        n /= 100;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&pair);
    }
    if n >= 10 {
        i -= 2;
        digits[i..i + 2].copy_from_slice(&crate::time::PAIRS[n as usize]);
    } else {
        i -= 1;
        digits[i] = b'0' + n as u8;
    }
    &digits[i..]
}

/// The decimal text of every octet value: its length, and its digits padded to three bytes.
static OCTETS: [(u8, [u8; 3]); 256] = {
    let mut t = [(0u8, [0u8; 3]); 256];
    let mut v = 0;
    while v < 256 {
        let (h, d, u) = ((v / 100) as u8, ((v / 10) % 10) as u8, (v % 10) as u8);
        t[v] = if v >= 100 {
            (3, [b'0' + h, b'0' + d, b'0' + u])
        } else if v >= 10 {
            (2, [b'0' + d, b'0' + u, 0])
        } else {
            (1, [b'0' + u, 0, 0])
        };
        v += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, SocketAddrV4};

    #[test]
    fn decimal_digits_match_the_standard_formatting() {
        let mut digits = [0u8; 20];
        let mut n: u64 = 0;
        while n < 2_000_000 {
            assert_eq!(decimal_digits(n, &mut digits), n.to_string().as_bytes());
            n += if n < 20_000 { 1 } else { 7 };
        }
        for n in [u64::MAX, u64::MAX / 10, 10u64.pow(19), 10u64.pow(19) - 1, 99, 100, 999_999_999_999] {
            assert_eq!(decimal_digits(n, &mut digits), n.to_string().as_bytes());
        }
    }

    #[test]
    fn push_decimal_appends_the_standard_formatting() {
        let mut out = b"x".to_vec();
        let mut want = String::from("x");
        for n in [
            0,
            7,
            10,
            99,
            100,
            5060,
            65535,
            1 << 32,
            u64::MAX / 10,
            10u64.pow(19) - 1,
            10u64.pow(19),
            u64::MAX,
        ] {
            push_decimal(&mut out, n);
            out.push(b',');
            want.push_str(&format!("{n},"));
        }
        assert_eq!(std::str::from_utf8(&out).unwrap(), want);
    }

    #[test]
    fn v4_text_matches_the_standard_formatting() {
        let mut buf = [0u8; 21];
        for port in 0..=u16::MAX {
            let a = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), port);
            let n = v4_text(a, &mut buf);
            assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), a.to_string());
        }
        for v in 0..=255u8 {
            for port in [0u16, 7, 10, 99, 100, 5060, 9999, 10000, 65535] {
                for ip in
                    [Ipv4Addr::new(v, 0, 255, v), Ipv4Addr::new(255, v, 9, 100), Ipv4Addr::new(v, v, v, v)]
                {
                    let a = SocketAddrV4::new(ip, port);
                    let n = v4_text(a, &mut buf);
                    assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), a.to_string());
                }
            }
        }
    }
}
