//! `cancel-not-propagated`: the caller cancelled and the proxy acknowledged it, but a downstream
//! branch was never cancelled: it went on ringing, or answered a call nobody was waiting for.

use super::*;
use crate::sip::Method;

/// Rule id.
pub const ID: &str = "cancel-not-propagated";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    call.caller_hop()?.cancel_ts?;
    let (caller, legs) = hops(call);
    let caller = caller?;
    let cancelled_at = caller.cancel_ts?;
    let acknowledged = call.transactions.iter().any(|t| {
        t.method == Method::Cancel
            && t.branch == caller.branch
            && t.first_final.as_deref().is_some_and(|f| f.code == 200)
    }) || caller.first_final.as_deref().is_some_and(|f| f.code == 487);
    if !acknowledged {
        return None;
    }
    for o in &legs {
        let pending =
            o.first_final.as_deref().is_none_or(|f| f.ts >= cancelled_at) && o.first_ts <= cancelled_at;
        if !pending || o.cancel_ts.is_some_and(|c| c.millis_since(cancelled_at) <= GRACE_MS) {
            continue;
        }
        let answered = o.first_success.as_deref().filter(|s| s.ts >= cancelled_at);
        if answered.is_none() && ctx.at.now.millis_since(cancelled_at) <= GRACE_MS {
            continue;
        }
        let outcome = match answered {
            Some(s) => format!("answered {} ms after the caller gave up", s.ts.millis_since(cancelled_at)),
            None => "was left ringing".to_string(),
        };
        let summary = format!("caller's CANCEL not passed on: branch to {} {outcome}", o.dst);
        let explanation = format!(
            "The caller {} cancelled the call and the proxy {} confirmed it, but the proxy never sent a CANCEL on its branch to {}. That device {outcome}. A proxy must forward the CANCEL to every branch still pending (RFC 3261 §16.10); otherwise phones keep ringing after the caller hung up, and an answer there creates a call with nobody on the other end.",
            caller.src, caller.dst, o.dst
        );
        let mut evidence = vec![req_ev(call, caller), req_ev(call, o)];
        if let Some(s) = answered {
            evidence.push(resp_ev(call, s));
        }
        return Some(call_finding(
            call,
            ID,
            Severity::Error,
            ctx,
            summary,
            explanation,
            &[
                "Check the proxy's CANCEL handling for forked branches and its transaction state (a stateless proxy cannot cancel).",
                "Check that the CANCEL can reach the branch (same transport and route as the INVITE).",
            ],
            evidence,
        ));
    }
    None
}
