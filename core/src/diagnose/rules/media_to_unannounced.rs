//! `media-to-unannounced`: RTP sent to an address no description of the call announced, and
//! not where the other side's RTP came from either (which would be symmetric RTP latching).
//! The receiver never hears it. Calls using ICE are left out: their candidates announce
//! addresses the c= line does not.

use super::media_facts::*;
use super::*;

/// Rule id.
pub const ID: &str = "media-to-unannounced";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !ctx.at.ended || uses_ice(call) {
        return None;
    }
    let m = &call.media;
    let s =
        m.streams.iter().filter(|s| s.packets >= 25 && s.kind == crate::media::Kind::Audio).find(|s| {
            let announced = m.sdp.iter().any(|r| r.rtp_addr() == Some(s.dst));
            let latched = m.streams.iter().any(|o| o.src == s.dst);
            !announced && !latched
        })?;
    let from = m.stream_from_caller(s);
    let other = from.and_then(|c| announced(call, !c));
    let summary = format!(
        "RTP {} goes to {}, an address no SDP of the call announced",
        from.map_or_else(|| format!("from {}", s.src), |c| format!("from the {}", side_name(c))),
        s.dst
    );
    let why = format!(
        "Stream {} ({} packets) is addressed to {}. {} Nothing came from that address either, so it is not symmetric RTP answering a source. That audio is lost: a stale address from an earlier call, a misconfigured media relay, or an ALG that rewrote one place and not the other.",
        stream_name(call, s),
        s.packets,
        s.dst,
        match other {
            Some(r) => format!("The receiving side announced {}.", described(call, r)),
            None => "The receiving side announced no address.".to_string(),
        }
    );
    Some(call_finding(
        call,
        ID,
        Severity::Warning,
        ctx,
        summary,
        why,
        &[
            "Compare the sender's media destination with the latest SDP it received (re-INVITEs move media).",
            "Check media relays, SBCs and SIP ALGs between the two sides.",
        ],
        other.or_else(|| m.sdp.last()).map(|r| sdp_ev(call, r)).into_iter().collect(),
    ))
}
