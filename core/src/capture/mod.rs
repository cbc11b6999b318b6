//! Capture stage: where packets come from: capture files ([`file`]) and live interfaces ([`live`]).
//!
//! Sources yield [`RawPacket`]s: a capture timestamp, the link type and the bytes as captured.

pub mod file;
pub mod live;
pub mod memory;
pub mod paced;
pub mod pcap_file;

pub use crate::packet::{linktype, RawPacket};
