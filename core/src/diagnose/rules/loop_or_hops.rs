//! `loop-or-hops`: 482 Loop Detected, 483 Too Many Hops, or a request arriving with
//! Max-Forwards 0: requests are going round in circles between servers.

use super::*;

/// Rule id.
pub const ID: &str = "loop-or-hops";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if let Some((t, r)) = call
        .transactions
        .iter()
        .find_map(|t| t.first_final.as_deref().filter(|r| matches!(r.code, 482 | 483)).map(|r| (t, r)))
    {
        let summary =
            format!("{} answered {} to {} from {}", r.msg.src, status_line(r), t.method.as_str(), t.src);
        let explanation = format!(
            "{} means the request is travelling in a loop or through far too many servers: two servers route it to each other (a default route pointing back, a trunk configured on both sides as the outbound proxy), or a forwarding rule sends it back to its origin.{}",
            if r.code == 482 { "Loop Detected" } else { "Too Many Hops (Max-Forwards ran out)" },
            reason_and_warning(r)
        );
        return Some(call_finding(
            call,
            ID,
            Severity::Error,
            ctx,
            summary,
            explanation,
            &[
                "Follow the Via headers of the request to see which servers it passed and where it turned back.",
                "Check the routing and forwarding rules of the servers involved for a route pointing back.",
            ],
            vec![req_ev(call, t), resp_ev(call, r)],
        ));
    }
    let index = call.max_forwards_zero?;
    let summary = "a request arrived with Max-Forwards: 0".to_string();
    let explanation = "A request reached this point with no hops left: it has been forwarded as many times as its sender allowed, which in practice means a routing loop between servers or an absurdly long chain.".to_string();
    Some(call_finding(
        call,
        ID,
        Severity::Error,
        ctx,
        summary,
        explanation,
        &["Follow the Via headers of the request to find where the route loops."],
        vec![Evidence { call_id: call_id(call), index, what: "request with Max-Forwards: 0".into() }],
    ))
}
