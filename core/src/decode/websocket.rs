//! WebSocket frames (RFC 6455), as used for SIP over WebSocket (RFC 7118).

/// Largest frame payload we accept.
pub const MAX_FRAME: usize = 1024 * 1024;

/// A parsed frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Last frame of a message.
    pub fin: bool,
    /// 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong.
    pub opcode: u8,
    /// Masking key (client-to-server frames).
    pub mask: Option<[u8; 4]>,
    /// Bytes of the header.
    pub header_len: usize,
    /// Bytes of the payload.
    pub payload_len: usize,
}

/// Why a frame could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// More bytes are needed.
    Incomplete,
    /// Not a valid frame (reserved bits or opcode, oversized).
    Invalid,
}

/// Parses the frame header at the front of `buf`.
pub fn parse_frame(buf: &[u8]) -> Result<Frame, FrameError> {
    if buf.len() < 2 {
        return Err(FrameError::Incomplete);
    }
    let fin = buf[0] & 0x80 != 0;
    let opcode = buf[0] & 0x0f;
    if buf[0] & 0x70 != 0 || !matches!(opcode, 0 | 1 | 2 | 8 | 9 | 10) {
        return Err(FrameError::Invalid);
    }
    let masked = buf[1] & 0x80 != 0;
    let mut len = (buf[1] & 0x7f) as u64;
    let mut off = 2;
    if len == 126 {
        if buf.len() < 4 {
            return Err(FrameError::Incomplete);
        }
        len = u16::from_be_bytes([buf[2], buf[3]]) as u64;
        off = 4;
    } else if len == 127 {
        if buf.len() < 10 {
            return Err(FrameError::Incomplete);
        }
        let mut b = [0u8; 8];
        b.copy_from_slice(&buf[2..10]);
        len = u64::from_be_bytes(b);
        off = 10;
    }
    if len > MAX_FRAME as u64 {
        return Err(FrameError::Invalid);
    }
    let mask = if masked {
        if buf.len() < off + 4 {
            return Err(FrameError::Incomplete);
        }
        let m = [buf[off], buf[off + 1], buf[off + 2], buf[off + 3]];
        off += 4;
        Some(m)
    } else {
        None
    };
    Ok(Frame { fin, opcode, mask, header_len: off, payload_len: len as usize })
}

/// Appends `payload` to `out`, unmasked with `mask` if given.
pub fn unmask_into(payload: &[u8], mask: Option<[u8; 4]>, out: &mut Vec<u8>) {
    match mask {
        None => out.extend_from_slice(payload),
        Some(m) => out.extend(payload.iter().enumerate().map(|(i, b)| b ^ m[i & 3])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_text_frame() {
        let mask = [1, 2, 3, 4];
        let text = b"OPTIONS";
        let mut f = vec![0x81, 0x80 | text.len() as u8];
        f.extend_from_slice(&mask);
        f.extend(text.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        let h = parse_frame(&f).unwrap();
        assert_eq!((h.fin, h.opcode, h.header_len, h.payload_len), (true, 1, 6, 7));
        let mut out = Vec::new();
        unmask_into(&f[h.header_len..], h.mask, &mut out);
        assert_eq!(out, text);
    }

    #[test]
    fn short_and_bad_frames() {
        assert_eq!(parse_frame(&[0x81]), Err(FrameError::Incomplete));
        assert_eq!(parse_frame(&[0x81, 126, 0]), Err(FrameError::Incomplete));
        assert_eq!(parse_frame(&[0xf1, 0]), Err(FrameError::Invalid));
        assert_eq!(parse_frame(&[0x83, 0]), Err(FrameError::Invalid));
        assert_eq!(parse_frame(&[0x82, 127, 0xff, 0, 0, 0, 0, 0, 0, 0]), Err(FrameError::Invalid));
    }
}
