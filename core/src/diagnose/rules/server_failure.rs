//! `server-failure`: a 5xx answer: the server could not handle a valid request (overload,
//! maintenance, internal error, gateway problems).

use super::*;

/// Rule id.
pub const ID: &str = "server-failure";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    let (t, r) = call
        .transactions
        .iter()
        .find_map(|t| t.first_final.as_deref().filter(|r| (500..600).contains(&r.code)).map(|r| (t, r)))?;
    let info = crate::diagnose::codes::lookup(r.code);
    let mut explanation = format!(
        "{} answered {}: {}",
        r.msg.src,
        status_line(r),
        info.map_or("the server failed to process a valid request.", |i| i.meaning)
    );
    if let Some(after) = header(r, "Retry-After") {
        explanation.push_str(&format!(" It asks to retry after {after} seconds (Retry-After)."));
    }
    explanation.push_str(&reason_and_warning(r));
    let summary =
        format!("{} answered {} to {} from {}", r.msg.src, status_line(r), t.method.as_str(), t.src);
    Some(call_finding(
        call,
        ID,
        Severity::Error,
        ctx,
        summary,
        explanation,
        &[
            "Read the server's logs at this time for the internal cause.",
            "Check load, licences, channel or trunk limits and maintenance state on that server.",
            "For 502/504, look at the next hop behind that server.",
        ],
        vec![req_ev(call, t), resp_ev(call, r)],
    ))
}
