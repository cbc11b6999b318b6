//! A SIP message: its raw bytes (shared, never re-serialised) plus the offsets of what we index.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::time::Timestamp;

/// A byte range `start..end` into a message's raw bytes. `start == end` means absent or empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The empty span.
    pub const NONE: Span = Span { start: 0, end: 0 };

    /// A span from `start` to `end` (given as usize offsets).
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: start as u32, end: end as u32 }
    }

    /// True when the span covers no bytes.
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// Number of bytes covered.
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    /// The bytes covered, or an empty slice if the span is out of range.
    pub fn get(self, raw: &[u8]) -> &[u8] {
        raw.get(self.start as usize..self.end as usize).unwrap_or(&[])
    }
}

/// SIP request methods we know by name; anything else is `Other` (its text is in the span).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// INVITE
    Invite,
    /// ACK
    Ack,
    /// BYE
    Bye,
    /// CANCEL
    Cancel,
    /// REGISTER
    Register,
    /// OPTIONS
    Options,
    /// INFO
    Info,
    /// UPDATE
    Update,
    /// PRACK
    Prack,
    /// SUBSCRIBE
    Subscribe,
    /// NOTIFY
    Notify,
    /// REFER
    Refer,
    /// MESSAGE
    Message,
    /// PUBLISH
    Publish,
    /// An extension method.
    Other,
}

impl Method {
    /// The method name (`OTHER` for an extension method).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Register => "REGISTER",
            Method::Options => "OPTIONS",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Publish => "PUBLISH",
            Method::Other => "OTHER",
        }
    }

    /// Recognises a method token (method names are case-sensitive, RFC 3261 §7.1).
    pub fn from_token(token: &[u8]) -> Method {
        match token {
            b"INVITE" => Method::Invite,
            b"ACK" => Method::Ack,
            b"BYE" => Method::Bye,
            b"CANCEL" => Method::Cancel,
            b"REGISTER" => Method::Register,
            b"OPTIONS" => Method::Options,
            b"INFO" => Method::Info,
            b"UPDATE" => Method::Update,
            b"PRACK" => Method::Prack,
            b"SUBSCRIBE" => Method::Subscribe,
            b"NOTIFY" => Method::Notify,
            b"REFER" => Method::Refer,
            b"MESSAGE" => Method::Message,
            b"PUBLISH" => Method::Publish,
            _ => Method::Other,
        }
    }
}

/// The first line of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartLine {
    /// `METHOD Request-URI SIP/2.0`
    Request {
        /// The method, if known.
        method: Method,
        /// The method token as written.
        method_span: Span,
        /// The Request-URI.
        uri: Span,
    },
    /// `SIP/2.0 CODE Reason`
    Response {
        /// Status code, 100..=699.
        code: u16,
        /// The reason phrase as sent (may be empty).
        reason: Span,
    },
}

/// A From, To or Contact value: `"display" <uri>;tag=...`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameAddr {
    /// Display name without quotes (empty if none).
    pub display: Span,
    /// The URI without angle brackets.
    pub uri: Span,
    /// The `tag` parameter value (empty if none).
    pub tag: Span,
}

/// The parts of the top Via we index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Via {
    /// Transport token of the sent-protocol (`UDP`, `TCP`, `WS`, …).
    pub transport: Span,
    /// `host[:port]` as sent.
    pub sent_by: Span,
    /// The `branch` parameter value.
    pub branch: Span,
}

/// Everything the scanner indexes in one message. All spans are relative to the message start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Headers {
    /// Request or status line.
    pub start: StartLine,
    /// Call-ID value.
    pub call_id: Span,
    /// CSeq sequence number.
    pub cseq: u32,
    /// CSeq method.
    pub cseq_method: Method,
    /// CSeq method token as written.
    pub cseq_method_span: Span,
    /// The From value, whole (parse it with [`Headers::from_addr`]).
    pub from: Span,
    /// The To value, whole (parse it with [`Headers::to_addr`]).
    pub to: Span,
    /// The top (first) Via value (parse it with [`Headers::top_via`]).
    pub via: Span,
    /// The To tag and the top Via's branch, once indexed ([`Headers::index_dialog_keys`]);
    /// read them with [`Headers::to_tag`] and [`Headers::via_branch`].
    keys: Option<DialogKeys>,
    /// Number of Via values in the message (comma-separated values counted one by one).
    pub via_count: u16,
    /// The Contact header value, whole (parse its first entry with [`Headers::contact_addr`]).
    pub contact: Span,
    /// First Reason header value, whole.
    pub reason: Span,
    /// First Warning header value, whole.
    pub warning: Span,
    /// User-Agent value.
    pub user_agent: Span,
    /// Server value.
    pub server: Span,
    /// Content-Type value.
    pub content_type: Span,
    /// Content-Length value, if present and valid.
    pub content_length: Option<u32>,
    /// Max-Forwards value, if present and valid.
    pub max_forwards: Option<u32>,
    /// Whether any Record-Route header is present.
    pub record_route: bool,
    /// Whether an Authorization or Proxy-Authorization header is present.
    pub credentials: bool,
    /// Number of header fields (folded lines count once).
    pub header_count: u16,
    /// The message body.
    pub body: Span,
    /// Set when Content-Length was present but not a number, or repeated with other values.
    pub bad_content_length: bool,
    /// Set when a datagram ended before the header block or the body it announced.
    pub truncated: bool,
}

/// What tells dialogs, forked branches and transactions apart: found when correlation asks for
/// it, not by the scanner (a plain listing of messages never reads them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DialogKeys {
    to_tag: Span,
    via_branch: Span,
}

/// `span` as offsets into `raw`, if it lies within it.
fn bounds(span: Span, raw: &[u8]) -> Option<(usize, usize)> {
    let (start, end) = (span.start as usize, span.end as usize);
    (start <= end && end <= raw.len()).then_some((start, end))
}

impl Headers {
    /// An index with only the start line filled in: the scanner's starting point.
    pub(crate) fn new(start: StartLine) -> Headers {
        Headers {
            start,
            call_id: Span::NONE,
            cseq: 0,
            cseq_method: Method::Other,
            cseq_method_span: Span::NONE,
            from: Span::NONE,
            to: Span::NONE,
            via: Span::NONE,
            keys: None,
            via_count: 0,
            contact: Span::NONE,
            reason: Span::NONE,
            warning: Span::NONE,
            user_agent: Span::NONE,
            server: Span::NONE,
            content_type: Span::NONE,
            content_length: None,
            max_forwards: None,
            record_route: false,
            credentials: false,
            header_count: 0,
            body: Span::NONE,
            bad_content_length: false,
            truncated: false,
        }
    }

    /// Finds the To tag and the top Via's branch once, so that [`Headers::to_tag`] and
    /// [`Headers::via_branch`] are plain reads after (correlation calls this before it reads them
    /// several times). `raw` is the message the index is of.
    pub fn index_dialog_keys(&mut self, raw: &[u8]) {
        if self.keys.is_none() {
            self.keys =
                Some(DialogKeys { to_tag: self.find_to_tag(raw), via_branch: self.find_via_branch(raw) });
        }
    }

    /// The To `tag` parameter (empty if none): it tells dialogs and forked branches apart.
    /// Found now unless [`Headers::index_dialog_keys`] has run.
    pub fn to_tag(&self, raw: &[u8]) -> Span {
        match self.keys {
            Some(k) => k.to_tag,
            None => self.find_to_tag(raw),
        }
    }

    /// The `branch` parameter of the top Via (empty if none): it names the transaction. Found
    /// now unless [`Headers::index_dialog_keys`] has run.
    pub fn via_branch(&self, raw: &[u8]) -> Span {
        match self.keys {
            Some(k) => k.via_branch,
            None => self.find_via_branch(raw),
        }
    }

    fn find_to_tag(&self, raw: &[u8]) -> Span {
        bounds(self.to, raw).map_or(Span::NONE, |(s, e)| super::fields::name_addr_tag(raw, s, e))
    }

    fn find_via_branch(&self, raw: &[u8]) -> Span {
        // sent-protocol and sent-by hold no ';', so the first one starts the parameters.
        bounds(self.via, raw).map_or(Span::NONE, |(s, e)| super::fields::find_param(raw, s, e, b"branch"))
    }

    /// The From header's display name, URI and tag. Parsed on demand: most messages never need
    /// it, so the scanner only notes where the value is. `raw` is the message the index is of.
    pub fn from_addr(&self, raw: &[u8]) -> NameAddr {
        bounds(self.from, raw)
            .map_or_else(NameAddr::default, |(s, e)| super::fields::parse_name_addr(raw, s, e))
    }

    /// The To header, parsed on demand like [`Headers::from_addr`].
    pub fn to_addr(&self, raw: &[u8]) -> NameAddr {
        bounds(self.to, raw)
            .map_or_else(NameAddr::default, |(s, e)| super::fields::parse_name_addr(raw, s, e))
    }

    /// The top Via's transport, sent-by and branch, parsed on demand.
    pub fn top_via(&self, raw: &[u8]) -> Via {
        bounds(self.via, raw).map_or_else(Via::default, |(s, e)| super::fields::parse_via(raw, s, e))
    }

    /// The first Contact entry, parsed on demand like [`Headers::from_addr`].
    pub fn contact_addr(&self, raw: &[u8]) -> NameAddr {
        bounds(self.contact, raw).map_or_else(NameAddr::default, |(s, e)| {
            let (_, first_end) = super::fields::split_first_value(raw, s, e);
            super::fields::parse_name_addr(raw, s, first_end)
        })
    }
}

/// Transport a message was carried on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    /// UDP datagram.
    Udp,
    /// TCP stream.
    Tcp,
    /// WebSocket message over TCP (RFC 7118).
    Ws,
    /// SCTP DATA chunk.
    Sctp,
}

impl Transport {
    /// Lower-case name as printed in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Ws => "ws",
            Transport::Sctp => "sctp",
        }
    }
}

/// One SIP message as captured: when, between whom, over what, and its raw bytes with an index.
#[derive(Debug, Clone)]
pub struct SipMessage {
    /// Capture time of the packet that completed the message.
    pub ts: Timestamp,
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Transport it came on.
    pub transport: Transport,
    /// Exactly the message bytes (start line to end of body), shared.
    pub raw: Arc<[u8]>,
    /// Offsets of indexed parts in `raw`.
    pub headers: Headers,
}

impl SipMessage {
    /// The bytes of a span of this message.
    pub fn slice(&self, span: Span) -> &[u8] {
        span.get(&self.raw)
    }

    /// The From header, parsed (see [`Headers::from_addr`]).
    pub fn from_addr(&self) -> NameAddr {
        self.headers.from_addr(&self.raw)
    }

    /// The first Contact, parsed (see [`Headers::contact_addr`]).
    pub fn contact_addr(&self) -> NameAddr {
        self.headers.contact_addr(&self.raw)
    }

    /// The To tag (see [`Headers::to_tag`]).
    pub fn to_tag(&self) -> &[u8] {
        self.slice(self.headers.to_tag(&self.raw))
    }

    /// The top Via's branch (see [`Headers::via_branch`]).
    pub fn via_branch(&self) -> &[u8] {
        self.slice(self.headers.via_branch(&self.raw))
    }

    /// Call-ID bytes.
    pub fn call_id(&self) -> &[u8] {
        self.slice(self.headers.call_id)
    }

    /// Status code for a response, `None` for a request.
    pub fn status(&self) -> Option<u16> {
        match self.headers.start {
            StartLine::Response { code, .. } => Some(code),
            StartLine::Request { .. } => None,
        }
    }

    /// Whether this 401/407 asks for a fresh nonce (`stale=true`, RFC 2617 3.2.1): the
    /// credentials were right, only their nonce had expired; no refusal.
    pub fn asks_for_fresh_nonce(&self) -> bool {
        let names: &[&[u8]] = &[b"WWW-Authenticate", b"Proxy-Authenticate"];
        crate::sip::scan::find_any_header(&self.raw, self.headers.body.start as usize, names).is_some_and(
            |(_, span)| {
                let v = self.slice(span).to_ascii_lowercase();
                memchr::memmem::find(&v, b"stale=true").is_some()
                    || memchr::memmem::find(&v, b"stale=\"true\"").is_some()
            },
        )
    }

    /// The method of a request, or the CSeq method of a response.
    pub fn method(&self) -> Method {
        match self.headers.start {
            StartLine::Request { method, .. } => method,
            StartLine::Response { .. } => self.headers.cseq_method,
        }
    }

    /// The reason phrase of a response (`Busy Here`), empty for a request.
    pub fn reason_phrase(&self) -> &[u8] {
        match self.headers.start {
            StartLine::Response { reason, .. } => self.slice(reason),
            StartLine::Request { .. } => &[],
        }
    }

    /// Whether this is a request.
    pub fn is_request(&self) -> bool {
        matches!(self.headers.start, StartLine::Request { .. })
    }
}
