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
    let explanation = format!(
        "{} sent {what} within an existing subscription and {} answered 481 Call/Transaction Does Not Exist: it no longer has that subscription. Usually the subscriber restarted or re-registered and lost its state, or a refresh went missing and the subscription expired on one side only. Until a new SUBSCRIBE succeeds, busy lamps, presence or voicemail indications on the phone stay wrong.{}",
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
        &[
            "Check whether the subscriber restarted or changed address around this time.",
            "Check that the subscriber refreshes well before the Expires the server granted.",
            "On the server, terminate subscriptions whose NOTIFY gets 481 (RFC 6665 §4.2.2) so the phone subscribes again.",
        ],
        vec![req_ev(call, t), resp_ev(call, r)],
    ))
}
