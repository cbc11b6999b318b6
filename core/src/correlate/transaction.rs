//! One SIP transaction as seen on one hop: the request, its provisional and final responses,
//! and the early dialogs (To-tags) the responses opened.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::sip::{Method, SipMessage};
use crate::time::Timestamp;

/// Most distinct To-tags remembered per transaction.
pub const MAX_TAGS: usize = 16;

/// A response kept as evidence (shared bytes, no copy).
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub code: u16,
    /// Capture time.
    pub ts: Timestamp,
    /// Index of the message in its call (0-based, all messages counted).
    pub index: u32,
    /// The message itself.
    pub msg: SipMessage,
}

/// When a response arrived, without keeping it (provisional responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Status code.
    pub code: u16,
    /// Capture time.
    pub ts: Timestamp,
    /// Index of the message in its call.
    pub index: u32,
}

/// The responses of one To-tag (one early dialog: one answering device behind a forking proxy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagBranch {
    /// The To-tag followed by the peer.
    text: BranchText,
    /// Where the tag ends in the text.
    tag_len: u16,
    /// Last status code seen on it.
    pub last_code: u16,
    /// First final status code on it.
    pub final_code: Option<u16>,
}

/// Bytes of a branch's tag and peer that fit inline (a SIPp tag and an IPv4 peer take ~30).
const INLINE_TEXT: usize = 40;

/// A branch's text: inline when short (no allocation per answering device), else on the heap.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BranchText {
    Inline { len: u8, bytes: [u8; INLINE_TEXT] },
    Heap(Box<str>),
}

impl BranchText {
    fn as_str(&self) -> &str {
        match self {
            // Built from two `&str` below, so always UTF-8.
            BranchText::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..*len as usize]).unwrap_or_default()
            }
            BranchText::Heap(s) => s,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            BranchText::Inline { len, bytes } => &bytes[..*len as usize],
            BranchText::Heap(s) => s.as_bytes(),
        }
    }
}

impl TagBranch {
    /// A branch opened by a response with To-tag `tag` from `peer`, status `code`.
    pub fn new(tag: &[u8], peer: &str, code: u16) -> TagBranch {
        let tag = text_of(tag);
        // A To-tag longer than 64 KiB is cut (at a character boundary) to fit the length field.
        let mut cut = tag.len().min(usize::from(u16::MAX));
        while !tag.is_char_boundary(cut) {
            cut -= 1;
        }
        let tag = &tag[..cut];
        let total = tag.len() + peer.len();
        let text = if total <= INLINE_TEXT {
            let mut bytes = [0u8; INLINE_TEXT];
            bytes[..tag.len()].copy_from_slice(tag.as_bytes());
            bytes[tag.len()..total].copy_from_slice(peer.as_bytes());
            BranchText::Inline { len: total as u8, bytes }
        } else {
            let mut text = String::with_capacity(total);
            text.push_str(tag);
            text.push_str(peer);
            BranchText::Heap(text.into_boxed_str())
        };
        TagBranch {
            text,
            tag_len: tag.len() as u16,
            last_code: code,
            final_code: (code >= 200).then_some(code),
        }
    }

    /// The To-tag.
    pub fn tag(&self) -> &str {
        &self.text.as_str()[..usize::from(self.tag_len)]
    }

    /// The To-tag's bytes (no UTF-8 check: compared on every response).
    pub fn tag_bytes(&self) -> &[u8] {
        &self.text.as_bytes()[..usize::from(self.tag_len)]
    }

    /// Where it answered from: Contact host:port, or the response's source address.
    pub fn peer(&self) -> &str {
        &self.text.as_str()[usize::from(self.tag_len)..]
    }
}

/// The early dialogs of a transaction: most have one, kept inline (no allocation); a forked
/// request's are kept in a vector. Reads as a slice.
pub type Branches = crate::one_or_many::OneOrMany<TagBranch>;

/// One transaction on one hop.
#[derive(Debug, Clone)]
pub struct Transaction {
    /// Request method (CSeq method for a transaction seen only through responses).
    pub method: Method,
    /// CSeq number.
    pub cseq: u32,
    /// Hash of the top Via branch of the request.
    pub branch: u64,
    /// Sender of the request.
    pub src: SocketAddr,
    /// Receiver of the request.
    pub dst: SocketAddr,
    /// Whether the request carried a To-tag (in-dialog).
    pub in_dialog: bool,
    /// Whether the request itself was captured (false: known only from its responses).
    pub request_seen: bool,
    /// The request carried Authorization or Proxy-Authorization.
    pub credentials: bool,
    /// Capture time of the request (or of the first response if the request was not seen).
    pub first_ts: Timestamp,
    /// Index of the request in the call.
    pub index: u32,
    /// First provisional response other than 100.
    pub provisional: Option<Mark>,
    /// Whether any response was seen.
    pub responded: bool,
    /// Whether a 1xx (100 included) arrived before the first final response.
    pub provisional_before_final: bool,
    /// Retransmissions of the request.
    pub request_retransmissions: u32,
    /// Retransmissions of a 2xx response (the UAS resends it until the ACK arrives).
    pub success_retransmissions: u32,
    /// Status code of the first final response, kept inline so rules can test it without
    /// following a pointer.
    pub final_code: Option<u16>,
    /// First final response (shared: a 2xx is usually both the first final and the first 2xx).
    pub first_final: Option<Arc<Response>>,
    /// First 2xx (may follow a failure when a proxy misbehaves).
    pub first_success: Option<Arc<Response>>,
    /// Time a CANCEL for this transaction was seen.
    pub cancel_ts: Option<Timestamp>,
    /// Early dialogs, by To-tag.
    pub tags: Branches,
    /// For a NOTIFY carrying a `message/sipfrag` body (the progress of a transfer, RFC 3515):
    /// the status code in it.
    pub sipfrag: Option<u16>,
}

impl Transaction {
    /// A transaction whose request went from `ends.0` to `ends.1`, first seen at `ts` as message
    /// `index` of its call; nothing answered yet.
    pub fn new(
        method: Method,
        cseq: u32,
        branch: u64,
        ends: (SocketAddr, SocketAddr),
        ts: Timestamp,
        index: u32,
    ) -> Self {
        Transaction {
            method,
            cseq,
            branch,
            src: ends.0,
            dst: ends.1,
            in_dialog: false,
            request_seen: false,
            credentials: false,
            first_ts: ts,
            index,
            provisional: None,
            responded: false,
            provisional_before_final: false,
            request_retransmissions: 0,
            success_retransmissions: 0,
            final_code: None,
            first_final: None,
            first_success: None,
            cancel_ts: None,
            tags: Branches::None,
            sipfrag: None,
        }
    }

    /// The outcome that decides this transaction: its first 2xx if any, else its first final.
    pub fn decisive(&self) -> Option<&Response> {
        self.first_success.as_deref().or(self.first_final.as_deref())
    }

    /// Records a response of this transaction.
    pub fn add_response(&mut self, code: u16, index: u32, msg: &SipMessage) {
        self.responded = true;
        if code < 200 && self.first_final.is_none() {
            self.provisional_before_final = true;
        }
        if (101..200).contains(&code) && self.provisional.is_none() {
            self.provisional = Some(Mark { code, ts: msg.ts, index });
        }
        let first_final = code >= 200 && self.first_final.is_none();
        let first_success = (200..300).contains(&code) && self.first_success.is_none();
        if first_final || first_success {
            let resp = Arc::new(Response { code, ts: msg.ts, index, msg: msg.clone() });
            if first_final {
                self.final_code = Some(code);
                self.first_final = Some(resp.clone());
            }
            if first_success {
                self.first_success = Some(resp);
            }
        }
        let tag = msg.to_tag();
        if tag.is_empty() {
            return;
        }
        if let Some(b) = self.tags.iter_mut().find(|b| b.tag_bytes() == tag) {
            b.last_code = code;
            if code >= 200 && b.final_code.is_none() {
                b.final_code = Some(code);
            }
        } else if self.tags.len() < MAX_TAGS {
            let contact = msg.contact_addr();
            let branch = match uri_hostport(msg.slice(contact.uri)) {
                Some(hp) => TagBranch::new(tag, &text_of(hp), code),
                None => with_addr_text(msg.src, |peer| TagBranch::new(tag, peer, code)),
            };
            self.tags.push(branch);
        }
    }
}

/// `bytes` as text, invalid UTF-8 replaced. Tags and hosts are nearly always plain ASCII, for
/// which the standard check is several times quicker than the replacing conversion's walk.
fn text_of(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// The `host[:port]` part of a SIP URI (`sip:user@host:port;params`), if it has one.
pub fn uri_hostport(uri: &[u8]) -> Option<&[u8]> {
    let colon = uri.iter().position(|&b| b == b':')?;
    let scheme = &uri[..colon];
    if !scheme.eq_ignore_ascii_case(b"sip") && !scheme.eq_ignore_ascii_case(b"sips") {
        return None;
    }
    let rest = &uri[colon + 1..];
    let rest = match rest.iter().position(|&b| b == b'@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    let end = rest.iter().position(|&b| matches!(b, b';' | b'?' | b'>')).unwrap_or(rest.len());
    let hp = &rest[..end];
    (!hp.is_empty()).then_some(hp)
}

/// The status code of a `message/sipfrag` body (`SIP/2.0 486 Busy Here`), as a NOTIFY for a
/// REFER carries it.
pub fn sipfrag_code(msg: &SipMessage) -> Option<u16> {
    let ct = msg.slice(msg.headers.content_type);
    if ct.len() < 15 || !ct[..15].eq_ignore_ascii_case(b"message/sipfrag") {
        return None;
    }
    let body = msg.raw.get(msg.headers.body.start as usize..)?;
    let rest = body.strip_prefix(b"SIP/2.0 ")?;
    let code = rest.get(..3)?;
    code.iter().all(u8::is_ascii_digit).then(|| code.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
}

#[cfg(test)]
mod tests {
    use super::uri_hostport;

    #[test]
    fn hostport_of_uris() {
        assert_eq!(uri_hostport(b"sip:uas@127.0.0.31:5060;transport=UDP"), Some(&b"127.0.0.31:5060"[..]));
        assert_eq!(uri_hostport(b"sip:[fd99::2]:5060"), Some(&b"[fd99::2]:5060"[..]));
        assert_eq!(uri_hostport(b"SIPS:bob@example.com"), Some(&b"example.com"[..]));
        assert_eq!(uri_hostport(b"tel:+1555"), None);
        assert_eq!(uri_hostport(b""), None);
    }
}

/// Calls `f` with `addr` as `a.b.c.d:port` (or `[v6]:port`), an IPv4 address written on the
/// stack without the formatting machinery: a branch per answering device is named by it,
/// thousands of times a second under load.
pub fn with_addr_text<T>(addr: SocketAddr, f: impl FnOnce(&str) -> T) -> T {
    match addr {
        SocketAddr::V4(a) => {
            let mut buf = [0u8; 21];
            let n = crate::packet::v4_text(a, &mut buf);
            // Digits, dots and a colon: always UTF-8.
            f(std::str::from_utf8(&buf[..n]).unwrap_or_default())
        }
        SocketAddr::V6(_) => f(&addr.to_string()),
    }
}

#[cfg(test)]
mod addr_text_tests {
    #[test]
    fn matches_display() {
        for a in
            ["127.0.0.1:5060", "0.0.0.0:0", "255.255.255.255:65535", "10.20.30.4:9", "[2001:db8::1]:5061"]
        {
            let addr: std::net::SocketAddr = a.parse().unwrap();
            assert_eq!(super::with_addr_text(addr, str::to_string), addr.to_string());
        }
    }
}

#[cfg(test)]
mod branch_tests {
    use super::*;

    #[test]
    fn branch_text_inline_and_on_the_heap_reads_the_same() {
        for (tag, peer) in [
            ("", ""),
            ("29107SIPpTag011", "127.0.0.51:5060"),
            ("a", "[2001:db8::1]:5060"),
            ("t".repeat(25).as_str(), "192.0.2.1:5060"), // 39 bytes: inline
            ("t".repeat(26).as_str(), "192.0.2.1:5060"), // 40: inline
            ("t".repeat(27).as_str(), "192.0.2.1:5060"), // 41: heap
            ("ümlaut-tag", "host.example.com:5061"),
            ("x".repeat(300).as_str(), "[2001:db8:1:2:3:4:5:6]:5060"),
        ] {
            let b = TagBranch::new(tag.as_bytes(), peer, 180);
            assert_eq!(b.tag(), tag);
            assert_eq!(b.tag_bytes(), tag.as_bytes());
            assert_eq!(b.peer(), peer);
            assert_eq!((b.last_code, b.final_code), (180, None));
        }
        // Invalid UTF-8 in a tag reads as its replacement, as before.
        let b = TagBranch::new(b"a\xffb", "p:1", 486);
        assert_eq!((b.tag(), b.peer(), b.final_code), ("a\u{fffd}b", "p:1", Some(486)));
    }

    #[test]
    fn branches_read_as_a_slice_from_none_to_many() {
        let mut all = Branches::default();
        assert!(all.is_empty() && all.last().is_none());
        for n in 1..=5u16 {
            all.push(TagBranch::new(format!("tag{n}").as_bytes(), "192.0.2.1:5060", 180));
            assert_eq!(all.len(), usize::from(n));
            assert_eq!(all.last().unwrap().tag(), format!("tag{n}"));
            let tags: Vec<&str> = (&all).into_iter().map(TagBranch::tag).collect();
            assert_eq!(tags, (1..=n).map(|k| format!("tag{k}")).collect::<Vec<_>>());
        }
        all.iter_mut().for_each(|b| b.last_code = 200);
        assert!(all.iter().all(|b| b.last_code == 200));
    }
}
