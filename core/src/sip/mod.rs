//! SIP stage: finds SIP messages in payloads and indexes their headers without copying.
//!
//! - [`bytes`]: byte search for short distances.
//! - [`lines`]: the line ends and colons of a header block, 64 bytes at a time.
//! - [`scan`]: framing and the header index over `&[u8]`.
//! - [`fields`]: parsers for the values we index.
//! - [`message`]: [`SipMessage`], its raw bytes and offsets.
//! - [`stream`]: cuts SIP (and SIP over WebSocket) out of reassembled TCP byte streams.

pub mod bytes;
pub mod fields;
pub mod lines;
pub mod message;
pub mod scan;
pub mod stream;

pub use message::{Headers, Method, NameAddr, SipMessage, Span, StartLine, Transport, Via};
pub use scan::{scan, Framing, Invalid, Scan};
