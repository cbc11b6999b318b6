//! What a refusal of a request that carried credentials means: were the credentials turned
//! down, or were they accepted and a policy refused the request after that?
//!
//! The evidence, strongest first: the words of the response itself (reason phrase, Warning and
//! Reason headers: "Wrong password", "Insufficient balance"…); then whether the request made
//! progress before it was refused (a provisional response other than 100 Trying: the request
//! was forwarded, so it was authenticated; 100 Trying is hop-by-hop and proves nothing). With
//! neither, a 403 to a request that answered a challenge is taken as credentials refused:
//! that is how most servers answer a wrong password (RFC 3261 §22.1 lets a server answer 403
//! when it will not accept the credentials).

use crate::correlate::transaction::{Response, Transaction};

/// Words in a refusal that name the credentials.
const CREDENTIAL_WORDS: &[&str] = &[
    "password",
    "passwd",
    "credential",
    "auth",
    "wrong user",
    "invalid user",
    "unknown user",
    "bad user",
    "username",
    "nonce",
    "realm",
    "digest",
];

/// Words in a refusal that name a policy other than the credentials.
const POLICY_WORDS: &[&str] = &[
    "balance",
    "credit",
    "fund",
    "payment",
    "prepaid",
    "route",
    "routing",
    "destination",
    "international",
    "country",
    "premium",
    "barred",
    "restricted",
    "not allowed",
    "not permitted",
    "prohibited",
    "limit",
    "suspend",
    "disabled",
    "blocked",
    "blacklist",
    "denylist",
    "banned",
    "allowlist",
    "whitelist",
    "acl",
    "ip address",
    "caller id",
    "callerid",
    "domain",
];

/// What a refusal of a request with credentials says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterCredentials {
    /// The credentials were turned down.
    Refused,
    /// The credentials were accepted; a policy refused the request.
    Policy,
}

/// The words of a response that explain it: reason phrase, Warning and Reason header values.
pub fn refusal_words(r: &Response) -> String {
    let m = &r.msg;
    let mut text = String::from_utf8_lossy(m.reason_phrase()).into_owned();
    for span in [m.headers.warning, m.headers.reason] {
        if !span.is_empty() {
            text.push(' ');
            text.push_str(&String::from_utf8_lossy(m.slice(span)));
        }
    }
    text.to_ascii_lowercase()
}

fn mentions(text: &str, words: &[&str]) -> bool {
    words.iter().any(|w| text.contains(w))
}

/// Whether the request got a provisional response other than 100 Trying before `r`: it was
/// forwarded or processed end to end, so a server had accepted it.
pub fn progressed_before(t: &Transaction, r: &Response) -> bool {
    t.provisional.is_some_and(|p| p.ts <= r.ts && p.index < r.index)
}

/// Judges refusal `r` (401, 403 or 407) of transaction `t`, whose request carried credentials.
pub fn judge(t: &Transaction, r: &Response) -> AfterCredentials {
    if matches!(r.code, 401 | 407) {
        return AfterCredentials::Refused;
    }
    let words = refusal_words(r);
    if mentions(&words, CREDENTIAL_WORDS) {
        AfterCredentials::Refused
    } else if mentions(&words, POLICY_WORDS) || progressed_before(t, r) {
        AfterCredentials::Policy
    } else {
        AfterCredentials::Refused
    }
}

/// Whether a response to a request with credentials means those credentials were refused
/// (401/407 again, or a 403 judged so).
pub fn credentials_refused(t: &Transaction, r: &Response) -> bool {
    matches!(r.code, 401 | 403 | 407) && judge(t, r) == AfterCredentials::Refused
}
