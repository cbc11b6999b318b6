//! `one-way-media`: an answered call where one side sent RTP and the other, which its session
//! description said would send, sent none. Holds are left out (a held side is silent on
//! purpose), and so are conversations too short to judge and calls using ICE (media may take
//! candidate addresses not followed here).

use super::media_facts::*;
use super::*;

/// Rule id.
pub const ID: &str = "one-way-media";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !ctx.at.ended {
        return None;
    }
    let talk = talk(call)?;
    if talk.ms() < MIN_TALK_MS || any_hold(call) || uses_ice(call) {
        return None;
    }
    let silent = [true, false].into_iter().find(|&side| {
        packets_from(call, side) == 0 && packets_from(call, !side) >= 25 && always_sends(call, side)
    })?;
    let heard = !silent;
    let promise = announced(call, silent)?;
    let other = announced(call, heard)?;
    let sent: u64 = packets_from(call, heard);
    let to_promised = streams_from(call, heard).any(|s| Some(s.dst) == promise.rtp_addr());
    let silent_addr = promise.rtp_addr()?;
    let secs = talk.ms() as f64 / 1000.0;
    let summary = format!(
        "One-way audio: the {} ({}) sent no RTP in {secs:.1} s of conversation; the {} sent {sent} packets",
        side_name(silent),
        silent_addr.ip(),
        side_name(heard),
    );
    let mut why = format!(
        "The {s} said it would send and receive audio at {}. The {h} announced {} and its audio {}. Not one RTP packet from the {s} reached this capture point: the {h} heard nothing.",
        described(call, promise),
        described(call, other),
        if to_promised {
            format!("reached the {s}'s announced address", s = side_name(silent))
        } else {
            format!("went elsewhere than the {s}'s announced address", s = side_name(silent))
        },
        s = side_name(silent),
        h = side_name(heard),
    );
    if is_lan(silent_addr) && other.rtp_addr().is_some_and(|a| !is_lan(a)) {
        why.push_str(&format!(
            " The {} announced a private address ({}) to a peer on a public one: behind NAT, its outgoing RTP may be blocked or sent from a port the far end does not expect.",
            side_name(silent),
            silent_addr.ip()
        ));
    }
    let evidence = sides_ev(call, promise, other, &talk);
    Some(call_finding(
        call,
        ID,
        Severity::Error,
        ctx,
        summary,
        why,
        &[
            "Capture on the silent side's network to see whether its RTP leaves the device at all.",
            "Check NAT and firewall rules for the UDP port range of the silent side, and any SIP ALG rewriting its SDP.",
            "If the device is behind NAT, announce its public address (STUN or the external-address setting) or let the PBX latch onto where RTP actually comes from (symmetric RTP / NAT=yes).",
        ],
        evidence,
    ))
}
