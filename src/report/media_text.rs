//! The media lines of a call in the text report: what each side's SDP said, one line per RTP
//! stream (codec, addresses, packets, loss, jitter, estimated MOS, RTCP's view, DTMF).

use std::io::{self, Write};

use crate::correlate::Call;
use crate::sanitize::Inert;

/// Writes the `sdp:` line and one `rtp:` line per stream, indented under the call.
pub fn write_call_media(w: &mut impl Write, c: &Call) -> io::Result<()> {
    let m = &c.media;
    if !m.sdp.is_empty() {
        let parts: Vec<String> = m.sdp.iter().map(|r| m.sdp_line(r)).collect();
        writeln!(w, "      sdp: {}", Inert(parts.join("; ").as_bytes()))?;
    }
    for s in &m.streams {
        let from = m.stream_side(s).unwrap_or("?");
        let mos = m.quality(s).map_or_else(|| "-".to_string(), |(_, mos)| format!("{mos:.1}"));
        let mut line = format!(
            "      rtp: {} {} -> {} ssrc 0x{:08x} from {from} | {} pkts, lost {} ({:.1}%), jitter {:.1}/{:.1} ms, max gap {:.0} ms, MOS {mos}",
            m.codec(s),
            s.src,
            s.dst,
            s.ssrc,
            s.packets,
            s.lost(),
            s.loss_pct(),
            s.mean_jitter_ms,
            s.max_jitter_ms,
            s.max_delta_ms,
        );
        if s.duplicates > 0 || s.late > 0 {
            line.push_str(&format!(", {} dup, {} late", s.duplicates, s.late));
        }
        if s.dtmf.events > 0 {
            line.push_str(&format!(" | DTMF {}", s.dtmf.digits()));
        }
        let after_bye = m.after_bye(s, c.last_bye_ts);
        if after_bye > 0 {
            line.push_str(&format!(" | {after_bye} after BYE"));
        }
        if let Some(r) = m.rtcp_about(s.ssrc) {
            line.push_str(&format!(
                " | rtcp: {} reports, lost {:.1}%",
                r.reports,
                f64::from(r.fraction_lost) * 100.0 / 256.0
            ));
            if let Some(rtt) = r.rtt_ms {
                line.push_str(&format!(", rtt {rtt:.0} ms"));
            }
        }
        writeln!(w, "{}", Inert(line.as_bytes()))?;
    }
    if m.packets_dropped > 0 {
        writeln!(
            w,
            "      rtp: {} packets of further streams not tracked (per-call limit)",
            m.packets_dropped
        )?;
    }
    Ok(())
}
