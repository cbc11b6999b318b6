//! `asymmetric-rtp`: a side sends its RTP from another port than the one its SDP says it
//! receives on (same address). Fine on an open network; behind NAT, or towards a PBX or SBC that
//! answers to where RTP comes from (symmetric RTP, RFC 4961), the answer goes to a port the device
//! may not listen on. The NAT case (another address altogether) is `media-nat`.

use super::media_facts::*;
use super::*;

/// Rule id.
pub const ID: &str = "asymmetric-rtp";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !ctx.at.ended || uses_ice(call) {
        return None;
    }
    for side in [true, false] {
        let Some(promise) = announced(call, side) else { continue };
        let Some(addr) = promise.rtp_addr() else { continue };
        // Against every address the side announced over the call: a re-INVITE moves media, and
        // the stream before the move came from the address announced then.
        let symmetric = |a: std::net::SocketAddr| call.media.announced(side).any(|x| x == a);
        let Some(s) = streams_from(call, side)
            .find(|s| s.packets >= 25 && s.src.ip() == addr.ip() && !symmetric(s.src))
        else {
            continue;
        };
        let answered_to_source = streams_from(call, !side).any(|r| r.dst == s.src);
        return Some(call_finding(
            call,
            ID,
            Severity::Info,
            ctx,
            format!(
                "Asymmetric RTP: the {} receives on port {} but sends from port {}",
                side_name(side),
                addr.port(),
                s.src.port()
            ),
            format!(
                "The {} announced {}, and its stream {} comes from {}. Media works here only because the {} sends to the announced port{}. Devices behind NAT, or peers that latch onto the source of incoming RTP (symmetric RTP, RFC 4961), would answer to port {} instead.",
                side_name(side),
                described(call, promise),
                stream_name(call, s),
                s.src,
                side_name(!side),
                if answered_to_source { " (and also to the source port)" } else { "" },
                s.src.port()
            ),
            &[
                "Make the device send RTP from the port it receives on (symmetric RTP is the default of most phones and gateways; look for an 'RTP port' or 'symmetric RTP' setting).",
                "If a PBX or SBC latches media, check that it is not answering to the wrong port.",
            ],
            vec![sdp_ev(call, promise)],
        ));
    }
    None
}
