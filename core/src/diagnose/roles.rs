//! What the capture has taught us about the addresses and users in it, for rules that need
//! more than one call: which addresses act as registrars (they receive REGISTER) or proxies
//! (they send requests carrying more than one Via), and which users hold a registration.
//! Bounded: 65,536 addresses and 65,536 users; beyond, new ones are not learnt.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use crate::sip::{Method, SipMessage};
use crate::time::Timestamp;

/// Most addresses and users remembered.
pub const MAX_ENTRIES: usize = 65_536;

/// What an address has been seen doing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Role {
    /// It received REGISTER requests.
    pub registrar: bool,
    /// It forwarded requests (sent requests with two Vias or more).
    pub proxy: bool,
}

/// A user's registration as seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// Registered until this time.
    Until(Timestamp),
    /// Its last REGISTER failed, or the binding was removed (expires 0).
    None,
}

/// The roles and registrations learnt so far.
#[derive(Debug, Default)]
pub struct Roles {
    addresses: HashMap<IpAddr, Role>,
    users: HashMap<u64, Registration>,
    /// Users not learnt because the table was full: "none seen" proves nothing then.
    users_missed: bool,
}

/// The key of a user: `user@host` of a SIP URI, case-insensitive.
pub fn user_key(uri: &[u8]) -> Option<u64> {
    let rest = uri.iter().position(|&b| b == b':').map(|c| &uri[c + 1..])?;
    let end = rest.iter().position(|&b| matches!(b, b';' | b'?' | b'>')).unwrap_or(rest.len());
    let aor = &rest[..end];
    let at = aor.iter().position(|&b| b == b'@')?;
    let host = aor[at + 1..].split(|&b| b == b':').next().unwrap_or_default();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    aor[..at].to_ascii_lowercase().hash(&mut h);
    host.to_ascii_lowercase().hash(&mut h);
    Some(h.finish())
}

impl Roles {
    /// What `ip` has been seen doing.
    pub fn of(&self, ip: IpAddr) -> Role {
        self.addresses.get(&ip).copied().unwrap_or_default()
    }

    /// Whether registrations were seen, and all of them learnt (without that, "no registration
    /// seen for this user" means nothing).
    pub fn saw_registrations(&self) -> bool {
        !self.users.is_empty() && !self.users_missed
    }

    /// The registration of the user of `uri` at `now`, if the capture saw one.
    pub fn registration(&self, uri: &[u8], now: Timestamp) -> Option<bool> {
        match self.users.get(&user_key(uri)?)? {
            Registration::Until(t) => Some(*t >= now),
            Registration::None => Some(false),
        }
    }

    fn role(&mut self, ip: IpAddr) -> Option<&mut Role> {
        if !self.addresses.contains_key(&ip) && self.addresses.len() >= MAX_ENTRIES {
            return None;
        }
        Some(self.addresses.entry(ip).or_default())
    }

    /// Learns from one message (not a retransmission).
    pub fn learn(&mut self, msg: &SipMessage) {
        if msg.is_request() {
            if msg.method() == Method::Register {
                if let Some(r) = self.role(msg.dst.ip()) {
                    r.registrar = true;
                }
            }
            if msg.headers.via_count >= 2 {
                if let Some(r) = self.role(msg.src.ip()) {
                    r.proxy = true;
                }
            }
            return;
        }
        let Some(code) = msg.status() else { return };
        if msg.headers.cseq_method != Method::Register || code < 200 || matches!(code, 401 | 407) {
            return;
        }
        let to = msg.slice(msg.headers.to_addr(&msg.raw).uri);
        let Some(key) = user_key(to) else { return };
        if !self.users.contains_key(&key) && self.users.len() >= MAX_ENTRIES {
            self.users_missed = true;
            return;
        }
        if (200..300).contains(&code) {
            let reg = match crate::correlate::call::granted_expires(msg) {
                Some(0) => Registration::None,
                Some(s) => Registration::Until(msg.ts.plus_millis(i64::from(s) * 1_000)),
                None => Registration::Until(msg.ts.plus_millis(3_600_000)),
            };
            self.users.insert(key, reg);
        } else {
            // A refused REGISTER (perhaps someone else's, with this user's name) does not
            // remove a binding the user holds.
            self.users.entry(key).or_insert(Registration::None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::user_key;

    #[test]
    fn user_keys_ignore_case_port_and_params() {
        assert_eq!(user_key(b"sip:Bob@Example.com"), user_key(b"sip:bob@example.com:5060;transport=udp"));
        assert_ne!(user_key(b"sip:bob@example.com"), user_key(b"sip:alice@example.com"));
        assert_eq!(user_key(b"sip:example.com"), None);
        assert_eq!(user_key(b"bob"), None);
    }
}
