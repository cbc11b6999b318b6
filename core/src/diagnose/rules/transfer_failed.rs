//! `transfer-failed`: a call transfer (REFER, RFC 3515) did not happen: the REFER itself was
//! refused, or the NOTIFY reporting its progress carried a failure (`message/sipfrag` body
//! with a 3xx-6xx status: the transfer target was busy, did not answer, refused).

use super::*;
use crate::sip::Method;

/// Rule id.
pub const ID: &str = "transfer-failed";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !call.has_refer_or_notify {
        return None;
    }
    if let Some((t, r)) = call
        .transactions
        .iter()
        .filter(|t| t.method == Method::Refer)
        .find_map(|t| t.first_final.as_deref().filter(|r| r.code >= 300).map(|r| (t, r)))
    {
        let summary = format!("transfer refused: REFER from {} answered {}", t.src, status_line(r));
        let explanation = format!(
            "{} asked {} to transfer the call (REFER) and was refused with {}, so the transfer never started.{} Transfers are often disabled per device or account, or need the referrer to be authenticated; some devices only accept attended transfers.{}",
            t.src,
            t.dst,
            status_line(r),
            aftermath(call, r.ts),
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
                "Check that transfers are allowed for this device or account on the PBX.",
                "Check the Refer-To target: a number the transferee may call, in a form it understands.",
            ],
            vec![req_ev(call, t), resp_ev(call, r)],
        ));
    }
    let t = call
        .transactions
        .iter()
        .find(|t| t.method == Method::Notify && t.sipfrag.is_some_and(|c| c >= 300))?;
    let code = t.sipfrag?;
    let meaning = crate::diagnose::codes::lookup(code)
        .map_or("the target refused or could not be reached", |i| i.meaning);
    let summary = format!("transfer failed: the transfer target answered {code} (reported by {})", t.src);
    let after = aftermath(call, t.first_ts);
    let after = if after.is_empty() {
        " The transferred party may be left on hold or disconnected, depending on the device.".to_string()
    } else {
        after
    };
    let explanation = format!(
        "The transfer was accepted and {} tried to reach the target, but the progress report (NOTIFY with a sipfrag body) says the target answered {code}: {meaning}{after}",
        t.src
    );
    Some(call_finding(
        call,
        ID,
        Severity::Warning,
        ctx,
        summary,
        explanation,
        &[
            "Look at the call from the transferee to the target (a separate Call-ID) for why it failed.",
            "Check how the transferring phone handles a failed transfer (take the call back, or fall back to voicemail).",
        ],
        vec![req_ev(call, t)],
    ))
}

/// What happened to the call after the failed transfer: a BYE, and from whom.
fn aftermath(call: &Call, after: crate::time::Timestamp) -> String {
    match (call.bye_from, call.bye_ts.filter(|t| *t >= after)) {
        (Some(from), Some(ts)) => format!(
            " {from} then hung up (BYE {} ms later), so the transferred party was dropped rather than taken back.",
            ts.millis_since(after)
        ),
        _ => String::new(),
    }
}
