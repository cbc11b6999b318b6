//! `subscription-lost`: a NOTIFY or a refreshing SUBSCRIBE was answered 481 Call/Transaction
//! Does Not Exist: one side has forgotten the subscription (it restarted, or a refresh was
//! lost), so the other is notifying or refreshing into the void. Busy-lamp, presence and
//! message-waiting indications go stale until the subscriber subscribes again.

use super::*;

/// Rule id.
pub const ID: &str = "subscription-lost";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    let t = call.subscription_lost()?;
    let r = t.first_final.as_deref()?;
    let what = t.method.as_str();
    let summary = format!("{what} answered 481 by {}: the subscription is lost", r.msg.src);
    // A NOTIFY comes from the notifier: the subscriber answered 481 and forgot it. A refresh
    // SUBSCRIBE comes from the subscriber: the notifier (the PBX or presence server) forgot it.
    let (who, cause, steps): (&str, &str, &[&str]) = if t.method == crate::sip::Method::Notify {
        (
            "the subscriber",
            "Usually the phone restarted or re-registered and lost its subscriptions, so the server keeps notifying into the void.",
            &[
                "Check whether the phone restarted or changed address around this time.",
                "On the server, end subscriptions whose NOTIFY gets 481 (RFC 6665 §4.2.2) so the phone subscribes afresh.",
            ],
        )
    } else {
        (
            "the notifier",
            "The server lost its state (a restart, a failover, or the subscription expired there before the refresh arrived). The phone must now send a new initial SUBSCRIBE, outside the old dialog (RFC 6665 §4.1.2.2); until it does, nothing is notified.",
            &[
                "Check the server for a restart or failover at this time, and its subscription expiry settings.",
                "Check that the phone refreshes well before the Expires the server granted, and starts a new subscription after a 481.",
            ],
        )
    };
    let explanation = format!(
        "{} sent {what} within an existing subscription and {} ({who}) answered 481 Call/Transaction Does Not Exist: it no longer has that subscription. {cause} Until a new subscription succeeds, busy lamps, presence or voicemail indications stay wrong.{}",
        t.src,
        r.msg.src,
        reason_and_warning(r)
    );
    Some(call_finding(
        call,
        ID,
        Severity::Warning,
        ctx,
        summary,
        explanation,
        steps,
        vec![req_ev(call, t), resp_ev(call, r)],
    ))
}
