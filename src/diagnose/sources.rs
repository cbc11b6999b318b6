//! Source rules: traffic patterns of one source address, in a sliding window of capture time.
//! Always attributed to the packet's source IP, never to the From header (which attackers set
//! to anything).
//!
//! - `scanner`: a User-Agent of a known SIP scanning tool, or one source asking for many
//!   different users and being refused (401/403/404): extension enumeration.
//! - `auth-bruteforce`: many refused credentials from one source.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use super::{Evidence, Finding, Severity, Subject};
use crate::correlate::{Added, Call};
use crate::sip::SipMessage;
use crate::time::Timestamp;

/// Length of the window.
pub const WINDOW_MS: i64 = 60_000;
/// Distinct refused users from one source within the window that count as enumeration.
pub const ENUMERATION_USERS: usize = 10;
/// Refused credentials from one source within the window that count as brute force.
pub const BRUTEFORCE_FAILURES: u32 = 10;
/// Most sources tracked at once.
pub const MAX_SOURCES: usize = 65_536;

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

#[derive(Default)]
struct Source {
    window_start: Timestamp,
    last_seen: Timestamp,
    users: Vec<u64>,
    auth_failures: u32,
    scanner: bool,
    bruteforce: bool,
    evidence: Vec<Evidence>,
}

impl Source {
    fn roll(&mut self, now: Timestamp) {
        if now.millis_since(self.window_start) > WINDOW_MS {
            self.window_start = now;
            self.users.clear();
            self.auth_failures = 0;
            self.evidence.clear();
        }
        self.last_seen = now;
    }

    fn note(&mut self, e: Evidence) {
        if self.evidence.len() < 12 {
            self.evidence.push(e);
        }
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

impl SourceRules {
    fn source(&mut self, ip: IpAddr, now: Timestamp) -> Option<&mut Source> {
        if !self.sources.contains_key(&ip) {
            if self.sources.len() >= MAX_SOURCES {
                self.sweep(now);
            }
            if self.sources.len() >= MAX_SOURCES {
                self.untracked += 1;
                return None;
            }
            self.sources.insert(ip, Source { window_start: now, ..Default::default() });
        }
        let s = self.sources.get_mut(&ip)?;
        s.roll(now);
        Some(s)
    }

    /// Forgets sources idle for more than a window.
    pub fn sweep(&mut self, now: Timestamp) {
        self.sources.retain(|_, s| now.millis_since(s.last_seen) <= WINDOW_MS || s.scanner || s.bruteforce);
        if self.sources.len() >= MAX_SOURCES {
            self.sources.retain(|_, s| now.millis_since(s.last_seen) <= WINDOW_MS);
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
            let ua = msg.slice(msg.headers.user_agent);
            if ua.is_empty() {
                return;
            }
            let lower = ua.to_ascii_lowercase();
            let Some(tool) =
                SCANNER_AGENTS.iter().find(|t| memchr::memmem::find(&lower, t.as_bytes()).is_some())
            else {
                return;
            };
            let ip = msg.src.ip();
            let Some(s) = self.source(ip, msg.ts) else { return };
            if s.scanner {
                return;
            }
            s.scanner = true;
            let agent = crate::sanitize::inert_string(ua);
            out.push(Finding {
                rule: "scanner",
                severity: Severity::Warning,
                subject: Subject::Source(ip),
                ts: msg.ts,
                summary: format!("{ip} is running a SIP scanner (User-Agent \"{agent}\")"),
                explanation: format!(
                    "The request from {ip} identifies itself as {agent}, the signature of a SIP scanning tool ({tool}). Such tools sweep address ranges for SIP servers, then try extension numbers and passwords to place fraudulent calls. The address is the packet's source; the From header of such traffic is made up."
                ),
                next_steps: vec![
                    format!("Block {ip} at the firewall, or let fail2ban (or the SBC's ACL) ban it."),
                    "Do not expose the SIP port to the whole internet: allow only your providers' and users' addresses.".into(),
                    "Make sure every extension has a long, random password, and watch for auth-bruteforce findings.".into(),
                ],
                evidence: vec![ev()],
            });
            return;
        }
        let Some(code) = msg.status() else { return };
        if !matches!(code, 401 | 403 | 404 | 407) {
            return;
        }
        // The requester is where the refusal goes.
        let ip = msg.dst.ip();
        let tx = call.transaction_of(msg);
        let credentials = tx.is_some_and(|t| t.credentials);
        let refused_credentials = tx.is_some_and(|t| {
            t.first_final.as_deref().is_some_and(|r| super::refusal::credentials_refused(t, r))
        });
        let in_dialog = tx.is_some_and(|t| t.in_dialog);
        let user = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            let to = msg.slice(msg.headers.to_addr(&msg.raw).uri);
            let user = to.split(|&b| b == b'@').next().unwrap_or(to);
            user.hash(&mut h);
            h.finish()
        };
        let Some(s) = self.source(ip, msg.ts) else { return };
        if s.evidence.len() < 12 {
            s.note(ev());
        }
        if !in_dialog && matches!(code, 401 | 403 | 404) && !s.users.contains(&user) && s.users.len() < 64 {
            s.users.push(user);
        }
        if credentials && refused_credentials {
            s.auth_failures += 1;
        }
        if !s.scanner && s.users.len() >= ENUMERATION_USERS {
            s.scanner = true;
            let n = s.users.len();
            out.push(Finding {
                rule: "scanner",
                severity: Severity::Warning,
                subject: Subject::Source(ip),
                ts: msg.ts,
                summary: format!("{ip} is enumerating extensions: {n} different users refused within a minute"),
                explanation: format!(
                    "Within one minute {ip} sent requests for {n} different users and was refused each time (401, 403 or 404). Real phones ask for their own account; walking through many user names is how scanners find which extensions exist before guessing passwords."
                ),
                next_steps: vec![
                    format!("Block {ip} at the firewall, or let fail2ban (or the SBC's ACL) ban it."),
                    "Answer unknown users the same way as known ones (some servers leak which extensions exist).".into(),
                    "Restrict the SIP port to known addresses where possible.".into(),
                ],
                evidence: s.evidence.clone(),
            });
        }
        if !s.bruteforce && s.auth_failures >= BRUTEFORCE_FAILURES {
            s.bruteforce = true;
            let n = s.auth_failures;
            out.push(Finding {
                rule: "auth-bruteforce",
                severity: Severity::Error,
                subject: Subject::Source(ip),
                ts: msg.ts,
                summary: format!("{ip} had {n} sets of credentials refused within a minute: password guessing"),
                explanation: format!(
                    "{ip} answered authentication challenges with credentials {n} times within one minute and was refused every time. A misconfigured phone fails the same way a few times per registration interval; this rate means someone is guessing passwords."
                ),
                next_steps: vec![
                    format!("Block {ip} now (firewall, fail2ban, SBC ACL)."),
                    "Check which accounts were targeted and whether any attempt succeeded.".into(),
                    "Use long random SIP passwords and limit registrations to expected networks.".into(),
                ],
                evidence: s.evidence.clone(),
            });
        }
    }
}
