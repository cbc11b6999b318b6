//! A call: every message of one Call-ID on every hop the capture point sees, with its
//! transactions, legs, forked branches, state and timings.

use std::hash::{Hash, Hasher};
use std::net::SocketAddr;

use super::kind::{dialog_method, CallKind, CallState};
use super::transaction::{Response, Transaction};
use crate::sip::{Method, SipMessage, StartLine};
use crate::time::Timestamp;

/// Most transactions remembered per call (later ones still count as messages).
pub const MAX_TRANSACTIONS: usize = 128;
/// How many recent message fingerprints are kept for retransmission and duplicate checks.
const MAX_FINGERPRINTS: usize = 64;
/// Two identical packets closer than this are one packet captured twice, not a retransmission.
pub const DUPLICATE_WINDOW_MS: i64 = 10;
/// A copy of a message later than this after the previous one is no retransmission: a
/// transaction retransmits for 64*T1 at most (RFC 3261 Timers B, F, H).
pub const RETRANSMISSION_WINDOW_MS: i64 = 32_500;

/// What adding a message found out about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Added {
    /// Index of the message in the call.
    pub index: u32,
    /// Same transaction and message as an earlier one: a protocol retransmission.
    pub retransmission: bool,
    /// The same packet captured twice (identical bytes, same direction, within 10 ms).
    pub duplicate: bool,
}

/// A branch of a call as reported: one downstream leg of a forking proxy, or one early dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BranchSummary {
    /// The far end: the address the leg was sent to, or the Contact of the answering device.
    pub peer: String,
    /// To-tag of the branch's (final) response, empty if none came.
    pub to_tag: String,
    /// Its final status code, if it got one.
    pub final_code: Option<u16>,
}

/// Where a branch leads: the leg's destination address, or the answering device as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer<'a> {
    /// The address a downstream leg was sent to.
    Addr(SocketAddr),
    /// The Contact host:port (or source address) of the answering device.
    Text(&'a str),
}

/// A branch borrowed from its call (see [`Call::visit_branches`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BranchRef<'a> {
    /// The far end.
    pub peer: Peer<'a>,
    /// To-tag of the branch's (final) response, empty if none came.
    pub to_tag: &'a [u8],
    /// Its final status code, if it got one.
    pub final_code: Option<u16>,
}

/// What is remembered of a Call-ID whose record was written out, so that a later message of it
/// continues the same call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resumed {
    /// Messages of the Call-ID so far.
    pub messages: u32,
    /// Records written so far.
    pub parts: u32,
    /// Its kind.
    pub kind: CallKind,
    /// Its dialog-forming method.
    pub primary: Method,
}

/// One Call-ID.
#[derive(Debug, Clone)]
pub struct Call {
    /// The Call-ID bytes.
    pub call_id: std::sync::Arc<[u8]>,
    /// What the dialog-forming request says this is.
    pub kind: CallKind,
    /// The method that defines the kind (INVITE for calls, REGISTER for registrations…): the
    /// first message's, or for an in-dialog request the method that formed its dialog.
    pub primary: Method,
    /// Which record of this Call-ID this is: 1, or more when the Call-ID came back after an
    /// earlier record had been written out (see [`crate::correlate::Correlator`]).
    pub part: u32,
    /// Index (within the whole Call-ID) of this record's first message: the messages of the
    /// earlier parts come before it, so evidence indices stay those of the Call-ID.
    pub first_index: u32,
    /// The first message was an in-dialog request: the capture saw the dialog from its middle.
    pub from_middle: bool,
    /// Lifetime granted by the 2xx of a REGISTER or SUBSCRIBE (Expires or Contact expires), in
    /// seconds; 0 for a de-registration.
    pub granted_expires: Option<u32>,
    /// Lifetime the latest REGISTER or SUBSCRIBE asked for.
    pub requested_expires: Option<u32>,
    /// The outcome was a challenge (401/407) not yet retried: the retry may come minutes later.
    /// Kept with the state, so that the sweep over every call each second reads a flag.
    pub awaiting_retry: bool,
    /// Where it stands.
    pub state: CallState,
    /// The first request seen (or the first message if no request was seen).
    pub first: SipMessage,
    /// Capture time of the first message.
    pub first_ts: Timestamp,
    /// Capture time of the latest message.
    pub last_ts: Timestamp,
    /// SIP messages of this record, retransmissions and duplicates included.
    pub messages: u32,
    /// Messages that were protocol retransmissions.
    pub retransmissions: u32,
    /// Messages that were the same packet captured twice.
    pub duplicates: u32,
    /// Transactions in order of appearance (bounded).
    pub transactions: Vec<Transaction>,
    /// Transactions not kept because of the bound.
    pub transactions_dropped: u32,
    /// CSeq of the current attempt of the first request's method (a challenged request retried
    /// with credentials starts a new attempt).
    pub attempt_cseq: Option<u32>,
    /// First BYE after the call was answered.
    pub bye_ts: Option<Timestamp>,
    /// When the latest BYE was seen (a forked call answered twice ends one dialog early and the
    /// other later; its media runs until the last).
    pub last_bye_ts: Option<Timestamp>,
    /// The dialogs (tag pairs, hashed) a BYE was seen in: another BYE of one of them (the other
    /// side's, or a proxy's copy) does not move `last_bye_ts`.
    bye_dialogs: crate::one_or_many::OneOrMany<u64>,
    /// Who sent that BYE.
    pub bye_from: Option<SocketAddr>,
    /// Its Reason header value, if it had one (why the call ended).
    pub bye_reason: Box<[u8]>,
    /// A REFER or NOTIFY was seen (the transfer and subscription rules look only then).
    pub has_refer_or_notify: bool,
    /// An ACK for a 2xx was seen.
    pub ack_for_2xx: bool,
    /// Where ACKs for 2xx went, and when (bounded).
    pub acks_for_2xx: crate::one_or_many::OneOrMany<(std::net::IpAddr, Timestamp)>,
    /// Index of a request that arrived with Max-Forwards: 0.
    pub max_forwards_zero: Option<u32>,
    /// Set by the timers: no final answer in time.
    pub timed_out: bool,
    /// Call-IDs of linked calls (B2BUA legs named by X-Call-ID-style headers).
    pub linked: Vec<String>,
    /// Rule ids of findings about this call.
    pub findings: Vec<&'static str>,
    /// Rule ids of findings about this call rolled up into its source's finding.
    pub rolled_up: Vec<&'static str>,
    /// The call was forced out of memory before it ended.
    pub evicted: bool,
    /// Session descriptions, RTP streams and RTCP reports of the call (inline: the call itself
    /// is boxed, so this moves with it for free, and a box of its own cost an allocation and a
    /// pointer to follow for every call).
    pub media: crate::media::CallMedia,
    /// Where the correlator's schedule has the call (its next moment, whether rules watch it).
    pub(crate) slot: super::schedule::Slot,
    /// The correlator's key of the Call-ID (its keyed digest), set when the call is filed (every
    /// call is filed by `Correlator::add` before anything else sees it): the media table keeps
    /// it with each address the call announced.
    pub(crate) key: u64,
    /// A second digest of the Call-ID (see [`Call::id_check`]), set with `key`.
    pub(crate) id_check: u64,
    fingerprints: Fingerprints,
}

/// One message's fingerprint: its transaction key, a digest of its content, and when it came.
type Fingerprint = (u64, u64, Timestamp);

/// Fingerprints kept inline before they spill to the heap (most calls have fewer messages).
const INLINE_FINGERPRINTS: usize = 8;
const _: () = assert!(INLINE_FINGERPRINTS < MAX_FINGERPRINTS);

/// The recent fingerprints of a call, oldest first, at most [`MAX_FINGERPRINTS`]: inline for
/// the first few messages (no allocation per call), then in a vector.
#[derive(Debug, Clone)]
enum Fingerprints {
    Inline { len: u8, items: [Fingerprint; INLINE_FINGERPRINTS] },
    Heap(Vec<Fingerprint>),
}

impl Default for Fingerprints {
    fn default() -> Self {
        Fingerprints::Inline { len: 0, items: [(0, 0, Timestamp(0)); INLINE_FINGERPRINTS] }
    }
}

impl Fingerprints {
    fn as_slice(&self) -> &[Fingerprint] {
        match self {
            Fingerprints::Inline { len, items } => &items[..usize::from(*len)],
            Fingerprints::Heap(all) => all,
        }
    }

    /// Adds one, dropping the oldest beyond [`MAX_FINGERPRINTS`].
    fn push(&mut self, f: Fingerprint) {
        match self {
            Fingerprints::Inline { len, items } if usize::from(*len) < INLINE_FINGERPRINTS => {
                items[usize::from(*len)] = f;
                *len += 1;
            }
            Fingerprints::Inline { items, .. } => {
                let mut all = Vec::with_capacity(2 * INLINE_FINGERPRINTS);
                all.extend_from_slice(&items[..]);
                all.push(f);
                *self = Fingerprints::Heap(all);
            }
            Fingerprints::Heap(all) => {
                if all.len() == MAX_FINGERPRINTS {
                    all.remove(0);
                }
                all.push(f);
            }
        }
    }
}

/// The dialog a request belongs to, whoever sent it: its two tags, in either order, hashed.
fn dialog_key(msg: &SipMessage) -> u64 {
    let from = msg.slice(msg.headers.from_addr(&msg.raw).tag);
    let to = msg.to_tag();
    let (a, b) = if from <= to { (from, to) } else { (to, from) };
    let mut h = FastHasher::default();
    h.write(a);
    h.write(&[0]);
    h.write(b);
    h.finish()
}

/// A fast, non-cryptographic 64-bit hasher for fingerprints compared within one call (an
/// attacker crafting collisions only confuses the retransmission count of their own call), and
/// for the Call-ID check beside the correlator's keyed digest (see [`Call::id_check`]).
#[derive(Default)]
struct FastHasher(u64);

impl FastHasher {
    /// The multiplier of each step (the golden ratio in 64 bits).
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
}

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        // Final avalanche (splitmix64).
        let mut z = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = FastHasher::K;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ v).wrapping_mul(K);
        }
        let tail = tail_word(bytes, chunks.remainder().len());
        h = (h.rotate_left(5) ^ tail ^ (bytes.len() as u64)).wrapping_mul(K);
        self.0 = h;
    }
}

/// The last `n` bytes of `bytes` (`n` below 8) as a little-endian word, zero above: the bytes
/// a whole-word step did not take. Read with whole loads that may overlap, never byte by byte
/// into a buffer (a word read of bytes just stored one at a time waits for the stores).
#[inline]
fn tail_word(bytes: &[u8], n: usize) -> u64 {
    let len = bytes.len();
    debug_assert_eq!(n, len % 8, "the bytes a whole-word step left");
    if n == 0 {
        return 0;
    }
    if len >= 8 {
        let last = u64::from_le_bytes(bytes[len - 8..].try_into().expect("eight bytes"));
        return last >> (8 * (8 - n));
    }
    // The whole input is shorter than a word: `n == len`.
    if len >= 4 {
        let lo = u64::from(u32::from_le_bytes(bytes[..4].try_into().expect("four bytes")));
        let hi = u64::from(u32::from_le_bytes(bytes[len - 4..].try_into().expect("four bytes")));
        return lo | hi << (8 * (len - 4));
    }
    let (a, b, c) = (u64::from(bytes[0]), u64::from(bytes[len / 2]), u64::from(bytes[len - 1]));
    a | b << (8 * (len / 2)) | c << (8 * (len - 1))
}

fn hash64(parts: impl FnOnce(&mut FastHasher)) -> u64 {
    let mut h = FastHasher::default();
    parts(&mut h);
    h.finish()
}

/// A digest of a message's bytes for telling a packet captured twice from a retransmission
/// whose content changed: its length and three 64-byte windows (start, middle, end). Two
/// messages with the same transaction key, length and windows are treated as the same bytes;
/// hashing every byte of every message cost more than the rest of the bookkeeping.
/// The windows are hashed in four independent lanes (a word each in turn) so that the
/// multiplications overlap instead of waiting on one another.
fn content_digest(raw: &[u8]) -> u64 {
    const W: usize = 64;
    if raw.len() <= 3 * W {
        return hash64(|s| {
            s.write_usize(raw.len());
            s.write(raw);
        });
    }
    let mid = raw.len() / 2 - W / 2;
    let mut lanes = [0u64; 4];
    for window in [&raw[..W], &raw[mid..mid + W], &raw[raw.len() - W..]] {
        for (i, word) in window.chunks_exact(8).enumerate() {
            let v = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            lanes[i % 4] = (lanes[i % 4].rotate_left(5) ^ v).wrapping_mul(FastHasher::K);
        }
    }
    hash64(|s| {
        s.write_usize(raw.len());
        lanes.iter().for_each(|&lane| s.write_u64(lane));
    })
}

impl Call {
    /// A second, unkeyed digest of a Call-ID, kept inside the call: with the keyed one it tells
    /// two Call-IDs apart without reading the call's copy of the bytes.
    pub(crate) fn id_check(call_id: &[u8]) -> u64 {
        hash64(|s| s.write(call_id))
    }

    /// A call started by `msg`.
    pub fn new(msg: &SipMessage) -> Call {
        let in_dialog = msg.is_request() && !msg.to_tag().is_empty();
        let primary = if in_dialog { dialog_method(msg.method()) } else { msg.method() };
        Call {
            call_id: msg.call_id().into(),
            kind: CallKind::from_method(primary),
            primary,
            part: 1,
            first_index: 0,
            from_middle: in_dialog,
            granted_expires: None,
            requested_expires: None,
            awaiting_retry: false,
            state: CallState::InProgress,
            first: msg.clone(),
            first_ts: msg.ts,
            last_ts: msg.ts,
            messages: 0,
            retransmissions: 0,
            duplicates: 0,
            transactions: Vec::new(),
            transactions_dropped: 0,
            attempt_cseq: None,
            bye_ts: None,
            last_bye_ts: None,
            bye_dialogs: Default::default(),
            bye_from: None,
            bye_reason: Box::default(),
            has_refer_or_notify: false,
            ack_for_2xx: false,
            acks_for_2xx: Default::default(),
            max_forwards_zero: None,
            timed_out: false,
            linked: Vec::new(),
            findings: Vec::new(),
            rolled_up: Vec::new(),
            evicted: false,
            media: Default::default(),
            fingerprints: Fingerprints::default(),
            slot: Default::default(),
            key: 0,
            id_check: 0,
        }
    }

    /// A later record of a Call-ID whose earlier record was written out: it continues the
    /// numbering of messages and keeps the kind.
    pub fn resume(msg: &SipMessage, earlier: &Resumed) -> Call {
        let mut call = Call::new(msg);
        call.kind = earlier.kind;
        call.primary = earlier.primary;
        call.part = earlier.parts.saturating_add(1);
        call.first_index = earlier.messages;
        call
    }

    /// The last thing seen of the call: its last message, or its last media packet if later
    /// (a long conversation without session timers has no SIP for an hour while RTP flows).
    pub fn last_activity(&self) -> Timestamp {
        self.media.last_packet.map_or(self.last_ts, |t| t.max(self.last_ts))
    }

    /// The method that defines this call's kind (INVITE for calls, REGISTER for registrations…).
    pub fn primary_method(&self) -> Method {
        self.primary
    }

    /// Messages of the Call-ID up to the end of this record (earlier parts included).
    pub fn total_messages(&self) -> u32 {
        self.first_index.saturating_add(self.messages)
    }

    /// Adds a message of this Call-ID.
    pub fn add(&mut self, msg: &SipMessage) -> Added {
        let index = self.total_messages();
        self.messages = self.messages.saturating_add(1);
        self.last_ts = self.last_ts.max(msg.ts);
        let mut added = Added { index, ..Added::default() };
        let h = &msg.headers;
        let content = content_digest(&msg.raw);
        let transaction_key = hash64(|s| {
            msg.via_branch().hash(s);
            h.cseq.hash(s);
            msg.slice(h.cseq_method_span).hash(s);
            (msg.src, msg.dst).hash(s);
            match h.start {
                StartLine::Request { method_span, .. } => (0u16, msg.slice(method_span)).hash(s),
                StartLine::Response { code, .. } => (code, msg.to_tag()).hash(s),
            }
        });
        // The latest copy of the same transaction and message: a retransmission if it came
        // within the transaction's lifetime (64*T1), the same packet twice if within 10 ms with
        // the same bytes. The same bytes again minutes later (a looping replay, a device that
        // reuses its branch) are a new message.
        if let Some(&(_, body, ts)) =
            self.fingerprints.as_slice().iter().rev().find(|f| f.0 == transaction_key)
        {
            let since = msg.ts.millis_since(ts);
            if body == content && since < DUPLICATE_WINDOW_MS {
                added.duplicate = true;
            } else if since <= RETRANSMISSION_WINDOW_MS {
                added.retransmission = true;
            }
        }
        self.fingerprints.push((transaction_key, content, msg.ts));
        if added.duplicate {
            self.duplicates = self.duplicates.saturating_add(1);
            return added;
        }
        if added.retransmission {
            self.retransmissions = self.retransmissions.saturating_add(1);
            let branch = Self::branch_of(msg);
            match h.start {
                StartLine::Request { method, .. } => {
                    if let Some(tx) = self.find_tx(branch, method, h.cseq) {
                        tx.request_retransmissions = tx.request_retransmissions.saturating_add(1);
                    }
                }
                StartLine::Response { code: 200..=299, .. } => {
                    if let Some(tx) = self.find_tx(branch, h.cseq_method, h.cseq) {
                        tx.success_retransmissions = tx.success_retransmissions.saturating_add(1);
                    }
                }
                StartLine::Response { .. } => {}
            }
            return added;
        }
        match h.start {
            StartLine::Request { method, .. } => self.add_request(method, index, msg),
            StartLine::Response { code, .. } => self.add_response(code, index, msg),
        }
        self.update_state();
        added
    }

    fn branch_of(msg: &SipMessage) -> u64 {
        hash64(|s| msg.via_branch().hash(s))
    }

    fn find_tx(&mut self, branch: u64, method: Method, cseq: u32) -> Option<&mut Transaction> {
        self.transactions
            .iter_mut()
            .rev()
            .find(|t| t.branch == branch && t.method == method && t.cseq == cseq)
    }

    fn push_tx(&mut self, tx: Transaction) -> Option<&mut Transaction> {
        if self.transactions.len() >= MAX_TRANSACTIONS {
            self.transactions_dropped = self.transactions_dropped.saturating_add(1);
            // A registration or subscription refreshed for hours keeps its Call-ID: make room
            // by forgetting its oldest finished transaction of an earlier attempt, so that the
            // current one is always known. A call keeps its first transactions (the set-up).
            let long_lived = matches!(self.kind, CallKind::Registration | CallKind::Subscription);
            let current = self.attempt_cseq;
            let old = self
                .transactions
                .iter()
                .position(|t| t.final_code.is_some() && Some(t.cseq) != current && t.cseq != tx.cseq);
            match old.filter(|_| long_lived) {
                Some(i) => {
                    self.transactions.remove(i);
                }
                None => return None,
            }
        }
        if self.transactions.capacity() == 0 {
            // A call's INVITE and BYE, a registration's challenge and retry: two is common.
            self.transactions.reserve_exact(2);
        }
        self.transactions.push(tx);
        self.transactions.last_mut()
    }

    fn add_request(&mut self, method: Method, index: u32, msg: &SipMessage) {
        let h = &msg.headers;
        let branch = Self::branch_of(msg);
        let in_dialog = !msg.to_tag().is_empty();
        if h.max_forwards == Some(0) && self.max_forwards_zero.is_none() {
            self.max_forwards_zero = Some(index);
        }
        match method {
            Method::Ack => {
                // ACK for a non-2xx final shares the INVITE's branch; ACK for a 2xx is new.
                if self.find_tx(branch, Method::Invite, h.cseq).is_none() {
                    self.ack_for_2xx = true;
                    if self.acks_for_2xx.len() < 16 {
                        self.acks_for_2xx.push((msg.dst.ip(), msg.ts));
                    }
                }
                return;
            }
            Method::Cancel => {
                if let Some(inv) = self.find_tx(branch, Method::Invite, h.cseq) {
                    inv.cancel_ts.get_or_insert(msg.ts);
                }
            }
            Method::Bye if self.answered().is_some() && self.bye_ts.is_some() => {
                let dialog = dialog_key(msg);
                if !self.bye_dialogs.contains(&dialog) && self.bye_dialogs.len() < 16 {
                    self.bye_dialogs.push(dialog);
                    self.last_bye_ts = Some(self.last_bye_ts.map_or(msg.ts, |t| t.max(msg.ts)));
                }
            }
            Method::Bye if self.answered().is_some() => {
                self.bye_dialogs.push(dialog_key(msg));
                self.bye_ts = Some(msg.ts);
                self.last_bye_ts = Some(msg.ts);
                self.bye_from = Some(msg.src);
                if !h.reason.is_empty() {
                    self.bye_reason = msg.slice(h.reason).into();
                }
            }
            _ => {}
        }
        if method == self.primary_method() && !in_dialog && self.attempt_cseq.is_none_or(|c| h.cseq > c) {
            self.attempt_cseq = Some(h.cseq);
        }
        if matches!(method, Method::Register | Method::Subscribe) {
            self.requested_expires = granted_expires(msg);
        }
        if let Some(tx) = self.find_tx(branch, method, h.cseq) {
            // The request arrived after its responses (capture order), or on a second interface.
            if !tx.request_seen {
                tx.request_seen = true;
                tx.src = msg.src;
                tx.dst = msg.dst;
                tx.index = index;
            }
            return;
        }
        let mut tx = Transaction::new(method, h.cseq, branch, (msg.src, msg.dst), msg.ts, index);
        tx.in_dialog = in_dialog;
        if method == Method::Notify {
            tx.sipfrag = super::transaction::sipfrag_code(msg);
        }
        if matches!(method, Method::Notify | Method::Refer) {
            self.has_refer_or_notify = true;
        }
        tx.credentials = method != Method::Ack && h.credentials;
        tx.request_seen = true;
        self.push_tx(tx);
    }

    fn add_response(&mut self, code: u16, index: u32, msg: &SipMessage) {
        let h = &msg.headers;
        let branch = Self::branch_of(msg);
        let method = h.cseq_method;
        if self.find_tx(branch, method, h.cseq).is_none() {
            // The request was not captured: know the transaction from its response.
            if method == self.primary_method() && self.attempt_cseq.is_none_or(|c| h.cseq > c) {
                self.attempt_cseq = Some(h.cseq);
            }
            self.push_tx(Transaction::new(method, h.cseq, branch, (msg.dst, msg.src), msg.ts, index));
        }
        if let Some(tx) = self.find_tx(branch, method, h.cseq) {
            tx.add_response(code, index, msg);
        }
        if (200..300).contains(&code) && matches!(method, Method::Register | Method::Subscribe) {
            // A de-registration asked for 0 (its 2xx may list other bindings, or none at all).
            self.granted_expires = if self.requested_expires == Some(0) {
                Some(0)
            } else {
                granted_expires(msg).or(self.requested_expires)
            };
        }
    }

    /// The transaction a message belongs to (by top Via branch, CSeq number and method).
    pub fn transaction_of(&self, msg: &SipMessage) -> Option<&Transaction> {
        let branch = Self::branch_of(msg);
        let (method, cseq) = (msg.headers.cseq_method, msg.headers.cseq);
        let method = if msg.is_request() { msg.method() } else { method };
        self.transactions.iter().rev().find(|t| t.branch == branch && t.method == method && t.cseq == cseq)
    }

    /// Transactions of the current attempt of the primary request, caller's hop first.
    pub fn attempt(&self) -> impl Iterator<Item = &Transaction> {
        let method = self.primary_method();
        let cseq = self.attempt_cseq;
        self.transactions.iter().filter(move |t| t.method == method && !t.in_dialog && Some(t.cseq) == cseq)
    }

    /// The caller's hop of the current attempt: the earliest transaction of it.
    pub fn caller_hop(&self) -> Option<&Transaction> {
        self.attempt().next()
    }

    /// The first 2xx on the caller's hop.
    pub fn answered(&self) -> Option<&Response> {
        self.caller_hop().and_then(|t| t.first_success.as_deref())
    }

    /// The final response that decided the exchange on the caller's hop: a 2xx if one arrived,
    /// else the first final response; for a subscription lost later, the 481 that ended it.
    pub fn decisive(&self) -> Option<&Response> {
        if self.kind == CallKind::Subscription {
            if let Some(r) = self.subscription_lost().and_then(|t| t.first_final.as_deref()) {
                return Some(r);
            }
        }
        self.caller_hop().and_then(|t| t.decisive())
    }

    /// Recomputes [`Call::state`] from the caller's hop.
    pub fn update_state(&mut self) {
        self.state = self.compute_state();
        self.awaiting_retry =
            matches!(self.state, CallState::Rejected | CallState::Challenged | CallState::Failed)
                && self.caller_hop().is_some_and(|t| matches!(t.final_code, Some(401 | 407)));
    }

    fn compute_state(&self) -> CallState {
        let Some(caller) = self.caller_hop() else {
            return if self.timed_out {
                CallState::Timeout
            } else if self.from_middle || self.part > 1 {
                CallState::MidDialog
            } else {
                CallState::InProgress
            };
        };
        let final_code = caller.final_code;
        let success = caller.first_success.is_some();
        match self.kind {
            CallKind::Call => {
                if success {
                    return if self.unconfirmed_2xx().is_some() {
                        CallState::Unconfirmed
                    } else if self.bye_ts.is_some() {
                        CallState::Completed
                    } else {
                        CallState::Answered
                    };
                }
                match final_code {
                    Some(300..=399) => CallState::Redirected,
                    Some(486) | Some(600) => CallState::Busy,
                    Some(603) => CallState::Declined,
                    Some(487) => CallState::Cancelled,
                    Some(408) => CallState::Timeout,
                    Some(_) => CallState::Rejected,
                    None if caller.cancel_ts.is_some() => CallState::Cancelled,
                    None if self.timed_out => CallState::Timeout,
                    None if caller.provisional.is_some() => CallState::Ringing,
                    None => CallState::InProgress,
                }
            }
            CallKind::Registration => match final_code {
                _ if success && self.granted_expires == Some(0) => CallState::Unregistered,
                _ if success => CallState::Registered,
                Some(401) | Some(407) => CallState::Challenged,
                Some(408) => CallState::Timeout,
                Some(_) => CallState::Refused,
                None if self.timed_out => CallState::Timeout,
                None => CallState::InProgress,
            },
            CallKind::Subscription if success && self.primary == Method::Subscribe => {
                if self.subscription_lost().is_some() {
                    CallState::Failed
                } else {
                    CallState::Subscribed
                }
            }
            _ => match final_code {
                _ if success => CallState::Ok,
                Some(408) => CallState::Timeout,
                Some(_) => CallState::Failed,
                None if self.timed_out => CallState::Timeout,
                None => CallState::InProgress,
            },
        }
    }

    /// A NOTIFY or a refreshing SUBSCRIBE of this Call-ID answered 481: the other side no
    /// longer knows the subscription.
    pub fn subscription_lost(&self) -> Option<&Transaction> {
        if self.kind != CallKind::Subscription {
            return None;
        }
        self.transactions.iter().find(|t| {
            matches!(t.method, Method::Notify | Method::Subscribe) && t.in_dialog && t.final_code == Some(481)
        })
    }

    /// An INVITE transaction whose 2xx was never confirmed: the answering side retransmitted
    /// it at least twice (RFC 3261 §13.3.1.4: it resends until the ACK arrives) and no ACK
    /// reached its sender afterwards. A 2xx that is not retransmitted was ACKed, even when the
    /// ACK took a path this capture does not see.
    pub fn unconfirmed_2xx(&self) -> Option<&Transaction> {
        self.unacked_2xx(2)
    }

    /// Like [`Call::unconfirmed_2xx`], with at least `resends` retransmissions of the 2xx.
    pub fn unacked_2xx(&self, resends: u32) -> Option<&Transaction> {
        self.transactions.iter().find(|t| {
            if t.success_retransmissions < resends || t.method != Method::Invite {
                return false;
            }
            let Some(ok) = t.first_success.as_deref() else { return false };
            let sender = ok.msg.src.ip();
            !self.acks_for_2xx.iter().any(|(dst, ts)| *dst == sender && *ts >= ok.ts)
        })
    }

    /// The branches of the call: the downstream legs of a forking proxy when the capture sees
    /// them, else the early dialogs (To-tags) of the responses on the caller's hop.
    pub fn branches(&self) -> Vec<BranchSummary> {
        let mut out = Vec::new();
        self.visit_branches(|b| {
            out.push(BranchSummary {
                peer: match b.peer {
                    Peer::Addr(a) => a.to_string(),
                    Peer::Text(t) => t.to_string(),
                },
                to_tag: String::from_utf8_lossy(b.to_tag).into_owned(),
                final_code: b.final_code,
            })
        });
        out
    }

    /// Calls `f` with each branch of [`Call::branches`], borrowed from the call (no allocation).
    pub fn visit_branches(&self, mut f: impl FnMut(BranchRef<'_>)) {
        let mut attempt = self.attempt();
        let Some(caller) = attempt.next() else { return };
        let mut legs = attempt.peekable();
        if legs.peek().is_some() {
            for t in legs {
                let decisive = t.decisive();
                let to_tag = decisive
                    .map(|r| r.msg.to_tag())
                    .or_else(|| t.tags.last().map(|b| b.tag_bytes()))
                    .unwrap_or_default();
                f(BranchRef { peer: Peer::Addr(t.dst), to_tag, final_code: decisive.map(|r| r.code) });
            }
            return;
        }
        for b in &caller.tags {
            f(BranchRef { peer: Peer::Text(b.peer()), to_tag: b.tag_bytes(), final_code: b.final_code });
        }
    }

    /// Address that sent the first request.
    pub fn src(&self) -> SocketAddr {
        self.caller_hop().map_or(self.first.src, |t| t.src)
    }

    /// Address the first request went to.
    pub fn dst(&self) -> SocketAddr {
        self.caller_hop().map_or(self.first.dst, |t| t.dst)
    }

    fn call_hop(&self) -> Option<&Transaction> {
        if self.kind == CallKind::Call {
            self.caller_hop()
        } else {
            None
        }
    }

    /// Post-dial delay: the first INVITE to the first 18x on the caller's hop, or to the final
    /// response when none came (the caller hears busy or a failure then; ITU-T E.411) (calls only).
    pub fn pdd_ms(&self) -> Option<i64> {
        let t = self.call_hop()?;
        let first = match (t.provisional.as_ref(), t.first_final.as_deref()) {
            (Some(p), Some(f)) => p.ts.min(f.ts),
            (Some(p), None) => p.ts,
            (None, Some(f)) => f.ts,
            (None, None) => return None,
        };
        Some(first.millis_since(self.invite_ts()?))
    }

    /// Setup time: first INVITE to the 2xx on the caller's hop (calls only).
    pub fn setup_ms(&self) -> Option<i64> {
        self.call_hop()?;
        Some(self.answered()?.ts.millis_since(self.invite_ts()?))
    }

    /// Ring time: first 18x to the decisive final response on the caller's hop (calls only).
    pub fn ring_ms(&self) -> Option<i64> {
        let t = self.call_hop()?;
        Some(t.decisive()?.ts.millis_since(t.provisional.as_ref()?.ts))
    }

    /// Talk time: the 2xx to the first BYE (calls only; none for a call never confirmed).
    pub fn duration_ms(&self) -> Option<i64> {
        self.call_hop()?;
        if self.state == CallState::Unconfirmed {
            return None;
        }
        Some(self.bye_ts?.millis_since(self.answered()?.ts))
    }

    /// Time of the first primary request of the call (the first INVITE, before any challenge).
    pub fn invite_ts(&self) -> Option<Timestamp> {
        let m = self.primary_method();
        self.transactions.iter().find(|t| t.method == m && !t.in_dialog).map(|t| t.first_ts)
    }
}

/// The lifetime a 2xx to REGISTER or SUBSCRIBE grants: the `expires` parameter of its first
/// Contact, or its Expires header.
pub fn granted_expires(msg: &SipMessage) -> Option<u32> {
    let contact = msg.headers.contact;
    if !contact.is_empty() {
        let (s, e) = (contact.start as usize, contact.end as usize);
        let gt = msg.raw[s..e].iter().position(|&b| b == b'>').map_or(s, |p| s + p + 1);
        let v = crate::sip::fields::find_param(&msg.raw, gt, e, b"expires");
        if let Some(n) = crate::sip::fields::parse_u32(msg.slice(v)) {
            return Some(n);
        }
    }
    let span = crate::sip::scan::find_header(&msg.raw, msg.headers.body.start as usize, b"Expires")?;
    crate::sip::fields::parse_u32(msg.slice(span))
}

#[cfg(test)]
mod tail_tests {
    use super::tail_word;

    #[test]
    fn tail_word_is_the_zero_padded_remainder() {
        let data: Vec<u8> = (1..=40u8).map(|b| b.wrapping_mul(37)).collect();
        for len in 0..=data.len() {
            let bytes = &data[..len];
            let n = len % 8;
            let mut padded = [0u8; 8];
            padded[..n].copy_from_slice(&bytes[len - n..]);
            assert_eq!(tail_word(bytes, n), u64::from_le_bytes(padded), "length {len}");
        }
    }
}

#[cfg(test)]
mod fingerprint_tests {
    use super::*;

    /// Inline for the first few, then on the heap, always oldest first and at most
    /// MAX_FINGERPRINTS, the oldest dropped first.
    #[test]
    fn fingerprints_spill_and_keep_the_newest() {
        let mut f = Fingerprints::default();
        for n in 0..200u64 {
            f.push((n, n * 7, Timestamp(n as i64)));
            let kept = f.as_slice();
            let want = (n + 1).min(MAX_FINGERPRINTS as u64);
            assert_eq!(kept.len() as u64, want, "after {n}");
            assert_eq!(kept.last().unwrap().0, n);
            assert_eq!(kept[0].0, n + 1 - want);
            assert!(kept.windows(2).all(|w| w[0].0 + 1 == w[1].0));
            assert_eq!(matches!(f, Fingerprints::Inline { .. }), n < INLINE_FINGERPRINTS as u64);
        }
    }
}
