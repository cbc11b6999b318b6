//! `decline-not-honoured`: a 6xx arrived on one branch of a forked call, and the proxy did not
//! stop the others (RFC 3261 §16.7: a 6xx must cancel every pending branch and be relayed): they
//! went on ringing or answered, new branches were created, or the caller got a 2xx after a 6xx.

use super::*;

/// Rule id.
pub const ID: &str = "decline-not-honoured";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !any_final(call, |c| c >= 600) {
        return None;
    }
    let (caller, legs) = hops(call);
    let caller = caller?;
    // The caller itself received a 2xx after a 6xx for the same INVITE.
    if let (Some(f), Some(s)) = (&caller.first_final, &caller.first_success) {
        if f.code >= 600 && s.index > f.index {
            let summary =
                format!("caller received {} and then {} for the same INVITE", status_line(f), status_line(s));
            let explanation = format!(
                "A 6xx is a global final answer: once {} reached the caller, the INVITE was over everywhere and no branch may answer it any more. The proxy {} relayed the decline and then a 2xx from another branch, so it kept forking after the decline and never cancelled the other branches. The caller ends up in a call the callee refused, or in two conflicting states.",
                status_line(f),
                f.msg.src
            );
            return Some(call_finding(
                call,
                ID,
                Severity::Error,
                ctx,
                summary,
                explanation,
                &[
                    "Fix the forking proxy so that a 6xx on any branch cancels every other branch and is relayed once.",
                    "Check the proxy's options that treat 6xx like 4xx (for Kamailio tm, disable_6xx_block).",
                    "If the 603 was automatic, make that device send 486 (see decline-should-be-busy).",
                ],
                vec![resp_ev(call, f), resp_ev(call, s)],
            ));
        }
    }
    // Behind the proxy: a leg answered 6xx, and the others were not cancelled.
    let (declined, g) =
        legs.iter().find_map(|t| t.first_final.as_deref().filter(|f| f.code >= 600).map(|f| (*t, f)))?;
    // The most telling branch first: one that answered after the decline, then one created after
    // it, then one left ringing.
    let mut others: Vec<&&Transaction> = legs.iter().filter(|o| !std::ptr::eq(**o, declined)).collect();
    others.sort_by_key(|o| {
        if o.first_success.as_deref().is_some_and(|s| s.ts > g.ts) {
            0
        } else if o.first_ts > g.ts {
            1
        } else {
            2
        }
    });
    for o in others {
        let pending_then = o.first_final.as_deref().is_none_or(|f| f.ts >= g.ts) && o.first_ts <= g.ts;
        let created_after = o.first_ts > g.ts && o.request_seen;
        let cancelled_in_time = o.cancel_ts.is_some_and(|c| c.millis_since(g.ts) <= GRACE_MS);
        if !(pending_then || created_after) || (pending_then && cancelled_in_time) {
            continue;
        }
        let late_answer = o.first_success.as_deref().filter(|s| s.ts > g.ts);
        let grace_over = ctx.at.now.millis_since(g.ts) > GRACE_MS;
        let what = if created_after {
            format!("created a new branch to {} after it", o.dst)
        } else if let Some(s) = late_answer {
            format!(
                "let the branch to {} go on ringing; it answered {} ms later",
                o.dst,
                s.ts.millis_since(g.ts)
            )
        } else if grace_over {
            format!("did not CANCEL the branch to {}, which went on ringing", o.dst)
        } else {
            continue;
        };
        let summary =
            format!("proxy {} kept forking after {} from {}", declined.src, status_line(g), declined.dst);
        let explanation = format!(
            "{} answered {} on one branch of a forked call. A 6xx means the user does not want the call anywhere: the proxy must CANCEL every other pending branch at once, create no new ones, and relay the 6xx to the caller. Instead it {}. The callee's other devices kept ringing for a call that was declined.",
            declined.dst,
            status_line(g),
            what
        );
        let mut evidence = vec![resp_ev(call, g), req_ev(call, o)];
        if let Some(s) = late_answer {
            evidence.push(resp_ev(call, s));
        }
        evidence.sort_by_key(|e| e.index);
        return Some(call_finding(
            call,
            ID,
            Severity::Error,
            ctx,
            summary,
            explanation,
            &[
                "Fix the forking proxy's 6xx handling: cancel all branches on a 6xx (for Kamailio tm, do not set disable_6xx_block).",
                "Check SBCs or B2BUAs in the path that may rewrite 6xx into 4xx between the phone and the proxy.",
                "If the decline was automatic, make that device send 486 (see decline-should-be-busy).",
            ],
            evidence,
        ));
    }
    None
}
