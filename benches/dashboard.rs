//! Frame render time of the dashboard with 1,000,000 messages loaded (180,000 calls): the calls
//! view following the newest call, scrolling a page, and applying a new filter; and the call view.
//! Run: `cargo bench --bench dashboard` (or `make bench-dashboard`).

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use divan::Bencher;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sipscope::correlate::{CallKind, CallState};
use sipscope::sip::{scan, Framing, Scan, SipMessage, Transport};
use sipscope::time::Timestamp;
use sipscope::tui::app::App;
use sipscope::tui::model::{Batch, CallSummary, Model};
use sipscope::tui::views;

fn main() {
    divan::main();
}

const CALLS: usize = 180_000;
const PER_CALL: usize = 6; // ~1.08 million messages

fn message(i: usize, k: usize) -> SipMessage {
    let text = format!(
        "SIP/2.0 {} Reason\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK{i}-{k}\r\nFrom: <sip:{i}@a>;tag=1\r\nTo: <sip:b@b>;tag=2\r\nCall-ID: bench-{i}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
        [100, 180, 200, 200, 200, 200][k]
    );
    let Scan::Complete { len, headers } = scan(text.as_bytes(), Framing::Datagram) else { unreachable!() };
    SipMessage {
        ts: Timestamp::from_parts(1_700_000_000 + (i / 500) as i64, (i % 500) as u32 * 2_000_000),
        src: "10.0.0.1:5060".parse().unwrap(),
        dst: "10.0.0.2:5060".parse().unwrap(),
        transport: Transport::Udp,
        raw: Arc::from(&text.as_bytes()[..len]),
        headers,
    }
}

fn big_model() -> Model {
    let mut batch = Batch::default();
    for i in 0..CALLS {
        for k in 0..PER_CALL {
            batch.messages.push((message(i, k), None));
        }
        batch.calls.push(CallSummary {
            call_id: format!("bench-{i}"),
            kind: CallKind::Call,
            state: if i % 10 == 0 { CallState::Busy } else { CallState::Completed },
            method: "INVITE",
            final_code: Some(if i % 10 == 0 { 486 } else { 200 }),
            final_reason: "OK".into(),
            from: format!("User {i} <sip:{i}@pbx.example.com>"),
            to: format!("sip:{}@pbx.example.com", i * 7 % 1000),
            src: "10.0.0.1:5060".into(),
            dst: "10.0.0.2:5060".into(),
            first_ts: Timestamp::from_parts(1_700_000_000 + (i / 500) as i64, 0),
            last_ts: Timestamp::from_parts(1_700_000_001 + (i / 500) as i64, 0),
            messages: PER_CALL as u32,
            retransmissions: 0,
            pdd_ms: Some(100),
            duration_ms: Some(1000),
            findings: Vec::new(),
            linked: Vec::new(),
            branches: Vec::new(),
            ended: true,
            part: 1,
            sdp: Vec::new(),
            streams: Vec::new(),
            rtp_packets: 0,
        });
    }
    let mut m = Model::new(usize::MAX);
    m.apply(batch);
    m
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(160, 45)).unwrap()
}

#[divan::bench(sample_count = 30)]
fn calls_view_following(b: Bencher) {
    let model = big_model();
    let mut app = App::new("bench".into());
    let mut t = terminal();
    t.draw(|f| views::draw(f, &mut app, &model)).unwrap();
    b.bench_local(|| {
        t.draw(|f| views::draw(f, &mut app, &model)).unwrap();
    });
}

#[divan::bench(sample_count = 30)]
fn calls_view_page_down(b: Bencher) {
    let model = big_model();
    let mut app = App::new("bench".into());
    let mut t = terminal();
    t.draw(|f| views::draw(f, &mut app, &model)).unwrap();
    app.on_key(KeyEvent::new(KeyCode::Home, KeyModifiers::NONE), &model);
    b.bench_local(|| {
        app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE), &model);
        t.draw(|f| views::draw(f, &mut app, &model)).unwrap();
    });
}

#[divan::bench(sample_count = 30)]
fn calls_view_new_filter(b: Bencher) {
    let model = big_model();
    let mut app = App::new("bench".into());
    let mut t = terminal();
    let mut n = 0u32;
    b.bench_local(|| {
        n += 1;
        app.filter = format!("{}", n % 1000);
        t.draw(|f| views::draw(f, &mut app, &model)).unwrap();
    });
}

/// Typing one more character of a filter (`40` then `403`): the shown rows are refined.
#[divan::bench(sample_count = 30)]
fn calls_view_typing_filter(b: Bencher) {
    let model = big_model();
    let mut app = App::new("bench".into());
    let mut t = terminal();
    b.bench_local(|| {
        app.filter = "4".into();
        app.refresh(&model);
        app.filter = "40".into();
        app.refresh(&model);
        app.filter = "403".into();
        t.draw(|f| views::draw(f, &mut app, &model)).unwrap();
    });
}

#[divan::bench(sample_count = 30)]
fn call_view(b: Bencher) {
    let model = big_model();
    let mut app = App::new("bench".into());
    let mut t = terminal();
    t.draw(|f| views::draw(f, &mut app, &model)).unwrap();
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE), &model);
    b.bench_local(|| {
        t.draw(|f| views::draw(f, &mut app, &model)).unwrap();
    });
}
