//! Capture stage: where packets come from: capture files ([`file`]) and live interfaces ([`live`]).
//!
//! Sources yield [`RawPacket`]s: a capture timestamp, the link type and the bytes as captured.

pub mod file;
pub mod live;

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

    /// Whether the decoder understands this link type.
    pub fn is_supported(lt: i32) -> bool {
        matches!(lt, NULL | ETHERNET | RAW_12 | RAW_14 | RAW | LOOP | LINUX_SLL | IPV4 | IPV6 | LINUX_SLL2)
    }
}
