//! `media-nat`: a side announced a LAN address in its SDP and its RTP came from another one:
//! it is behind NAT. Working when the far end sends back to where the RTP came from (symmetric
//! RTP latching); one-way or no audio when it sends to the private address.

use super::media_facts::*;
use super::*;

/// Rule id.
pub const ID: &str = "media-nat";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !ctx.at.ended {
        return None;
    }
    for side in [true, false] {
        let Some(promise) = announced(call, side) else { continue };
        let Some(addr) = promise.rtp_addr() else { continue };
        if !is_lan(addr) {
            continue;
        }
        let Some(s) = streams_from(call, side).find(|s| s.src.ip() != addr.ip() && !is_lan(s.src)) else {
            continue;
        };
        let real = s.src;
        let back_to_real: u64 = streams_from(call, !side).filter(|r| r.dst == real).map(|r| r.packets).sum();
        let back_to_private: u64 =
            streams_from(call, !side).filter(|r| r.dst == addr).map(|r| r.packets).sum();
        let latched = back_to_real > 0;
        let (severity, effect) = if latched {
            (
                Severity::Info,
                format!(
                    "The {o} sent its audio to {real} (where the RTP really came from){early}, so audio works because the {o} latches onto the source of incoming RTP.",
                    o = side_name(!side),
                    early = if back_to_private > 0 {
                        format!(", after {back_to_private} packets to the private address")
                    } else {
                        String::new()
                    }
                ),
            )
        } else if back_to_private > 0 {
            (
                Severity::Error,
                format!(
                    "The {o} sent {back_to_private} packets to the private address {addr}, which does not route across the Internet: the {s} hears nothing.",
                    o = side_name(!side),
                    s = side_name(side)
                ),
            )
        } else {
            (
                Severity::Warning,
                format!("No audio from the {} back to either address was captured.", side_name(!side)),
            )
        };
        let summary = format!(
            "Media behind NAT: the {} announced {addr} in SDP but its RTP comes from {real}",
            side_name(side)
        );
        let why = format!(
            "The {s}'s session description named a private address, {}; its RTP arrived from {real}, a public address: a NAT router rewrote the packets' source but nothing rewrote the SDP. {effect}",
            described(call, promise),
            s = side_name(side)
        );
        return Some(call_finding(
            call,
            ID,
            severity,
            ctx,
            summary,
            why,
            &[
                "Set the device's external (public) address or enable STUN, so its SDP names where it can be reached.",
                "Or enable symmetric RTP / NAT handling (comedia, rtp_symmetric, nat=force_rport,comedia) on the PBX or SBC so it sends back to the observed source.",
                "Turn off any SIP ALG on the router: it rewrites SDP unreliably.",
            ],
            vec![sdp_ev(call, promise)],
        ));
    }
    None
}
