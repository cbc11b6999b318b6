//! Media: RTP streams against tshark's `-z rtp,streams` on every capture with RTP (SIPp and
//! crafted), the media rules with their near misses (hold, early media, re-INVITE moving media,
//! a capture of signalling only), RTCP, DTMF, and the bounds.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{addr, ip_udp, pcap};
use sipscope::capture::file::FileSource;
use sipscope::capture::{linktype, RawPacket};
use sipscope::correlate::Call;
use sipscope::diagnose::Finding;
use sipscope::engine::{Engine, EngineConfig};
use sipscope::media::RtpStream;
use sipscope::time::Timestamp;

struct Frame {
    ts: Timestamp,
    linktype: i32,
    data: Vec<u8>,
}

fn frames(path: &Path) -> Vec<Frame> {
    let mut src = FileSource::open(path.to_str().unwrap()).unwrap();
    let mut v = Vec::new();
    while let Some(p) = src.next_packet().unwrap() {
        v.push(Frame { ts: p.ts, linktype: p.linktype, data: p.data.to_vec() });
    }
    v
}

/// Every call and finding of some frames through a correlating engine.
fn analyse_frames(frames: &[Frame]) -> (Vec<Call>, Vec<Finding>) {
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    let (mut calls, mut findings) = (Vec::new(), Vec::new());
    for f in frames {
        let pkt = RawPacket { ts: f.ts, linktype: f.linktype, data: &f.data, orig_len: f.data.len() as u32 };
        engine.ingest(&pkt).for_each(drop);
        calls.extend(engine.drain_finished_calls().map(|c| *c));
        findings.extend(engine.drain_findings());
    }
    engine.finish().for_each(drop);
    calls.extend(engine.drain_finished_calls().map(|c| *c));
    findings.extend(engine.drain_findings());
    (calls, findings)
}

fn analyse(name: &str) -> (Vec<Call>, Vec<Finding>) {
    analyse_frames(&frames(&pcap(name)))
}

fn reference_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/rtp");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tsv"))
        .collect();
    v.sort();
    v
}

fn endpoint(ip: &str, port: &str) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

type Key = (String, String, u32);

fn our_streams(calls: &[Call]) -> BTreeMap<Key, RtpStream> {
    let mut m = BTreeMap::new();
    for c in calls {
        for s in &c.media.streams {
            let prev = m.insert((s.src.to_string(), s.dst.to_string(), s.ssrc), s.clone());
            assert!(prev.is_none(), "one stream per (src, dst, SSRC)");
        }
    }
    m
}

/// Packets and lost equal tshark's, jitter and the largest gap within 0.5 ms, for every stream
/// of every capture with RTP, and no stream more or fewer. Loss differs in one defined case:
/// tshark counts up to the last packet's sequence number, RFC 3550 (and we) up to the highest,
/// so when the last packet came late ours is larger by exactly the distance between the two.
#[test]
fn every_rtp_stream_matches_tshark() {
    let files = reference_files();
    assert!(files.len() >= 23, "the reference files of pcaps/media-*.pcap");
    let mut streams = 0;
    let mut late_tails = 0;
    for tsv in files {
        let name = tsv.file_stem().unwrap().to_str().unwrap().to_string();
        let (calls, _) = analyse(&format!("{name}.pcap"));
        let mut ours = our_streams(&calls);
        for line in
            std::fs::read_to_string(&tsv).unwrap().lines().filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let f: Vec<&str> = line.split('\t').collect();
            let key = (endpoint(f[0], f[1]), endpoint(f[2], f[3]), f[4].parse::<u32>().unwrap());
            let s = ours.remove(&key).unwrap_or_else(|| panic!("{name}: tshark's stream {key:?} is missing"));
            let (packets, lost): (u64, i64) = (f[6].parse().unwrap(), f[7].parse().unwrap());
            let (max_delta, max_jitter, mean_jitter): (f64, f64, f64) =
                (f[8].parse().unwrap(), f[9].parse().unwrap(), f[10].parse().unwrap());
            assert_eq!(s.packets, packets, "{name} {key:?}: packets");
            let tail = i64::from(s.highest_seq().wrapping_sub(s.last_seq));
            assert_eq!(s.lost() - tail, lost, "{name} {key:?}: lost");
            late_tails += usize::from(tail != 0);
            assert!(
                (s.max_jitter_ms - max_jitter).abs() <= 0.5,
                "{name} {key:?}: max jitter {} vs {max_jitter}",
                s.max_jitter_ms
            );
            assert!(
                (s.mean_jitter_ms - mean_jitter).abs() <= 0.5,
                "{name} {key:?}: mean jitter {} vs {mean_jitter}",
                s.mean_jitter_ms
            );
            assert!(
                (s.max_delta_ms - max_delta).abs() <= 0.5,
                "{name} {key:?}: max delta {} vs {max_delta}",
                s.max_delta_ms
            );
            streams += 1;
        }
        assert!(
            ours.is_empty(),
            "{name}: streams tshark does not list: {:?}",
            ours.keys().collect::<Vec<_>>()
        );
    }
    assert!(streams >= 78, "{streams} streams compared");
    assert_eq!(late_tails, 1, "only media-crafted-reorder_dup ends on a late packet");
}

/// The reference files are tshark's live answer, not a frozen copy: where tshark is installed,
/// it is asked again.
#[test]
fn tshark_gives_the_same_answer_today() {
    if Command::new("tshark").arg("-v").output().is_err() {
        eprintln!("tshark not installed: skipping the live comparison (the reference files still apply)");
        return;
    }
    for tsv in reference_files() {
        let name = tsv.file_stem().unwrap().to_str().unwrap();
        let out = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/tshark-rtp-streams.py"))
            .arg(pcap(&format!("{name}.pcap")))
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}");
        let strip = |s: &str| {
            s.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(str::to_string).collect::<Vec<_>>()
        };
        assert_eq!(
            strip(&String::from_utf8_lossy(&out.stdout)),
            strip(&std::fs::read_to_string(&tsv).unwrap()),
            "{name}"
        );
    }
}

fn rules(findings: &[Finding]) -> Vec<&'static str> {
    let mut v: Vec<&str> = findings.iter().map(|f| f.rule).collect();
    v.sort();
    v
}

#[test]
fn one_way_audio_names_the_silent_side() {
    for file in ["media-one-way.pcap", "media-crafted-one_way.pcap"] {
        let (_, f) = analyse(file);
        assert_eq!(rules(&f), ["one-way-media"], "{file}");
        let f = &f[0];
        assert!(f.summary.contains("the callee"), "{}", f.summary);
        assert!(f.explanation.contains("said it would send and receive audio at"), "{}", f.explanation);
        assert!(f.evidence.len() >= 2, "the two descriptions as evidence");
    }
}

/// What ordinary calls do must raise nothing: both ways, hold (one side silent on purpose),
/// early media before the answer, a re-INVITE moving media to a new port, DTMF, RTCP, IPv6,
/// sequence wrap, an SSRC change, moderate jitter.
#[test]
fn ordinary_media_raises_nothing() {
    for file in [
        "media-two-way.pcap",
        "media-hold.pcap",
        "media-early-media.pcap",
        "media-reinvite-move.pcap",
        "media-dtmf.pcap",
        "media-crafted-dtmf.pcap",
        "media-crafted-rtcp.pcap",
        "media-crafted-ipv6.pcap",
        "media-crafted-seq_wrap.pcap",
        "media-crafted-ssrc_change.pcap",
        "media-crafted-jitter.pcap",
        "media-crafted-early_media_183.pcap",
        "media-crafted-reorder_dup.pcap",
    ] {
        let (calls, f) = analyse(file);
        assert!(f.is_empty(), "{file}: {:?}", f.iter().map(|f| f.to_string()).collect::<Vec<_>>());
        assert!(calls.iter().all(|c| !c.media.streams.is_empty()), "{file}: media attached");
    }
}

/// A capture of signalling only (no RTP of any call) says nothing about media: no alarm. The
/// same silent call in a capture that carries other calls' RTP is a call without media.
#[test]
fn no_media_needs_a_capture_that_carries_media() {
    assert!(analyse("media-no-rtp.pcap").1.is_empty());
    assert!(analyse("media-crafted-no_media.pcap").1.is_empty());
    let mut merged = frames(&pcap("media-crafted-no_media.pcap"));
    merged.extend(frames(&pcap("media-crafted-loss.pcap")));
    merged.sort_by_key(|f| f.ts);
    let (_, f) = analyse_frames(&merged);
    assert_eq!(rules(&f), ["media-quality", "no-media"]);
    let nm = f.iter().find(|f| f.rule == "no-media").unwrap();
    assert!(nm.summary.contains("no RTP either way"), "{}", nm.summary);
    // Media of other hosts only (a PBX capture while these phones send media directly to each
    // other): nothing is known about this call's media.
    let mut elsewhere = frames(&pcap("media-crafted-no_media.pcap"));
    elsewhere.extend(frames(&pcap("media-two-way.pcap")));
    elsewhere.sort_by_key(|f| f.ts);
    assert!(analyse_frames(&elsewhere).1.is_empty());
}

/// A WebRTC-style call (ICE candidates in its SDP) with its media on candidate addresses: no
/// one-way, no-media or unannounced-address alarm from the c= addresses alone.
#[test]
fn calls_using_ice_are_not_judged_by_their_c_lines() {
    let mut fr = frames(&pcap("media-crafted-no_media.pcap"));
    fr.extend(frames(&pcap("media-crafted-loss.pcap")));
    let with_ice: Vec<Frame> = fr
        .into_iter()
        .map(|f| {
            let text = String::from_utf8_lossy(&f.data);
            if text.contains("media-no-media") && text.contains("a=sendrecv") {
                // Same length: the (default) direction line becomes an ICE credential.
                let data = replace(&f.data, b"a=sendrecv\r\n", b"a=ice-ufrag\n");
                Frame { data, ..f }
            } else {
                f
            }
        })
        .collect();
    let mut sorted = with_ice;
    sorted.sort_by_key(|f| f.ts);
    let (calls, f) = analyse_frames(&sorted);
    assert!(calls.iter().any(|c| c.media.sdp.iter().any(|r| r.media.as_ref().is_some_and(|m| m.ice))));
    assert_eq!(rules(&f), ["media-quality"], "only the lossy call of the other capture");
}

fn replace(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = data.windows(from.len()).position(|w| w == from).unwrap();
    let mut v = data[..at].to_vec();
    v.extend_from_slice(to);
    v.extend_from_slice(&data[at + from.len()..]);
    v
}

#[test]
fn nat_is_explained_with_the_latching_that_saved_it() {
    let (_, f) = analyse("media-crafted-nat.pcap");
    assert_eq!(rules(&f), ["media-nat"]);
    let f = &f[0];
    assert_eq!(f.severity, sipscope::diagnose::Severity::Info);
    assert!(
        f.summary.contains("192.168.1.20:4000") && f.summary.contains("203.0.113.50:61000"),
        "{}",
        f.summary
    );
    assert!(
        f.explanation.contains("latches") && f.explanation.contains("after 3 packets to the private address"),
        "{}",
        f.explanation
    );
}

#[test]
fn media_sent_where_nobody_listens_is_named() {
    let (_, f) = analyse("media-crafted-unannounced_dst.pcap");
    assert_eq!(rules(&f), ["media-to-unannounced"]);
    assert!(f[0].summary.contains("10.0.0.99:7078"));
}

#[test]
fn a_payload_type_the_receiver_never_accepted_is_named() {
    let (_, f) = analyse("media-crafted-codec_mismatch.pcap");
    assert_eq!(rules(&f), ["codec-not-negotiated"]);
    assert!(f[0].summary.contains("payload type 0"), "{}", f[0].summary);
}

#[test]
fn heard_loss_is_a_quality_finding_and_media_after_bye_is_named() {
    let (_, f) = analyse("media-crafted-loss.pcap");
    assert_eq!(rules(&f), ["media-quality"]);
    assert!(f[0].summary.contains("11.3 % lost"), "{}", f[0].summary);
    let (_, f) = analyse("media-crafted-media_after_bye.pcap");
    assert_eq!(rules(&f), ["media-after-bye"]);
    assert!(f[0].summary.contains("2.0 s after the BYE"), "{}", f[0].summary);
    let (_, f) = analyse("media-crafted-many_calls.pcap");
    assert_eq!(f.len(), 3, "the three calls with 4 % or more loss, not the one with 1 %");
}

#[test]
fn rtcp_and_dtmf_are_read() {
    let (calls, _) = analyse("media-crafted-rtcp.pcap");
    let m = &calls[0].media;
    assert!(m.rtcp_packets >= 10);
    for s in &m.streams {
        let r = m.rtcp_about(s.ssrc).expect("reports about each stream");
        assert!(r.reports >= 4);
        let rtt = r.rtt_ms.expect("round trip from LSR/DLSR");
        assert!((rtt - 30.0).abs() < 1.0, "{rtt}");
    }
    let (calls, _) = analyse("media-crafted-dtmf.pcap");
    assert!(calls[0].media.streams.iter().any(|s| s.dtmf.digits() == "123"));
    let (calls, _) = analyse("media-dtmf.pcap");
    assert!(calls[0].media.streams.iter().any(|s| s.dtmf.digits() == "0"));
}

/// A flood of SSRCs toward one call's media port keeps the call's streams bounded, counted.
#[test]
fn streams_per_call_are_bounded_and_the_rest_counted() {
    let sdp =
        "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
    let invite = common::sip_request("INVITE", "flood@x", 1, sdp);
    let mut fr = vec![Frame {
        ts: Timestamp::from_parts(1_700_000_000, 0),
        linktype: linktype::RAW,
        data: ip_udp(addr("192.0.2.1:5060"), addr("192.0.2.2:5060"), &invite),
    }];
    for i in 0..100u32 {
        let mut rtp = vec![0x80, 0, 0, 1, 0, 0, 0, 0];
        rtp.extend(i.to_be_bytes());
        rtp.extend([0u8; 160]);
        fr.push(Frame {
            ts: Timestamp::from_parts(1_700_000_001, i * 1000),
            linktype: linktype::RAW,
            data: ip_udp(addr("203.0.113.9:9999"), addr("192.0.2.1:4000"), &rtp),
        });
    }
    let (calls, _) = analyse_frames(&fr);
    let m = &calls[0].media;
    assert_eq!(m.streams.len(), sipscope::media::call::MAX_STREAMS);
    assert_eq!(m.packets_dropped, 100 - sipscope::media::call::MAX_STREAMS as u64);
}

// ---------------------------------------------------------------------------------------------
// Topologies from a review: each an ordinary call that must raise nothing false.

fn t(ms: i64) -> Timestamp {
    Timestamp::from_parts(1_800_000_000, 0).plus_millis(ms)
}

fn sip(ms: i64, src: &str, dst: &str, text: String) -> Frame {
    Frame { ts: t(ms), linktype: linktype::RAW, data: ip_udp(addr(src), addr(dst), text.as_bytes()) }
}

/// A SIP message of call `id` with From tag `ftag`, To tag `ttag` (may be empty), and an SDP
/// body naming `media` (audio, and `video` when given) if any.
fn msg(
    first: &str,
    id: &str,
    cseq: &str,
    ftag: &str,
    ttag: &str,
    media: Option<(&str, Option<&str>)>,
) -> String {
    let body = match media {
        Some((audio, video)) => {
            let (ip, port) = audio.split_once(':').unwrap();
            let mut b = format!(
                "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\nm=audio {port} RTP/AVP 0\r\n"
            );
            if let Some(v) = video {
                let (_, vport) = v.split_once(':').unwrap();
                b.push_str(&format!("m=video {vport} RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"));
            }
            b
        }
        None => String::new(),
    };
    let to_tag = if ttag.is_empty() { String::new() } else { format!(";tag={ttag}") };
    let ct = if body.is_empty() { "" } else { "Content-Type: application/sdp\r\n" };
    format!(
        "{first}\r\nVia: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bK{id}{cseq}\r\nFrom: <sip:a@x>;tag={ftag}\r\nTo: <sip:b@y>{to_tag}\r\nCall-ID: {id}\r\nCSeq: {cseq}\r\n{ct}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .replace("10.9.9.9;branch=z9hG4bK", "10.9.9.9;branch=z9hG4bK-")
}

/// `count` RTP packets (PCMU unless `pt`), 20 ms apart from `start_ms`.
fn rtp(src: &str, dst: &str, ssrc: u32, start_ms: i64, count: u32, pt: u8) -> Vec<Frame> {
    (0..count)
        .map(|i| {
            let mut p = vec![0x80, pt];
            p.extend((i as u16).to_be_bytes());
            p.extend((i * 160).to_be_bytes());
            p.extend(ssrc.to_be_bytes());
            p.extend([0xffu8; 160]);
            Frame {
                ts: t(start_ms + i64::from(i) * 20),
                linktype: linktype::RAW,
                data: ip_udp(addr(src), addr(dst), &p),
            }
        })
        .collect()
}

fn sorted(mut v: Vec<Frame>) -> Vec<Frame> {
    v.sort_by_key(|f| f.ts);
    v
}

/// A B2BUA passing SDP through unchanged (direct media, bypass): both legs announce the same
/// addresses, and both legs carry both directions: no one-way audio on either.
#[test]
fn a_b2bua_passing_sdp_through_gives_both_legs_both_directions() {
    let (a, b, pbx) = ("10.0.0.1:5060", "10.0.0.2:5060", "10.0.0.100:5060");
    let mut v = vec![
        sip(
            0,
            a,
            pbx,
            msg("INVITE sip:b@y SIP/2.0", "L1", "1 INVITE", "a1", "", Some(("10.0.0.1:4000", None))),
        ),
        sip(
            10,
            pbx,
            b,
            msg("INVITE sip:b@y SIP/2.0", "L2", "1 INVITE", "p1", "", Some(("10.0.0.1:4000", None))),
        ),
        sip(1000, b, pbx, msg("SIP/2.0 200 OK", "L2", "1 INVITE", "p1", "b1", Some(("10.0.0.2:6000", None)))),
        sip(1010, pbx, a, msg("SIP/2.0 200 OK", "L1", "1 INVITE", "a1", "p2", Some(("10.0.0.2:6000", None)))),
        sip(1020, a, pbx, msg("ACK sip:b@y SIP/2.0", "L1", "1 ACK", "a1", "p2", None)),
        sip(1030, pbx, b, msg("ACK sip:b@y SIP/2.0", "L2", "1 ACK", "p1", "b1", None)),
        sip(11_500, a, pbx, msg("BYE sip:b@y SIP/2.0", "L1", "2 BYE", "a1", "p2", None)),
        sip(11_510, pbx, b, msg("BYE sip:b@y SIP/2.0", "L2", "2 BYE", "p1", "b1", None)),
    ];
    v.extend(rtp("10.0.0.1:4000", "10.0.0.2:6000", 0x111, 1100, 500, 0));
    v.extend(rtp("10.0.0.2:6000", "10.0.0.1:4000", 0x222, 1100, 500, 0));
    let (calls, f) = analyse_frames(&sorted(v));
    assert!(f.is_empty(), "{:?}", f.iter().map(|f| f.to_string()).collect::<Vec<_>>());
    assert_eq!(calls.len(), 2);
    for c in &calls {
        assert_eq!(c.media.streams.iter().map(|s| s.packets).collect::<Vec<_>>(), [500, 500]);
    }
}

/// A PBX capture: one call relayed through the PBX (media seen), the next between the same
/// phone and another phone directly (not seen here): no `no-media` for the direct call.
#[test]
fn direct_media_past_the_capture_point_is_no_media_failure() {
    let (a, b, pbx) = ("10.0.0.1:5060", "10.0.0.2:5060", "10.0.0.100:5060");
    let mut v = vec![
        sip(
            0,
            a,
            pbx,
            msg("INVITE sip:vm@y SIP/2.0", "VM", "1 INVITE", "a1", "", Some(("10.0.0.1:4000", None))),
        ),
        sip(
            500,
            pbx,
            a,
            msg("SIP/2.0 200 OK", "VM", "1 INVITE", "a1", "v1", Some(("10.0.0.100:10000", None))),
        ),
        sip(520, a, pbx, msg("ACK sip:vm@y SIP/2.0", "VM", "1 ACK", "a1", "v1", None)),
        sip(6_700, a, pbx, msg("BYE sip:vm@y SIP/2.0", "VM", "2 BYE", "a1", "v1", None)),
        sip(
            10_000,
            a,
            pbx,
            msg("INVITE sip:b@y SIP/2.0", "D1", "1 INVITE", "a2", "", Some(("10.0.0.1:4002", None))),
        ),
        sip(
            11_000,
            pbx,
            a,
            msg("SIP/2.0 200 OK", "D1", "1 INVITE", "a2", "d1", Some(("10.0.0.2:6000", None))),
        ),
        sip(11_020, a, pbx, msg("ACK sip:b@y SIP/2.0", "D1", "1 ACK", "a2", "d1", None)),
        sip(40_000, a, pbx, msg("BYE sip:b@y SIP/2.0", "D1", "2 BYE", "a2", "d1", None)),
    ];
    let _ = b;
    v.extend(rtp("10.0.0.1:4000", "10.0.0.100:10000", 0x111, 600, 300, 0));
    v.extend(rtp("10.0.0.100:10000", "10.0.0.1:4000", 0x222, 600, 300, 0));
    let (_, f) = analyse_frames(&sorted(v));
    assert!(f.is_empty(), "{:?}", f.iter().map(|f| f.to_string()).collect::<Vec<_>>());
}

/// A forked call answered twice: the caller hangs up the second dialog at once (RFC 3261
/// §13.2.2.4) and talks 30 s on the first. Its media is not "after the BYE".
#[test]
fn the_bye_of_a_second_dialog_does_not_end_the_media() {
    let (a, p) = ("192.0.2.1:5060", "198.51.100.9:5060");
    let mut v = vec![
        sip(
            0,
            a,
            p,
            msg("INVITE sip:b@y SIP/2.0", "F1", "1 INVITE", "a1", "", Some(("192.0.2.1:4000", None))),
        ),
        sip(
            1000,
            p,
            a,
            msg("SIP/2.0 200 OK", "F1", "1 INVITE", "a1", "t1", Some(("198.51.100.2:6000", None))),
        ),
        sip(
            1010,
            p,
            a,
            msg("SIP/2.0 200 OK", "F1", "1 INVITE", "a1", "t2", Some(("198.51.100.3:6000", None))),
        ),
        sip(1020, a, p, msg("ACK sip:b@y SIP/2.0", "F1", "1 ACK", "a1", "t1", None)),
        sip(1030, a, p, msg("ACK sip:b@y SIP/2.0", "F1", "1 ACK", "a1", "t2", None)),
        sip(1040, a, p, msg("BYE sip:b@y SIP/2.0", "F1", "2 BYE", "a1", "t2", None)),
        sip(31_500, a, p, msg("BYE sip:b@y SIP/2.0", "F1", "3 BYE", "a1", "t1", None)),
    ];
    v.extend(rtp("192.0.2.1:4000", "198.51.100.2:6000", 0x111, 1100, 1500, 0));
    v.extend(rtp("198.51.100.2:6000", "192.0.2.1:4000", 0x222, 1100, 1500, 0));
    let (calls, f) = analyse_frames(&sorted(v));
    assert!(f.is_empty(), "{:?}", f.iter().map(|f| f.to_string()).collect::<Vec<_>>());
    let c = &calls[0];
    assert!(c.media.streams.iter().all(|s| c.media.after_bye(s, c.last_bye_ts) == 0));
}

/// Audio both ways and video one way: the video stream is video (no MOS, no audio rule), the
/// audio is judged as audio, and nothing is raised.
#[test]
fn video_is_not_judged_as_audio() {
    let (a, b) = ("192.0.2.1:5060", "198.51.100.2:5060");
    let mut v = vec![
        sip(
            0,
            a,
            b,
            msg(
                "INVITE sip:b@y SIP/2.0",
                "V1",
                "1 INVITE",
                "a1",
                "",
                Some(("192.0.2.1:4000", Some("192.0.2.1:4002"))),
            ),
        ),
        sip(
            1000,
            b,
            a,
            msg(
                "SIP/2.0 200 OK",
                "V1",
                "1 INVITE",
                "a1",
                "b1",
                Some(("198.51.100.2:6000", Some("198.51.100.2:6002"))),
            ),
        ),
        sip(1020, a, b, msg("ACK sip:b@y SIP/2.0", "V1", "1 ACK", "a1", "b1", None)),
        sip(11_500, a, b, msg("BYE sip:b@y SIP/2.0", "V1", "2 BYE", "a1", "b1", None)),
    ];
    v.extend(rtp("192.0.2.1:4000", "198.51.100.2:6000", 0x111, 1100, 500, 0));
    v.extend(rtp("198.51.100.2:6000", "192.0.2.1:4000", 0x222, 1100, 500, 0));
    v.extend(rtp("192.0.2.1:4002", "198.51.100.2:6002", 0x333, 1100, 500, 96));
    let (calls, f) = analyse_frames(&sorted(v));
    assert!(f.is_empty(), "{:?}", f.iter().map(|f| f.to_string()).collect::<Vec<_>>());
    let m = &calls[0].media;
    let video = m.streams.iter().find(|s| s.ssrc == 0x333).unwrap();
    assert_eq!(video.kind, sipscope::media::Kind::Video);
    assert_eq!(m.codec(video), "H264");
    assert!(m.quality(video).is_none());
}

/// A callee that receives on 6000 and sends from 6002 is named (information: it works here);
/// the same call sending from 6000 raises nothing.
#[test]
fn asymmetric_ports_are_named_and_symmetric_ones_are_not() {
    let run = |callee_src: &str| {
        let (a, b) = ("192.0.2.1:5060", "198.51.100.2:5060");
        let mut v = vec![
            sip(
                0,
                a,
                b,
                msg("INVITE sip:b@y SIP/2.0", "S1", "1 INVITE", "a1", "", Some(("192.0.2.1:4000", None))),
            ),
            sip(
                1000,
                b,
                a,
                msg("SIP/2.0 200 OK", "S1", "1 INVITE", "a1", "b1", Some(("198.51.100.2:6000", None))),
            ),
            sip(1020, a, b, msg("ACK sip:b@y SIP/2.0", "S1", "1 ACK", "a1", "b1", None)),
            sip(11_500, a, b, msg("BYE sip:b@y SIP/2.0", "S1", "2 BYE", "a1", "b1", None)),
        ];
        v.extend(rtp("192.0.2.1:4000", "198.51.100.2:6000", 0x111, 1100, 500, 0));
        v.extend(rtp(callee_src, "192.0.2.1:4000", 0x222, 1100, 500, 0));
        analyse_frames(&sorted(v)).1
    };
    let f = run("198.51.100.2:6002");
    assert_eq!(rules(&f), ["asymmetric-rtp"]);
    assert_eq!(f[0].severity, sipscope::diagnose::Severity::Info);
    assert!(
        f[0].summary.contains("the callee receives on port 6000 but sends from port 6002"),
        "{}",
        f[0].summary
    );
    assert!(run("198.51.100.2:6000").is_empty());
}

/// A phone with a fixed RTP port: its first call's BYE was not captured, two later calls reuse
/// the port. The first call does not swallow the later calls' media.
#[test]
fn a_call_whose_bye_was_missed_does_not_take_later_calls_media() {
    let (a, b) = ("192.0.2.1:5060", "198.51.100.2:5060");
    let mut v = Vec::new();
    for (k, start) in [(1, 0i64), (2, 60_000), (3, 120_000)] {
        let id = format!("M{k}");
        v.push(sip(
            start,
            a,
            b,
            msg("INVITE sip:b@y SIP/2.0", &id, "1 INVITE", "a1", "", Some(("192.0.2.1:4000", None))),
        ));
        v.push(sip(
            start + 1000,
            b,
            a,
            msg("SIP/2.0 200 OK", &id, "1 INVITE", "a1", "b1", Some(("198.51.100.2:6000", None))),
        ));
        v.push(sip(start + 1020, a, b, msg("ACK sip:b@y SIP/2.0", &id, "1 ACK", "a1", "b1", None)));
        if k > 1 {
            v.push(sip(start + 4_000, a, b, msg("BYE sip:b@y SIP/2.0", &id, "2 BYE", "a1", "b1", None)));
        }
        v.extend(rtp("192.0.2.1:4000", "198.51.100.2:6000", 0x100 + k, start + 1100, 140, 0));
        v.extend(rtp("198.51.100.2:6000", "192.0.2.1:4000", 0x200 + k, start + 1100, 140, 0));
    }
    let (calls, _) = analyse_frames(&sorted(v));
    for c in &calls {
        let total: u64 = c.media.streams.iter().map(|s| s.packets).sum();
        assert_eq!(
            total,
            280,
            "{}: {:?}",
            String::from_utf8_lossy(&c.call_id),
            c.media.streams.iter().map(|s| s.ssrc).collect::<Vec<_>>()
        );
    }
}

/// The other side's BYE of the same dialog, a moment after the first, does not hide media that
/// went on after the first BYE.
#[test]
fn a_second_bye_of_the_same_dialog_keeps_the_after_bye_count() {
    let (a, b) = ("192.0.2.1:5060", "198.51.100.2:5060");
    let mut v = vec![
        sip(
            0,
            a,
            b,
            msg("INVITE sip:b@y SIP/2.0", "AB", "1 INVITE", "a1", "", Some(("192.0.2.1:4000", None))),
        ),
        sip(
            1000,
            b,
            a,
            msg("SIP/2.0 200 OK", "AB", "1 INVITE", "a1", "b1", Some(("198.51.100.2:6000", None))),
        ),
        sip(1020, a, b, msg("ACK sip:b@y SIP/2.0", "AB", "1 ACK", "a1", "b1", None)),
        sip(5_000, b, a, msg("BYE sip:a@x SIP/2.0", "AB", "1 BYE", "b1", "a1", None)),
        sip(6_500, a, b, msg("BYE sip:b@y SIP/2.0", "AB", "2 BYE", "a1", "b1", None)),
    ];
    v.extend(rtp("192.0.2.1:4000", "198.51.100.2:6000", 0x111, 1100, 400, 0));
    v.extend(rtp("198.51.100.2:6000", "192.0.2.1:4000", 0x222, 1100, 190, 0));
    let (_, f) = analyse_frames(&sorted(v));
    assert_eq!(rules(&f), ["media-after-bye"], "{:?}", f.iter().map(|f| f.to_string()).collect::<Vec<_>>());
}
