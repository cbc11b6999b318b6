//! The correlator on synthetic conversations: every state, retransmissions and duplicates,
//! timers, auth retries, in-dialog requests, B-leg links, eviction, and the counting rule of each
//! RFC 6076 metric.

mod common;

use common::script::*;
use sipscope::correlate::{Call, CallState, CorrelatorConfig};

fn one(script: &[(i64, &str, &str, M)]) -> Call {
    let (calls, _, _) = run(script);
    assert_eq!(calls.len(), 1);
    calls.into_iter().next().unwrap()
}

fn code(c: &Call) -> Option<u16> {
    c.decisive().map(|r| r.code)
}

fn basic(id: &str, t: i64, outcome: u16) -> Vec<(i64, &'static str, &'static str, M)> {
    let mut s = vec![
        (t, A, P, req("INVITE", id, &format!("{id}-1"), 1)),
        (t + 10, P, A, resp(100, id, &format!("{id}-1"), 1, "INVITE")),
    ];
    if outcome == 200 {
        s.push((t + 100, P, A, resp(180, id, &format!("{id}-1"), 1, "INVITE").tag("b")));
    }
    s.push((t + 500, P, A, resp(outcome, id, &format!("{id}-1"), 1, "INVITE").tag("b")));
    s
}

#[test]
fn retransmissions_are_counted_not_new_messages() {
    let id = "rt-1";
    let c = one(&[
        (0, A, P, req("INVITE", id, "i1", 1)),
        (500, A, P, req("INVITE", id, "i1", 1)),
        (1500, A, P, req("INVITE", id, "i1", 1)),
        (1600, P, A, resp(100, id, "i1", 1, "INVITE")),
        (1700, P, A, resp(180, id, "i1", 1, "INVITE").tag("b")),
        (2000, P, A, resp(200, id, "i1", 1, "INVITE").tag("b")),
        (2500, P, A, resp(200, id, "i1", 1, "INVITE").tag("b")),
        (2600, A, P, req("ACK", id, "a1", 1).tag("b")),
        (5000, A, P, req("BYE", id, "b1", 2).tag("b")),
        (5010, P, A, resp(200, id, "b1", 2, "BYE").tag("b")),
    ]);
    assert_eq!((c.messages, c.retransmissions, c.duplicates), (10, 3, 0));
    assert_eq!(c.state, CallState::Completed);
    assert_eq!(code(&c), Some(200));
    assert_eq!(
        (c.pdd_ms(), c.setup_ms(), c.duration_ms(), c.ring_ms()),
        (Some(1700), Some(2000), Some(3000), Some(300))
    );
    assert!(c.ack_for_2xx);
}

#[test]
fn response_counts_exclude_retransmissions_and_duplicates() {
    let id = "rc-1";
    let (_, stats, m) = run(&[
        (0, A, P, req("OPTIONS", id, "o1", 1)),
        (0, A, P, req("OPTIONS", id, "o1", 1)), // the same packet captured twice
        (5, P, A, resp(200, id, "o1", 1, "OPTIONS").tag("x")),
        (505, P, A, resp(200, id, "o1", 1, "OPTIONS").tag("x")),
    ]);
    assert_eq!(m.responses[200], 1);
    assert_eq!((stats.calls.duplicates, stats.calls.retransmissions), (1, 1));
}

#[test]
fn the_same_request_on_two_hops_is_not_a_retransmission() {
    let id = "hop-1";
    let c = one(&[
        (0, A, P, req("INVITE", id, "caller", 1)),
        (2, P, "192.0.2.30:5060", req("INVITE", id, "proxy", 1)),
        (50, "192.0.2.30:5060", P, resp(486, id, "proxy", 1, "INVITE").tag("p")),
        (52, P, A, resp(486, id, "caller", 1, "INVITE").tag("p")),
    ]);
    assert_eq!(c.retransmissions, 0);
    assert_eq!(c.state, CallState::Busy);
    let b = c.branches();
    assert_eq!(b.len(), 1);
    assert_eq!((b[0].peer.as_str(), b[0].final_code), ("192.0.2.30:5060", Some(486)));
}

#[test]
fn call_states_from_final_codes() {
    for (outcome, state) in [
        (200, CallState::Answered),
        (486, CallState::Busy),
        (600, CallState::Busy),
        (603, CallState::Declined),
        (487, CallState::Cancelled),
        (408, CallState::Timeout),
        (302, CallState::Redirected),
        (404, CallState::Rejected),
        (503, CallState::Rejected),
        (604, CallState::Rejected),
    ] {
        let c = one(&basic("st", 0, outcome));
        assert_eq!((c.state, code(&c)), (state, Some(outcome)), "{outcome}");
    }
}

#[test]
fn cancel_then_487() {
    let id = "cx";
    let (calls, _, _) = run(&[
        (0, A, P, req("INVITE", id, "i", 1)),
        (100, P, A, resp(180, id, "i", 1, "INVITE").tag("t")),
        (1500, A, P, req("CANCEL", id, "i", 1)),
    ]);
    assert_eq!(calls[0].state, CallState::Cancelled, "cancelled as soon as the CANCEL is seen");
    let c = one(&[
        (0, A, P, req("INVITE", id, "i", 1)),
        (100, P, A, resp(180, id, "i", 1, "INVITE").tag("t")),
        (1500, A, P, req("CANCEL", id, "i", 1)),
        (1501, P, A, resp(200, id, "i", 1, "CANCEL").tag("t")),
        (1502, P, A, resp(487, id, "i", 1, "INVITE").tag("t")),
        (1503, A, P, req("ACK", id, "i", 1).tag("t")),
    ]);
    assert_eq!((c.state, code(&c), c.messages, c.retransmissions), (CallState::Cancelled, Some(487), 6, 0));
    assert!(!c.ack_for_2xx, "the ACK for the 487 belongs to the INVITE transaction");
    assert!(c.caller_hop().unwrap().cancel_ts.is_some());
}

#[test]
fn no_response_times_out_after_32_seconds_of_capture_time() {
    let (calls, _, m) =
        run(&[(0, A, P, req("INVITE", "to-1", "i", 1)), (33_000, A, P, req("OPTIONS", "other", "o", 1))]);
    let c = calls.iter().find(|c| &*c.call_id == b"to-1").unwrap();
    assert_eq!((c.state, code(c)), (CallState::Timeout, None));
    assert_eq!(m.invites_ineffective, 1);
    // 31 s is not enough.
    let (calls, _, _) =
        run(&[(0, A, P, req("INVITE", "to-2", "i", 1)), (31_000, A, P, req("OPTIONS", "other", "o", 1))]);
    assert_eq!(calls.iter().find(|c| &*c.call_id == b"to-2").unwrap().state, CallState::InProgress);
}

#[test]
fn ringing_calls_wait_for_timer_c() {
    let ring = |end: i64| {
        let (calls, _, _) = run(&[
            (0, A, P, req("INVITE", "rg", "i", 1)),
            (100, P, A, resp(180, "rg", "i", 1, "INVITE").tag("t")),
            (end, A, P, req("OPTIONS", "other", "o", 1)),
        ]);
        calls.into_iter().find(|c| &*c.call_id == b"rg").unwrap().state
    };
    assert_eq!(ring(60_000), CallState::Ringing);
    assert_eq!(ring(181_000), CallState::Timeout);
}

#[test]
fn challenged_invite_retried_with_credentials() {
    let id = "auth";
    let c = one(&[
        (0, A, P, req("INVITE", id, "i1", 1)),
        (5, P, A, resp(407, id, "i1", 1, "INVITE").tag("x")),
        (6, A, P, req("ACK", id, "i1", 1).tag("x")),
        (20, A, P, req("INVITE", id, "i2", 2).header("Proxy-Authorization: Digest username=\"a\"")),
        (120, P, A, resp(180, id, "i2", 2, "INVITE").tag("y")),
        (900, P, A, resp(200, id, "i2", 2, "INVITE").tag("y")),
    ]);
    assert_eq!((c.state, code(&c)), (CallState::Answered, Some(200)));
    assert_eq!((c.pdd_ms(), c.setup_ms()), (Some(120), Some(900)), "timed from the first INVITE");
    // Without the retry the challenge is the outcome.
    let c =
        one(&[(0, A, P, req("INVITE", id, "i1", 1)), (5, P, A, resp(407, id, "i1", 1, "INVITE").tag("x"))]);
    assert_eq!((c.state, code(&c)), (CallState::Rejected, Some(407)));
}

#[test]
fn registration_states_and_request_delay() {
    let reg = |script: Vec<(i64, &'static str, &'static str, M)>| run(&script);
    let (c, _, m) = reg(vec![
        (0, A, P, req("REGISTER", "r1", "a", 1)),
        (10, P, A, resp(401, "r1", "a", 1, "REGISTER").tag("t")),
    ]);
    assert_eq!(c[0].state, CallState::Challenged);
    assert_eq!((m.registrations, m.registrations_ok), (1, 0));
    let (c, _, m) = reg(vec![
        (0, A, P, req("REGISTER", "r2", "a", 1)),
        (10, P, A, resp(401, "r2", "a", 1, "REGISTER").tag("t")),
        (30, A, P, req("REGISTER", "r2", "b", 2)),
        (45, P, A, resp(200, "r2", "b", 2, "REGISTER").tag("t")),
    ]);
    assert_eq!(c[0].state, CallState::Registered);
    assert_eq!(m.rfc6076().rrd_p50, Some(45), "from the first REGISTER to the 2xx");
    let (c, _, _) = reg(vec![
        (0, A, P, req("REGISTER", "r3", "a", 1)),
        (10, P, A, resp(403, "r3", "a", 1, "REGISTER").tag("t")),
    ]);
    assert_eq!((c[0].state, code(&c[0])), (CallState::Refused, Some(403)));
    assert_eq!(c[0].pdd_ms(), None, "call timings are for calls");
}

#[test]
fn other_kinds_and_their_states() {
    use sipscope::correlate::CallKind;
    for (method, kind) in [
        ("OPTIONS", CallKind::Options),
        ("SUBSCRIBE", CallKind::Subscription),
        ("MESSAGE", CallKind::Message),
        ("INFO", CallKind::Other),
    ] {
        let c =
            one(&[(0, A, P, req(method, "k", "a", 1)), (10, P, A, resp(200, "k", "a", 1, method).tag("t"))]);
        let ok = if kind == CallKind::Subscription { CallState::Subscribed } else { CallState::Ok };
        assert_eq!((c.kind, c.state), (kind, ok), "{method}");
        let c =
            one(&[(0, A, P, req(method, "k", "a", 1)), (10, P, A, resp(404, "k", "a", 1, method).tag("t"))]);
        assert_eq!(c.state, CallState::Failed, "{method}");
    }
}

#[test]
fn in_dialog_requests_attach_without_changing_the_outcome() {
    let id = "dlg";
    let mut s = basic(id, 0, 200);
    s.push((600, A, P, req("ACK", id, "ack", 1).tag("b")));
    s.push((2000, A, P, req("INVITE", id, "re", 2).tag("b")));
    s.push((2010, P, A, resp(488, id, "re", 2, "INVITE").tag("b")));
    s.push((2020, A, P, req("INFO", id, "inf", 3).tag("b")));
    s.push((2030, P, A, resp(200, id, "inf", 3, "INFO").tag("b")));
    let c = one(&s);
    assert_eq!((c.state, code(&c), c.messages), (CallState::Answered, Some(200), 9));
    assert!(c
        .transactions
        .iter()
        .any(|t| t.in_dialog && t.first_final.as_deref().is_some_and(|r| r.code == 488)));
}

#[test]
fn responses_without_their_request_still_make_a_call() {
    let c = one(&[
        (0, P, A, resp(180, "late", "i", 1, "INVITE").tag("t")),
        (300, P, A, resp(486, "late", "i", 1, "INVITE").tag("t")),
    ]);
    assert_eq!((c.state, code(&c)), (CallState::Busy, Some(486)));
    assert_eq!(c.src().to_string(), A);
}

#[test]
fn linked_b_legs_point_at_each_other() {
    let (calls, _, _) = run(&[
        (0, A, P, req("INVITE", "leg-a", "i", 1)),
        (5, P, "192.0.2.30:5060", req("INVITE", "leg-b", "j", 1).header("X-Call-ID: leg-a")),
    ]);
    let a = calls.iter().find(|c| &*c.call_id == b"leg-a").unwrap();
    let b = calls.iter().find(|c| &*c.call_id == b"leg-b").unwrap();
    assert_eq!(a.linked, vec!["leg-b".to_string()]);
    assert_eq!(b.linked, vec!["leg-a".to_string()]);
    // A configurable header name.
    let cfg = CorrelatorConfig { link_headers: vec!["X-Orig-Call".into()], ..Default::default() };
    let (calls, _, _) = run_with(
        cfg,
        &[
            (0, A, P, req("INVITE", "x", "i", 1)),
            (5, P, A, req("INVITE", "y", "j", 1).header("x-orig-call: x")),
        ],
    );
    assert_eq!(calls.iter().find(|c| &*c.call_id == b"x").unwrap().linked, vec!["y".to_string()]);
}

#[test]
fn eviction_is_counted_and_metrics_survive_it() {
    let cfg = CorrelatorConfig { max_calls: 16, ..Default::default() };
    let mut script = Vec::new();
    for i in 0..100 {
        // Unanswered INVITEs: none can finish, so making room evicts live calls.
        script.push((i, A, P, req("INVITE", Box::leak(format!("ev-{i}").into_boxed_str()), "i", 1)));
    }
    let (calls, stats, m) = run_with(cfg, &script);
    assert_eq!(calls.len(), 100, "every call is handed out once");
    assert!(stats.calls.evicted_calls >= 80, "{:?}", stats.calls);
    assert_eq!(calls.iter().filter(|c| c.evicted).count() as u64, stats.calls.evicted_calls);
    // The 16 still in memory when the input ends have no outcome yet: no session attempt is
    // judged on them; the 84 evicted ones count.
    assert_eq!(m.invites, 84);
    assert!(stats.calls.live_calls == 0);
}

#[test]
fn finished_calls_leave_first_when_making_room() {
    let cfg = CorrelatorConfig { max_calls: 16, ..Default::default() };
    let mut script = Vec::new();
    for i in 0..16 {
        let id: &'static str = Box::leak(format!("done-{i}").into_boxed_str());
        script.push((i, A, P, req("INVITE", id, "i", 1)));
        script.push((i, P, A, resp(486, id, "i", 1, "INVITE").tag("t")));
    }
    script.push((20, A, P, req("INVITE", "new", "i", 1)));
    let (_, stats, _) = run_with(cfg, &script);
    assert_eq!(stats.calls.evicted_calls, 0, "finished calls made the room");
}

#[test]
fn rfc6076_counting_rules() {
    let mut script = Vec::new();
    let outcomes = [200, 200, 200, 486, 603, 480, 503, 302, 404];
    for (i, &o) in outcomes.iter().enumerate() {
        let id: &'static str = Box::leak(format!("m-{i}").into_boxed_str());
        script.extend(basic(id, i as i64 * 10, o));
    }
    // Two of the three answered calls end with BYE.
    for id in ["m-0", "m-1"] {
        script.push((900, A, P, req("BYE", id, "bye", 2).tag("b")));
    }
    let (_, _, m) = run(&script);
    let r = m.rfc6076();
    // The third answered call is still talking when the input ends: its outcome is not known
    // yet, so it is left out rather than counted as not completed.
    assert_eq!(m.invites, 8);
    assert_eq!(r.ser, Some(28.57), "2 answered of 7 non-redirected");
    assert_eq!(r.seer, Some(71.43), "200x2, 486, 603, 480 of 7");
    assert_eq!(r.isa, Some(12.5), "503 of 8");
    assert_eq!(r.scr, Some(25.0), "2 completed of 8");
    assert_eq!(m.srd.count(), 8);
    assert_eq!(r.srd_p50, Some(500), "INVITE to 180 (answered) or to the final response");
    assert_eq!(m.responses[100], 9);
}

#[test]
fn duplicate_window_is_ten_milliseconds() {
    let id = "dup";
    let c = one(&[
        (0, A, P, req("OPTIONS", id, "o", 1)),
        (9, A, P, req("OPTIONS", id, "o", 1)),
        (20, A, P, req("OPTIONS", id, "o", 1)),
    ]);
    assert_eq!((c.duplicates, c.retransmissions), (1, 1));
}
