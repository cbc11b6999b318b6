//! `media-after-bye`: a side kept sending RTP for more than a second after the call's BYE (a
//! media server or gateway that did not tear down its stream: wasted ports and bandwidth, and
//! a sign the BYE did not reach it).

use super::media_facts::*;
use super::*;

/// Rule id.
pub const ID: &str = "media-after-bye";

/// How long packets may trail a BYE (in flight, jitter buffers draining), ms.
pub const TRAIL_MS: i64 = 1_000;

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !ctx.at.ended {
        return None;
    }
    let bye = call.last_bye_ts?;
    let s = call
        .media
        .streams
        .iter()
        .filter(|s| call.media.after_bye(s, Some(bye)) >= 10 && s.last_ts.millis_since(bye) > TRAIL_MS)
        .max_by_key(|s| call.media.after_bye(s, Some(bye)))?;
    let from = call
        .media
        .stream_from_caller(s)
        .map_or_else(|| format!("from {}", s.src), |c| format!("from the {}", side_name(c)));
    let secs = s.last_ts.millis_since(bye) as f64 / 1000.0;
    let bye_ev =
        call.transactions.iter().find(|t| t.method == crate::sip::Method::Bye).map(|t| req_ev(call, t));
    Some(call_finding(
        call,
        ID,
        Severity::Warning,
        ctx,
        format!("RTP {from} went on {secs:.1} s after the BYE ({} packets)", call.media.after_bye(s, Some(bye))),
        format!(
            "Stream {} kept flowing after the call was hung up. The sender either never got the BYE or does not stop its media on it (a gateway or media server holding the port), which wastes bandwidth and ports and can leak audio into the next call on that port.",
            stream_name(call, s)
        ),
        &[
            "Check that the BYE reached the sender (and its 200 OK came back).",
            "Check the media server or gateway's session timers and teardown of media on BYE.",
        ],
        bye_ev.into_iter().collect(),
    ))
}
