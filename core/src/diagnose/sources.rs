//! Source rules: traffic patterns of one source address, in windows of capture time. Always
//! attributed to the packet's source IP, never to the From header (which attackers set to
//! anything).
//!
//! - `scanner`: a User-Agent of a known SIP scanning tool; or one source asking for many
//!   different users and failing with them (extension enumeration) within a minute, or slowly,
//!   within an hour.
//! - `auth-bruteforce`: many credentials refused from one source within a minute.
//! - `toll-fraud`: one source whose calls to many international-looking numbers fail.
//!
//! A challenge (401/407) is not a failure: it is how digest authentication starts, and a
//! `stale=true` challenge is how a server asks for a fresh nonce. Twelve phones behind one NAT
//! address booting at once each get one; what counts is whether the user then succeeds. So a
//! challenge stays pending for [`RETRY_MS`]; a 2xx for the same user from the same source
//! clears it (and forgives that user's earlier failures); only a challenge never followed by
//! success, or a definitive refusal (403, 404), counts.
//!
//! Once a source is flagged, findings about its own calls are rolled up into the source
//! finding (counted in [`super::DiagnoseStats::rolled_up`]) instead of one per call.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use super::{Evidence, Finding, Severity, Subject};
use crate::correlate::{Added, Call};
use crate::sip::{Method, SipMessage};
use crate::time::Timestamp;

/// Length of the short window.
pub const WINDOW_MS: i64 = 60_000;
/// Length of the long window (slow scans, toll fraud).
pub const LONG_WINDOW_MS: i64 = 3_600_000;
/// How long a challenged user has to come back with credentials and succeed.
pub const RETRY_MS: i64 = 32_000;
/// Distinct failed users from one source within the short window that count as enumeration.
pub const ENUMERATION_USERS: usize = 10;
/// Distinct failed users within the long window that count as a slow scan.
pub const SLOW_SCAN_USERS: usize = 30;
/// Refused credentials from one source within the short window that count as brute force.
pub const BRUTEFORCE_FAILURES: u32 = 10;
/// Distinct international-looking numbers whose calls failed, within the long window.
pub const TOLL_FRAUD_NUMBERS: usize = 5;
/// Most sources tracked at once.
pub const MAX_SOURCES: usize = 65_536;
/// Most users tracked per source and window.
const MAX_USERS: usize = 128;

/// SIPVicious's name as it leaves it in the From header.
static SIPVICIOUS: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"sipvicious"));

/// User-Agent substrings (lower case) of SIP scanning and attack tools.
pub const SCANNER_AGENTS: &[&str] = &[
    "friendly-scanner",
    "sipvicious",
    "sipcli",
    "sip-scan",
    "sipscan",
    "vaxsipuseragent",
    "sundayddr",
    "iwar",
    "siparmyknife",
    "sipptk",
    "pplsip",
    "smap",
];

/// Whether `v` holds any of [`SCANNER_AGENTS`], compared case-blind: one walk over `v` that
/// looks at the names only where a byte could begin one (every request's User-Agent is read).
fn names_a_scanner(v: &[u8]) -> bool {
    v.iter().enumerate().any(|(i, &b)| {
        // `| 0x20` folds an upper-case letter onto its lower case (and nothing else onto these).
        matches!(b | 0x20, b'f' | b's' | b'v' | b'i' | b'p')
            && SCANNER_AGENTS
                .iter()
                .any(|t| v.get(i..i + t.len()).is_some_and(|w| w.eq_ignore_ascii_case(t.as_bytes())))
    })
}

/// What one source did with one user (the user part of the To URI) in a window.
#[derive(Debug, Clone, Copy, Default)]
struct UserTrack {
    user: u64,
    /// Challenged (401/407) and not yet succeeded: when.
    challenged_at: Option<Timestamp>,
    /// Credentials refused with 401/407 since the last challenge cleared (pending: the
    /// server may only have wanted a fresh nonce).
    pending_refusals: u32,
    /// Credentials refused for certain (403 judged so, or pending ones that never succeeded).
    refusals: u32,
    /// Refused outright (403, 404 to a request without credentials).
    refused: bool,
    /// Ended in a 2xx.
    succeeded: bool,
}

impl UserTrack {
    fn overdue(&self, now: Timestamp) -> bool {
        self.challenged_at.is_some_and(|t| now.millis_since(t) > RETRY_MS)
    }

    /// The user failed (refused, or challenged and never succeeded in time).
    fn failed(&self, now: Timestamp) -> bool {
        !self.succeeded && (self.refused || self.refusals > 0 || self.overdue(now))
    }

    fn refused_credentials(&self, now: Timestamp) -> u32 {
        if self.succeeded {
            0
        } else {
            self.refusals + if self.overdue(now) { self.pending_refusals } else { 0 }
        }
    }
}

#[derive(Default)]
struct Source {
    window_start: Timestamp,
    long_start: Timestamp,
    last_seen: Timestamp,
    users: Vec<UserTrack>,
    long_failed_users: Vec<u64>,
    international: Vec<u64>,
    international_ok: bool,
    destinations: Vec<u64>,
    fraud_evidence: Vec<Evidence>,
    servers: Vec<IpAddr>,
    calls: u32,
    scanner: bool,
    bruteforce: bool,
    toll_fraud: bool,
    evidence: Vec<Evidence>,
}

impl Source {
    fn roll(&mut self, now: Timestamp) {
        if now.millis_since(self.window_start) > WINDOW_MS {
            // Users that failed move to the long window before the short one starts afresh.
            for u in &self.users {
                if u.failed(now)
                    && !self.long_failed_users.contains(&u.user)
                    && self.long_failed_users.len() < 256
                {
                    self.long_failed_users.push(u.user);
                }
            }
            self.window_start = now;
            self.users.retain(|u| u.challenged_at.is_some_and(|t| now.millis_since(t) <= RETRY_MS));
            self.evidence.clear();
        }
        if now.millis_since(self.long_start) > LONG_WINDOW_MS {
            self.long_start = now;
            self.long_failed_users.clear();
            self.international.clear();
            self.international_ok = false;
            self.destinations.clear();
            self.fraud_evidence.clear();
            self.servers.clear();
            self.calls = 0;
        }
        self.last_seen = now;
    }

    fn note(&mut self, e: Evidence) {
        if self.evidence.len() < 12 {
            self.evidence.push(e);
        }
    }

    fn user(&mut self, user: u64) -> Option<&mut UserTrack> {
        if let Some(i) = self.users.iter().position(|u| u.user == user) {
            return self.users.get_mut(i);
        }
        if self.users.len() >= MAX_USERS {
            return None;
        }
        self.users.push(UserTrack { user, ..UserTrack::default() });
        self.users.last_mut()
    }

    fn failed_users(&self, now: Timestamp) -> usize {
        self.users.iter().filter(|u| u.failed(now)).count()
    }

    fn slow_failed_users(&self, now: Timestamp) -> usize {
        self.long_failed_users.len()
            + self.users.iter().filter(|u| u.failed(now) && !self.long_failed_users.contains(&u.user)).count()
    }

    fn refused_credentials(&self, now: Timestamp) -> u32 {
        self.users.iter().map(|u| u.refused_credentials(now)).sum()
    }

    fn flagged(&self) -> bool {
        self.scanner || self.bruteforce || self.toll_fraud
    }
}

/// Per-source state.
#[derive(Default)]
pub struct SourceRules {
    sources: HashMap<IpAddr, Source>,
    /// Sources not tracked because the table was full.
    pub untracked: u64,
}

fn what(msg: &SipMessage) -> String {
    match msg.status() {
        Some(code) => format!("{code} to {}", msg.headers.cseq_method.as_str()),
        None => format!(
            "{} from {}",
            String::from_utf8_lossy(msg.slice(match msg.headers.start {
                crate::sip::StartLine::Request { method_span, .. } => method_span,
                _ => Default::default(),
            })),
            msg.src
        ),
    }
}

fn hash_of(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// The user part of the To URI (`sip:user@host` -> `user`).
fn to_user(msg: &SipMessage) -> &[u8] {
    let to = msg.slice(msg.headers.to_addr(&msg.raw).uri);
    let to = to.iter().position(|&b| b == b':').map_or(to, |c| &to[c + 1..]);
    to.split(|&b| b == b'@' || b == b';').next().unwrap_or(to)
}

/// A dialled number that looks international: `+`, `00` or `011` and at least ten digits in
/// all, or a chain of carrier and international prefixes (14 digits and more). An 11-digit
/// national number (a North American long-distance call) is not.
pub fn looks_international(user: &[u8]) -> bool {
    let digits = user.strip_prefix(b"+").unwrap_or(user);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let prefixed = user.starts_with(b"+") || user.starts_with(b"00") || user.starts_with(b"011");
    (prefixed && digits.len() >= 10) || digits.len() >= 14
}

/// A cheap look at a raw To header before parsing it: a user part starting with `+` or `0`
/// after the scheme's colon, or a run of 14 digits or more.
fn may_be_international(to: &[u8]) -> bool {
    let mut run = 0;
    for (i, &b) in to.iter().enumerate() {
        if b == b':' && matches!(to.get(i + 1), Some(b'+' | b'0')) {
            return true;
        }
        run = if b.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 14 {
            return true;
        }
    }
    false
}

/// A final answer to an INVITE that refuses the route or the caller (what a toll-fraud attempt
/// meets), as opposed to the callee being busy, absent or the caller giving up.
fn refuses_route(code: u16) -> bool {
    matches!(code, 403 | 404 | 482 | 483 | 484 | 485 | 500..=599 | 604)
}

/// The destination behind a dialled string: its last nine digits (prefixes that pick a
/// carrier or an international route vary in front of the same number).
fn destination(user: &[u8]) -> u64 {
    let digits: Vec<u8> = user.iter().copied().filter(u8::is_ascii_digit).collect();
    hash_of(&digits[digits.len().saturating_sub(9)..])
}

impl SourceRules {
    fn source(&mut self, ip: IpAddr, now: Timestamp) -> Option<&mut Source> {
        // A new source when the table is full: make room first, or leave it untracked.
        if self.sources.len() >= MAX_SOURCES && !self.sources.contains_key(&ip) {
            self.forget(now);
            if self.sources.len() >= MAX_SOURCES {
                self.untracked += 1;
                return None;
            }
        }
        // Otherwise one lookup finds or makes it.
        let s = self.sources.entry(ip).or_insert_with(|| Source {
            window_start: now,
            long_start: now,
            ..Default::default()
        });
        s.roll(now);
        Some(s)
    }

    /// Whether findings about calls from `ip` are rolled up into a source finding.
    pub fn flagged(&self, ip: IpAddr) -> bool {
        self.sources.get(&ip).is_some_and(Source::flagged)
    }

    fn forget(&mut self, now: Timestamp) {
        self.sources.retain(|_, s| now.millis_since(s.last_seen) <= LONG_WINDOW_MS || s.flagged());
        if self.sources.len() >= MAX_SOURCES {
            self.sources.retain(|_, s| now.millis_since(s.last_seen) <= WINDOW_MS);
        }
    }

    /// On a tick: judges the challenges whose time for a retry has passed, and forgets sources
    /// idle for longer than the long window.
    pub fn sweep(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        for (&ip, s) in self.sources.iter_mut() {
            if s.users.iter().any(|u| u.challenged_at.is_some()) {
                judge(ip, s, now, out);
            }
        }
        self.forget(now);
    }

    /// End of input: every pending challenge is judged as it stands.
    pub fn finish(&mut self, now: Timestamp, out: &mut Vec<Finding>) {
        let later = now.plus_millis(RETRY_MS + 1);
        let mut ips: Vec<IpAddr> = self.sources.keys().copied().collect();
        ips.sort();
        for ip in ips {
            if let Some(s) = self.sources.get_mut(&ip) {
                judge(ip, s, later, out);
            }
        }
    }

    /// Looks at one message (not a retransmission) of `call`.
    pub fn on_message(&mut self, msg: &SipMessage, added: Added, call: &Call, out: &mut Vec<Finding>) {
        let ev = || Evidence {
            call_id: String::from_utf8_lossy(&call.call_id).into_owned(),
            index: added.index,
            what: what(msg),
        };
        if msg.is_request() {
            let ip = msg.src.ip();
            if msg.method() == Method::Invite && added.index == 0 {
                if let Some(s) = self.source(ip, msg.ts) {
                    s.calls = s.calls.saturating_add(1);
                    if !s.servers.contains(&msg.dst.ip()) && s.servers.len() < 64 {
                        s.servers.push(msg.dst.ip());
                    }
                }
            }
            // The tool's name in the User-Agent, or in the From header, where SIPVicious leaves
            // its name while its User-Agent is changed to hide it.
            let ua = msg.slice(msg.headers.user_agent);
            let named = |v: &[u8]| {
                if !names_a_scanner(v) {
                    return None; // nearly every request: no copy, no search per name
                }
                let lower = v.to_ascii_lowercase();
                SCANNER_AGENTS.iter().find(|t| memchr::memmem::find(&lower, t.as_bytes()).is_some())
            };
            let from = msg.slice(msg.headers.from);
            let (tool, field, value) = if let Some(t) = (!ua.is_empty()).then(|| named(ua)).flatten() {
                (t, "User-Agent", ua)
            } else if SIPVICIOUS.find(from).is_some() {
                (&"sipvicious", "From header", msg.slice(msg.from_addr().display))
            } else {
                return;
            };
            let Some(s) = self.source(ip, msg.ts) else { return };
            if s.scanner {
                return;
            }
            s.scanner = true;
            let agent = crate::sanitize::inert_string(value);
            out.push(Finding {
                rule: "scanner",
                severity: Severity::Warning,
                subject: Subject::Source(ip),
                ts: msg.ts,
                summary: format!("{ip} is running a SIP scanner ({field} \"{agent}\")"),
                explanation: format!(
                    "The request from {ip} carries {agent} in its {field}, the signature of a SIP scanning tool ({tool}). Such tools sweep address ranges for SIP servers, then try extension numbers and passwords to place fraudulent calls. The address is the packet's source; the From header of such traffic is made up. {ROLL_UP}"
                ).into(),
                next_steps: vec![
                    format!("Block {ip} at the firewall, or let fail2ban (or the SBC's ACL) ban it.").into(),
                    "Do not expose the SIP port to the whole internet: allow only your providers' and users' addresses.".into(),
                    "Make sure every extension has a long, random password, and watch for auth-bruteforce findings.".into(),
                ],
                evidence: vec![ev()],
            });
            return;
        }
        let Some(code) = msg.status() else { return };
        let method = msg.headers.cseq_method;
        let international = method == Method::Invite && refuses_route(code);
        if !(matches!(code, 200..=299 | 401 | 403 | 404 | 407) || international) {
            return;
        }
        // The requester is where the response goes.
        let ip = msg.dst.ip();
        if (200..300).contains(&code)
            && self.sources.get(&ip).is_none_or(|s| s.users.is_empty() && s.international.is_empty())
            && !(method == Method::Invite
                && may_be_international(msg.slice(msg.headers.to))
                && looks_international(to_user(msg)))
        {
            return; // a success only matters to a source under watch, or to an international call
        }
        let tx = call.transaction_of(msg);
        if tx.is_some_and(|t| t.in_dialog) {
            return;
        }
        let user_bytes = to_user(msg);
        let user = hash_of(user_bytes);
        let credentials = tx.is_some_and(|t| t.credentials);
        let stale = matches!(code, 401 | 407) && msg.asks_for_fresh_nonce();
        let refused_credentials = credentials
            && !stale
            && tx.is_some_and(|t| {
                t.first_final.as_deref().is_some_and(|r| super::refusal::credentials_refused(t, r))
            });
        let intl = international && looks_international(user_bytes);
        if international && !intl && !matches!(code, 403 | 404) {
            return;
        }
        let Some(s) = self.source(ip, msg.ts) else { return };
        if intl && !s.international.contains(&user) && s.international.len() < 256 {
            s.international.push(user);
            let dest = destination(user_bytes);
            if !s.destinations.contains(&dest) {
                s.destinations.push(dest);
            }
            if s.fraud_evidence.len() < 12 {
                s.fraud_evidence.push(ev());
            }
        }
        if intl && !matches!(code, 401 | 403 | 404 | 407) {
            judge(ip, s, msg.ts, out);
            return;
        }
        if (200..300).contains(&code) {
            if method == Method::Invite && looks_international(user_bytes) {
                s.international_ok = true; // its international calls do get through: no fraud alarm
            }
            if let Some(u) = s.users.iter_mut().find(|u| u.user == user) {
                *u = UserTrack { user, succeeded: true, ..UserTrack::default() };
            }
            return;
        }
        let Some(u) = s.user(user) else { return };
        match code {
            401 | 407 => {
                if refused_credentials {
                    u.pending_refusals += 1;
                }
                u.challenged_at = Some(msg.ts);
            }
            403 | 404 if refused_credentials => {
                u.refusals += 1;
                u.challenged_at = None;
            }
            403 | 404 => u.refused = true,
            _ => return,
        }
        u.succeeded = false;
        s.note(ev());
        judge(ip, s, msg.ts, out);
    }
}

/// The sentence every source finding ends with.
const ROLL_UP: &str = "Findings about this source's own calls from now on are rolled up into this one rather than listed call by call (the capture summary counts them).";

/// Raises the source findings whose evidence is complete at `now`.
fn judge(ip: IpAddr, s: &mut Source, now: Timestamp, out: &mut Vec<Finding>) {
    if !s.scanner {
        let n = s.failed_users(now);
        let slow = s.slow_failed_users(now);
        if n >= ENUMERATION_USERS || slow >= SLOW_SCAN_USERS {
            s.scanner = true;
            let (summary, explanation) = if n >= ENUMERATION_USERS {
                (
                    format!("{ip} is enumerating extensions: {n} different users failed within a minute"),
                    format!(
                        "Within one minute {ip} sent requests for {n} different users and none of them succeeded: refused (403, 404) or challenged and never authenticated. Phones behind one address each ask for their own account and then succeed; walking through many user names is how scanners find which extensions exist before guessing passwords. {ROLL_UP}"
                    ),
                )
            } else {
                (
                    format!("{ip} is scanning slowly: {slow} different users failed within an hour"),
                    format!(
                        "Over the last hour {ip} asked for {slow} different users, slowly enough to stay under per-minute limits (fail2ban's usual windows), and none of them succeeded. That is a slow extension scan, the usual prelude to password guessing and toll fraud. {ROLL_UP}"
                    ),
                )
            };
            out.push(Finding {
                rule: "scanner",
                severity: Severity::Warning,
                subject: Subject::Source(ip),
                ts: now,
                summary,
                explanation: explanation.into(),
                next_steps: vec![
                    format!("Block {ip} at the firewall, or let fail2ban (or the SBC's ACL) ban it; use a long findtime for slow scans.").into(),
                    "Answer unknown users the same way as known ones (some servers leak which extensions exist).".into(),
                    "Restrict the SIP port to known addresses where possible.".into(),
                ],
                evidence: s.evidence.clone(),
            });
        }
    }
    if !s.bruteforce {
        let n = s.refused_credentials(now);
        if n >= BRUTEFORCE_FAILURES {
            s.bruteforce = true;
            out.push(Finding {
                rule: "auth-bruteforce",
                severity: Severity::Error,
                subject: Subject::Source(ip),
                ts: now,
                summary: format!("{ip} had {n} sets of credentials refused within a minute: password guessing"),
                explanation: format!(
                    "{ip} answered authentication challenges with credentials {n} times within one minute and was refused every time, with no success for those users afterwards. A phone with a wrong password fails a few times per registration interval, and a fresh-nonce request (stale=true) is no refusal at all; this rate means someone is guessing passwords. {ROLL_UP}"
                ).into(),
                next_steps: vec![
                    format!("Block {ip} now (firewall, fail2ban, SBC ACL).").into(),
                    "Check which accounts were targeted and whether any attempt succeeded.".into(),
                    "Use long random SIP passwords and limit registrations to expected networks.".into(),
                ],
                evidence: s.evidence.clone(),
            });
        }
    }
    if !s.toll_fraud && !s.international_ok && s.international.len() >= TOLL_FRAUD_NUMBERS {
        s.toll_fraud = true;
        let (n, dests, servers, calls) =
            (s.international.len(), s.destinations.len(), s.servers.len(), s.calls);
        let behind = if dests == 1 {
            "a single destination number behind varying prefixes (route hunting)".to_string()
        } else {
            format!("{dests} different destination numbers")
        };
        out.push(Finding {
            rule: "toll-fraud",
            severity: Severity::Error,
            subject: Subject::Source(ip),
            ts: now,
            summary: format!("{ip} dialled {n} international numbers, all failed: a toll-fraud attempt"),
            explanation: format!(
                "Within the last hour {ip} placed {calls} new call(s) to {servers} server address(es); {n} different international-looking dial strings, for {behind}, were refused or failed. Someone is looking for a server that will route premium or international calls on their behalf (toll fraud), varying numbers and carrier or international prefixes until one gets through. {ROLL_UP}"
            ).into(),
            next_steps: vec![
                format!("Block {ip} now (firewall, fail2ban, SBC ACL).").into(),
                "Check that international and premium destinations need authentication and are limited per account.".into(),
                "Check the call records for any of these numbers that were answered.".into(),
            ],
            evidence: s.fraud_evidence.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::looks_international;

    #[test]
    fn a_full_table_leaves_new_sources_untracked_until_old_ones_are_forgotten() {
        use crate::time::Timestamp;
        use std::net::{IpAddr, Ipv4Addr};
        let ip = |n: u32| IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
        let t0 = Timestamp(1_000_000_000_000);
        let mut rules = super::SourceRules::default();
        for n in 0..super::MAX_SOURCES as u32 {
            assert!(rules.source(ip(n), t0).is_some());
        }
        let soon = Timestamp(t0.0 + 1_000_000_000);
        assert!(rules.source(ip(u32::MAX >> 8), soon).is_none(), "no room for a new source");
        assert_eq!(rules.untracked, 1);
        assert!(rules.source(ip(7), soon).is_some(), "a known source is still tracked");
        assert_eq!(rules.untracked, 1);
        let later = Timestamp(t0.0 + (super::LONG_WINDOW_MS + 1_000) * 1_000_000);
        assert!(rules.source(ip(u32::MAX >> 8), later).is_some(), "idle sources forgotten to make room");
        assert_eq!(rules.sources.len(), 2, "only the two seen within the long window remain");
    }

    #[test]
    fn scanner_names_are_found_in_any_case_anywhere_and_only_they() {
        for t in super::SCANNER_AGENTS {
            assert!(
                t.bytes().next().is_some_and(|b| b"fsvip".contains(&b)),
                "{t}: first letter not looked for"
            );
            for text in
                [t.to_string(), t.to_uppercase(), format!("x/1.0 ({})", t.to_uppercase()), format!("{t}z")]
            {
                assert!(super::names_a_scanner(text.as_bytes()), "{text}");
            }
            assert!(!super::names_a_scanner(&t.as_bytes()[..t.len() - 1]), "{t} cut short");
        }
        for text in
            ["", "Asterisk PBX 18.0", "Linphone/5.2", "FPBX-16.0.40(18.9.0)", "SIPp/3.7", "Vox i w a r"]
        {
            assert!(!super::names_a_scanner(text.as_bytes()), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn scanner_names_agree_with_a_lower_case_search(
            text in proptest::collection::vec(proptest::prop_oneof![
                proptest::sample::select(b"fsvipFSVIPcarmnwyud-xSCANER".to_vec()),
                proptest::prelude::any::<u8>(),
            ], 0..40),
            agent in proptest::sample::select(super::SCANNER_AGENTS.to_vec()),
            at in 0usize..40,
            upper in proptest::prelude::any::<bool>(),
        ) {
            let mut with = text.clone();
            let name = if upper { agent.to_uppercase() } else { agent.to_string() };
            with.splice(at.min(with.len())..at.min(with.len()), name.bytes());
            for v in [text, with] {
                let lower = v.to_ascii_lowercase();
                let want = super::SCANNER_AGENTS.iter().any(|t| memchr::memmem::find(&lower, t.as_bytes()).is_some());
                proptest::prop_assert_eq!(super::names_a_scanner(&v), want);
            }
        }
    }

    #[test]
    fn international_numbers() {
        for n in ["011972598072172", "+4930123456", "0044207123456", "1010333011972598072172"] {
            assert!(looks_international(n.as_bytes()), "{n}");
        }
        for n in ["201", "alice", "+49301", "0301234567", "", "+", "100abc", "12125551234", "97259807217"] {
            assert!(!looks_international(n.as_bytes()), "{n}");
        }
        // The pre-check never rules out what the full check accepts.
        for n in ["011972598072172", "+4930123456", "0044207123456", "1010333011972598072172"] {
            assert!(super::may_be_international(format!("<sip:{n}@example.com>").as_bytes()), "{n}");
        }
        assert!(!super::may_be_international(b"<sip:bob@example.com>;tag=1"));
    }
}
