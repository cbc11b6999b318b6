//! `487-without-cancel`: an INVITE was answered 487 Request Terminated, but no CANCEL for it was
//! seen: something else ended it (a proxy timer, a B2BUA, or a CANCEL the capture missed).

use super::*;

/// Rule id.
pub const ID: &str = "487-without-cancel";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !any_final(call, |c| c == 487) {
        return None;
    }
    let (caller, legs) = hops(call);
    for t in caller.into_iter().chain(legs) {
        let Some(r) = t.first_final.as_deref().filter(|r| r.code == 487) else { continue };
        if t.cancel_ts.is_some() || !(ctx.at.ended || ctx.at.now.millis_since(r.ts) > GRACE_MS) {
            continue;
        }
        let summary = format!(
            "{} answered 487 Request Terminated with no CANCEL for the INVITE from {}",
            r.msg.src, t.src
        );
        let explanation = format!(
            "487 confirms that a pending INVITE was ended by a CANCEL. No CANCEL for this INVITE appears in the capture, so either the capture point does not see it (another path or interface), or the device ended the INVITE on its own: a proxy or B2BUA timer (no-answer timeout), a call pickup, or a bug.{}",
            reason_and_warning(r)
        );
        return Some(call_finding(
            call,
            ID,
            Severity::Warning,
            ctx,
            summary,
            explanation,
            &[
                "Check whether the CANCEL travels on a path this capture does not see.",
                "Check no-answer timers on the proxy or B2BUA that send 487 themselves.",
            ],
            vec![req_ev(call, t), resp_ev(call, r)],
        ));
    }
    None
}
