//! The engine: packets in, SIP messages out. Synchronous and deterministic: time comes only from
//! packet timestamps and [`Engine::tick`]; no threads, clocks, terminals or sockets. File replay,
//! live capture and every test drive the same [`Engine::ingest`].

use std::net::SocketAddr;
use std::sync::Arc;

use crate::clock::{CaptureClock, ClockStats};
use crate::correlate::{Added, Call, Correlator, CorrelatorConfig, CorrelatorStats, Metrics};
use crate::decode::defrag::DefragLimits;
use crate::decode::tcp::{FlowKey, TcpLimits, TcpReassembler, TcpStats};
use crate::decode::{DecodeStats, Decoded, Decoder, Segment};
use crate::diagnose::{DiagnoseStats, Diagnoser, Finding};
use crate::media::{self, MediaConfig, MediaPacket, MediaStats, MediaTable, SdpRecord};
pub use crate::packet::PortSet;
use crate::packet::RawPacket;
use crate::sip::scan::{leading_crlf, scan, Framing, Scan};
use crate::sip::stream::{self, StreamStats};
use crate::sip::{Headers, SipMessage, Transport};
use crate::time::Timestamp;

/// Settings of the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Only payloads from or to these ports are read as SIP (`None`: any port).
    pub ports: Option<PortSet>,
    /// TCP reassembly limits.
    pub tcp: TcpLimits,
    /// IP fragment reassembly limits.
    pub defrag: DefragLimits,
    /// Group messages into calls (`None`: messages only).
    pub correlate: Option<CorrelatorConfig>,
    /// Attach RTP and RTCP to calls through their SDP (`None`: signalling only; needs
    /// correlation).
    pub media: Option<MediaConfig>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            ports: None,
            tcp: TcpLimits::default(),
            defrag: DefragLimits::default(),
            correlate: None,
            media: Some(MediaConfig::default()),
        }
    }
}

/// Counters over everything the engine has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Decode stage counters (packets, errors, fragments, tunnels, SCTP).
    pub decode: DecodeStats,
    /// TCP reassembly counters.
    pub tcp: TcpStats,
    /// Stream framing counters.
    pub stream: StreamStats,
    /// SIP messages found.
    pub sip_messages: u64,
    /// Datagrams (UDP, SCTP) that were not SIP.
    pub non_sip_datagrams: u64,
    /// Datagrams holding only CRLF keep-alives.
    pub keepalive_datagrams: u64,
    /// Payloads ignored because of the port filter.
    pub filtered: u64,
    /// SIP messages whose datagram ended before the announced body or header block.
    pub truncated_messages: u64,
    /// SIP messages whose Content-Length was not a number (framed by their datagram instead).
    pub bad_content_length: u64,
    /// Bytes held in reassembly buffers right now (TCP and IP fragments).
    pub bytes_held: u64,
    /// Correlator counters (zero when correlation is off).
    pub calls: CorrelatorStats,
    /// Diagnosis counters (zero when correlation is off).
    pub findings: DiagnoseStats,
    /// Steps of the capture clock (time running backwards or leaping ahead).
    pub clock: ClockStats,
    /// Media counters (zero when media is off).
    pub media: MediaStats,
}

impl EngineStats {
    /// Payloads that were not SIP: datagrams plus TCP directions given up on.
    pub fn non_sip_payloads(&self) -> u64 {
        self.non_sip_datagrams + self.stream.not_sip_streams
    }
}

/// The engine.
pub struct Engine {
    config: EngineConfig,
    decoder: Decoder,
    tcp: TcpReassembler<stream::SipFraming>,
    stream_stats: StreamStats,
    counters: EngineStats,
    out: Vec<SipMessage>,
    flags: Vec<Option<Added>>,
    /// The description being read (its buffer reused from message to message).
    sdp_scratch: media::sdp::Sdp,
    correlator: Option<Correlator>,
    media: Option<MediaTable>,
    diagnoser: Diagnoser,
    // Boxed on purpose: calls come out of the live table as boxes and are handed on as they are.
    #[allow(clippy::vec_box)]
    finished: Vec<Box<Call>>,
    last_housekeeping: Timestamp,
    last_ts: Timestamp,
    /// Capture time now: the latest packet's or tick's.
    now: Timestamp,
    carried: bool,
    clock: CaptureClock,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(EngineConfig::default())
    }
}

impl Engine {
    /// A new engine.
    pub fn new(config: EngineConfig) -> Self {
        Engine {
            decoder: Decoder::new(config.defrag),
            tcp: TcpReassembler::new(config.tcp),
            flags: Vec::new(),
            sdp_scratch: Default::default(),
            correlator: config.correlate.clone().map(Correlator::new),
            media: config.media.clone().filter(|_| config.correlate.is_some()).map(MediaTable::new),
            diagnoser: Diagnoser::new(),
            finished: Vec::new(),
            config,
            stream_stats: StreamStats::default(),
            counters: EngineStats::default(),
            out: Vec::new(),
            last_housekeeping: Timestamp(i64::MIN),
            last_ts: Timestamp::default(),
            now: Timestamp::default(),
            carried: false,
            clock: CaptureClock::new(),
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> EngineStats {
        let mut s = self.counters;
        s.decode = self.decoder.stats();
        s.tcp = self.tcp.stats;
        s.stream = self.stream_stats;
        s.bytes_held = (self.tcp.bytes_held() + self.decoder.bytes_held()) as u64;
        s.clock = self.clock.stats();
        if let Some(m) = &self.media {
            s.media = m.stats();
        }
        if let Some(c) = &self.correlator {
            s.calls = c.stats();
            s.findings = self.diagnoser.stats();
        }
        s
    }

    /// Findings raised since the last call, in the order they were raised.
    pub fn drain_findings(&mut self) -> std::vec::Drain<'_, Finding> {
        self.diagnoser.drain()
    }

    /// The correlator, when correlation is on.
    pub fn correlator(&self) -> Option<&Correlator> {
        self.correlator.as_ref()
    }

    /// Capture-wide metrics (when correlation is on).
    pub fn metrics(&self) -> Option<&Metrics> {
        self.correlator.as_ref().map(|c| c.metrics())
    }

    /// Capture time now: that of the latest packet or live tick.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The registrations table (none when calls are not correlated).
    pub fn registrations(&self) -> Option<&crate::correlate::Registrations> {
        self.correlator.as_ref().map(|c| c.registrations())
    }

    /// A time no live call started before (see [`Correlator::oldest_live_start`]); `None` when
    /// no call is held (or correlation is off).
    pub fn oldest_live_start(&self) -> Option<Timestamp> {
        self.correlator.as_ref().and_then(|c| c.oldest_live_start())
    }

    /// Calls that have ended (or were evicted) since the last call, in the order they ended.
    pub fn drain_finished_calls(&mut self) -> std::vec::Drain<'_, Box<Call>> {
        self.finished.drain(..)
    }

    /// Whether findings or ended calls wait to be drained (nearly every packet leaves none: a
    /// driver checks this before draining).
    pub fn has_results(&self) -> bool {
        self.diagnoser.has_pending() || !self.finished.is_empty()
    }

    /// Moves calls the correlator has handed out through the end-of-call rules.
    fn settle_finished(&mut self) {
        if let Some(c) = self.correlator.as_mut() {
            let start = self.finished.len();
            self.finished.extend(c.drain_finished());
            crate::correlate::warm::start(&self.finished[start..]);
            for i in start..self.finished.len() {
                crate::correlate::warm::ahead(&self.finished[i + 1..]);
                let call = &mut self.finished[i];
                if let Some(m) = self.media.as_mut() {
                    // The Call-ID's next part may be live already (handed out between sweeps):
                    // the addresses it announced again stay its.
                    let keep = c
                        .get_keyed(call.key, &call.call_id)
                        .map_or(&[][..], |next| &next.media.endpoints[..]);
                    m.forget(&call.call_id, &call.media, keep);
                }
                self.diagnoser.on_end(call, self.last_ts);
            }
        }
    }

    /// Feeds one frame and lends each message it completed to `each`, in order, with what it was
    /// to its call (retransmission, duplicate, index; `None` when correlation is off or the
    /// message has no Call-ID). No message is moved out: they are dropped after. Stops at the
    /// first error of `each`.
    pub fn ingest_each<E>(
        &mut self,
        pkt: &RawPacket<'_>,
        each: impl FnMut(&SipMessage, Option<Added>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.step(pkt);
        self.lend_out(each)
    }

    /// Like [`Engine::finish`], lending each message with its flags to `each`.
    pub fn finish_each<E>(
        &mut self,
        each: impl FnMut(&SipMessage, Option<Added>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.end();
        self.lend_out(each)
    }

    /// Lends `out` and `flags` to `each`, then empties them.
    fn lend_out<E>(
        &mut self,
        mut each: impl FnMut(&SipMessage, Option<Added>) -> Result<(), E>,
    ) -> Result<(), E> {
        let result = self.out.iter().zip(&self.flags).try_for_each(|(m, a)| each(m, *a));
        self.out.clear();
        self.flags.clear();
        result
    }

    /// Feeds one captured frame; returns the SIP messages it completed, in order.
    pub fn ingest(&mut self, pkt: &RawPacket<'_>) -> std::vec::Drain<'_, SipMessage> {
        self.step(pkt);
        self.out.drain(..)
    }

    /// Whether the last frame carried SIP or a call's media: it completed a message, or it is an
    /// IP fragment, or a TCP segment with bytes on a stream recognised as SIP, or RTP/RTCP
    /// attached to a call. `-w` keeps exactly these frames.
    pub fn carried_sip(&self) -> bool {
        self.carried
    }

    /// Processes one frame into `out` and `flags`.
    fn step(&mut self, pkt: &RawPacket<'_>) {
        let pkt = &RawPacket { ts: self.clock.adjust(pkt.ts), ..*pkt };
        self.out.clear();
        self.flags.clear();
        let fragments_before = self.decoder.fragments_seen();
        let mut sip_stream = false;
        let mut carried_media = false;
        let Engine {
            config, decoder, tcp, stream_stats, counters, out, media, correlator, diagnoser, ..
        } = self;
        decoder.decode(pkt, &mut |d: Decoded<'_>| {
            if let Some(ports) = &config.ports {
                if !ports.contains(d.src.port()) && !ports.contains(d.dst.port()) {
                    let is_media = match (d.segment, media.as_mut(), correlator.as_mut()) {
                        (Segment::Udp(payload), Some(m), Some(c)) => {
                            attach_media(&d, payload, m, c, diagnoser)
                        }
                        _ => false,
                    };
                    carried_media |= is_media;
                    if !is_media {
                        counters.filtered += 1;
                    }
                    return;
                }
            }
            match d.segment {
                Segment::Udp(payload) => {
                    if !datagram(d.ts, d.src, d.dst, Transport::Udp, payload, counters, out) {
                        if let (Some(m), Some(c)) = (media.as_mut(), correlator.as_mut()) {
                            carried_media |= attach_media(&d, payload, m, c, diagnoser);
                        }
                    }
                }
                Segment::Sctp(payload) => {
                    datagram(d.ts, d.src, d.dst, Transport::Sctp, payload, counters, out);
                }
                Segment::Hep(payload, 6) => hep_tcp_payload(d.ts, d.src, d.dst, payload, counters, out),
                Segment::Hep(payload, ip_proto) => {
                    let transport = if ip_proto == 132 { Transport::Sctp } else { Transport::Udp };
                    datagram(d.ts, d.src, d.dst, transport, payload, counters, out);
                }
                Segment::Tcp(seg, payload) => {
                    let key = FlowKey { src: d.src, dst: d.dst };
                    if let Some(s) = tcp.segment(d.ts, key, seg, payload) {
                        stream::drain(s, stream_stats, &mut |(bytes, headers, ws)| {
                            let transport = if ws { Transport::Ws } else { Transport::Tcp };
                            push(d.ts, d.src, d.dst, transport, bytes, headers, counters, out);
                        });
                        sip_stream |= s.consumer.recognised && !payload.is_empty();
                    }
                    tcp.settle(&key);
                }
            }
        });
        self.carried = !self.out.is_empty()
            || sip_stream
            || carried_media
            || self.decoder.fragments_seen() > fragments_before;
        self.last_ts = self.last_ts.max(pkt.ts);
        self.now = self.now.max(pkt.ts);
        self.correlate();
        self.housekeeping(pkt.ts);
    }

    /// Advances capture time without a packet (live mode ticks): expires reassembly state and
    /// fires call timers.
    pub fn tick(&mut self, now: Timestamp) -> std::vec::Drain<'_, SipMessage> {
        let now = self.clock.tick_time(now);
        self.now = self.now.max(now);
        self.out.clear();
        self.housekeeping(now);
        self.out.drain(..)
    }

    fn correlate(&mut self) {
        if let Some(c) = self.correlator.as_mut() {
            self.flags.clear();
            let Engine { media, diagnoser, sdp_scratch, .. } = self;
            for m in &mut self.out {
                // Correlation reads the To tag and the Via branch several times: find them once.
                m.headers.index_dialog_keys(&m.raw);
                let m = &*m;
                let added = c.add_then(m, |added, call| {
                    if let Some(table) = media.as_mut() {
                        if !added.duplicate && !added.retransmission {
                            read_sdp(m, added.index, call, table, sdp_scratch);
                        }
                    }
                    diagnoser.on_message(m, added, call)
                });
                self.flags.push(added);
            }
        } else {
            self.flags.clear();
            self.flags.resize(self.out.len(), None);
        }
        self.settle_finished();
    }

    /// End of input: reads what is held behind TCP holes and returns the messages it completes.
    pub fn finish(&mut self) -> std::vec::Drain<'_, SipMessage> {
        self.end();
        self.out.drain(..)
    }

    /// Flushes TCP and hands out every call, into `out` and `flags`.
    fn end(&mut self) {
        self.out.clear();
        self.flags.clear();
        let Engine { tcp, stream_stats, counters, out, last_ts, .. } = self;
        let ts = *last_ts;
        tcp.flush(|key, s| {
            stream::drain(s, stream_stats, &mut |(bytes, headers, ws)| {
                let transport = if ws { Transport::Ws } else { Transport::Tcp };
                push(ts, key.src, key.dst, transport, bytes, headers, counters, out);
            });
        });
        self.correlate();
        if let Some(c) = self.correlator.as_mut() {
            c.finish();
        }
        self.settle_finished();
        if self.correlator.is_some() {
            self.diagnoser.finish(self.last_ts);
        }
    }

    fn housekeeping(&mut self, now: Timestamp) {
        if now.millis_since(self.last_housekeeping) >= 1_000 || now < self.last_housekeeping {
            self.last_housekeeping = now;
            self.decoder.expire(now);
            self.tcp.sweep(now);
            if let Some(c) = self.correlator.as_mut() {
                c.tick(now);
                self.diagnoser.on_tick(c, now);
                self.diagnoser.sweep(now);
            }
            self.settle_finished();
        }
    }
}

fn datagram(
    ts: Timestamp,
    src: SocketAddr,
    dst: SocketAddr,
    transport: Transport,
    payload: &[u8],
    counters: &mut EngineStats,
    out: &mut Vec<SipMessage>,
) -> bool {
    let body = &payload[leading_crlf(payload)..];
    if body.is_empty() {
        if payload.is_empty() {
            counters.non_sip_datagrams += 1;
        } else {
            counters.keepalive_datagrams += 1;
        }
        return true;
    }
    match scan(body, Framing::Datagram) {
        Scan::Complete { len, headers } => {
            push(ts, src, dst, transport, &body[..len], headers, counters, out);
            true
        }
        _ => {
            counters.non_sip_datagrams += 1;
            false
        }
    }
}

/// The payload of a HEP packet whose original was a TCP segment: agents send what one read of
/// the stream returned, which can be several SIP messages back to back; each complete one is
/// read (a message cut at the end of the payload cannot be completed and is counted as not SIP;
/// a lone message without Content-Length is read as a datagram would be).
fn hep_tcp_payload(
    ts: Timestamp,
    src: SocketAddr,
    dst: SocketAddr,
    payload: &[u8],
    counters: &mut EngineStats,
    out: &mut Vec<SipMessage>,
) {
    let mut rest = payload;
    let mut read = 0usize;
    loop {
        let body = &rest[leading_crlf(rest)..];
        if body.is_empty() {
            if read == 0 {
                counters.keepalive_datagrams += 1;
            }
            return;
        }
        match scan(body, Framing::Stream) {
            // Without Content-Length (allowed over WebSocket) a stream cannot say where the body
            // ends: the rest of the payload is this one message, as a datagram would be read.
            Scan::Complete { headers, .. } if headers.content_length.is_none() => {
                datagram(ts, src, dst, Transport::Tcp, body, counters, out);
                return;
            }
            Scan::Complete { len, headers } => {
                push(ts, src, dst, Transport::Tcp, &body[..len], headers, counters, out);
                read += 1;
                rest = &body[len..];
            }
            // A lone message the stream rules refuse (no Content-Length) is read as a datagram.
            _ if read == 0 => {
                datagram(ts, src, dst, Transport::Tcp, payload, counters, out);
                return;
            }
            _ => {
                counters.non_sip_datagrams += 1;
                return;
            }
        }
    }
}

/// Attaches an RTP or RTCP datagram to the call that announced one of its addresses. Returns
/// whether it was attached.
fn attach_media(
    d: &Decoded<'_>,
    payload: &[u8],
    table: &mut MediaTable,
    calls: &mut Correlator,
    diagnoser: &mut Diagnoser,
) -> bool {
    let Some(packet) = media::rtp::classify(payload) else { return false };
    // Every live claimant still in its dialog gets the packet (a B2BUA passing SDP through puts
    // one address in both legs); when none is, the newest claimant (the port was reused).
    let mut attached = 0;
    let mut fallback = None;
    let mut newest = None;
    for claim in table.claims(d.src, d.dst) {
        let Some(call) = calls.get_mut_keyed(claim.call_key, &claim.call_id) else { continue };
        let newest_at = *newest.get_or_insert(claim.at);
        let same_session = newest_at.millis_since(claim.at) <= media::SAME_SESSION_MS;
        if call.last_bye_ts.is_some() || (call.state.is_final() && call.answered().is_none()) || !same_session
        {
            fallback.get_or_insert((claim.call_key, &claim.call_id[..], claim.kind));
            continue;
        }
        add_media(call, d, payload, &packet, claim.kind, diagnoser);
        attached += 1;
    }
    if attached == 0 {
        if let Some((key, id, kind)) = fallback {
            if let Some(call) = calls.get_mut_keyed(key, id) {
                add_media(call, d, payload, &packet, kind, diagnoser);
                attached += 1;
            }
        }
    }
    table.count(&packet, attached > 0);
    attached > 0
}

fn add_media(
    call: &mut Call,
    d: &Decoded<'_>,
    payload: &[u8],
    packet: &MediaPacket,
    kind: media::Kind,
    diagnoser: &mut Diagnoser,
) {
    match packet {
        MediaPacket::Rtp(h) => {
            let body = &payload[h.payload_at..h.payload_at + h.payload_len];
            if call.media.add_rtp(d.ts, d.src, d.dst, kind, h, body, call.last_bye_ts) {
                diagnoser.note_media_pair(d.src.ip(), d.dst.ip());
            }
        }
        MediaPacket::Rtcp => call.media.add_rtcp(d.ts, payload),
    }
}

/// Whether a message was written by the side that placed the call: a request whose From tag is
/// the first request's, or a response to the other side's request. Without From tags
/// (RFC 2543), by address: a request from where the first request came from, or a response
/// going there.
fn written_by_caller(msg: &SipMessage, call: &Call) -> bool {
    let first = &call.first;
    // Fast path: proxies pass From unchanged, so the caller's requests and the responses to
    // them carry the first request's From byte for byte.
    if first.is_request() && msg.slice(msg.headers.from) == first.slice(first.headers.from) {
        return msg.is_request();
    }
    let caller_tag = first.slice(first.headers.from_addr(&first.raw).tag);
    if caller_tag.is_empty() {
        let caller = if first.is_request() { first.src } else { first.dst };
        return if msg.is_request() { msg.src == caller } else { msg.dst != caller };
    }
    let from_is_caller = msg.slice(msg.headers.from_addr(&msg.raw).tag) == caller_tag;
    msg.is_request() == from_is_caller
}

/// Reads the session description a message carries, if any, into its call and announces its
/// addresses.
fn read_sdp(
    msg: &SipMessage,
    index: u32,
    call: &mut Call,
    table: &mut MediaTable,
    sdp: &mut media::sdp::Sdp,
) {
    let Some(body) = media::sdp::body_of(msg) else { return };
    media::sdp::parse_into(body, sdp);
    if sdp.media.is_empty() {
        return;
    }
    table.note_sdp();
    let from_caller = written_by_caller(msg, call);
    let what = match msg.status() {
        Some(code) => {
            let digits =
                [b'0' + (code / 100 % 10) as u8, b'0' + (code / 10 % 10) as u8, b'0' + (code % 10) as u8];
            media::codec::ShortName::new(&digits)
        }
        None => media::codec::ShortName::new(msg.method().as_str().as_bytes()),
    };
    // The table's claims share the call's Call-ID.
    let (id, key) = (&call.call_id, call.key);
    for m in sdp.media.iter().filter(|m| m.is_rtp()) {
        let kind = media::Kind::of(m);
        if let Some(a) = m.rtp_addr() {
            table.announce(id, key, a, kind, true, msg.ts, &mut call.media);
        }
        if let Some(a) = m.rtcp_addr() {
            table.announce(id, key, a, kind, m.rtcp.is_some() || m.rtcp_mux, msg.ts, &mut call.media);
        }
    }
    call.media.learn_codecs(sdp);
    // The record keeps the first audio section (or the first section), moved out, not copied.
    let at = sdp.media.iter().position(|m| media::Kind::of(m) == media::Kind::Audio).unwrap_or(0);
    let desc = Some(sdp.media.swap_remove(at));
    let rec = SdpRecord { ts: msg.ts, index, what, in_request: msg.is_request(), from_caller, media: desc };
    call.media.add_record(rec);
}

#[allow(clippy::too_many_arguments)]
fn push(
    ts: Timestamp,
    src: SocketAddr,
    dst: SocketAddr,
    transport: Transport,
    bytes: &[u8],
    headers: Headers,
    counters: &mut EngineStats,
    out: &mut Vec<SipMessage>,
) {
    counters.sip_messages += 1;
    if headers.truncated {
        counters.truncated_messages += 1;
    }
    if headers.bad_content_length {
        counters.bad_content_length += 1;
    }
    out.push(SipMessage { ts, src, dst, transport, raw: Arc::from(bytes), headers });
}
