//! `no-ack-for-2xx`: a 2xx to an INVITE was retransmitted and no ACK reached its sender: the
//! classic NAT / Record-Route failure that ends calls after about 32 seconds.

use super::*;
use crate::sip::Method;

/// Rule id.
pub const ID: &str = "no-ack-for-2xx";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    for t in call.transactions.iter().filter(|t| t.method == Method::Invite) {
        let Some(ok) = t.first_success.as_deref() else { continue };
        let needed = if ctx.at.ended { 1 } else { 2 };
        if t.success_retransmissions < needed {
            continue;
        }
        let sender = ok.msg.src.ip();
        let acked = call.acks_for_2xx.iter().any(|(dst, ts)| *dst == sender && *ts >= ok.ts);
        if acked {
            continue;
        }
        let summary = format!(
            "{} resent its 2xx {} time(s) and no ACK reached it",
            ok.msg.src, t.success_retransmissions
        );
        let explanation = format!(
            "After answering, {} kept retransmitting {} because it never got the ACK. The caller's ACK is going somewhere else: to a private Contact address behind NAT, around a proxy that should have been in the path (missing or broken Record-Route), or it is dropped by a firewall. The answering side will give up after about 32 seconds and hang up, so the call drops shortly after being answered, often with one-way or no audio before that.",
            ok.msg.src,
            status_line(ok)
        );
        return Some(call_finding(
            call,
            ID,
            Severity::Error,
            ctx,
            summary,
            explanation,
            &[
                "Compare the Contact of the 2xx with where the ACK is sent: a private Contact behind NAT needs fixing (NAT settings, SBC).",
                "Check that every proxy that must see the ACK adds Record-Route, and that the route set is honoured.",
                "Check SIP ALG on routers and firewall rules for the ACK's path.",
            ],
            vec![resp_ev(call, ok)],
        ));
    }
    None
}
