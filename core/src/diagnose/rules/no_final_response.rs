//! `no-final-response`: an INVITE got no answer at all for 32 s (RFC 3261 Timer B), or a 408.

use super::*;
use crate::correlate::CallKind;

/// Rule id.
pub const ID: &str = "no-final-response";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if call.kind != CallKind::Call || !(call.timed_out || any_final(call, |c| c == 408)) {
        return None;
    }
    let (caller, legs) = hops(call);
    let caller = caller?;
    if let Some((t, r)) = std::iter::once(caller)
        .chain(legs)
        .find_map(|t| t.first_final.as_deref().filter(|r| r.code == 408).map(|r| (t, r)))
    {
        let summary = format!("INVITE to {} timed out: {} answered 408 Request Timeout", t.dst, r.msg.src);
        let explanation = format!(
            "The next hop answered 408: it forwarded the INVITE (or tried to) and got no final answer in time. The device it was sent to is not responding: unregistered but still in the location table, unreachable behind NAT, or dropping packets.{}",
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
                "Check that the callee is registered and reachable (NAT keep-alives, firewall).",
                "Check the proxy's transaction timers and the path towards the callee.",
            ],
            vec![req_ev(call, t), resp_ev(call, r)],
        ));
    }
    if call.timed_out && !caller.responded {
        let tries = caller.request_retransmissions.saturating_add(1);
        let seen_ms = call.last_ts.millis_since(caller.first_ts);
        let (span, timer) = if ctx.at.ended && seen_ms < 32_000 {
            (
                format!("{tries} transmissions over {:.1} s", seen_ms as f64 / 1000.0),
                format!("and the capture ends {:.1} s after the first one, with the sender at its last retransmission before Timer B (32 s) gives up", seen_ms as f64 / 1000.0),
            )
        } else {
            (
                format!("{tries} transmissions, no response in 32 s"),
                "for 32 seconds (RFC 3261 Timer B)".to_string(),
            )
        };
        let summary = format!("INVITE to {} was never answered ({span})", caller.dst);
        let explanation = format!(
            "The INVITE was sent {tries} time(s) and nothing came back, not even 100 Trying, {timer}. The destination is not reachable: wrong address or port, a firewall or NAT dropping the traffic, the server down, or replies going to an address the sender does not listen on (Via / rport problems)."
        );
        return Some(call_finding(
            call,
            ID,
            Severity::Error,
            ctx,
            summary,
            explanation,
            &[
                "Check that the destination address and port are right and that the server is up.",
                "Check firewalls and NAT between the two (is the request arriving? is the reply routed back?).",
                "Check the Via sent-by and rport so that responses go to where the client listens.",
            ],
            vec![req_ev(call, caller)],
        ));
    }
    None
}
