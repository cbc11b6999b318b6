//! What the media rules share: when the call was in conversation, what each side's session
//! descriptions promised, and which streams each side sent.

use std::net::SocketAddr;

use super::*;
use crate::media::{Kind, RtpStream, SdpRecord};
use crate::time::Timestamp;

/// Shortest conversation the media rules judge: below it a silent side may just not have
/// started yet (phones open their audio path a moment after the answer).
pub const MIN_TALK_MS: i64 = 3_000;

/// The conversation of an answered call: from the 2xx that answered it to the BYE (or the last
/// thing seen of the call).
#[derive(Debug, Clone, Copy)]
pub struct Talk {
    /// When the 2xx was captured.
    pub from: Timestamp,
    /// When the BYE was captured, else the last message or media packet.
    pub to: Timestamp,
    /// Index of the 2xx in the call.
    pub answer_index: u32,
}

impl Talk {
    /// Its length, ms.
    pub fn ms(&self) -> i64 {
        self.to.millis_since(self.from)
    }
}

/// The conversation, when the call was answered (and not on a re-INVITE only).
pub fn talk(call: &Call) -> Option<Talk> {
    let ok = call.answered()?;
    let media_end = call.media.streams.iter().map(|s| s.last_ts).max();
    let to = call.last_bye_ts.unwrap_or_else(|| media_end.map_or(call.last_ts, |m| m.max(call.last_ts)));
    Some(Talk { from: ok.ts, to, answer_index: ok.index })
}

/// The side's name in sentences.
pub fn side_name(caller: bool) -> &'static str {
    if caller {
        "caller"
    } else {
        "callee"
    }
}

/// Whether every description of the call let `caller`'s side send: it never said
/// sendonly/recvonly/inactive against itself and the other side never refused to receive. A
/// call with any hold in it is left to the hold-aware reading (a held side is silent by design).
pub fn always_sends(call: &Call, caller: bool) -> bool {
    let mut own = false;
    for r in &call.media.sdp {
        let d = r.direction();
        if r.from_caller == caller {
            own = true;
            if !d.sends() {
                return false;
            }
        } else if !d.receives() {
            return false;
        }
    }
    own
}

/// Whether any description of the call puts a side on hold (anything but sendrecv).
pub fn any_hold(call: &Call) -> bool {
    call.media.sdp.iter().any(|r| r.direction() != crate::media::Direction::SendRecv)
}

/// The latest description of a side that named an RTP address (RTP sections only: a T.38 fax
/// switch, `m=image udptl`, is not audio).
pub fn announced(call: &Call, caller: bool) -> Option<&SdpRecord> {
    call.media.sdp.iter().rev().find(|r| {
        r.from_caller == caller && r.rtp_addr().is_some() && r.media.as_ref().is_some_and(|m| m.is_rtp())
    })
}

/// Whether any description of the call carries ICE: media may then flow between candidate
/// addresses this reading does not follow, so silence on the c= addresses proves nothing.
pub fn uses_ice(call: &Call) -> bool {
    call.media.sdp.iter().any(|r| r.media.as_ref().is_some_and(|m| m.ice))
}

/// Audio streams sent by one side.
pub fn streams_from(call: &Call, caller: bool) -> impl Iterator<Item = &RtpStream> {
    call.media
        .streams
        .iter()
        .filter(move |s| s.kind == Kind::Audio && call.media.stream_from_caller(s) == Some(caller))
}

/// Audio packets a side sent in streams that went on into the conversation (ringback that
/// stopped at the answer does not count as talking).
pub fn packets_from(call: &Call, caller: bool) -> u64 {
    let from = talk(call).map(|t| t.from.plus_millis(500));
    streams_from(call, caller).filter(|s| from.is_none_or(|f| s.last_ts > f)).map(|s| s.packets).sum()
}

/// `192.0.2.10:4000 (PCMU, sendrecv) in the 200 OK`: what a description said, for sentences.
pub fn described(call: &Call, r: &SdpRecord) -> String {
    let addr = r.rtp_addr().map_or_else(|| "no address".to_string(), |a| a.to_string());
    let codecs = call.media.codec_list(r, 4, "/");
    let what = if r.in_request { format!("its {}", r.what) } else { format!("its {} response", r.what) };
    format!("{addr} ({codecs}, {}) in {what}", r.direction().as_str())
}

/// Evidence pointing at the message that carried a description.
pub fn sdp_ev(call: &Call, r: &SdpRecord) -> Evidence {
    let addr = r.rtp_addr().map_or_else(|| "no address".to_string(), |a| a.to_string());
    Evidence {
        call_id: call_id(call),
        index: r.index,
        what: format!(
            "{} with SDP from the {}: media at {addr}, {}",
            r.what,
            side_name(r.from_caller),
            r.direction().as_str()
        ),
    }
}

/// The evidence of a two-sided media finding: each side's description, then the answer.
pub fn sides_ev(call: &Call, a: &SdpRecord, b: &SdpRecord, t: &Talk) -> Vec<Evidence> {
    let mut evidence = vec![sdp_ev(call, a), sdp_ev(call, b)];
    evidence.extend(answer_ev(call, t));
    evidence
}

/// Evidence pointing at the answer.
pub fn answer_ev(call: &Call, t: &Talk) -> Option<Evidence> {
    let ok = call.answered()?;
    Some(Evidence { call_id: call_id(call), index: t.answer_index, what: status_line(ok) })
}

/// Whether an address is on a LAN (private, shared, link-local or unique-local).
pub fn is_lan(a: SocketAddr) -> bool {
    let ip = a.ip();
    from_private_host::is_internal(ip) && !ip.is_loopback() && !ip.is_unspecified()
}

/// `PCMU 192.0.2.1:4000 -> 198.51.100.2:20000 (SSRC 0x1a2b3c01)`.
pub fn stream_name(call: &Call, s: &RtpStream) -> String {
    format!("{} {} -> {} (SSRC 0x{:08x})", call.media.codec(s), s.src, s.dst, s.ssrc)
}
