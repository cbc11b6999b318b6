//! `auth-failed`: a request was challenged (401/407), sent again with credentials, and refused
//! again: the credentials are wrong (or not accepted for this realm).

use super::*;
use crate::diagnose::refusal::credentials_refused;

/// Rule id.
pub const ID: &str = "auth-failed";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    let method = call.primary_method();
    let attempt = |t: &&Transaction| t.method == method && !t.in_dialog;
    for (i, retry) in call.transactions.iter().enumerate() {
        if !retry.credentials || !attempt(&retry) {
            continue;
        }
        let Some(refusal) = retry.first_final.as_deref() else { continue };
        if !credentials_refused(retry, refusal) || retry.first_success.is_some() {
            continue;
        }
        let Some(challenge) = call.transactions[..i]
            .iter()
            .rev()
            .filter(attempt)
            .filter(|t| t.cseq < retry.cseq)
            .find_map(|t| t.first_final.as_deref().filter(|f| matches!(f.code, 401 | 407)))
        else {
            continue;
        };
        let summary = format!(
            "{} challenged with {}, resent with credentials, refused again with {}",
            method.as_str(),
            challenge.code,
            refusal.code
        );
        let explanation = format!(
            "The first {} answer was a normal authentication challenge. The client answered it with credentials, and the server turned them down ({}). The username, password or realm the device uses does not match what the server has, or the account is locked for authentication.{}",
            challenge.code,
            status_line(refusal),
            reason_and_warning(refusal)
        );
        return Some(call_finding(
            call,
            ID,
            Severity::Error,
            ctx,
            summary,
            explanation,
            &[
                "Re-enter the username (auth ID) and password on the device and compare them with the server's account.",
                "Check that the device answers the realm the server challenges with (WWW-/Proxy-Authenticate).",
                "Check whether the server has locked the account or banned the address after repeated failures.",
            ],
            vec![resp_ev(call, challenge), req_ev(call, retry), resp_ev(call, refusal)],
        ));
    }
    None
}
