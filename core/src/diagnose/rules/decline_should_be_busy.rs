//! `decline-should-be-busy`: a 603 Decline that looks automatic (no ringing, within a second of
//! the INVITE): a device-level refusal (DND, busy) that should be 486, because 603 is global and
//! stops every other device of the user from ringing.

use super::*;

/// Rule id.
pub const ID: &str = "decline-should-be-busy";

/// A 603 faster than this, with no ringing before it, is taken for an automatic one.
pub const AUTOMATIC_MS: i64 = 1_000;

pub(crate) fn automatic(t: &Transaction) -> Option<&Response> {
    let r = t.first_final.as_deref().filter(|r| r.code == 603)?;
    let rang = t.provisional.as_ref().is_some_and(|p| p.ts <= r.ts);
    let fast = r.ts.millis_since(t.first_ts) <= AUTOMATIC_MS;
    (!rang && fast && t.request_seen).then_some(r)
}

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !any_final(call, |c| c == 603) {
        return None;
    }
    if super::decline_from_server::server_decline(call, ctx).is_some() {
        return None; // the server chose the code, not a phone: decline-from-server says so
    }
    let (caller, legs) = hops(call);
    // Behind a forking proxy, look at each leg; without legs, at the caller's hop when a single
    // device answered.
    let (tx, r) = if legs.is_empty() {
        let t = caller?;
        if t.tags.len() > 1 {
            return None;
        }
        (t, automatic(t)?)
    } else {
        legs.iter().find_map(|t| automatic(t).map(|r| (*t, r)))?
    };
    let ms = r.ts.millis_since(tx.first_ts);
    let summary = format!(
        "{} answered 603 Decline {ms} ms after the INVITE without ringing: should be 486 Busy Here",
        r.msg.src
    );
    let explanation = format!(
        "The device refused the call {ms} ms after it arrived and never rang, so no person declined it: this is an automatic refusal (do-not-disturb, busy, or a call-waiting setting). 603 Decline is a global answer: a forking proxy must stop every other branch, so the user's other phones, mobile or hunt-group members never get the call. A device-level refusal should be 486 Busy Here, which ends only this branch and lets the others ring.{}",
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
            "Configure the phone's DND / busy / reject action to send 486 Busy Here instead of 603 Decline.",
            "On the PBX, map 603 from this device to 486 if the device cannot be changed.",
            "Keep 603 for a person pressing 'decline' when the call should stop everywhere.",
        ],
        vec![req_ev(call, tx), resp_ev(call, r)],
    ))
}
