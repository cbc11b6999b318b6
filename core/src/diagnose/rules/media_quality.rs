//! `media-quality`: a stream with loss or jitter a listener will hear (loss of 3 % or more, a
//! mean jitter of 30 ms or more, or an estimated MOS under 3.6), named with its direction.

use super::media_facts::*;
use super::*;

/// Rule id.
pub const ID: &str = "media-quality";

/// Loss that is heard as clipping, percent.
pub const LOSS_PCT: f64 = 3.0;
/// Mean jitter that overruns ordinary jitter buffers, ms.
pub const JITTER_MS: f64 = 30.0;
/// Estimated MOS under which users complain.
pub const MOS: f64 = 3.6;

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    if !ctx.at.ended {
        return None;
    }
    let m = &call.media;
    let (s, mos) = m
        .streams
        .iter()
        .filter(|s| s.packets >= 50)
        .filter_map(|s| m.quality(s).map(|(_, mos)| (s, mos)))
        .filter(|(s, mos)| s.loss_pct() >= LOSS_PCT || s.mean_jitter_ms >= JITTER_MS || *mos < MOS)
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let from = m
        .stream_from_caller(s)
        .map_or_else(|| format!("from {}", s.src), |c| format!("from the {}", side_name(c)));
    let summary = format!(
        "Poor audio {from}: {:.1} % lost, jitter {:.1} ms mean / {:.1} ms max, MOS ~{mos:.1}",
        s.loss_pct(),
        s.mean_jitter_ms,
        s.max_jitter_ms
    );
    let mut why = format!(
        "Stream {}: {} of {} expected packets arrived ({} lost), with a largest gap of {:.0} ms. ",
        stream_name(call, s),
        s.packets,
        s.expected(),
        s.lost().max(0),
        s.max_delta_ms
    );
    if s.loss_pct() >= LOSS_PCT {
        why.push_str("Loss above a few percent is heard as clipped or robotic speech. ");
    }
    if s.mean_jitter_ms >= JITTER_MS {
        why.push_str("Jitter this high overruns ordinary jitter buffers: late packets are thrown away, which sounds like loss. ");
    }
    why.push_str(&format!(
        "The MOS is an estimate (ITU-T G.107 E-model from loss and jitter{}). Loss is counted where this capture sits: packets lost after it are not seen, and packets the capture itself dropped (see the capture summary) count here too.",
        if m.rtt_ms(s).is_some() { " and the RTCP round trip" } else { "" }
    ));
    if let Some(r) = m.rtcp_about(s.ssrc) {
        why.push_str(&format!(
            " The receiver's own RTCP reports {:.1} % lost in its last interval, {} in all.",
            f64::from(r.fraction_lost) * 100.0 / 256.0,
            r.cumulative_lost
        ));
    }
    let ev =
        m.sdp.iter().rev().find(|r| Some(r.from_caller) != m.stream_from_caller(s)).map(|r| sdp_ev(call, r));
    Some(call_finding(
        call,
        ID,
        Severity::Warning,
        ctx,
        summary,
        why,
        &[
            "Find where the loss starts: capture at the sender and at the receiver and compare.",
            "Check the path for congestion, Wi-Fi, duplex mismatches and whether voice is prioritised (DSCP EF).",
        ],
        ev.into_iter().collect(),
    ))
}
