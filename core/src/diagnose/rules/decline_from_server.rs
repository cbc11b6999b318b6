//! `decline-from-server`: a registrar or proxy answered 603 Decline itself, at once and without
//! any phone ringing, for a user that holds no registration: the server chose the wrong code.
//! 603 says a person refused the call everywhere; a user who cannot be reached should get 480
//! Temporarily Unavailable (or 404 Not Found when the user does not exist), which callers,
//! upstream forks and voicemail-on-unavailable handle as such.

use super::decline_should_be_busy::automatic;
use super::*;

/// Rule id.
pub const ID: &str = "decline-from-server";

/// Words in a 603 that say the user could not be reached rather than refused.
const UNREACHABLE_WORDS: &[&str] =
    &["not registered", "unregistered", "not found", "unavailable", "offline", "no such", "not online"];

/// The 603 a server answered on its own, with why we think it is the server's: its role in
/// this capture and the callee's registration (or the words of the 603).
pub(crate) fn server_decline<'a>(
    call: &'a Call,
    ctx: &Context<'_>,
) -> Option<(&'a Transaction, &'a Response, String)> {
    if !any_final(call, |c| c == 603) {
        return None;
    }
    let (caller, legs) = hops(call);
    let t = caller?;
    let r = automatic(t)?;
    // A forking proxy relaying a phone's 603 has a leg that got it.
    if legs.iter().any(|l| l.final_code.is_some_and(|c| c >= 600)) {
        return None;
    }
    let role = ctx.roles.of(r.msg.src.ip());
    let what = match (role.registrar, role.proxy) {
        (true, true) => "a registrar and proxy",
        (true, false) => "a registrar",
        (false, true) => "a proxy",
        (false, false) => return None,
    };
    let callee = call.first.slice(call.first.headers.to_addr(&call.first.raw).uri);
    let words = crate::diagnose::refusal::refusal_words(r);
    let said = UNREACHABLE_WORDS.iter().find(|w| words.contains(*w));
    let why = match (said, ctx.roles.registration(callee, r.ts)) {
        (Some(w), _) => format!("its own words say the user is {w}"),
        (None, Some(false)) => "the user's registration had failed or expired in this capture".to_string(),
        (None, None) if role.registrar && ctx.roles.saw_registrations() => {
            "no registration for the user was seen in this capture, while other users registered".to_string()
        }
        _ => return None,
    };
    Some((t, r, format!("{} is {what} in this capture (it {}), and {why}", r.msg.src, roles_evidence(role))))
}

fn roles_evidence(role: crate::diagnose::roles::Role) -> &'static str {
    match (role.registrar, role.proxy) {
        (true, true) => "received REGISTER requests and forwarded requests",
        (true, false) => "received REGISTER requests",
        _ => "forwarded requests",
    }
}

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    let (t, r, why) = server_decline(call, ctx)?;
    let ms = r.ts.millis_since(t.first_ts);
    let callee = String::from_utf8_lossy(call.first.slice(call.first.headers.to_addr(&call.first.raw).uri))
        .into_owned();
    let summary = format!(
        "server {} answered 603 Decline itself {ms} ms after the INVITE for {}: should be 480 Temporarily Unavailable",
        r.msg.src,
        crate::sanitize::inert_string(callee.as_bytes())
    );
    let explanation = format!(
        "No phone rang and no phone declined: the 603 came from the server the caller sent the INVITE to, {ms} ms after it, because {why}. 603 Decline means a person refused the call, at every location; callers show 'call declined', and forking proxies and hunt groups stop trying elsewhere. A user who is not reachable should get 480 Temporarily Unavailable (or 404 Not Found if the user does not exist), which callers treat as 'try later' and which can send the call to voicemail or another destination.{}",
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
            "Change the server's answer for unregistered users to 480 (Kamailio: the reply after a failed lookup; Asterisk: the dialplan's status for UNAVAIL).",
            "Check why the user is not registered: the phone, its credentials, NAT keep-alives.",
            "Check routing on no registration: voicemail or a fallback destination instead of a refusal.",
        ],
        vec![req_ev(call, t), resp_ev(call, r)],
    ))
}
