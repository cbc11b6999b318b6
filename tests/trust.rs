//! Issue 12, "trust on real traffic": the near misses ordinary traffic produces, one test (or
//! group) per item. Synthetic conversations here; the SIPp captures of ordinary phone behaviour
//! are checked in `tests/ordinary.rs`.

mod common;

use common::script::*;
use sipscope::correlate::{Call, CallKind, CallState, CorrelatorConfig};
use sipscope::diagnose::Finding;

fn rules(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule).collect()
}

const HOUR: i64 = 3_600_000;

// Item 1: one Call-ID, one call.

#[test]
fn registration_refreshed_minutes_later_is_one_record() {
    let (calls, stats, metrics) = run(&[
        (0, A, P, req("REGISTER", "r1", "a", 1)),
        (20, P, A, resp(401, "r1", "a", 1, "REGISTER").tag("t")),
        (40, A, P, req("REGISTER", "r1", "b", 2).header("Authorization: Digest username=\"alice\"")),
        (
            60,
            P,
            A,
            resp(200, "r1", "b", 2, "REGISTER")
                .tag("t")
                .header("Contact: <sip:alice@192.0.2.10>;expires=600"),
        ),
        // The refresh, ten minutes later, same Call-ID (RFC 3261 §10.2.4).
        (600_000, A, P, req("REGISTER", "r1", "c", 3).header("Authorization: Digest username=\"alice\"")),
        (
            600_020,
            P,
            A,
            resp(200, "r1", "c", 3, "REGISTER")
                .tag("t")
                .header("Contact: <sip:alice@192.0.2.10>;expires=600"),
        ),
    ]);
    assert_eq!(calls.len(), 1, "one Call-ID, one record");
    let c = &calls[0];
    assert_eq!((c.kind, c.state, c.part, c.messages), (CallKind::Registration, CallState::Registered, 1, 6));
    assert_eq!(stats.calls.resumed_calls, 0);
    assert_eq!(metrics.registrations, 1);
}

#[test]
fn invite_retried_minutes_after_its_challenge_is_one_call() {
    let (calls, _, metrics) = run(&[
        (0, A, P, req("INVITE", "i1", "a", 1)),
        (20, P, A, resp(407, "i1", "a", 1, "INVITE").tag("t")),
        (30, A, P, req("ACK", "i1", "a", 1).tag("t")),
        (120_000, A, P, req("INVITE", "i1", "b", 2).header("Proxy-Authorization: Digest username=\"alice\"")),
        (120_100, P, A, resp(180, "i1", "b", 2, "INVITE").tag("u")),
        (121_000, P, A, resp(200, "i1", "b", 2, "INVITE").tag("u")),
        (121_010, A, P, req("ACK", "i1", "c", 2).tag("u")),
        (125_000, A, P, req("BYE", "i1", "d", 3).tag("u")),
        (125_010, P, A, resp(200, "i1", "d", 3, "BYE").tag("u")),
    ]);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].state, CallState::Completed);
    assert_eq!((metrics.invites, metrics.invites_answered), (1, 1), "RFC 6076: one session attempt");
}

#[test]
fn a_call_id_that_comes_back_continues_its_numbering() {
    // OPTIONS pings on one Call-ID, far apart: the first record is written out after 32 s; the
    // next ping continues the Call-ID as part 2, with indices after the first part's.
    let (calls, stats, _) = run(&[
        (0, A, P, req("OPTIONS", "o1", "a", 1)),
        (10, P, A, resp(200, "o1", "a", 1, "OPTIONS").tag("t")),
        (100_000, A, P, req("OPTIONS", "o1", "b", 2)),
        (100_010, P, A, resp(200, "o1", "b", 2, "OPTIONS").tag("t")),
    ]);
    assert_eq!(calls.len(), 2);
    assert_eq!((calls[0].part, calls[0].first_index, calls[0].messages), (1, 0, 2));
    assert_eq!((calls[1].part, calls[1].first_index, calls[1].messages), (2, 2, 2));
    assert_eq!(calls[1].kind, CallKind::Options);
    assert_eq!(calls[1].caller_hop().unwrap().index, 2, "message indices are the Call-ID's");
    assert_eq!((stats.calls.calls, stats.calls.resumed_calls), (1, 1));
}

#[test]
fn bye_an_hour_later_continues_the_call_from_the_middle() {
    let (calls, _, metrics) = run(&[
        (0, A, P, req("INVITE", "c1", "a", 1)),
        (500, P, A, resp(200, "c1", "a", 1, "INVITE").tag("t")),
        (510, A, P, req("ACK", "c1", "b", 1).tag("t")),
        (HOUR + 60_000, A, P, req("BYE", "c1", "c", 2).tag("t")),
        (HOUR + 60_010, P, A, resp(200, "c1", "c", 2, "BYE").tag("t")),
    ]);
    assert_eq!(calls.len(), 2, "the idle answered call was written out after an hour");
    assert_eq!(
        (calls[1].kind, calls[1].state, calls[1].part, calls[1].first_index),
        (CallKind::Call, CallState::MidDialog, 2, 3)
    );
    assert_eq!(metrics.invites, 1, "the BYE is no second session attempt");
}

#[test]
fn call_id_seen_only_mid_dialog_is_a_call_seen_from_the_middle() {
    let (calls, _, metrics) = run(&[
        (0, A, P, req("BYE", "m1", "a", 7).tag("t")),
        (10, P, A, resp(200, "m1", "a", 7, "BYE").tag("t")),
        (1_000, A, P, req("INVITE", "m2", "b", 9).tag("t")),
        (1_010, P, A, resp(200, "m2", "b", 9, "INVITE").tag("t")),
    ]);
    for c in &calls {
        assert_eq!((c.kind, c.state), (CallKind::Call, CallState::MidDialog), "{:?}", c.call_id);
    }
    assert_eq!(metrics.invites, 0, "no session attempt was seen");
}

#[test]
fn forgotten_call_ids_are_counted() {
    let cfg = CorrelatorConfig { max_ended: 2, ..CorrelatorConfig::default() };
    let mut script = Vec::new();
    for (i, id) in ["f1", "f2", "f3", "f4"].into_iter().enumerate() {
        let t = i as i64 * 100_000;
        script.push((t, A, P, req("OPTIONS", id, "a", 1)));
        script.push((t + 10, P, A, resp(200, id, "a", 1, "OPTIONS").tag("t")));
    }
    script.push((500_000, A, P, req("OPTIONS", "f1", "b", 2)));
    let (calls, stats, _) = run_with(cfg, &script);
    let last = calls.iter().find(|c| c.first_ts > calls[0].first_ts && &*c.call_id == b"f1").unwrap();
    assert_eq!((last.part, last.first_index), (1, 0), "f1 was forgotten: a new record");
    assert_eq!(stats.calls.forgotten_call_ids, 2);
}

// Item 9: broken timestamps.

#[test]
fn clock_stepped_back_gives_no_absurd_delay_and_no_split() {
    let (calls, stats, _) = run(&[
        (0, A, P, req("INVITE", "k1", "a", 1)),
        // The capture host's clock is stepped back two hours between the INVITE and the 180.
        (-2 * HOUR + 100, P, A, resp(180, "k1", "a", 1, "INVITE").tag("t")),
        (-2 * HOUR + 1_100, P, A, resp(200, "k1", "a", 1, "INVITE").tag("t")),
        (-2 * HOUR + 1_110, A, P, req("ACK", "k1", "b", 1).tag("t")),
    ]);
    assert_eq!(calls.len(), 1);
    let c: &Call = &calls[0];
    assert_eq!(c.pdd_ms(), Some(0), "the step is absorbed, not a negative delay");
    assert_eq!(c.setup_ms(), Some(1_000));
    assert_eq!(stats.clock.jumps, 1);
    assert!(stats.clock.largest_jump_ms < -HOUR);
}

#[test]
fn clock_leaping_years_ahead_does_not_split_the_call() {
    let years = 5 * 365 * 24 * HOUR;
    let (calls, stats, _) = run(&[
        (0, A, P, req("INVITE", "k2", "a", 1)),
        (100, P, A, resp(180, "k2", "a", 1, "INVITE").tag("t")),
        (years, P, A, resp(200, "k2", "a", 1, "INVITE").tag("t")),
        (years + 10, A, P, req("ACK", "k2", "b", 1).tag("t")),
        (years + 5_000, A, P, req("BYE", "k2", "c", 2).tag("t")),
        (years + 5_010, P, A, resp(200, "k2", "c", 2, "BYE").tag("t")),
    ]);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].state, CallState::Completed);
    assert_eq!(calls[0].setup_ms(), Some(100));
    assert_eq!(stats.clock.jumps, 1);
}

#[test]
fn ordinary_gaps_and_small_reordering_are_not_clock_steps() {
    let (_, stats, _) = run(&[
        (0, A, P, req("OPTIONS", "g1", "a", 1)),
        (10_000, P, A, resp(200, "g1", "a", 1, "OPTIONS").tag("t")),
        (9_500, A, P, req("OPTIONS", "g2", "a", 1)),
        (9 * 86_400_000, A, P, req("OPTIONS", "g3", "a", 1)),
    ]);
    assert_eq!(stats.clock.jumps, 0);
}

#[test]
fn dashboard_keeps_one_row_per_call_id_with_every_message() {
    use common::{addr, ip_udp};
    use sipscope::capture::{linktype, RawPacket};
    use sipscope::engine::{Engine, EngineConfig};
    use sipscope::time::Timestamp;
    use sipscope::tui::model::{Batch, CallSummary, Model};
    let script = [
        (0, A, P, req("OPTIONS", "o1", "a", 1)),
        (10, P, A, resp(200, "o1", "a", 1, "OPTIONS").tag("t")),
        (100_000, A, P, req("OPTIONS", "o1", "b", 2)),
        (100_010, P, A, resp(200, "o1", "b", 2, "OPTIONS").tag("t")),
    ];
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    let mut model = Model::new(64 << 20);
    let t0 = Timestamp::from_parts(1_700_000_000, 0);
    for (ms, src, dst, m) in &script {
        let frame = ip_udp(addr(src), addr(dst), &m.bytes());
        let pkt = RawPacket { ts: t0.plus_millis(*ms), linktype: linktype::RAW, data: &frame, orig_len: 0 };
        let mut batch = Batch::default();
        engine
            .ingest_each(&pkt, |m, a| {
                batch.messages.push((m.clone(), a));
                Ok::<_, ()>(())
            })
            .unwrap();
        batch.calls.extend(engine.drain_finished_calls().map(|c| CallSummary::of(&c, true)));
        if let Some(c) = engine.correlator().and_then(|c| c.get(b"o1")) {
            batch.calls.push(CallSummary::of(c, false));
        }
        model.apply(batch);
    }
    assert_eq!(model.rows.len(), 1, "one row for the Call-ID");
    let row = &model.rows[0];
    assert_eq!(row.messages.len(), 4, "the ladder holds both parts");
    let indices: Vec<u32> = row.messages.iter().map(|s| s.added.unwrap().index).collect();
    assert_eq!(indices, [0, 1, 2, 3]);
    assert_eq!((row.summary.messages, row.summary.part), (4, 2));
}

// Item 3: source-level alarms.

const NAT: &str = "198.51.100.60";

fn boot(users: usize, succeed: bool, spacing_ms: i64) -> Vec<(i64, &'static str, &'static str, M)> {
    let mut v = Vec::new();
    for i in 0..users {
        let id: &'static str = Box::leak(format!("boot-{i}").into_boxed_str());
        let phone: &'static str = Box::leak(format!("{NAT}:{}", 50_600 + i).into_boxed_str());
        let user = format!("sip:{}@example.com", 200 + i);
        let t = i as i64 * spacing_ms;
        v.push((t, phone, P, req("REGISTER", id, "a", 1).to(&user)));
        v.push((t + 5, P, phone, resp(401, id, "a", 1, "REGISTER").to(&user).tag("t")));
        v.push((
            t + 10,
            phone,
            P,
            req("REGISTER", id, "b", 2).to(&user).header("Authorization: Digest username=\"x\""),
        ));
        let last =
            if succeed { resp(200, id, "b", 2, "REGISTER") } else { resp(401, id, "b", 2, "REGISTER") };
        v.push((t + 15, P, phone, last.to(&user).tag("t")));
    }
    v
}

#[test]
fn boot_storm_behind_one_nat_is_no_scan_but_twelve_failing_users_are() {
    let fs = run_full(CorrelatorConfig::default(), &boot(12, true, 20)).3;
    assert!(fs.is_empty(), "{fs:#?}");
    // Near miss: the same twelve users from the same address, none of them ever authenticated.
    let fs = run_full(CorrelatorConfig::default(), &boot(12, false, 20)).3;
    assert!(rules(&fs).contains(&"scanner"), "{:?}", rules(&fs));
}

#[test]
fn stale_nonce_is_no_refused_password() {
    let mut v = Vec::new();
    for i in 0..12 {
        let id: &'static str = Box::leak(format!("st-{i}").into_boxed_str());
        let t = i * 30;
        v.push((
            t,
            A,
            P,
            req("REGISTER", id, "a", 7).header("Authorization: Digest username=\"x\", nonce=\"old\""),
        ));
        v.push((
            t + 5,
            P,
            A,
            resp(401, id, "a", 7, "REGISTER")
                .tag("t")
                .header("WWW-Authenticate: Digest realm=\"r\", nonce=\"new\", stale=true"),
        ));
        v.push((
            t + 10,
            A,
            P,
            req("REGISTER", id, "b", 8).header("Authorization: Digest username=\"x\", nonce=\"new\""),
        ));
        v.push((t + 15, P, A, resp(200, id, "b", 8, "REGISTER").tag("t")));
    }
    let fs = run_full(CorrelatorConfig::default(), &v).3;
    assert!(fs.is_empty(), "{fs:#?}");
}

#[test]
fn slow_scan_is_one_finding_over_an_hour() {
    const SCANNER: &str = "203.0.113.99:5070";
    let mut v = Vec::new();
    for i in 0..40 {
        let id: &'static str = Box::leak(format!("slow-{i}").into_boxed_str());
        let user = format!("sip:{}@example.com", 1000 + i);
        let t = i as i64 * 75_000; // one every 75 s: never ten in a minute
        v.push((t, SCANNER, P, req("REGISTER", id, "a", 1).to(&user)));
        v.push((t + 5, P, SCANNER, resp(404, id, "a", 1, "REGISTER").to(&user).tag("t")));
    }
    let fs = run_full(CorrelatorConfig::default(), &v).3;
    assert_eq!(rules(&fs), ["scanner"], "{fs:#?}");
    assert!(fs[0].summary.contains("scanning slowly"), "{}", fs[0].summary);
}

#[test]
fn toll_fraud_rolls_up_its_calls() {
    const FRAUD: &str = "203.0.113.50:5060";
    let mut v = Vec::new();
    for (i, number) in [
        "011972598072172",
        "0097259807217",
        "+972598072172",
        "9011972598072172",
        "1010333011972598072172",
        "00442071234567",
    ]
    .iter()
    .enumerate()
    {
        let id: &'static str = Box::leak(format!("tf-{i}").into_boxed_str());
        let to = format!("sip:{number}@192.0.2.20");
        let t = i as i64 * 120_000;
        v.push((t, FRAUD, P, req("INVITE", id, "a", 1).to(&to)));
        v.push((t + 5, P, FRAUD, resp(403, id, "a", 1, "INVITE").to(&to).tag("t")));
    }
    let (_, stats, _, fs) = run_full(CorrelatorConfig::default(), &v);
    let r = rules(&fs);
    assert_eq!(r.iter().filter(|r| **r == "toll-fraud").count(), 1, "{r:?}");
    assert!(r.iter().filter(|r| **r == "forbidden-403").count() <= 5, "{r:?}");
    assert!(stats.findings.rolled_up >= 1);
    // Near miss: a PBX calling five local numbers that are busy is no fraud.
    let mut v = Vec::new();
    for i in 0..6 {
        let id: &'static str = Box::leak(format!("loc-{i}").into_boxed_str());
        let to = format!("sip:20{i}@192.0.2.20");
        v.push((i * 1000, A, P, req("INVITE", id, "a", 1).to(&to)));
        v.push((i * 1000 + 5, P, A, resp(486, id, "a", 1, "INVITE").to(&to).tag("t")));
    }
    assert!(run_full(CorrelatorConfig::default(), &v).3.is_empty());
    // Near miss: an office whose long-distance calls (11-digit national numbers) are busy or
    // cancelled, and whose international calls are refused but one of them got through.
    let mut v = Vec::new();
    for i in 0..6 {
        let id: &'static str = Box::leak(format!("ld-{i}").into_boxed_str());
        let to = format!("sip:1212555010{i}@192.0.2.20");
        v.push((i * 1000, A, P, req("INVITE", id, "a", 1).to(&to)));
        v.push((
            i * 1000 + 5,
            P,
            A,
            resp(if i % 2 == 0 { 486 } else { 487 }, id, "a", 1, "INVITE").to(&to).tag("t"),
        ));
    }
    for i in 0..6 {
        let id: &'static str = Box::leak(format!("intl-{i}").into_boxed_str());
        let to = format!("sip:0044207123456{i}@192.0.2.20");
        let code = if i == 0 { 200 } else { 403 };
        v.push((10_000 + i * 1000, A, P, req("INVITE", id, "a", 1).to(&to)));
        v.push((10_000 + i * 1000 + 5, P, A, resp(code, id, "a", 1, "INVITE").to(&to).tag("t")));
    }
    let r = rules(&run_full(CorrelatorConfig::default(), &v).3);
    assert!(!r.contains(&"toll-fraud"), "{r:?}");
}

#[test]
fn a_registration_refreshed_for_hours_stays_registered() {
    // 200 refreshes on one Call-ID (more than the 128 transactions a call keeps), each
    // challenged: the latest is still known, the state is right.
    let mut v = Vec::new();
    for i in 0..200u32 {
        let t = i64::from(i) * 60_000;
        let (a, b): (&'static str, &'static str) =
            (Box::leak(format!("a{i}").into_boxed_str()), Box::leak(format!("b{i}").into_boxed_str()));
        v.push((t, A, P, req("REGISTER", "long", a, 2 * i + 1)));
        v.push((t + 5, P, A, resp(401, "long", a, 2 * i + 1, "REGISTER").tag("t")));
        v.push((
            t + 10,
            A,
            P,
            req("REGISTER", "long", b, 2 * i + 2).header("Authorization: Digest username=\"x\""),
        ));
        v.push((
            t + 15,
            P,
            A,
            resp(200, "long", b, 2 * i + 2, "REGISTER")
                .tag("t")
                .header("Contact: <sip:x@192.0.2.10>;expires=120"),
        ));
    }
    let (calls, _, m) = run(&v);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].state, CallState::Registered);
    assert!(calls[0].transactions.len() <= 128);
    assert_eq!(
        m.rrd.count(),
        calls[0].transactions.iter().filter(|t| t.first_success.is_some()).count() as u64
    );
}

#[test]
fn sip_from_port_2152_is_not_taken_for_gtp() {
    let (calls, stats, _) = run(&[
        (0, "192.0.2.10:2152", P, req("OPTIONS", "g1", "a", 1)),
        (5, P, "192.0.2.10:2152", resp(200, "g1", "a", 1, "OPTIONS").tag("t")),
    ]);
    assert_eq!((calls.len(), stats.sip_messages), (1, 2));
}

#[test]
fn a_stray_bye_then_a_redirected_invite_on_the_same_call_id_keeps_the_ratios_sane() {
    // Found by review: a later part counted an outcome without an attempt (SER went negative).
    let (_, _, m) = run(&[
        (0, A, P, req("BYE", "s1", "a", 5).tag("t")),
        (100_000, A, P, req("INVITE", "s1", "b", 6)),
        (100_010, P, A, resp(302, "s1", "b", 6, "INVITE").tag("u")),
    ]);
    let r = m.rfc6076();
    assert!(m.invites_3xx <= m.invites, "{m:?}");
    assert!(r.ser.is_none_or(|v| (0.0..=100.0).contains(&v)), "{r:?}");
}

// Item 4: 603 chosen by a server.

fn register(
    t: i64,
    who: &'static str,
    user: &str,
    id: &'static str,
) -> Vec<(i64, &'static str, &'static str, M)> {
    let uri = format!("sip:{user}@example.com");
    vec![
        (t, who, P, req("REGISTER", id, "r", 1).to(&uri)),
        (
            t + 5,
            P,
            who,
            resp(200, id, "r", 1, "REGISTER")
                .to(&uri)
                .tag("t")
                .header("Contact: <sip:x@192.0.2.77>;expires=3600"),
        ),
    ]
}

fn quick_603(t: i64) -> Vec<(i64, &'static str, &'static str, M)> {
    vec![
        (t, A, P, req("INVITE", "d1", "i", 1)),
        (t + 1, P, A, resp(100, "d1", "i", 1, "INVITE")),
        (t + 3, P, A, resp(603, "d1", "i", 1, "INVITE").tag("x")),
        (t + 4, A, P, req("ACK", "d1", "i", 1).tag("x")),
    ]
}

#[test]
fn registrar_answering_603_for_an_unregistered_user_is_the_servers_choice() {
    let mut v = register(0, A, "alice", "reg-a");
    v.extend(quick_603(1_000));
    let fs = run_full(CorrelatorConfig::default(), &v).3;
    assert_eq!(rules(&fs), ["decline-from-server"], "{fs:#?}");
    let f = &fs[0];
    assert!(f.summary.contains("should be 480"), "{}", f.summary);
    assert!(
        f.explanation.contains("registrar") && f.explanation.contains("no registration for the user"),
        "{}",
        f.explanation
    );
    // Near miss: bob holds a registration, so the quick 603 came from his phone (relayed).
    let mut v = register(0, A, "alice", "reg-a");
    v.extend(register(10, "192.0.2.77:5060", "bob", "reg-b"));
    v.extend(quick_603(1_000));
    assert_eq!(rules(&run_full(CorrelatorConfig::default(), &v).3), ["decline-should-be-busy"]);
    // Near miss: no registrations in the capture at all: nothing says who chose the code.
    assert_eq!(rules(&run_full(CorrelatorConfig::default(), &quick_603(0)).3), ["decline-should-be-busy"]);
}

// Item 8: NAT from the messages themselves.

#[test]
fn nat_is_read_from_via_and_received_even_between_loopback_addresses() {
    const PHONE: &str = "127.0.0.60:50601";
    const SERVER: &str = "127.0.0.70:5060";
    let from = "sip:201@192.168.1.101";
    let fs = run_full(
        CorrelatorConfig::default(),
        &[
            (0, PHONE, SERVER, req("INVITE", "n1", "a", 1).from(from).via("192.168.1.101:5060")),
            (
                5,
                SERVER,
                PHONE,
                resp(403, "n1", "a", 1, "INVITE")
                    .from(from)
                    .via("192.168.1.101:5060;received=127.0.0.60;rport=50601")
                    .tag("t"),
            ),
        ],
    )
    .3;
    let f = fs.iter().find(|f| f.rule == "from-private-host").expect("from-private-host");
    assert!(
        f.explanation.contains("192.168.1.101:5060")
            && f.explanation.contains("127.0.0.60:50601")
            && f.explanation.contains("received/rport"),
        "{}",
        f.explanation
    );
    // Near miss: a phone on the PBX's own LAN (Via matches the packet's source): a private From
    // is normal there.
    let fs = run_full(
        CorrelatorConfig::default(),
        &[
            (
                0,
                "192.168.1.101:5060",
                "192.168.1.1:5060",
                req("INVITE", "n2", "a", 1).from(from).via("192.168.1.101:5060"),
            ),
            (
                5,
                "192.168.1.1:5060",
                "192.168.1.101:5060",
                resp(403, "n2", "a", 1, "INVITE").from(from).via("192.168.1.101:5060").tag("t"),
            ),
        ],
    )
    .3;
    assert!(!rules(&fs).contains(&"from-private-host"), "{:?}", rules(&fs));
}

// Item 2: 403 after credentials.

fn after_challenge(method: &str, refusal: M, progress: &[u16]) -> Vec<Finding> {
    let (challenge, auth) = if method == "REGISTER" {
        (401, "Authorization: Digest username=\"alice\"")
    } else {
        (407, "Proxy-Authorization: Digest username=\"alice\"")
    };
    let mut script = vec![
        (0, A, P, req(method, "a1", "a", 1)),
        (10, P, A, resp(challenge, "a1", "a", 1, method).tag("t")),
        (20, A, P, req(method, "a1", "b", 2).header(auth)),
    ];
    for (i, code) in progress.iter().enumerate() {
        script.push((30 + i as i64, P, A, resp(*code, "a1", "b", 2, method).tag("t")));
    }
    script.push((100, P, A, refusal));
    run_full(CorrelatorConfig::default(), &script).3
}

fn r403(phrase: &str, method: &str) -> M {
    resp(403, "a1", "b", 2, method).tag("t").status(403, phrase)
}

#[test]
fn wrong_password_after_a_challenge_is_credentials_refused_even_after_100_trying() {
    let fs = after_challenge("REGISTER", r403("Wrong password", "REGISTER"), &[100]);
    assert_eq!(rules(&fs), ["auth-failed"], "{fs:#?}");
    // A plain 403 after credentials, with only 100 Trying before it: most servers refuse a
    // password this way, and 100 Trying (hop by hop) proves nothing.
    let fs = after_challenge("INVITE", r403("Forbidden", "INVITE"), &[100]);
    assert_eq!(rules(&fs), ["auth-failed"], "{fs:#?}");
}

#[test]
fn policy_named_or_progress_after_credentials_is_a_policy_refusal() {
    let fs = after_challenge("INVITE", r403("Insufficient balance", "INVITE"), &[100]);
    assert_eq!(rules(&fs), ["forbidden-403"], "{fs:#?}");
    let f = &fs[0];
    assert!(f.summary.contains("after the credentials were accepted"), "{}", f.summary);
    assert!(f.explanation.contains("insufficient balance"), "{}", f.explanation);
    assert!(
        !f.explanation.contains("asks for no credentials"),
        "no claim that contradicts the 407: {}",
        f.explanation
    );
    // Ringing before the 403: the request was forwarded, so it was authenticated.
    let fs = after_challenge("INVITE", r403("Forbidden", "INVITE"), &[100, 183]);
    assert_eq!(rules(&fs), ["forbidden-403"], "{fs:#?}");
    // The Warning header can name the credentials too.
    let fs = after_challenge(
        "INVITE",
        r403("Forbidden", "INVITE").header("Warning: 399 pbx \"Authentication failed\""),
        &[100],
    );
    assert_eq!(rules(&fs), ["auth-failed"], "{fs:#?}");
}

#[test]
fn outright_403_says_no_credentials_were_asked_for() {
    let fs = run_full(
        CorrelatorConfig::default(),
        &[(0, A, P, req("INVITE", "f1", "a", 1)), (10, P, A, resp(403, "f1", "a", 1, "INVITE").tag("t"))],
    )
    .3;
    assert_eq!(rules(&fs), ["forbidden-403"]);
    assert!(fs[0].summary.contains("refused outright"));
}

// Item 10: evidence points at captured messages.

#[test]
fn evidence_says_when_only_the_response_was_captured() {
    let fs =
        run_full(CorrelatorConfig::default(), &[(0, P, A, resp(403, "e1", "a", 1, "INVITE").tag("t"))]).3;
    let f = fs.iter().find(|f| f.rule == "forbidden-403").expect("finding");
    assert_eq!(f.evidence.len(), 1, "one captured message, one piece of evidence: {:?}", f.evidence);
    assert_eq!(f.evidence[0].index, 0);
    let what = &f.evidence[0].what;
    assert!(what.starts_with("403") && what.contains("INVITE") && what.ends_with("not captured"), "{what}");
}

// Item 7: judged at the end of the capture.

#[test]
fn invite_retransmitted_to_its_limit_is_unanswered_at_the_end_of_the_capture() {
    let script: Vec<_> = [0, 500, 1500, 3500, 7500, 15500, 31500]
        .iter()
        .map(|&t| (t, A, P, req("INVITE", "u1", "i", 1)))
        .collect();
    let (calls, _, _, fs) = run_full(CorrelatorConfig::default(), &script);
    assert_eq!(calls[0].state, CallState::Timeout);
    assert_eq!(rules(&fs), ["no-final-response"]);
    assert!(fs[0].summary.contains("7 transmissions over 31.5 s"), "{}", fs[0].summary);
    // Near miss: the capture stops after three transmissions: nothing to judge yet.
    let (calls, _, _, fs) = run_full(CorrelatorConfig::default(), &script[..3]);
    assert_eq!(calls[0].state, CallState::InProgress);
    assert!(fs.is_empty());
}
