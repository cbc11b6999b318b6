//! `no-media`: an answered call whose descriptions set up audio, and not one RTP packet in
//! either direction, where this capture point does see media between those endpoints: RTP
//! between the two SDP hosts was attached to another call, or this call's RTCP came.
//! A capture filtered to signalling only, or a PBX capture of phones that send media directly
//! to each other, says nothing about media and raises nothing; nor do calls using ICE.

use super::media_facts::*;
use super::*;

/// Rule id.
pub const ID: &str = "no-media";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !ctx.at.ended || uses_ice(call) {
        return None;
    }
    let talk = talk(call)?;
    if talk.ms() < MIN_TALK_MS || !call.media.streams.is_empty() {
        return None;
    }
    let (a, b) = (announced(call, true)?, announced(call, false)?);
    let (Some(x), Some(y)) = (a.rtp_addr().map(|x| x.ip()), b.rtp_addr().map(|y| y.ip())) else {
        return None;
    };
    let pair = if x <= y { (x, y) } else { (y, x) };
    if !(ctx.media_pairs.contains(&pair) || call.media.rtcp_packets > 0) {
        return None;
    }
    if !a.direction().sends() && !b.direction().sends() {
        return None;
    }
    let summary = format!(
        "No media: {:.1} s of conversation and no RTP either way between {} and {}",
        talk.ms() as f64 / 1000.0,
        a.rtp_addr().map_or_else(String::new, |x| x.to_string()),
        b.rtp_addr().map_or_else(String::new, |x| x.to_string()),
    );
    let why = format!(
        "The caller offered {} and the callee answered {}. The call was answered and lasted long enough to talk, yet no RTP to or from those addresses crossed this capture point, which does see media between these two hosts in other calls. Both parties heard silence, or the media took a path this capture does not see.",
        described(call, a),
        described(call, b)
    );
    let evidence = sides_ev(call, a, b, &talk);
    Some(call_finding(
        call,
        ID,
        Severity::Error,
        ctx,
        summary,
        why,
        &[
            "Check that the announced addresses are reachable from each other (private addresses across NAT are not).",
            "Check firewalls and the media relay of the PBX or SBC for the RTP port range.",
            "If media is meant to bypass this host (direct media), capture where it flows instead.",
        ],
        evidence,
    ))
}
