//! The media of one call: the session descriptions its messages carried, the RTP streams and
//! RTCP reports attached to it through the addresses those descriptions announced. Bounded:
//! descriptions, streams, reports and endpoints per call each have a cap, and what goes over
//! is counted.

use std::net::SocketAddr;

use super::codec::{Codecs, ShortName};
use super::rtcp::{self, RtcpItem};
use super::rtp::RtpHeader;
use super::sdp::{Direction, MediaDesc, Sdp};
use super::stream::RtpStream;
use super::Kind;
use crate::time::Timestamp;

/// Most session descriptions kept per call (the first ones and then the latest).
pub const MAX_SDP: usize = 12;
/// Most RTP streams per call.
pub const MAX_STREAMS: usize = 24;
/// Most RTCP report summaries per call.
pub const MAX_REPORTS: usize = 24;
/// Most media addresses a call announces into the endpoint table.
pub const MAX_ENDPOINTS: usize = 16;
/// Sender reports remembered per call to time round trips.
const SR_HISTORY: usize = 16;

/// One session description carried by a message of the call.
#[derive(Debug, Clone)]
pub struct SdpRecord {
    /// Capture time of the message.
    pub ts: Timestamp,
    /// Index of the message in its call.
    pub index: u32,
    /// The message, short (`INVITE`, `183`, `200`…).
    pub what: ShortName,
    /// Carried by a request (an offer, or the answer in an ACK) rather than a response.
    pub in_request: bool,
    /// Written by the side that placed the call (the first request's sender).
    pub from_caller: bool,
    /// The first audio section (or the first section when there is no audio).
    pub media: Option<MediaDesc>,
}

impl SdpRecord {
    /// Where this side said it receives RTP.
    pub fn rtp_addr(&self) -> Option<SocketAddr> {
        self.media.as_ref().and_then(|m| m.rtp_addr())
    }

    /// The direction this side said, old-style hold included.
    pub fn direction(&self) -> Direction {
        self.media.as_ref().map_or(Direction::Inactive, |m| m.effective_direction())
    }
}

/// What the receivers of a stream said about it in RTCP.
#[derive(Debug, Clone, Copy, Default)]
pub struct RtcpSummary {
    /// SSRC of the stream the reports are about.
    pub source: u32,
    /// Report blocks received.
    pub reports: u32,
    /// Last fraction lost, in 1/256.
    pub fraction_lost: u8,
    /// Last cumulative count of lost packets.
    pub cumulative_lost: i32,
    /// Last interarrival jitter, in timestamp units.
    pub jitter: u32,
    /// Last round-trip time computed from LSR/DLSR against the captured sender report, ms.
    pub rtt_ms: Option<f64>,
    /// Last VoIP metrics block (RFC 3611): loss rate and discard rate (1/256), round trip ms,
    /// R factor, MOS-LQ times ten.
    pub xr: Option<(u8, u8, u16, u8, u8)>,
}

/// The media of a call.
#[derive(Debug, Clone, Default)]
pub struct CallMedia {
    /// Payload types named by the call's audio sections.
    pub codecs: Codecs,
    /// Payload types named by its other sections (video…): audio and video may reuse a number.
    pub video_codecs: Codecs,
    /// Capture time of the last RTP or RTCP packet attached.
    pub last_packet: Option<Timestamp>,
    bye_seen: Option<Timestamp>,
    /// Session descriptions, in order.
    pub sdp: Vec<SdpRecord>,
    /// Descriptions not kept (over [`MAX_SDP`]).
    pub sdp_dropped: u32,
    /// RTP streams, in order of their first packet.
    pub streams: Vec<RtpStream>,
    /// RTP packets of streams not kept (over [`MAX_STREAMS`]).
    pub packets_dropped: u64,
    /// RTCP summaries, one per reported stream.
    pub rtcp: Vec<RtcpSummary>,
    /// RTCP packets attached to the call.
    pub rtcp_packets: u64,
    /// Addresses this call announced (for the endpoint table to forget them).
    pub endpoints: Vec<SocketAddr>,
    senders: Vec<(u32, u32, Timestamp)>,
}

impl CallMedia {
    /// Records a description and the payload types it names (a copy of the side's latest one,
    /// forwarded by a proxy, is not recorded again).
    pub fn add_sdp(&mut self, rec: SdpRecord, sdp: &Sdp) {
        self.learn_codecs(sdp);
        self.add_record(rec);
    }

    /// Learns the payload type names a description gives.
    pub fn learn_codecs(&mut self, sdp: &Sdp) {
        for m in &sdp.media {
            let table = if Kind::of(m) == Kind::Audio { &mut self.codecs } else { &mut self.video_codecs };
            for map in &m.maps {
                table.set(*map);
            }
        }
    }

    /// Records a description (see [`CallMedia::add_sdp`]).
    pub fn add_record(&mut self, rec: SdpRecord) {
        // A proxy forwarding the same description (each branch of a fork, each hop of a 2xx)
        // says nothing new: keep the first copy.
        let same_side_latest = self.sdp.iter().rev().find(|r| r.from_caller == rec.from_caller);
        if same_side_latest.is_some_and(|r| r.what == rec.what && r.media == rec.media) {
            return;
        }
        if self.sdp.len() >= MAX_SDP {
            // keep the first half (the setup) and the latest ones
            self.sdp.remove(MAX_SDP / 2);
            self.sdp_dropped += 1;
        }
        if self.sdp.capacity() == 0 {
            // An offer and its answer: most calls never hold more.
            self.sdp.reserve_exact(2);
        }
        self.sdp.push(rec);
    }

    /// Every address a side announced for RTP, oldest first.
    pub fn announced(&self, from_caller: bool) -> impl Iterator<Item = SocketAddr> + '_ {
        self.sdp.iter().filter(move |r| r.from_caller == from_caller).filter_map(|r| r.rtp_addr())
    }

    /// Which side sent a stream, by the addresses the sides announced (`None`: unknown).
    pub fn stream_from_caller(&self, s: &RtpStream) -> Option<bool> {
        let is = |side: bool, a: SocketAddr| self.announced(side).any(|x| x == a);
        if is(true, s.src) || is(false, s.dst) {
            Some(true)
        } else if is(false, s.src) || is(true, s.dst) {
            Some(false)
        } else {
            None
        }
    }

    /// Adds one RTP packet of a `kind` section; `bye` is when the call's latest BYE was seen,
    /// if it was (a later BYE, of another dialog of a forked call, restarts the count of packets
    /// after it). Returns whether the packet started a new stream.
    #[allow(clippy::too_many_arguments)]
    pub fn add_rtp(
        &mut self,
        ts: Timestamp,
        src: SocketAddr,
        dst: SocketAddr,
        kind: Kind,
        h: &RtpHeader,
        payload: &[u8],
        bye: Option<Timestamp>,
    ) -> bool {
        self.last_packet = Some(self.last_packet.map_or(ts, |t| t.max(ts)));
        if bye != self.bye_seen {
            self.bye_seen = bye;
            for s in &mut self.streams {
                s.after_bye = 0;
            }
        }
        let (i, new) =
            match self.streams.iter().position(|s| s.ssrc == h.ssrc && s.src == src && s.dst == dst) {
                Some(i) => (i, false),
                None if self.streams.len() < MAX_STREAMS => {
                    self.streams.push(RtpStream::new(ts, src, dst, kind, h));
                    (self.streams.len() - 1, true)
                }
                None => {
                    self.packets_dropped += 1;
                    return false;
                }
            };
        let s = &mut self.streams[i];
        let codecs = if s.kind == Kind::Audio { &self.codecs } else { &self.video_codecs };
        s.add(ts, h, payload, codecs);
        if bye.is_some_and(|b| ts > b) {
            s.after_bye += 1;
        }
        new
    }

    /// Adds one RTCP compound packet captured at `ts`.
    pub fn add_rtcp(&mut self, ts: Timestamp, payload: &[u8]) {
        self.rtcp_packets += 1;
        self.last_packet = Some(self.last_packet.map_or(ts, |t| t.max(ts)));
        let CallMedia { senders, rtcp: summaries, .. } = self;
        rtcp::parse(payload, &mut |item| match item {
            RtcpItem::Sender { ssrc, ntp_middle, .. } => {
                if senders.len() >= SR_HISTORY {
                    senders.remove(0);
                }
                senders.push((ssrc, ntp_middle, ts));
            }
            RtcpItem::Report { source, fraction_lost, cumulative_lost, jitter, lsr, dlsr, .. } => {
                let Some(sum) = summary(summaries, source) else { return };
                sum.reports = sum.reports.saturating_add(1);
                sum.fraction_lost = fraction_lost;
                sum.cumulative_lost = cumulative_lost;
                sum.jitter = jitter;
                // Round trip: from the sender report this block echoes (LSR) to this block,
                // less the time the receiver held it (DLSR), both seen by the capture.
                if lsr != 0 {
                    if let Some(&(_, _, sent)) =
                        senders.iter().rev().find(|(s, n, _)| *s == source && *n == lsr)
                    {
                        let rtt =
                            ts.0.saturating_sub(sent.0) as f64 / 1e6 - f64::from(dlsr) * 1000.0 / 65536.0;
                        if rtt >= 0.0 {
                            sum.rtt_ms = Some(rtt);
                        }
                    }
                }
            }
            RtcpItem::VoipMetrics {
                source,
                loss_rate,
                discard_rate,
                round_trip_ms,
                r_factor,
                mos_lq,
                ..
            } => {
                if let Some(sum) = summary(summaries, source) {
                    sum.xr = Some((loss_rate, discard_rate, round_trip_ms, r_factor, mos_lq));
                }
            }
        });
    }

    /// What RTCP receivers said about the stream with `ssrc`.
    pub fn rtcp_about(&self, ssrc: u32) -> Option<&RtcpSummary> {
        self.rtcp.iter().find(|r| r.source == ssrc)
    }

    /// The payload type names that apply to a stream (audio or the other sections').
    pub fn codecs_for(&self, s: &RtpStream) -> &Codecs {
        if s.kind == Kind::Audio {
            &self.codecs
        } else {
            &self.video_codecs
        }
    }

    /// The name of the codec of a stream (its first payload type).
    pub fn codec(&self, s: &RtpStream) -> String {
        self.codecs_for(s).name(s.payload_type)
    }

    /// `caller` or `callee` for the side that sent a stream, `None` when unknown.
    pub fn stream_side(&self, s: &RtpStream) -> Option<&'static str> {
        self.stream_from_caller(s).map(|c| if c { "caller" } else { "callee" })
    }

    /// The first `n` formats a description offered, by name: `PCMU,PCMA,telephone-event`.
    pub fn codec_list(&self, r: &SdpRecord, n: usize, sep: &str) -> String {
        let names: Vec<String> = r
            .media
            .as_ref()
            .map(|d| d.formats.iter().take(n).map(|pt| self.codecs.label(*pt).to_string()).collect())
            .unwrap_or_default();
        names.join(sep)
    }

    /// A description in one line: `INVITE caller 192.0.2.1:4000 sendrecv PCMU,PCMA`.
    pub fn sdp_line(&self, r: &SdpRecord) -> String {
        format!(
            "{} {} {} {} {}",
            r.what,
            if r.from_caller { "caller" } else { "callee" },
            r.rtp_addr().map_or_else(|| "-".to_string(), |a| a.to_string()),
            r.direction().as_str(),
            self.codec_list(r, 4, ",")
        )
    }

    /// Round-trip time RTCP gave for a stream, ms.
    pub fn rtt_ms(&self, s: &RtpStream) -> Option<f64> {
        self.rtcp_about(s.ssrc).and_then(|r| r.rtt_ms)
    }

    /// RTCP's reported jitter of a stream in ms (by the stream's codec clock).
    pub fn rtcp_jitter_ms(&self, s: &RtpStream) -> Option<f64> {
        let r = self.rtcp_about(s.ssrc)?;
        let rate = self.codecs_for(s).timing_rate(s.payload_type)?;
        Some(f64::from(r.jitter) * 1000.0 / f64::from(rate))
    }

    /// Estimated R factor and MOS of a voice stream ([`super::quality`]); `None` for video and
    /// other media, streams of only telephone events or comfort noise, or of too few packets to
    /// judge (under 10).
    pub fn quality(&self, s: &RtpStream) -> Option<(f64, f64)> {
        if s.packets < 10
            || s.kind != Kind::Audio
            || self.codecs.is_telephone_event(s.payload_type)
            || super::codec::is_comfort_noise(s.payload_type)
        {
            return None;
        }
        let r = super::quality::r_factor(&self.codec(s), s.loss_pct(), s.mean_jitter_ms, self.rtt_ms(s));
        Some((r, super::quality::mos(r)))
    }

    /// Packets of a stream sent after the call's latest BYE (`last_bye`): the stream's count
    /// refers to the BYE known when its packets came; a later BYE (the last dialog of a forked
    /// call) that no packet followed leaves none after it.
    pub fn after_bye(&self, s: &RtpStream, last_bye: Option<Timestamp>) -> u64 {
        if self.bye_seen == last_bye {
            s.after_bye
        } else {
            0
        }
    }

    /// RTP packets attached to the call.
    pub fn rtp_packets(&self) -> u64 {
        self.streams.iter().map(|s| s.packets).sum()
    }
}

fn summary(all: &mut Vec<RtcpSummary>, source: u32) -> Option<&mut RtcpSummary> {
    match all.iter().position(|r| r.source == source) {
        Some(i) => Some(&mut all[i]),
        None if all.len() < MAX_REPORTS => {
            all.push(RtcpSummary { source, ..RtcpSummary::default() });
            all.last_mut()
        }
        None => None,
    }
}
