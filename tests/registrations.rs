//! The registrations table: one row per registering device, its status at a moment, on real
//! captures (SIPp phones behind NAT, a stale-nonce refresh, a 403) and on crafted exchanges for
//! the timed states (expiry, no answer, a challenge never answered, a refresh in flight).

mod common;

use common::{addr, ip_udp, pcap};
use sipscope::capture::file::FileSource;
use sipscope::capture::{linktype, RawPacket};
use sipscope::correlate::registrations::MAX_REGISTRATIONS;
use sipscope::correlate::{RegStatus, Registrations};
use sipscope::engine::{Engine, EngineConfig};
use sipscope::time::Timestamp;

fn engine() -> Engine {
    Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() })
}

fn read(name: &str) -> Engine {
    let mut src = FileSource::open(pcap(name).to_str().unwrap()).unwrap();
    let mut e = engine();
    while let Some(p) = src.next_packet().unwrap() {
        e.ingest(&p);
    }
    e
}

fn statuses(t: &Registrations, now: Timestamp) -> Vec<(String, RegStatus)> {
    let mut v: Vec<_> =
        t.iter().map(|r| (String::from_utf8_lossy(&r.aor).into_owned(), r.status(now))).collect();
    v.sort();
    v
}

#[test]
fn twelve_phones_behind_one_nat_are_registered_from_their_public_address() {
    let e = read("ordinary-nat-boot-storm.pcap");
    let t = e.registrations().unwrap();
    assert_eq!(t.len(), 12);
    for r in t.iter() {
        assert_eq!(r.status(e.now()), RegStatus::Registered);
        assert_eq!(r.source.ip().to_string(), "127.0.0.60");
        assert!(String::from_utf8_lossy(&r.contact).contains("192.168."), "private Contact kept as sent");
        assert_eq!((r.requests, r.failures, r.last_code), (2, 0, Some(200)));
    }
    assert_eq!(t.count_by_status(e.now())[0], 12);
}

/// Near miss: a 401 with stale=true to a REGISTER that carried credentials asks for a fresh
/// nonce; it is no refusal.
#[test]
fn a_stale_nonce_challenge_is_not_a_failure() {
    let e = read("ordinary-stale-nonce-refresh.pcap");
    let t = e.registrations().unwrap();
    assert_eq!(t.len(), 4);
    assert!(t.iter().all(|r| r.status(e.now()) == RegStatus::Registered && r.failures == 0));
    assert_eq!(t.stats().refused, 0);
}

#[test]
fn a_403_after_credentials_is_a_failed_registration() {
    let e = read("lab-register-401-403.pcap");
    let t = e.registrations().unwrap();
    let r = t.iter().next().unwrap();
    assert_eq!(
        (r.status(e.now()), r.last_code, r.failures, r.requests),
        (RegStatus::Failed, Some(403), 1, 2)
    );
}

fn register(call_id: &str, cseq: u32, extra: &str) -> Vec<u8> {
    format!(
        "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK{call_id}{cseq}\r\n\
From: <sip:{call_id}@example.com>;tag=1\r\nTo: <sip:{call_id}@example.com>\r\nCall-ID: {call_id}\r\n\
CSeq: {cseq} REGISTER\r\nContact: <sip:{call_id}@10.0.0.5:5060>\r\nUser-Agent: Phone\r\n{extra}Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

fn reply(call_id: &str, cseq: u32, code: &str, extra: &str) -> Vec<u8> {
    format!(
        "SIP/2.0 {code}\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK{call_id}{cseq}\r\n\
From: <sip:{call_id}@example.com>;tag=1\r\nTo: <sip:{call_id}@example.com>;tag=r\r\nCall-ID: {call_id}\r\n\
CSeq: {cseq} REGISTER\r\n{extra}Content-Length: 0\r\n\r\n"
    )
    .into_bytes()
}

fn feed(e: &mut Engine, secs: f64, up: bool, bytes: &[u8]) {
    let (phone, registrar) = (addr("10.0.0.5:5060"), addr("10.0.0.1:5060"));
    let f = if up { ip_udp(phone, registrar, bytes) } else { ip_udp(registrar, phone, bytes) };
    let ts = Timestamp::from_parts(1_700_000_000 + secs as i64, ((secs.fract()) * 1e9) as u32);
    e.ingest(&RawPacket { ts, linktype: linktype::RAW, data: &f, orig_len: f.len() as u32 });
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_parts(1_700_000_000 + secs, 0)
}

#[test]
fn timed_states_follow_capture_time() {
    let mut e = engine();
    // bound: registered for 60 s, then expired
    feed(&mut e, 0.0, true, &register("bound", 1, "Expires: 60\r\n"));
    feed(
        &mut e,
        0.1,
        false,
        &reply("bound", 1, "200 OK", "Contact: <sip:bound@10.0.0.5:5060>;expires=60\r\n"),
    );
    // gone: removed its binding
    feed(&mut e, 0.0, true, &register("gone", 1, "Expires: 0\r\n"));
    feed(&mut e, 0.1, false, &reply("gone", 1, "200 OK", ""));
    // silent: no answer at all
    feed(&mut e, 1.0, true, &register("silent", 1, ""));
    // nopass: challenged, never retries
    feed(&mut e, 1.0, true, &register("nopass", 1, ""));
    feed(
        &mut e,
        1.1,
        false,
        &reply("nopass", 1, "401 Unauthorized", "WWW-Authenticate: Digest realm=\"x\", nonce=\"n\"\r\n"),
    );
    // brief: 423 Interval Too Brief, then a retry with a longer expiry that is accepted
    feed(&mut e, 1.0, true, &register("brief", 1, "Expires: 10\r\n"));
    feed(&mut e, 1.1, false, &reply("brief", 1, "423 Interval Too Brief", "Min-Expires: 60\r\n"));
    feed(&mut e, 1.2, true, &register("brief", 2, "Expires: 60\r\n"));
    feed(&mut e, 1.3, false, &reply("brief", 2, "200 OK", "Expires: 60\r\n"));
    // wrongpass: credentials refused
    feed(&mut e, 1.0, true, &register("wrongpass", 1, "Authorization: Digest username=\"w\"\r\n"));
    feed(
        &mut e,
        1.1,
        false,
        &reply("wrongpass", 1, "401 Unauthorized", "WWW-Authenticate: Digest realm=\"x\", nonce=\"m\"\r\n"),
    );
    let t = e.registrations().unwrap();
    let early = statuses(t, at(5));
    let late = statuses(t, at(120));
    let s = |v: &[(String, RegStatus)], who: &str| v.iter().find(|(a, _)| a.contains(who)).unwrap().1;
    assert_eq!(s(&early, "bound"), RegStatus::Registered);
    assert_eq!(s(&late, "bound"), RegStatus::Expired);
    assert_eq!(s(&early, "gone"), RegStatus::Unregistered);
    assert_eq!(s(&early, "silent"), RegStatus::Pending);
    assert_eq!(s(&late, "silent"), RegStatus::Failed);
    assert_eq!(s(&early, "nopass"), RegStatus::Challenged);
    assert_eq!(s(&late, "nopass"), RegStatus::Failed);
    assert_eq!(s(&early, "wrongpass"), RegStatus::Challenged);
    assert_eq!(s(&late, "wrongpass"), RegStatus::Failed, "challenged for 32 s without a 2xx");
    assert_eq!(s(&early, "brief"), RegStatus::Registered, "423 then a longer expiry is no failure");
    assert_eq!(t.stats().refused, 0, "challenges and 423 are steps, not refusals");

    // A refresh in flight (challenged, then pending) leaves the binding registered.
    feed(&mut e, 50.0, true, &register("bound", 2, "Expires: 60\r\n"));
    feed(
        &mut e,
        50.1,
        false,
        &reply("bound", 2, "401 Unauthorized", "WWW-Authenticate: Digest realm=\"x\", nonce=\"o\"\r\n"),
    );
    let t = e.registrations().unwrap();
    assert_eq!(s(&statuses(t, at(51)), "bound"), RegStatus::Registered);
    feed(
        &mut e,
        50.2,
        true,
        &register("bound", 3, "Authorization: Digest username=\"b\"\r\nExpires: 60\r\n"),
    );
    let t = e.registrations().unwrap();
    assert_eq!(s(&statuses(t, at(51)), "bound"), RegStatus::Registered);
    feed(&mut e, 50.3, false, &reply("bound", 3, "200 OK", "Expires: 60\r\n"));
    let t = e.registrations().unwrap();
    assert_eq!(s(&statuses(t, at(100)), "bound"), RegStatus::Registered, "the refresh extended the binding");
    assert_eq!(t.iter().find(|r| &r.aor[..] == b"sip:bound@example.com").unwrap().requests, 3);
    // An hour after they ended, rows are forgotten (a rebooted phone's old Call-ID must not
    // count for ever); a query REGISTER (no Contact) never made a row.
    feed(&mut e, 60.0, true, &String::from("REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKq\r\nFrom: <sip:q@example.com>;tag=1\r\nTo: <sip:q@example.com>\r\nCall-ID: query\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n").into_bytes());
    assert_eq!(e.registrations().unwrap().len(), 6);
    let _ = e.tick(at(2 * 3600));
    let left: Vec<_> = statuses(e.registrations().unwrap(), at(2 * 3600));
    assert!(left.is_empty(), "{left:?}");
}

/// A flood of REGISTERs with fresh Call-IDs keeps the table at its bound, the rows pushed out
/// counted.
#[test]
fn the_table_is_bounded_and_evictions_counted() {
    let mut e = engine();
    let n = MAX_REGISTRATIONS + 500;
    for i in 0..n {
        feed(&mut e, i as f64 * 0.0001, true, &register(&format!("flood{i}"), 1, ""));
    }
    let t = e.registrations().unwrap();
    assert_eq!(t.len(), MAX_REGISTRATIONS);
    assert_eq!(t.stats().evicted, 500);
    assert_eq!(t.stats().requests, n as u64);
}
