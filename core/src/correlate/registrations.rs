//! The registrations table: one row per registering device (a REGISTER Call-ID, which a device
//! keeps across refreshes, RFC 3261 10.2.4), with its address of record, Contact, where it
//! registers from and to, its User-Agent, the result of its latest attempt and until when the
//! registrar granted the binding. Its status at a moment follows from those ([`RegStatus`]).
//! Fed by the engine with every message that is not a retransmission or duplicate. Bounded:
//! [`MAX_REGISTRATIONS`] rows; beyond, the row made first leaves (counted).

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;

use crate::sip::{Method, SipMessage};
use crate::time::Timestamp;

/// Most rows held.
pub const MAX_REGISTRATIONS: usize = 65_536;
/// A REGISTER with no final response for this long has failed (RFC 3261 Timer F).
pub const NO_RESPONSE_MS: i64 = 32_000;
/// A row that ended (expired, unregistered, failed) with nothing new for this long is dropped: a
/// phone that rebooted has a new Call-ID, and the old row must not count for ever.
pub const FORGET_ENDED_MS: i64 = 3_600_000;
/// Longest value kept of a header copied into a row (AoR, Contact, User-Agent, Call-ID).
const MAX_FIELD: usize = 256;

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegStatus {
    /// Registered: the registrar's 2xx granted a binding that has not run out.
    Registered,
    /// Asked to try again: for credentials (401/407 to a REGISTER without them, the usual first
    /// step, or a fresh nonce) or for a longer expiry (423); after 32 s without a retry it counts
    /// as failed.
    Challenged,
    /// A REGISTER is waiting for its final response.
    Pending,
    /// Refused (403, 404, 5xx…, or 401/407 to a REGISTER that carried credentials), no final
    /// response came in time, or a challenge was never answered.
    Failed,
    /// The binding ran out without a refresh.
    Expired,
    /// The device removed its binding (expires 0, answered 2xx).
    Unregistered,
}

impl RegStatus {
    /// Lower-case name as printed in outputs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            RegStatus::Registered => "registered",
            RegStatus::Challenged => "challenged",
            RegStatus::Pending => "pending",
            RegStatus::Failed => "failed",
            RegStatus::Expired => "expired",
            RegStatus::Unregistered => "unregistered",
        }
    }

    /// Every status, in the order of [`RegStatus::as_str`]'s list.
    pub const ALL: [RegStatus; 6] = [
        RegStatus::Registered,
        RegStatus::Challenged,
        RegStatus::Pending,
        RegStatus::Failed,
        RegStatus::Expired,
        RegStatus::Unregistered,
    ];
}

/// One registering device.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The REGISTER Call-ID.
    pub call_id: Box<[u8]>,
    /// Address of record (the To URI).
    pub aor: Box<[u8]>,
    /// The first Contact URI of the latest REGISTER (empty for a query or `*`).
    pub contact: Box<[u8]>,
    /// Who sent the REGISTER nearest the device (fewest Vias).
    pub source: SocketAddr,
    /// Where that REGISTER went.
    pub registrar: SocketAddr,
    /// Its User-Agent.
    pub user_agent: Box<[u8]>,
    /// Final status code of the latest attempt that got one.
    pub last_code: Option<u16>,
    /// When the latest REGISTER was sent.
    pub last_request: Timestamp,
    /// When the latest final response came.
    pub last_response: Option<Timestamp>,
    /// End of the binding the latest 2xx granted (`None`: no 2xx, or the binding was removed).
    pub expires_at: Option<Timestamp>,
    /// REGISTER requests (retransmissions not counted).
    pub requests: u32,
    /// Final responses that refused (challenges to requests without credentials not counted).
    pub failures: u32,
    via_count: u16,
    pending_since: Option<Timestamp>,
    pending_credentials: bool,
    pending_removal: bool,
    challenged_since: Option<Timestamp>,
    removed: bool,
    refused: bool,
    challenged: bool,
}

impl Registration {
    /// Where it stands at `now`. A refresh in flight (pending or challenged) leaves a binding
    /// that has not run out registered; a refusal shows at once.
    pub fn status(&self, now: Timestamp) -> RegStatus {
        let waited_too_long = |since: Timestamp| now.millis_since(since) >= NO_RESPONSE_MS;
        let bound = !self.removed && self.expires_at.is_some_and(|t| t >= now);
        if self.refused {
            RegStatus::Failed
        } else if bound {
            RegStatus::Registered
        } else if let Some(since) = self.pending_since {
            if waited_too_long(since) {
                RegStatus::Failed
            } else {
                RegStatus::Pending
            }
        } else if self.challenged {
            // Challenged again and again for 32 s without a 2xx (wrong password), or a challenge
            // never answered (no credentials for this registrar): failed.
            if self.challenged_since.is_some_and(waited_too_long) {
                RegStatus::Failed
            } else {
                RegStatus::Challenged
            }
        } else if self.removed {
            RegStatus::Unregistered
        } else if self.expires_at.is_some() {
            RegStatus::Expired
        } else {
            RegStatus::Pending
        }
    }
}

/// Counters of the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistrationStats {
    /// REGISTER requests seen (retransmissions not counted).
    pub requests: u64,
    /// 2xx answers to REGISTER.
    pub accepted: u64,
    /// Refusals (see [`Registration::failures`]).
    pub refused: u64,
    /// Rows pushed out by the bound.
    pub evicted: u64,
}

/// The key of a Call-ID (its hash: a row's memory does not depend on a Call-ID's length).
fn key_of(call_id: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    call_id.hash(&mut h);
    h.finish()
}

/// Every registering device seen.
#[derive(Debug, Default)]
pub struct Registrations {
    rows: HashMap<u64, Registration>,
    order: VecDeque<u64>,
    last_sweep: Option<Timestamp>,
    stats: RegistrationStats,
}

/// A binding's URI as compared: up to its parameters, case-insensitive.
fn binding_key(uri: &[u8]) -> &[u8] {
    let end = uri.iter().position(|&b| b == b';' || b == b'?').unwrap_or(uri.len());
    &uri[..end]
}

/// The `expires` of the Contact entry whose URI is `uri` (the first entry when `uri` is
/// `None`), reading each comma-separated entry on its own; then the Expires header.
fn contact_expires(msg: &SipMessage, uri: Option<&[u8]>) -> Option<u32> {
    use crate::sip::fields::{find_param, parse_name_addr, parse_u32, split_first_value};
    let span = msg.headers.contact;
    let (mut at, end) = (span.start as usize, span.end as usize);
    let raw = &msg.raw[..];
    while !span.is_empty() && at < end && end <= raw.len() {
        let (_, vend) = split_first_value(raw, at, end);
        let na = parse_name_addr(raw, at, vend);
        let this = &raw[na.uri.start as usize..na.uri.end as usize];
        if uri.is_none_or(|u| binding_key(this).eq_ignore_ascii_case(binding_key(u))) {
            let gt = raw[at..vend].iter().position(|&b| b == b'>').map_or(at, |p| at + p + 1);
            if let Some(n) = parse_u32(msg.slice(find_param(raw, gt, vend, b"expires"))) {
                return Some(n);
            }
            break;
        }
        if uri.is_none() {
            break;
        }
        at = vend + 1;
    }
    let h = crate::sip::scan::find_header(raw, msg.headers.body.start as usize, b"Expires")?;
    parse_u32(msg.slice(h))
}

fn field(b: &[u8]) -> Box<[u8]> {
    b[..b.len().min(MAX_FIELD)].into()
}

impl Registrations {
    /// Learns from one message (not a retransmission or a duplicate).
    pub fn observe(&mut self, msg: &SipMessage) {
        if msg.headers.cseq_method != Method::Register {
            return;
        }
        let call_id = msg.call_id();
        if call_id.is_empty() {
            return;
        }
        if msg.is_request() {
            if msg.method() != Method::Register {
                return;
            }
            // A query (no Contact) changes no binding: it makes no row and leaves a device's alone.
            if msg.headers.contact.is_empty() {
                return;
            }
            self.stats.requests += 1;
            let row = self.row(msg, call_id);
            row.requests += 1;
            row.last_request = msg.ts;
            row.pending_since = Some(msg.ts);
            row.pending_credentials = msg.headers.credentials;
            row.pending_removal =
                contact_expires(msg, None) == Some(0) || msg.slice(msg.headers.contact) == b"*";
            if msg.headers.via_count <= row.via_count {
                row.via_count = msg.headers.via_count;
                row.source = msg.src;
                row.registrar = msg.dst;
                let contact = msg.contact_addr();
                row.contact =
                    field(msg.slice(if contact.uri.is_empty() { msg.headers.contact } else { contact.uri }));
                if !msg.headers.user_agent.is_empty() {
                    row.user_agent = field(msg.slice(msg.headers.user_agent));
                }
            }
            return;
        }
        let Some(code) = msg.status() else { return };
        if code < 200 {
            return;
        }
        // A step, not a refusal: a challenge (401/407: the usual first step, a fresh nonce, an
        // IMS AKA challenge, a proxy's then a registrar's) or 423 Interval Too Brief. A device
        // challenged again and again without a 2xx fails after 32 s (see `status`).
        let step = matches!(code, 401 | 407 | 423);
        if (200..300).contains(&code) {
            self.stats.accepted += 1;
        } else if !step {
            self.stats.refused += 1;
        }
        let row = self.row(msg, call_id);
        row.pending_since = None;
        row.last_code = Some(code);
        row.last_response = Some(msg.ts);
        row.challenged = false;
        if (200..300).contains(&code) {
            // The 2xx lists every binding of the AoR: this device's is the entry with its Contact.
            let granted =
                if row.contact.is_empty() { None } else { contact_expires(msg, Some(&row.contact)) };
            row.refused = false;
            row.challenged_since = None;
            row.removed = row.pending_removal || granted == Some(0) || row.contact.as_ref() == b"*";
            row.expires_at =
                (!row.removed).then(|| msg.ts.plus_millis(i64::from(granted.unwrap_or(3600)) * 1_000));
        } else if step {
            row.challenged = true;
            row.challenged_since.get_or_insert(msg.ts);
        } else {
            row.failures += 1;
            row.refused = true;
            row.challenged_since = None;
            // A refused refresh does not remove a binding the registrar still holds.
        }
    }

    /// The row of `call_id`, made if new (from a request, or from a response whose request
    /// was not captured).
    fn row(&mut self, msg: &SipMessage, call_id: &[u8]) -> &mut Registration {
        let key = key_of(call_id);
        if !self.rows.contains_key(&key) {
            if self.rows.len() >= MAX_REGISTRATIONS {
                if let Some(old) = self.order.pop_front() {
                    self.rows.remove(&old);
                    self.stats.evicted += 1;
                }
            }
            let (source, registrar) = if msg.is_request() { (msg.src, msg.dst) } else { (msg.dst, msg.src) };
            let to = msg.headers.to_addr(&msg.raw);
            self.order.push_back(key);
            self.rows.insert(
                key,
                Registration {
                    call_id: field(call_id),
                    aor: field(msg.slice(if to.uri.is_empty() { msg.headers.to } else { to.uri })),
                    contact: Box::default(),
                    source,
                    registrar,
                    user_agent: Box::default(),
                    last_code: None,
                    last_request: msg.ts,
                    last_response: None,
                    expires_at: None,
                    requests: 0,
                    failures: 0,
                    via_count: if msg.is_request() { u16::MAX } else { msg.headers.via_count },
                    pending_since: None,
                    pending_credentials: false,
                    pending_removal: false,
                    challenged_since: None,
                    removed: false,
                    refused: false,
                    challenged: false,
                },
            );
        }
        self.rows.get_mut(&key).expect("row just made")
    }

    /// Drops rows that ended an hour ago or more (at most once a minute of capture time).
    pub fn sweep(&mut self, now: Timestamp) {
        if self.last_sweep.is_some_and(|t| now.millis_since(t) < 60_000) {
            return;
        }
        self.last_sweep = Some(now);
        self.rows.retain(|_, r| {
            let last = r.last_response.map_or(r.last_request, |t| t.max(r.last_request));
            let ended =
                matches!(r.status(now), RegStatus::Expired | RegStatus::Unregistered | RegStatus::Failed);
            !(ended && now.millis_since(last) >= FORGET_ENDED_MS)
        });
        let rows = &self.rows;
        self.order.retain(|k| rows.contains_key(k));
    }

    /// The rows as views list them, with their status at `now`: by status (registered first),
    /// then address of record, source and Call-ID (a total order: outputs are stable).
    pub fn sorted(&self, now: Timestamp) -> Vec<(RegStatus, &Registration)> {
        let mut rows: Vec<_> = self.rows.values().map(|r| (r.status(now), r)).collect();
        rows.sort_by(|(sa, a), (sb, b)| {
            (sa, &a.aor, a.source, &a.call_id).cmp(&(sb, &b.aor, b.source, &b.call_id))
        });
        rows
    }

    /// Every row, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Registration> {
        self.rows.values()
    }

    /// Rows held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no REGISTER was seen.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// How many rows are in each status at `now`, in the order of [`RegStatus::ALL`].
    pub fn count_by_status(&self, now: Timestamp) -> [u64; 6] {
        let mut n = [0u64; 6];
        for r in self.rows.values() {
            let s = r.status(now);
            n[RegStatus::ALL.iter().position(|x| *x == s).expect("every status listed")] += 1;
        }
        n
    }

    /// Counters.
    pub fn stats(&self) -> RegistrationStats {
        self.stats
    }
}
