//! `forbidden-403`: a request was refused with 403. A policy decision, not an authentication
//! challenge; the evidence tells which policy is likely.

use super::*;
use crate::correlate::CallKind;
use crate::diagnose::refusal::{judge, progressed_before, refusal_words, AfterCredentials};

/// Rule id.
pub const ID: &str = "forbidden-403";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    let tx = call.caller_hop()?;
    let r = tx.decisive().filter(|r| r.code == 403)?;
    let challenged = call.transactions.iter().any(|t| {
        t.method == tx.method
            && t.cseq < tx.cseq
            && t.first_final.as_deref().is_some_and(|f| matches!(f.code, 401 | 407))
    });
    if challenged && tx.credentials && judge(tx, r) == AfterCredentials::Refused {
        return None; // credentials refused: that is auth-failed's finding
    }
    let what = if call.kind == CallKind::Registration { "registration" } else { tx.method.as_str() };
    let server = r.msg.src;
    let accepted_why;
    let (summary, why) = if challenged && tx.credentials {
        let evidence = if progressed_before(tx, r) {
            "it went on to process the request (a provisional response other than 100 Trying came before the refusal)".to_string()
        } else {
            format!(
                "its refusal names a policy (\"{}\")",
                crate::sanitize::inert_string(refusal_words(r).trim().as_bytes())
            )
        };
        accepted_why = format!(
            "The server challenged the request and accepted the credentials: {evidence}. The account is known; something about it or about this request is not allowed: an exhausted balance or credit limit, a suspended account, a destination outside the allowed routes (international, premium, a country block), or a caller ID the account may not use."
        );
        (
            summary_of(what, "refused with 403 by", server, " after the credentials were accepted"),
            accepted_why.as_str(),
        )
    } else if !tx.provisional_before_final && !challenged {
        (
            summary_of(what, "refused outright with 403 by", server, ""),
            "The server answered 403 at once, without asking for credentials and without any provisional response. A server that refuses before even challenging usually does so by source address: the address is not in the provider's IP allowlist, or it was banned (fail2ban or an ACL) after earlier failures, or IP authentication is expected and this address is not the registered one.",
        )
    } else {
        (
            summary_of(what, "refused with 403 by", server, ""),
            "The server understood the request and refuses to serve it as a matter of policy. Typical policies behind a 403: source address not allowed, banned address, account suspended or out of credit, destination not permitted for this account, or a From domain that does not match the account.",
        )
    };
    let repeated = ctx.servers_403.get(&server.ip()).copied().unwrap_or(0);
    let opening = if challenged && tx.credentials {
        "403 Forbidden is a refusal, not a challenge: the server already had the credentials it asked for, and sending them again will get the same answer."
    } else {
        "403 Forbidden is a refusal, not a challenge: unlike 401/407 it asks for no credentials, and sending the same request again will get the same answer."
    };
    // Put together piece by piece: `format!` over these long texts cost more than the rest of
    // the finding, and a refusing server can cause one for every call.
    let headers = reason_and_warning(r);
    let mut explanation = String::with_capacity(opening.len() + why.len() + headers.len() + 400);
    explanation.push_str(opening);
    explanation.push(' ');
    explanation.push_str(why);
    explanation.push_str(&headers);
    if repeated > 1 {
        explanation.push_str(" This server has answered 403 ");
        push_number(&mut explanation, repeated.into());
        explanation
            .push_str(" times in this capture so far, so the refusal is systematic rather than a one-off.");
    }
    // A Q.850 cause that means the destination refused the call (21 call rejected, 55 incoming
    // calls barred, 87 not a member of the user group) points at the callee's side, not at a
    // check of the caller's address or account.
    let destination_cause = crate::diagnose::reason::q850_cause_of(r.msg.slice(r.msg.headers.reason))
        .filter(|c| matches!(c, 21 | 55 | 87));
    if let Some(c) = destination_cause {
        explanation.push_str(&format!(
            " Q.850 cause {c} is set on the callee's side: the callee's PBX or network refused this call (call screening, anonymous-call rejection, barring), so the caller's address and account are probably fine."
        ));
    }
    let steps: &[&str] = if destination_cause.is_some() {
        &[
            "Ask the callee's side (their PBX or carrier) why it rejects these calls: screening, anonymous-call rejection, barring.",
            "Check the caller ID presented (From / P-Asserted-Identity, privacy settings): destinations often refuse withheld or unverified numbers.",
        ]
    } else if challenged && tx.credentials {
        &[
            "Check the account's balance, credit limit and status in the provider's portal.",
            "Check that the dialled destination is allowed for the account (international, premium, country restrictions).",
            "Check that the caller ID (From / P-Asserted-Identity) is one the account may present.",
        ]
    } else {
        &[
            "Check that the sending public IP is in the provider's or PBX's IP allowlist (and that a dynamic IP has not changed).",
            "Check whether the address is banned: on the server, `fail2ban-client status` for the SIP jail, or its ACL.",
            "Check that the From header carries the account's domain, not a private IP.",
            "Check the account's status and balance, and whether the destination is allowed.",
        ]
    };
    let evidence = vec![req_ev(call, tx), resp_ev(call, r)];
    Some(call_finding(call, ID, Severity::Error, ctx, summary, explanation, steps, evidence))
}

/// `{what} {verb} {server}{tail}`, e.g. "INVITE refused with 403 by 192.0.2.1:5060".
fn summary_of(what: &str, verb: &str, server: std::net::SocketAddr, tail: &str) -> String {
    let mut s = String::with_capacity(what.len() + verb.len() + tail.len() + 48);
    s.push_str(what);
    s.push(' ');
    s.push_str(verb);
    s.push(' ');
    push_addr(&mut s, server);
    s.push_str(tail);
    s
}

#[cfg(test)]
mod tests {
    use super::summary_of;

    /// The summary put together by hand reads as `format!` would write it.
    #[test]
    fn summary_matches_the_formatting_machinery() {
        for server in ["192.0.2.9:5060", "[2001:db8::9]:5061"] {
            let addr: std::net::SocketAddr = server.parse().unwrap();
            assert_eq!(
                summary_of("INVITE", "refused with 403 by", addr, " after the credentials were accepted"),
                format!("INVITE refused with 403 by {addr} after the credentials were accepted")
            );
            assert_eq!(
                summary_of("registration", "refused outright with 403 by", addr, ""),
                format!("registration refused outright with 403 by {addr}")
            );
        }
    }
}
