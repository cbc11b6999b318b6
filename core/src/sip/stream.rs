//! Cuts SIP messages out of reassembled TCP byte streams: plain SIP framed by Content-Length
//! (RFC 3261 §18.3), SIP over WebSocket (RFC 7118), CRLF keep-alives (RFC 5626) skipped, and
//! resynchronisation on the next start line after a gap or garbage.

use memchr::memmem;

use super::scan::{find_start_line, leading_crlf, scan, start_line_kind, Framing, LineKind, Scan};
use super::Headers;
use crate::decode::tcp;

/// A TCP direction as the SIP framer sees it: the reassembler's bytes with [`SipFraming`] state.
pub type Stream = tcp::Stream<SipFraming>;

/// What the SIP framer has made of a direction's bytes so far (the consumer state kept in each
/// TCP stream).
#[derive(Debug, Default)]
pub struct SipFraming {
    /// The mode it is in.
    pub mode: StreamMode,
    /// A WebSocket message being assembled.
    pub scratch: Vec<u8>,
    /// The direction was recognised as SIP at least once.
    pub recognised: bool,
}

/// What the framer reads a direction as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StreamMode {
    /// Not yet known: look for a start line.
    #[default]
    Unknown,
    /// Framing SIP messages.
    Sip,
    /// Framing WebSocket frames.
    WebSocket,
    /// Not SIP: bytes are discarded.
    NotSip,
}
use crate::decode::websocket::{parse_frame, unmask_into, FrameError};

/// How many bytes a direction may show without a SIP start line before it is declared not SIP
/// (only before it was ever recognised as SIP: a SIP connection with garbage stays SIP).
pub const GIVE_UP_BYTES: u64 = 64 * 1024;

/// Counters of stream framing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// CRLF keep-alives skipped (RFC 5626 pings and pongs).
    pub keepalives: u64,
    /// Bytes skipped while looking for a start line.
    pub skipped_bytes: u64,
    /// Messages refused (header block too large, unusable Content-Length).
    pub invalid_messages: u64,
    /// Directions recognised as SIP over WebSocket.
    pub websocket_streams: u64,
    /// Directions given up on as not SIP (TLS, other protocols).
    pub not_sip_streams: u64,
    /// Of them, directions carrying TLS (SIP over TLS cannot be read without the keys).
    pub tls_streams: u64,
}

/// A message found in a stream: where it is in the bytes handed to the callback.
pub type Found<'a> = (&'a [u8], Headers, bool);

/// Reads every complete message from the pending bytes of `stream`, calling `emit` with the
/// message bytes, its index and whether it came over WebSocket.
pub fn drain(stream: &mut Stream, stats: &mut StreamStats, emit: &mut dyn FnMut(Found<'_>)) {
    if stream.gap {
        stream.gap = false;
        stream.consumer.scratch.clear();
        if stream.consumer.mode != StreamMode::NotSip {
            stream.consumer.mode = StreamMode::Unknown;
        }
    }
    loop {
        match stream.consumer.mode {
            StreamMode::NotSip => {
                let n = stream.pending().len();
                stream.discarded += n as u64;
                stream.consume(n);
                return;
            }
            StreamMode::Unknown => {
                if !detect(stream, stats) {
                    return;
                }
            }
            StreamMode::Sip => {
                let crlf = leading_crlf(stream.pending());
                if crlf > 0 {
                    stats.keepalives += 1;
                    stream.consume(crlf);
                }
                let buf = stream.pending();
                if buf.is_empty() {
                    return;
                }
                match scan(buf, Framing::Stream) {
                    Scan::Complete { len, headers } => {
                        emit((&buf[..len], headers, false));
                        stream.consume(len);
                    }
                    Scan::Incomplete => return,
                    Scan::Invalid(_) => {
                        stats.invalid_messages += 1;
                        skip_line(stream, stats);
                        stream.consumer.mode = StreamMode::Unknown;
                    }
                }
            }
            StreamMode::WebSocket => {
                if !websocket_frame(stream, stats, emit) {
                    return;
                }
            }
        }
    }
}

/// Skips the current line (used to move past a start line that led nowhere).
fn skip_line(stream: &mut Stream, stats: &mut StreamStats) {
    let buf = stream.pending();
    let n = memchr::memchr(b'\n', buf).map_or(buf.len(), |e| e + 1);
    stats.skipped_bytes += n as u64;
    stream.consume(n);
}

/// Decides what an unknown direction carries. Returns false when more bytes are needed.
fn detect(stream: &mut Stream, stats: &mut StreamStats) -> bool {
    let crlf = leading_crlf(stream.pending());
    if crlf > 0 {
        stats.keepalives += 1;
        stream.consume(crlf);
    }
    let buf = stream.pending();
    if buf.is_empty() {
        return false;
    }
    // TLS records (handshake, alert, application data) are never SIP we can read.
    if buf.len() >= 3
        && (0x14..=0x17).contains(&buf[0])
        && buf[1] == 0x03
        && buf[2] <= 0x04
        && stream.discarded == 0
    {
        stats.not_sip_streams += 1;
        stats.tls_streams += 1;
        stream.consumer.mode = StreamMode::NotSip;
        return true;
    }
    // WebSocket upgrade handshake (request or answer): skip it and read frames afterwards.
    if buf.starts_with(b"GET ") || buf.starts_with(b"HTTP/1.1 101") {
        let Some(end) = memmem::find(buf, b"\r\n\r\n") else {
            if buf.len() > 16 * 1024 {
                stats.not_sip_streams += 1;
                stream.consumer.mode = StreamMode::NotSip;
                return true;
            }
            return false;
        };
        let head = &buf[..end];
        let is_ws = memmem::find(&head.to_ascii_lowercase(), b"websocket").is_some();
        stream.consume(end + 4);
        stats.skipped_bytes += (end + 4) as u64;
        stream.consumer.mode = if is_ws { StreamMode::WebSocket } else { StreamMode::NotSip };
        if is_ws {
            stream.consumer.recognised = true;
            stats.websocket_streams += 1;
        } else {
            stats.not_sip_streams += 1;
        }
        return true;
    }
    // A WebSocket frame whose payload starts like SIP (capture began after the handshake).
    if matches!(buf[0], 0x81 | 0x82 | 0x01 | 0x02) {
        match parse_frame(buf) {
            Ok(f) if buf.len() >= f.header_len + f.payload_len.min(16) => {
                let mut head = Vec::with_capacity(16);
                let take = f.payload_len.min(16);
                unmask_into(&buf[f.header_len..f.header_len + take], f.mask, &mut head);
                if start_line_kind(&head) != LineKind::Other {
                    stats.websocket_streams += 1;
                    stream.consumer.mode = StreamMode::WebSocket;
                    stream.consumer.recognised = true;
                    return true;
                }
            }
            Err(FrameError::Incomplete) => return false,
            _ => {}
        }
    }
    match find_start_line(buf, 0) {
        Ok(pos) => {
            stats.skipped_bytes += pos as u64;
            stream.discarded += pos as u64;
            stream.consume(pos);
            stream.consumer.mode = StreamMode::Sip;
            stream.consumer.recognised = true;
            true
        }
        Err(keep_from) => {
            let drop = keep_from.unwrap_or(buf.len());
            stats.skipped_bytes += drop as u64;
            stream.discarded += drop as u64;
            stream.consume(drop);
            if stream.discarded > GIVE_UP_BYTES && !stream.consumer.recognised {
                stats.not_sip_streams += 1;
                stream.consumer.mode = StreamMode::NotSip;
                return true;
            }
            false
        }
    }
}

/// Reads one WebSocket frame. Returns false when more bytes are needed.
fn websocket_frame(stream: &mut Stream, stats: &mut StreamStats, emit: &mut dyn FnMut(Found<'_>)) -> bool {
    let (buf, consumer) = stream.pending_and_consumer();
    let scratch = &mut consumer.scratch;
    let frame = match parse_frame(buf) {
        Ok(f) => f,
        Err(FrameError::Incomplete) => return false,
        Err(FrameError::Invalid) => {
            stats.invalid_messages += 1;
            stream.consumer.mode = StreamMode::Unknown;
            stream.consumer.scratch.clear();
            skip_line(stream, stats);
            return true;
        }
    };
    let total = frame.header_len + frame.payload_len;
    if buf.len() < total {
        return false;
    }
    let payload = &buf[frame.header_len..total];
    match frame.opcode {
        1 | 2 => {
            scratch.clear();
            unmask_into(payload, frame.mask, scratch);
        }
        0 => {
            if scratch.len() + payload.len() > super::scan::MAX_BODY_BYTES {
                stats.invalid_messages += 1;
                scratch.clear();
            } else {
                unmask_into(payload, frame.mask, scratch);
            }
        }
        _ => {} // close, ping, pong
    }
    let data_frame = matches!(frame.opcode, 0..=2);
    stream.consume(total);
    if frame.fin && data_frame && !stream.consumer.scratch.is_empty() {
        let msg = std::mem::take(&mut stream.consumer.scratch);
        let off = leading_crlf(&msg);
        let body = &msg[off..];
        if body.is_empty() {
            stats.keepalives += 1;
        } else {
            match scan(body, Framing::Datagram) {
                Scan::Complete { len, headers } => emit((&body[..len], headers, true)),
                _ => stats.invalid_messages += 1,
            }
        }
        stream.consumer.scratch = msg;
        stream.consumer.scratch.clear();
    }
    true
}
