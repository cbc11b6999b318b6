//! Every diagnosis rule fires on its evidence and stays silent on a near miss.

mod common;

use common::script::*;
use sipscope::correlate::CorrelatorConfig;
use sipscope::diagnose::{Finding, Severity, Subject};

type Script = Vec<(i64, &'static str, &'static str, M)>;

fn findings(script: &[(i64, &str, &str, M)]) -> Vec<Finding> {
    run_full(CorrelatorConfig::default(), script).3
}

fn rules(script: &[(i64, &str, &str, M)]) -> Vec<&'static str> {
    findings(script).iter().map(|f| f.rule).collect()
}

fn only<'a>(fs: &'a [Finding], rule: &str) -> &'a Finding {
    let v: Vec<&Finding> = fs.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(v.len(), 1, "{rule}: {fs:#?}");
    v[0]
}

const L1: &str = "192.0.2.31:5060";
const L2: &str = "192.0.2.32:5060";
const L3: &str = "192.0.2.33:5060";

fn s(x: &str) -> &'static str {
    Box::leak(x.to_string().into_boxed_str())
}

// ---- forbidden-403 -------------------------------------------------------------------------

#[test]
fn forbidden_403_outright_after_credentials_and_near_misses() {
    let fs = findings(&[
        (0, A, P, req("INVITE", "f1", "i", 1)),
        (20, P, A, resp(403, "f1", "i", 1, "INVITE").tag("t").header("Warning: 399 sbc \"IP not allowed\"")),
    ]);
    let f = only(&fs, "forbidden-403");
    assert_eq!(f.severity, Severity::Error);
    assert!(f.summary.contains("outright"), "{}", f.summary);
    assert!(
        f.explanation.contains("allowlist") && f.explanation.contains("IP not allowed"),
        "{}",
        f.explanation
    );
    assert_eq!(f.evidence.iter().map(|e| e.index).collect::<Vec<_>>(), vec![0, 1]);

    // Challenged, credentials accepted (processing started), then refused: a policy on the account.
    let fs = findings(&[
        (0, A, P, req("INVITE", "f2", "i1", 1)),
        (5, P, A, resp(407, "f2", "i1", 1, "INVITE").tag("x")),
        (10, A, P, req("INVITE", "f2", "i2", 2).header("Proxy-Authorization: Digest username=\"a\"")),
        (12, P, A, resp(100, "f2", "i2", 2, "INVITE")),
        (20, P, A, resp(183, "f2", "i2", 2, "INVITE").tag("y")),
        (40, P, A, resp(403, "f2", "i2", 2, "INVITE").tag("y")),
    ]);
    let f = only(&fs, "forbidden-403");
    assert!(f.summary.contains("after the credentials were accepted"), "{}", f.summary);
    assert!(f.explanation.contains("balance"));
    assert!(!fs.iter().any(|f| f.rule == "auth-failed"));

    // Near misses: a challenge answered successfully; a 404.
    assert!(rules(&[
        (0, A, P, req("INVITE", "f3", "i1", 1)),
        (5, P, A, resp(401, "f3", "i1", 1, "INVITE").tag("x")),
        (10, A, P, req("INVITE", "f3", "i2", 2).header("Authorization: Digest username=\"a\"")),
        (40, P, A, resp(200, "f3", "i2", 2, "INVITE").tag("y")),
    ])
    .is_empty());
    assert!(rules(&[
        (0, A, P, req("INVITE", "f4", "i", 1)),
        (20, P, A, resp(404, "f4", "i", 1, "INVITE").tag("t"))
    ])
    .is_empty());
}

#[test]
fn repeated_403s_from_one_server_are_called_systematic() {
    let mut script: Script = Vec::new();
    for i in 0..3 {
        let id = s(&format!("r403-{i}"));
        script.push((i * 10, A, P, req("INVITE", id, "i", 1)));
        script.push((i * 10 + 1, P, A, resp(403, id, "i", 1, "INVITE").tag("t")));
    }
    let fs = findings(&script);
    let last = fs.iter().rfind(|f| f.rule == "forbidden-403").unwrap();
    assert!(last.explanation.contains("3 times"), "{}", last.explanation);
}

// ---- auth-failed ---------------------------------------------------------------------------

#[test]
fn auth_failed_and_near_miss() {
    let script = |final_code: u16| -> Script {
        vec![
            (0, A, P, req("REGISTER", "a1", "r1", 1)),
            (
                5,
                P,
                A,
                resp(401, "a1", "r1", 1, "REGISTER")
                    .tag("x")
                    .header("WWW-Authenticate: Digest realm=\"lab\""),
            ),
            (10, A, P, req("REGISTER", "a1", "r2", 2).header("Authorization: Digest username=\"alice\"")),
            (20, P, A, resp(final_code, "a1", "r2", 2, "REGISTER").tag("x")),
        ]
    };
    for code in [401, 403] {
        let fs = findings(&script(code));
        let f = only(&fs, "auth-failed");
        assert_eq!(f.evidence.iter().map(|e| e.index).collect::<Vec<_>>(), vec![1, 2, 3], "{code}");
        assert!(!fs.iter().any(|f| f.rule == "forbidden-403"), "{code}: one finding, not two");
    }
    assert!(rules(&script(200)).is_empty());
    // A retry without credentials is not an authentication failure.
    let fs = findings(&[
        (0, A, P, req("REGISTER", "a2", "r1", 1)),
        (5, P, A, resp(401, "a2", "r1", 1, "REGISTER").tag("x")),
        (10, A, P, req("REGISTER", "a2", "r2", 2)),
        (20, P, A, resp(401, "a2", "r2", 2, "REGISTER").tag("x")),
    ]);
    assert!(!fs.iter().any(|f| f.rule == "auth-failed"));
}

// ---- from-private-host ---------------------------------------------------------------------

#[test]
fn from_private_host_only_towards_public_servers() {
    const PUBLIC: &str = "203.0.113.5:5060";
    let fs = findings(&[
        (0, A, PUBLIC, req("INVITE", "p1", "i", 1).from("sip:1001@192.168.1.20:5060")),
        (30, PUBLIC, A, resp(403, "p1", "i", 1, "INVITE").tag("t")),
    ]);
    let f = only(&fs, "from-private-host");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.summary.contains("192.168.1.20"));
    // Near misses: a PBX on the LAN; a From domain name; a From with a public address.
    for (dst, from) in [
        ("10.0.0.5:5060", "sip:1001@192.168.1.20"),
        (PUBLIC, "sip:1001@pbx.example.com"),
        (PUBLIC, "sip:1001@198.51.100.7"),
    ] {
        let fs = findings(&[
            (0, A, dst, req("INVITE", "p2", "i", 1).from(from)),
            (30, dst, A, resp(403, "p2", "i", 1, "INVITE").tag("t")),
        ]);
        assert!(!fs.iter().any(|f| f.rule == "from-private-host"), "{dst} {from}");
    }
}

// ---- decline-should-be-busy ----------------------------------------------------------------

#[test]
fn automatic_603_and_a_user_decline() {
    let fs = findings(&[
        (0, A, P, req("INVITE", "d1", "i", 1)),
        (1, P, A, resp(100, "d1", "i", 1, "INVITE")),
        (25, P, A, resp(603, "d1", "i", 1, "INVITE").tag("t")),
    ]);
    let f = only(&fs, "decline-should-be-busy");
    assert!(f.summary.contains("25 ms"), "{}", f.summary);
    // A person declined after ringing: a normal outcome, no finding at all.
    let fs = findings(&[
        (0, A, P, req("INVITE", "d2", "i", 1)),
        (100, P, A, resp(180, "d2", "i", 1, "INVITE").tag("t")),
        (4000, P, A, resp(603, "d2", "i", 1, "INVITE").tag("t")),
    ]);
    assert!(fs.is_empty(), "{fs:#?}");
    // Slow, even without ringing: not clearly automatic.
    assert!(rules(&[
        (0, A, P, req("INVITE", "d3", "i", 1)),
        (1500, P, A, resp(603, "d3", "i", 1, "INVITE").tag("t"))
    ])
    .is_empty());
    // 486 is the right answer: nothing to say.
    assert!(rules(&[
        (0, A, P, req("INVITE", "d4", "i", 1)),
        (25, P, A, resp(486, "d4", "i", 1, "INVITE").tag("t"))
    ])
    .is_empty());
}

#[test]
fn automatic_603_on_one_leg_of_a_fork() {
    let fs = findings(&[
        (0, A, P, req("INVITE", "d5", "c", 1)),
        (1, P, L1, req("INVITE", "d5", "l1", 1)),
        (1, P, L2, req("INVITE", "d5", "l2", 1)),
        (20, L2, P, resp(603, "d5", "l2", 1, "INVITE").tag("b")),
        (21, P, L1, req("CANCEL", "d5", "l1", 1)),
        (22, L1, P, resp(487, "d5", "l1", 1, "INVITE").tag("a")),
        (23, P, A, resp(603, "d5", "c", 1, "INVITE").tag("b")),
    ]);
    let f = only(&fs, "decline-should-be-busy");
    assert!(f.summary.starts_with("192.0.2.32:5060"), "{}", f.summary);
    assert!(!fs.iter().any(|f| f.rule == "decline-not-honoured"), "the proxy did its job");
}

// ---- decline-not-honoured ------------------------------------------------------------------

fn fork(after_603: Vec<(i64, &'static str, &'static str, M)>) -> Script {
    let mut v = vec![
        (0, A, P, req("INVITE", "fk", "c", 1)),
        (1, P, L1, req("INVITE", "fk", "l1", 1)),
        (1, P, L2, req("INVITE", "fk", "l2", 1)),
        (50, L1, P, resp(180, "fk", "l1", 1, "INVITE").tag("a")),
        (50, L2, P, resp(180, "fk", "l2", 1, "INVITE").tag("b")),
        (1000, L2, P, resp(603, "fk", "l2", 1, "INVITE").tag("b")),
    ];
    v.extend(after_603);
    v
}

#[test]
fn decline_honoured_by_a_prompt_cancel_is_silent() {
    let fs = findings(&fork(vec![
        (1002, P, L1, req("CANCEL", "fk", "l1", 1)),
        (1003, L1, P, resp(487, "fk", "l1", 1, "INVITE").tag("a")),
        (1004, P, A, resp(603, "fk", "c", 1, "INVITE").tag("b")),
    ]));
    assert!(fs.is_empty(), "{fs:#?}");
}

#[test]
fn decline_not_honoured_branch_answers_later() {
    let fs = findings(&fork(vec![
        (3000, L1, P, resp(200, "fk", "l1", 1, "INVITE").tag("a")),
        (3001, P, A, resp(200, "fk", "c", 1, "INVITE").tag("a")),
    ]));
    let f = only(&fs, "decline-not-honoured");
    assert!(f.explanation.contains("answered 2000 ms later"), "{}", f.explanation);
    assert_eq!(
        f.ts.millis_since(sipscope::time::Timestamp::from_parts(1_700_000_000, 0)),
        3000,
        "fires when the answer arrives"
    );
}

#[test]
fn decline_not_honoured_branch_left_ringing_or_new_branch() {
    // No CANCEL to L1 and the capture goes on past the grace period.
    let fs = findings(&fork(vec![(2500, A, P, req("OPTIONS", "other", "o", 1))]));
    assert!(only(&fs, "decline-not-honoured")
        .explanation
        .contains("did not CANCEL the branch to 192.0.2.31:5060"));
    // The capture ends before the grace period: not enough evidence.
    assert!(!rules(&fork(vec![])).contains(&"decline-not-honoured"));
    // A new branch after the decline.
    let fs = findings(&fork(vec![
        (1002, P, L1, req("CANCEL", "fk", "l1", 1)),
        (1100, P, L3, req("INVITE", "fk", "l3", 1)),
    ]));
    assert!(only(&fs, "decline-not-honoured")
        .explanation
        .contains("created a new branch to 192.0.2.33:5060"));
}

// ---- cancel-not-propagated -----------------------------------------------------------------

fn cancelled_fork(cancel_l2: bool, l2_answers: bool) -> Script {
    let mut v = vec![
        (0, A, P, req("INVITE", "cn", "c", 1)),
        (1, P, L1, req("INVITE", "cn", "l1", 1)),
        (1, P, L2, req("INVITE", "cn", "l2", 1)),
        (50, L1, P, resp(180, "cn", "l1", 1, "INVITE").tag("a")),
        (50, L2, P, resp(180, "cn", "l2", 1, "INVITE").tag("b")),
        (2000, A, P, req("CANCEL", "cn", "c", 1)),
        (2001, P, A, resp(200, "cn", "c", 1, "CANCEL").tag("x")),
        (2002, P, L1, req("CANCEL", "cn", "l1", 1)),
        (2003, L1, P, resp(487, "cn", "l1", 1, "INVITE").tag("a")),
    ];
    if cancel_l2 {
        v.push((2002, P, L2, req("CANCEL", "cn", "l2", 1)));
        v.push((2003, L2, P, resp(487, "cn", "l2", 1, "INVITE").tag("b")));
    }
    if l2_answers {
        v.push((5000, L2, P, resp(200, "cn", "l2", 1, "INVITE").tag("b")));
    }
    v.push((2005, P, A, resp(487, "cn", "c", 1, "INVITE").tag("x")));
    v.sort_by_key(|(t, ..)| *t);
    v
}

#[test]
fn cancel_not_propagated_and_near_miss() {
    let fs = findings(&cancelled_fork(false, true));
    let f = only(&fs, "cancel-not-propagated");
    assert!(
        f.summary.contains("192.0.2.32:5060") && f.summary.contains("answered 3000 ms after"),
        "{}",
        f.summary
    );
    assert!(findings(&cancelled_fork(true, false)).is_empty());
}

// ---- 487-without-cancel --------------------------------------------------------------------

#[test]
fn terminated_without_cancel_and_near_miss() {
    let fs = findings(&[
        (0, A, P, req("INVITE", "t1", "i", 1)),
        (100, P, A, resp(180, "t1", "i", 1, "INVITE").tag("t")),
        (30_000, P, A, resp(487, "t1", "i", 1, "INVITE").tag("t")),
        (30_001, A, P, req("ACK", "t1", "i", 1).tag("t")),
    ]);
    assert_eq!(only(&fs, "487-without-cancel").severity, Severity::Warning);
    let fs = findings(&[
        (0, A, P, req("INVITE", "t2", "i", 1)),
        (100, P, A, resp(180, "t2", "i", 1, "INVITE").tag("t")),
        (1500, A, P, req("CANCEL", "t2", "i", 1)),
        (1501, P, A, resp(487, "t2", "i", 1, "INVITE").tag("t")),
    ]);
    assert!(fs.is_empty(), "{fs:#?}");
}

// ---- no-final-response ---------------------------------------------------------------------

#[test]
fn unanswered_invite_and_408_and_near_misses() {
    let mut script: Script = [0, 500, 1500, 3500, 7500, 15500, 31500]
        .iter()
        .map(|&t| (t, A, P, req("INVITE", "nf", "i", 1)))
        .collect();
    script.push((33_000, A, P, req("OPTIONS", "tick", "o", 1)));
    let fs = findings(&script);
    let f = only(&fs, "no-final-response");
    assert!(f.summary.contains("7 transmissions"), "{}", f.summary);
    let fs = findings(&[
        (0, A, P, req("INVITE", "n4", "i", 1)),
        (32_000, P, A, resp(408, "n4", "i", 1, "INVITE").tag("t")),
    ]);
    assert!(only(&fs, "no-final-response").summary.contains("408"));
    // Answered with 100 Trying and then nothing: the call is ringing at most, not unreachable.
    assert!(!rules(&[
        (0, A, P, req("INVITE", "n2", "i", 1)),
        (5, P, A, resp(100, "n2", "i", 1, "INVITE")),
        (33_000, A, P, req("OPTIONS", "tick", "o", 1))
    ])
    .contains(&"no-final-response"));
    // The capture ends before Timer B.
    assert!(
        rules(&[(0, A, P, req("INVITE", "n3", "i", 1)), (500, A, P, req("INVITE", "n3", "i", 1))]).is_empty()
    );
}

// ---- no-ack-for-2xx ------------------------------------------------------------------------

#[test]
fn unacknowledged_2xx_and_near_miss() {
    let mut script: Script =
        vec![(0, A, P, req("INVITE", "na", "i", 1)), (500, P, A, resp(200, "na", "i", 1, "INVITE").tag("t"))];
    for t in [1000, 2000, 4000] {
        script.push((t, P, A, resp(200, "na", "i", 1, "INVITE").tag("t")));
    }
    let f = only(&findings(&script), "no-ack-for-2xx").clone();
    assert!(f.summary.contains("2 time(s)") || f.summary.contains("3 time(s)"), "{}", f.summary);
    // An ACK that crossed one retransmission.
    let fs = findings(&[
        (0, A, P, req("INVITE", "nb", "i", 1)),
        (500, P, A, resp(200, "nb", "i", 1, "INVITE").tag("t")),
        (1000, P, A, resp(200, "nb", "i", 1, "INVITE").tag("t")),
        (1001, A, P, req("ACK", "nb", "ack", 1).tag("t")),
    ]);
    assert!(fs.is_empty(), "{fs:#?}");
}

// ---- loop-or-hops --------------------------------------------------------------------------

#[test]
fn loops_hops_and_max_forwards() {
    for code in [482, 483] {
        let fs = findings(&[
            (0, A, P, req("INVITE", "lp", "i", 1)),
            (5, P, A, resp(code, "lp", "i", 1, "INVITE").tag("t")),
        ]);
        only(&fs, "loop-or-hops");
    }
    let fs = findings(&[(0, A, P, req("OPTIONS", "mf", "o", 1).header("Max-Forwards: 0"))]);
    only(&fs, "loop-or-hops");
    assert!(findings(&[(0, A, P, req("OPTIONS", "mf1", "o", 1).header("Max-Forwards: 1"))]).is_empty());
}

// ---- media-rejected ------------------------------------------------------------------------

#[test]
fn media_rejected_initial_and_mid_call() {
    let fs = findings(&[
        (0, A, P, req("INVITE", "m1", "i", 1)),
        (5, P, A, resp(488, "m1", "i", 1, "INVITE").tag("t")),
    ]);
    assert_eq!(only(&fs, "media-rejected").severity, Severity::Error);
    let (calls, _, _, fs) = run_full(
        CorrelatorConfig::default(),
        &[
            (0, A, P, req("INVITE", "m2", "i", 1)),
            (500, P, A, resp(200, "m2", "i", 1, "INVITE").tag("t")),
            (501, A, P, req("ACK", "m2", "a", 1).tag("t")),
            (5000, A, P, req("INVITE", "m2", "re", 2).tag("t")),
            (5005, P, A, resp(606, "m2", "re", 2, "INVITE").tag("t")),
        ],
    );
    let f = only(&fs, "media-rejected");
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.explanation.contains("stays up"));
    assert_eq!(calls[0].state.as_str(), "answered");
    assert!(findings(&[
        (0, A, P, req("INVITE", "m3", "i", 1)),
        (5, P, A, resp(415, "m3", "i", 1, "INVITE").tag("t"))
    ])
    .is_empty());
}

// ---- server-failure ------------------------------------------------------------------------

#[test]
fn server_failure_shows_retry_after() {
    let fs = findings(&[
        (0, A, P, req("INVITE", "sf", "i", 1)),
        (5, P, A, resp(503, "sf", "i", 1, "INVITE").tag("t").header("Retry-After: 120")),
    ]);
    assert!(only(&fs, "server-failure").explanation.contains("retry after 120 seconds"));
    assert!(findings(&[
        (0, A, P, req("INVITE", "sg", "i", 1)),
        (5, P, A, resp(486, "sg", "i", 1, "INVITE").tag("t"))
    ])
    .is_empty());
}

// ---- scanner -------------------------------------------------------------------------------

#[test]
fn scanner_by_user_agent_is_the_packet_source_not_the_from_header() {
    const SCAN: &str = "198.51.100.66:5070";
    let mut script: Script = Vec::new();
    for i in 0..5 {
        let id = s(&format!("sc-{i}"));
        script.push((
            i * 10,
            SCAN,
            P,
            req("OPTIONS", id, "o", 1).header("User-Agent: friendly-scanner").from("sip:100@10.0.0.1"),
        ));
    }
    let fs = findings(&script);
    let f = only(&fs, "scanner");
    assert_eq!(f.subject, Subject::Source("198.51.100.66".parse().unwrap()));
    let fs = findings(&[(0, SCAN, P, req("OPTIONS", "z", "o", 1).header("User-Agent: Zeeko softphone"))]);
    assert!(fs.is_empty());
}

fn enumeration(users: usize, spacing_ms: i64) -> Script {
    const SCAN: &str = "198.51.100.77:5060";
    let mut v: Script = Vec::new();
    for i in 0..users {
        let id = s(&format!("en-{i}"));
        let to = s(&format!("sip:{}@example.com", 100 + i));
        let t = i as i64 * spacing_ms;
        v.push((t, SCAN, P, req("INVITE", id, "i", 1).to(to)));
        v.push((t + 1, P, SCAN, resp(404, id, "i", 1, "INVITE").tag("t").to(to)));
    }
    v
}

#[test]
fn extension_enumeration_and_near_misses() {
    let fs = findings(&enumeration(10, 100));
    let f = only(&fs, "scanner");
    assert!(f.summary.contains("10 different users"), "{}", f.summary);
    assert_eq!(f.subject, Subject::Source("198.51.100.77".parse().unwrap()));
    assert!(!rules(&enumeration(9, 100)).contains(&"scanner"));
    assert!(!rules(&enumeration(10, 10_000)).contains(&"scanner"), "spread over 90 s: not one window");
}

// ---- auth-bruteforce -----------------------------------------------------------------------

fn guesses(n: usize, spacing_ms: i64) -> Script {
    const ATT: &str = "198.51.100.88:5060";
    let mut v: Script = Vec::new();
    for i in 0..n {
        let id = s(&format!("bf-{i}"));
        let t = i as i64 * spacing_ms;
        v.push((t, ATT, P, req("REGISTER", id, "r1", 1)));
        v.push((t + 1, P, ATT, resp(401, id, "r1", 1, "REGISTER").tag("x")));
        v.push((
            t + 2,
            ATT,
            P,
            req("REGISTER", id, "r2", 2).header("Authorization: Digest username=\"100\""),
        ));
        v.push((t + 3, P, ATT, resp(403, id, "r2", 2, "REGISTER").tag("x")));
    }
    v
}

#[test]
fn password_guessing_and_near_misses() {
    let (_, stats, _, fs) = run_full(CorrelatorConfig::default(), &guesses(10, 200));
    let f = only(&fs, "auth-bruteforce");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.subject, Subject::Source("198.51.100.88".parse().unwrap()));
    assert_eq!(
        (fs.iter().filter(|f| f.rule == "auth-failed").count(), stats.findings.rolled_up),
        (9, 1),
        "each call before the source was flagged has its own finding; later ones are rolled up"
    );
    assert!(!rules(&guesses(9, 200)).contains(&"auth-bruteforce"));
    assert!(
        !rules(&guesses(10, 7_000)).contains(&"auth-bruteforce"),
        "a slow, failing phone is not an attack"
    );
}

#[test]
fn findings_are_raised_once_per_call() {
    let mut script: Script = vec![
        (0, A, P, req("INVITE", "once", "i", 1)),
        (5, P, A, resp(403, "once", "i", 1, "INVITE").tag("t")),
    ];
    script.push((6, P, A, resp(403, "once", "i", 1, "INVITE").tag("t")));
    script.push((7, A, P, req("ACK", "once", "i", 1).tag("t")));
    assert_eq!(rules(&script), vec!["forbidden-403"]);
}

// ---- timed rules ---------------------------------------------------------------------------

/// Runs `script`, then one tick of capture time at `tick_ms`, and returns only the findings
/// raised by that tick (the input has not ended).
fn raised_by_tick(script: &[(i64, &str, &str, M)], tick_ms: i64) -> Vec<Finding> {
    use sipscope::capture::{linktype, RawPacket};
    use sipscope::engine::{Engine, EngineConfig};
    use sipscope::time::Timestamp;
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    let t0 = Timestamp::from_parts(1_700_000_000, 0);
    for (ms, src, dst, m) in script {
        let frame = common::ip_udp(common::addr(src), common::addr(dst), &m.bytes());
        let pkt = RawPacket { ts: t0.plus_millis(*ms), linktype: linktype::RAW, data: &frame, orig_len: 0 };
        engine.ingest(&pkt).for_each(drop);
    }
    engine.drain_findings().for_each(drop);
    engine.tick(t0.plus_millis(tick_ms)).for_each(drop);
    let fs: Vec<Finding> = engine.drain_findings().collect();
    for f in &fs {
        assert!(f.ts <= t0.plus_millis(tick_ms), "{} is not stamped after the tick that raised it", f.rule);
    }
    fs
}

/// The rules marked `timed` complete with capture time alone: a tick after the grace period
/// (or timer) raises them while the call is still in memory, not only when it ends. Each case
/// is also checked one tick too early.
#[test]
fn timed_rules_fire_on_ticks_of_capture_time() {
    let cases: Vec<(&str, Script, i64, i64)> = vec![
        ("decline-not-honoured", fork(vec![]), 2_100, 1_900),
        ("cancel-not-propagated", cancelled_fork(false, false), 3_100, 2_900),
        (
            "487-without-cancel",
            vec![
                (0, A, P, req("INVITE", "t3", "i", 1)),
                (100, P, A, resp(180, "t3", "i", 1, "INVITE").tag("t")),
                (5_000, P, A, resp(487, "t3", "i", 1, "INVITE").tag("t")),
            ],
            6_100,
            5_900,
        ),
        (
            "no-final-response",
            // Retransmitted until 31.5 s, so the call is not idle long enough to end at 33 s.
            [0, 500, 1500, 3500, 7500, 15500, 31500]
                .iter()
                .map(|&t| (t, A, P, req("INVITE", "nt", "i", 1)))
                .collect(),
            33_000,
            31_000,
        ),
    ];
    for (rule, script, late, early) in cases {
        let rules_at = |ms| raised_by_tick(&script, ms).iter().map(|f| f.rule).collect::<Vec<_>>();
        assert_eq!(rules_at(late), vec![rule], "{rule} at {late} ms");
        assert!(!rules_at(early).contains(&rule), "{rule} already at {early} ms");
    }
}
