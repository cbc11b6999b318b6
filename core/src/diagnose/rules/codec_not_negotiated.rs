//! `codec-not-negotiated`: RTP carrying a payload type its receiver never offered or accepted
//! in SDP. The receiver cannot decode it: silence or noise on that side.

use super::media_facts::*;
use super::*;

/// Rule id.
pub const ID: &str = "codec-not-negotiated";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !ctx.at.ended {
        return None;
    }
    let m = &call.media;
    for s in m.streams.iter().filter(|s| s.kind == crate::media::Kind::Audio) {
        let Some(from_caller) = m.stream_from_caller(s) else { continue };
        let receiver: Vec<&crate::media::SdpRecord> =
            m.sdp.iter().filter(|r| r.from_caller != from_caller && r.media.is_some()).collect();
        if receiver.is_empty() {
            continue;
        }
        let accepted =
            |pt: u8| receiver.iter().any(|r| r.media.as_ref().is_some_and(|d| d.formats.contains(&pt)));
        let Some(pt) = (0..128u8).find(|&pt| {
            s.payload_types & (1u128 << pt) != 0
                && !crate::media::codec::is_comfort_noise(pt)
                && !accepted(pt)
        }) else {
            continue;
        };
        let last = receiver[receiver.len() - 1];
        let listed: Vec<String> = last
            .media
            .as_ref()
            .map(|d| d.formats.iter().map(|p| format!("{} ({p})", m.codecs.name(*p))).collect())
            .unwrap_or_default();
        return Some(call_finding(
            call,
            ID,
            Severity::Warning,
            ctx,
            format!(
                "The {} sends {} (payload type {pt}), which the {} never accepted",
                side_name(from_caller),
                m.codecs.name(pt),
                side_name(!from_caller)
            ),
            format!(
                "Stream {} carries payload type {pt}. The receiving side's SDP lists only {}. A device that gets a payload type it did not negotiate discards it or plays noise: that direction is silent or garbled.",
                stream_name(call, s),
                listed.join(", ")
            ),
            &[
                "Check the sender's codec settings: it must send one of the codecs in the answer.",
                "Look for a transcoder or SBC in the path rewriting SDP without converting the media.",
            ],
            vec![sdp_ev(call, last)],
        ));
    }
    None
}
