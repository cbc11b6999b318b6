//! The `sdp` and `media` members of a call in the JSON report (and NDJSON stream): what each
//! side's session descriptions said, and every RTP stream with its loss, jitter, estimated MOS
//! and what RTCP receivers reported about it.

use super::json::{push_array, push_str, Object};
use crate::correlate::Call;
use crate::media::{CallMedia, RtpStream};

/// Writes `"sdp": [...]` and `"media": [...]` into an open call object.
pub fn write_media(o: &mut Object<'_>, c: &Call) {
    let bye = c.last_bye_ts;
    let m = &c.media;
    push_array(o.key("sdp"), &m.sdp, |out, r| {
        let mut so = Object::begin(out);
        so.uint("index", r.index.into())
            .str("what", r.what.as_bytes())
            .str("side", if r.from_caller { b"caller" } else { b"callee" });
        match r.rtp_addr() {
            Some(a) => so.addr("rtp", a),
            None => so.null("rtp"),
        };
        so.str("direction", r.direction().as_str().as_bytes());
        let formats = r.media.iter().flat_map(|desc| desc.formats.iter().map(move |pt| (desc, *pt)));
        push_array(so.key("codecs"), formats, |codecs, (desc, pt)| {
            match desc.maps.iter().find(|x| x.pt == pt) {
                Some(x) => {
                    push_str(codecs, x.name.as_bytes());
                }
                None => write_label(codecs, m.codecs.label(pt)),
            }
        });
        so.bool("ice", r.media.as_ref().is_some_and(|d| d.ice));
        so.end();
    });
    push_array(o.key("media"), &m.streams, |out, s| write_stream(out, m, s, bye));
}

/// A payload type's name as a JSON string, without allocating.
fn write_label(out: &mut Vec<u8>, label: crate::media::codec::Label) {
    use crate::media::codec::Label;
    match label {
        Label::Static(s) => {
            push_str(out, s.as_bytes());
        }
        Label::Mapped(n) => {
            push_str(out, n.as_bytes());
        }
        Label::Number(pt) => {
            out.extend_from_slice(b"\"PT");
            super::json::push_u64(out, pt.into());
            out.push(b'"');
        }
    }
}

fn write_stream(out: &mut Vec<u8>, m: &CallMedia, s: &RtpStream, bye: Option<crate::time::Timestamp>) {
    let mut so = Object::begin(out);
    so.addr("src", s.src)
        .addr("dst", s.dst)
        .uint("ssrc", s.ssrc.into())
        .str("kind", s.kind.as_str().as_bytes());
    so.opt_str("from", m.stream_side(s).map(str::as_bytes));
    let codecs = m.codecs_for(s);
    so.uint("payload_type", s.payload_type.into());
    write_label(so.key("codec"), codecs.label(s.payload_type));
    let types = (0..128u8).filter(|pt| s.payload_types & (1u128 << pt) != 0);
    push_array(so.key("payload_types"), types, |names, pt| write_label(names, codecs.label(pt)));
    so.uint("packets", s.packets)
        .uint("expected", s.expected())
        .opt_int("lost", Some(s.lost()))
        .num("loss_pct", s.loss_pct(), 2)
        .uint("duplicates", s.duplicates)
        .uint("late", s.late)
        .uint("timeline_resets", s.timeline_resets.into())
        .num("max_delta_ms", s.max_delta_ms, 3)
        .num("max_jitter_ms", s.max_jitter_ms, 3)
        .num("mean_jitter_ms", s.mean_jitter_ms, 3);
    match m.quality(s) {
        Some((r, mos)) => so.num("r_factor", r, 1).num("mos", mos, 2),
        None => so.null("r_factor").null("mos"),
    };
    so.time("start", s.first_ts).time("end", s.last_ts).uint("after_bye", m.after_bye(s, bye));
    match s.dtmf.events {
        0 => so.null("dtmf"),
        _ => so.str("dtmf", s.dtmf.digits().as_bytes()),
    };
    match m.rtcp_about(s.ssrc) {
        Some(r) => {
            let mut ro = Object::begin(so.key("rtcp"));
            ro.uint("reports", r.reports.into())
                .num("fraction_lost_pct", f64::from(r.fraction_lost) * 100.0 / 256.0, 1)
                .opt_int("cumulative_lost", Some(r.cumulative_lost.into()));
            match m.rtcp_jitter_ms(s) {
                Some(j) => ro.num("jitter_ms", j, 3),
                None => ro.null("jitter_ms"),
            };
            match r.rtt_ms {
                Some(rtt) => ro.num("rtt_ms", rtt, 1),
                None => ro.null("rtt_ms"),
            };
            match r.xr.filter(|x| x.4 != 127 && x.4 != 0) {
                Some(x) => ro.num("xr_mos_lq", f64::from(x.4) / 10.0, 1),
                None => ro.null("xr_mos_lq"),
            };
            ro.end();
        }
        None => {
            so.null("rtcp");
        }
    }
    so.end();
}
