//! `media-rejected`: 488 Not Acceptable Here or 606 Not Acceptable: the session description was
//! refused (no common codec, crypto or transport). On a re-INVITE the call stays up.

use super::*;
use crate::sip::Method;

/// Rule id.
pub const ID: &str = "media-rejected";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    let (t, r) = call
        .transactions
        .iter()
        .filter(|t| matches!(t.method, Method::Invite | Method::Update))
        .find_map(|t| t.first_final.as_deref().filter(|r| matches!(r.code, 488 | 606)).map(|r| (t, r)))?;
    let (summary, severity, effect) = if t.in_dialog {
        (
            format!("{} refused a mid-call {} with {}", r.msg.src, t.method.as_str(), status_line(r)),
            Severity::Warning,
            "This was a change during an established call (hold, codec change, video, transfer); the call stays up with its previous media, but the change did not happen.",
        )
    } else {
        (
            format!("{} refused the call's media with {}", r.msg.src, status_line(r)),
            Severity::Error,
            "The call could not be set up at all.",
        )
    };
    let explanation = format!(
        "{} means the receiver cannot accept the offered session: no codec in common, an unsupported crypto or transport (SRTP vs RTP, DTLS, ICE), or a media type it refuses (video). {effect}{}",
        r.code,
        reason_and_warning(r)
    );
    Some(call_finding(
        call,
        ID,
        severity,
        ctx,
        summary,
        explanation,
        &[
            "Compare the codecs, crypto lines and transport in the SDP offer with what the receiver supports.",
            "Check transcoding settings on the PBX or SBC in the path.",
        ],
        vec![req_ev(call, t), resp_ev(call, r)],
    ))
}
