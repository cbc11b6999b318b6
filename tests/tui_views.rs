//! The dashboard drawn on ratatui's TestBackend from real captures: one snapshot per view
//! (insta, tests/snapshots/), plus behaviour of keys, filters, follow and pause, the engine
//! thread's batches, pcap export, and the key table against docs/tui.md.

mod common;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use sipscope::capture::file::FileSource;
use sipscope::engine::{Engine, EngineConfig};
use sipscope::tui::app::{App, Command, View};
use sipscope::tui::model::{Batch, CallSummary, Model};
use sipscope::tui::views;

/// Builds the dashboard model of a whole capture, synchronously, the way the engine thread does.
fn model_of(file: &str) -> Model {
    model_from(&common::pcap(file))
}

fn model_from(path: &std::path::Path) -> Model {
    let mut src = FileSource::open(path.to_str().unwrap()).unwrap();
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    let mut batch = Batch::default();
    while let Ok(Some(p)) = src.next_packet() {
        engine
            .ingest_each(&p, |m, a| {
                batch.messages.push((m.clone(), a));
                Ok::<_, ()>(())
            })
            .unwrap();
    }
    engine
        .finish_each(|m, a| {
            batch.messages.push((m.clone(), a));
            Ok::<_, ()>(())
        })
        .unwrap();
    batch.calls.extend(engine.drain_finished_calls().map(|c| CallSummary::of(&c, true)));
    batch.findings.extend(engine.drain_findings());
    batch.counters = Some(Batch::counters_of(engine.stats(), engine.metrics(), engine.now(), 0));
    batch.registrations =
        engine.registrations().map(|t| sipscope::tui::model::Registrations::of(t, engine.now()));
    let mut model = Model::new(64 << 20);
    model.apply(batch);
    model
}

fn screen(app: &mut App, model: &Model, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::draw(f, app, model)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let line: String = (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(app: &mut App, model: &Model, code: KeyCode) -> Option<Command> {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE), model)
}

fn app(model: &Model) -> App {
    let mut a = App::new("file test.pcap".into());
    a.refresh(model);
    a
}

/// The dashboard with the first call of the list opened (Home, Enter).
fn first_call_opened(model: &Model) -> App {
    let mut a = app(model);
    key(&mut a, model, KeyCode::Home);
    key(&mut a, model, KeyCode::Enter);
    assert_eq!(a.view, View::Call);
    a
}

#[test]
fn calls_view_wide_and_narrow() {
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    insta::assert_snapshot!("calls_demo_160x45", screen(&mut a, &model, 160, 45));
    insta::assert_snapshot!("calls_demo_80x24", screen(&mut a, &model, 80, 24));
    insta::assert_snapshot!("calls_demo_200x50", screen(&mut a, &model, 200, 50));
    // At 160 the parties get the room their longest text takes and no more: whole (with the
    // display name, the To header's too), the To column exactly as wide as the longest,
    // `sipvicious 100@1.1.1.1`, and the finding (the rule whole) takes the rest, cut with `…`.
    let s = screen(&mut a, &model, 160, 45);
    assert!(s.contains("Carol carol@192.168.10.2 carol@192.168.10.2     registered"), "{s}");
    assert!(s.contains("sipvicious 100@1.1.1.1   sipvicious 100@1.1.1.1 timeout"), "{s}");
    assert!(s.contains(&format!("To{}State", " ".repeat("sipvicious 100@1.1.1.1".len() - 2 + 1))), "{s}");
    assert!(
        s.lines().any(|l| l.contains("✖ forbidden-403: INVITE refused with") && l.ends_with("…│")),
        "{s}"
    );
    // At 115 (the medium layout) the rules and the parties stay whole; the reason phrase gives
    // way first, cut with a mark.
    let s = screen(&mut a, &model, 115, 45);
    assert!(s.contains("alice@192.168.10.2 alice@192.168.10.2 registered") && s.contains("403 For… "), "{s}");
    assert!(s.contains("▲ decline-should-be-busy: …│"), "{s}");
    // At 111 the reason phrases go (the code stays, marked as cut) before the parties do.
    let s = screen(&mut a, &model, 111, 45);
    assert!(s.contains("carol@192.168.10.2 carol@192.168.10.2 registered  200… "), "{s}");
    assert!(s.contains("▲ decline-should-be-busy: …│"), "{s}");
}

#[test]
fn call_view_of_the_proxy_that_ignored_the_603() {
    let model = model_of("lab-fork-603-nocancel.pcap");
    let mut a = app(&model);
    key(&mut a, &model, KeyCode::Enter);
    assert_eq!(a.view, View::Call);
    let s = screen(&mut a, &model, 160, 45);
    assert!(s.contains("603 Decline") && s.contains("200 OK") && s.contains("decline-not-honoured"), "{s}");
    insta::assert_snapshot!("call_nocancel_160x45", s);
    // The cursor moves through messages and the raw panel follows.
    for _ in 0..14 {
        key(&mut a, &model, KeyCode::Down);
    }
    let s = screen(&mut a, &model, 160, 45);
    assert!(
        s.contains("#14 127.0.0.33:5060 → 127.0.0.20:5060") && s.contains("SIP/2.0 603 Decline"),
        "raw message of #14 shown: {s}"
    );
}

#[test]
fn findings_and_stats_views() {
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Findings);
    insta::assert_snapshot!("findings_demo_120x40", screen(&mut a, &model, 120, 40));
    // Enter on the newest finding (forbidden-403 of lab-403-plain) opens its call.
    key(&mut a, &model, KeyCode::Enter);
    assert_eq!(a.view, View::Call);
    assert_eq!(model.rows[a.open_row.unwrap()].summary.call_id, "lab-403-plain-1@127.0.0.10");
    key(&mut a, &model, KeyCode::Esc);
    assert_eq!(a.view, View::Findings, "Esc goes back where we came from");
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Streams);
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Registrations);
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Stats);
    insta::assert_snapshot!("stats_demo_120x40", screen(&mut a, &model, 120, 40));
    // At 80x24 the counters box takes the lines it needs: the last counters are not cut off.
    let small = screen(&mut a, &model, 80, 24);
    assert!(small.contains("TCP streams 2") && small.contains("rows without messages (memory) 0"), "{small}");
    assert!(!small.contains("more: a taller terminal"), "{small}");
}

#[test]
fn help_overlay_lists_every_binding() {
    let model = model_of("lab-basic-udp.pcap");
    let mut a = app(&model);
    a.on_key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT), &model);
    let s = screen(&mut a, &model, 120, 40);
    for b in sipscope::tui::keys::BINDINGS {
        assert!(s.contains(b.keys), "{} missing from help", b.keys);
    }
    insta::assert_snapshot!("help_120x40", s);
    key(&mut a, &model, KeyCode::Esc);
    assert!(!a.help);
}

#[test]
fn filter_quick_filters_sort_and_follow() {
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    let all = a.visible.len();
    assert_eq!(all, 27);
    assert_eq!(a.selected, all - 1, "follow selects the newest call");
    key(&mut a, &model, KeyCode::Char('/'));
    for ch in "nocancel".chars() {
        key(&mut a, &model, KeyCode::Char(ch));
    }
    key(&mut a, &model, KeyCode::Enter);
    a.refresh(&model);
    assert_eq!(a.visible.len(), 1);
    assert_eq!(model.rows[a.selected_row().unwrap()].summary.call_id, "lab-fork-nocancel-1@127.0.0.10");
    key(&mut a, &model, KeyCode::Esc);
    a.refresh(&model);
    assert_eq!(a.visible.len(), all, "Esc clears the filter");
    a.on_key(KeyEvent::new(KeyCode::Char('!'), KeyModifiers::SHIFT), &model);
    a.refresh(&model);
    assert_eq!(a.visible.len(), 6, "calls with findings");
    key(&mut a, &model, KeyCode::Esc);
    key(&mut a, &model, KeyCode::Char('c'));
    a.refresh(&model);
    assert!(a.visible.iter().all(|&i| model.rows[i].summary.method == "INVITE"));
    // The title counts the calls shown (18 of all 27 failed, fewer of the 11 INVITEs).
    let s = screen(&mut a, &model, 120, 30);
    let failed = a.visible.iter().filter(|&&i| model.rows[i].summary.state.is_failure()).count();
    assert!(failed < 11);
    let title = format!("Calls 11 shown of 27 · {failed} failed · 5 with findings · sort time · only calls");
    assert!(s.contains(&title), "{s}");
    a.on_key(KeyEvent::new(KeyCode::Char('F'), KeyModifiers::SHIFT), &model);
    a.refresh(&model);
    assert!(a.visible.iter().all(|&i| model.rows[i].summary.state.is_failure()));
    key(&mut a, &model, KeyCode::Esc);
    // Sort by message count, reversed: the biggest call first.
    while a.sort != sipscope::tui::app::SortKey::Messages {
        key(&mut a, &model, KeyCode::Char('o'));
    }
    key(&mut a, &model, KeyCode::Char('r'));
    a.refresh(&model);
    assert_eq!(model.rows[a.visible[0]].summary.messages, 28);
    // Moving turns follow off.
    key(&mut a, &model, KeyCode::Up);
    assert!(!a.follow);
}

#[test]
fn pause_freezes_rows_and_counters_while_data_keeps_coming() {
    let full = model_of("demo.pcap");
    let mut model = Model::new(64 << 20);
    let mut a = app(&model);
    key(&mut a, &model, KeyCode::Char('p'));
    model.apply(Batch { calls: full.rows.iter().map(|r| r.summary.clone()).collect(), ..Default::default() });
    a.refresh(&model);
    assert!(a.visible.is_empty(), "paused: nothing new shown");
    key(&mut a, &model, KeyCode::Char('p'));
    a.refresh(&model);
    assert_eq!(a.visible.len(), 27);
}

#[test]
fn save_writes_a_pcap_sipscope_reads_back() {
    let model = model_of("lab-fork-603-cancel.pcap");
    let mut a = app(&model);
    let Some(Command::Save(row)) = key(&mut a, &model, KeyCode::Char('s')) else { panic!("save command") };
    let msgs = views::call::messages(&model, row);
    let path = common::temp_file("saved.pcap", b"");
    let mut f = std::fs::File::create(&path).unwrap();
    let n = sipscope::export::pcap::write_messages(&mut f, msgs.iter().map(|s| &s.msg)).unwrap();
    drop(f);
    assert_eq!(n, 26);
    let run = common::run_file(&path).unwrap();
    assert_eq!(run.messages.len(), 26);
    for (a, b) in run.messages.iter().zip(msgs.iter()) {
        assert_eq!(
            (&a.raw, a.src, a.dst, a.ts.0 / 1000),
            (&b.msg.raw, b.msg.src, b.msg.dst, b.msg.ts.0 / 1000)
        );
    }
}

/// `s` on a call of a capture file saves its RTP too, fetched again from the file: the saved
/// file holds the call with the same streams and packet counts.
#[test]
fn save_includes_the_calls_rtp_read_back_from_the_file() {
    let file = common::pcap("media-two-way.pcap");
    let model = model_of("media-two-way.pcap");
    let dir = std::env::temp_dir().join(format!("sipscope-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let status = sipscope::tui::save_in(&dir, &model, 0, file.to_str());
    assert!(status.contains("7 messages and 300 RTP/RTCP packets"), "{status}");
    let saved = dir.join("sipscope-media-two-way-1_127.0.0.11.pcap");
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    let mut src = FileSource::open(saved.to_str().unwrap()).unwrap();
    while let Some(p) = src.next_packet().unwrap() {
        engine.ingest(&p).for_each(drop);
    }
    engine.finish().for_each(drop);
    let calls: Vec<_> = engine.drain_finished_calls().collect();
    let packets: Vec<u64> = calls[0].media.streams.iter().map(|s| s.packets).collect();
    assert_eq!(packets, [150, 150]);
    let live = sipscope::tui::save_in(&dir, &model, 0, None);
    assert!(live.contains("RTP is saved from capture files only"), "{live}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn engine_thread_delivers_every_message_in_order() {
    use sipscope::tui::feed::{Feed, Source};
    let path = common::pcap("demo.pcap").to_str().unwrap().to_string();
    let mut feed = Feed::spawn(
        Source::File { path, speed: None },
        EngineConfig { correlate: Some(Default::default()), ..Default::default() },
        None,
    );
    let mut model = Model::new(64 << 20);
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        while let Some(b) = feed.rx.recv().await {
            model.apply(b);
        }
    });
    let reference = model_of("demo.pcap");
    assert_eq!(model.rows.len(), reference.rows.len());
    for (a, b) in model.rows.iter().zip(&reference.rows) {
        assert_eq!(a.summary.call_id, b.summary.call_id, "rows in order of first message");
        assert_eq!(
            a.messages.len(),
            a.summary.messages as usize,
            "{}: every message kept",
            a.summary.call_id
        );
        assert_eq!(a.summary.state, b.summary.state);
    }
    assert!(model.notice.as_deref().unwrap().starts_with("end of capture: 154 packets"));
    // The registrations view has the last word too, though the file was read in under a second.
    assert_eq!(model.registrations.rows.len(), reference.registrations.rows.len());
    assert_eq!(model.registrations.rows.len(), 4, "three registered and the refused one");
}

#[test]
fn memory_budget_drops_messages_of_finished_calls_first() {
    let full = model_of("demo.pcap");
    let total = full.bytes;
    let mut small = Model::new(total / 3);
    let mut b = Batch::default();
    for r in &full.rows {
        b.messages.extend(r.messages.iter().map(|s| (s.msg.clone(), s.added)));
    }
    b.messages.sort_by_key(|(m, _)| m.ts);
    b.calls = full.rows.iter().map(|r| r.summary.clone()).collect();
    small.apply(b.clone());
    small.apply(Batch::default());
    assert!(small.bytes <= total / 3, "{} > {}", small.bytes, total / 3);
    assert!(small.evicted_rows > 0);
    assert_eq!(small.rows.len(), full.rows.len(), "rows stay, only their messages go");
}

#[test]
fn docs_list_exactly_the_key_bindings() {
    let docs = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/tui.md"))
        .unwrap();
    let rows: Vec<(String, String, String)> = docs
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<String> =
                l.trim_matches('|').split('|').map(|c| c.trim().trim_matches('`').to_string()).collect();
            (cells[0].clone(), cells[1].clone(), cells[2].clone())
        })
        .collect();
    let table: Vec<(String, String, String)> = sipscope::tui::keys::BINDINGS
        .iter()
        .map(|b| (b.keys.to_string(), b.scope.to_string(), b.help.to_string()))
        .collect();
    assert_eq!(rows, table, "docs/tui.md key table differs from src/tui/keys.rs");
}

#[test]
fn hostile_text_is_drawn_inert() {
    let hostile = b"INVITE sip:bob@x SIP/2.0\r\nFrom: \"\x1b]0;owned\x07\xe2\x80\xae\" <sip:a@x>;tag=1\r\nCall-ID: esc\r\nCSeq: 1 INVITE\r\nUser-Agent: \x1b[31mred\r\nContent-Length: 0\r\n\r\n".to_vec();
    let frame = common::ip_udp(common::addr("192.0.2.1:5060"), common::addr("192.0.2.2:5060"), &hostile);
    let path = common::temp_file("tui-escapes.pcap", &common::pcap_file(101, &[frame]));
    let model = model_from(&path);
    let mut a = app(&model);
    let calls = screen(&mut a, &model, 160, 30);
    key(&mut a, &model, KeyCode::Enter);
    let call = screen(&mut a, &model, 160, 30);
    for s in [calls, call] {
        let bad: Vec<char> =
            s.chars().filter(|c| *c != '\n' && sipscope::sanitize::is_unsafe_char(*c)).collect();
        assert!(bad.is_empty(), "{bad:?} in {s:?}");
        assert!(s.contains("\\x1b"), "escapes shown inert");
    }
}

/// The streams view lists every RTP stream worst first; Enter opens the stream's call, whose
/// media pane shows the streams and what each SDP said.
#[test]
fn streams_view_worst_first_and_the_call_media_pane() {
    let model = model_of("media-crafted-many_calls.pcap");
    let mut a = app(&model);
    key(&mut a, &model, KeyCode::Tab);
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Streams);
    let screen_text = screen(&mut a, &model, 160, 30);
    insta::assert_snapshot!("streams_many_calls_160x30", screen_text);
    let worst = sipscope::tui::model::streams_by_quality(&model);
    assert_eq!(worst.len(), 40);
    assert!(worst[0].1.loss_pct >= 10.0, "the 10 % loss stream is first");
    assert!(worst.windows(2).all(|w| w[0].1.mos.unwrap_or(9.0) <= w[1].1.mos.unwrap_or(9.0)));
    key(&mut a, &model, KeyCode::Enter);
    assert_eq!(a.view, View::Call);
    assert_eq!(a.open_row, Some(worst[0].0));
    let call = screen(&mut a, &model, 160, 45);
    assert!(call.contains("media: 2 streams"), "{call}");
    assert!(call.contains("SDP #0 INVITE caller"), "{call}");
    insta::assert_snapshot!("call_media_pane_160x45", call);
    key(&mut a, &model, KeyCode::Esc);
    assert_eq!(a.view, View::Streams, "Esc goes back to the streams");
}

/// The registrations view (Tab after streams): the demo's three registered phones and the one
/// whose REGISTER was refused with 403, failures marked; Enter opens the REGISTER exchange.
#[test]
fn registrations_view_lists_devices_and_opens_their_exchange() {
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    for _ in 0..3 {
        key(&mut a, &model, KeyCode::Tab);
    }
    assert_eq!(a.view, View::Registrations);
    let text = screen(&mut a, &model, 160, 12);
    assert!(text.contains("Registrations 4 · 3 registered, 1 failed"), "{text}");
    insta::assert_snapshot!("registrations_demo_160x12", text);
    key(&mut a, &model, KeyCode::End);
    key(&mut a, &model, KeyCode::Enter);
    assert_eq!(a.view, View::Call);
    let call = screen(&mut a, &model, 160, 45);
    assert!(call.contains("403 Forbidden"), "{call}");
    key(&mut a, &model, KeyCode::Esc);
    assert_eq!(a.view, View::Registrations, "Esc goes back to the registrations");
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Stats);
}

/// `o` walks every column, and each sort orders the rows by what that column shows: time,
/// method, From and To as shown (user@host, not display names; numbers by value), state, code,
/// PDD, talk time (calls without a value last), messages, and the worst finding first; `r`
/// reverses.
#[test]
fn every_column_sorts_by_what_it_shows() {
    use sipscope::tui::app::SortKey;
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    // As shown, numbers in names by value (load2 before load10).
    let party =
        |s: &str| sipscope::tui::app::natural_key(&sipscope::tui::views::party(s, false).to_lowercase());
    fn last<T: Ord>(v: Option<T>) -> (bool, Option<T>) {
        (v.is_none(), v)
    }
    let mut seen = Vec::new();
    for _ in 0..10 {
        key(&mut a, &model, KeyCode::Char('o'));
        a.refresh(&model);
        let rows: Vec<&sipscope::tui::model::Row> = a.visible.iter().map(|&i| &model.rows[i]).collect();
        assert_eq!(rows.len(), model.rows.len());
        let sorted = |ok: &dyn Fn(&sipscope::tui::model::Row, &sipscope::tui::model::Row) -> bool| {
            rows.windows(2).all(|w| ok(w[0], w[1]))
        };
        let fine = match a.sort {
            SortKey::Time => sorted(&|x, y| x.summary.first_ts <= y.summary.first_ts),
            SortKey::Method => sorted(&|x, y| x.summary.method <= y.summary.method),
            SortKey::From => sorted(&|x, y| party(&x.summary.from) <= party(&y.summary.from)),
            SortKey::To => sorted(&|x, y| party(&x.summary.to) <= party(&y.summary.to)),
            SortKey::State => sorted(&|x, y| x.summary.state.as_str() <= y.summary.state.as_str()),
            // Values first, calls without one (ringing, unanswered) last.
            SortKey::Code => sorted(&|x, y| last(x.summary.final_code) <= last(y.summary.final_code)),
            SortKey::Pdd => sorted(&|x, y| last(x.summary.pdd_ms) <= last(y.summary.pdd_ms)),
            SortKey::Duration => sorted(&|x, y| last(x.summary.duration_ms) <= last(y.summary.duration_ms)),
            SortKey::Messages => sorted(&|x, y| x.summary.messages <= y.summary.messages),
            SortKey::Finding => sorted(&|x, y| x.worst >= y.worst),
        };
        assert!(fine, "sort {:?} out of order", a.sort);
        seen.push(a.sort);
    }
    assert_eq!(seen.len(), 10);
    assert!(seen.contains(&SortKey::Finding) && seen.contains(&SortKey::Method));
    // Finding: an error first, calls without findings last.
    while a.sort != SortKey::Finding {
        key(&mut a, &model, KeyCode::Char('o'));
    }
    a.refresh(&model);
    assert_eq!(model.rows[a.visible[0]].worst, Some(sipscope::diagnose::Severity::Error));
    assert_eq!(model.rows[*a.visible.last().unwrap()].worst, None);
    key(&mut a, &model, KeyCode::Char('r'));
    a.refresh(&model);
    // Reversed: the mildest finding first, and calls without one still last.
    assert!(model.rows[a.visible[0]].worst < Some(sipscope::diagnose::Severity::Error), "r reverses");
    assert!(model.rows[a.visible[0]].worst.is_some());
    assert_eq!(model.rows[*a.visible.last().unwrap()].worst, None);
    // Reversed, the values run from high to low and calls without one still come last.
    assert!(a.reverse);
    for want in [SortKey::Code, SortKey::Pdd, SortKey::Duration] {
        while a.sort != want {
            key(&mut a, &model, KeyCode::Char('o'));
        }
        a.refresh(&model);
        let value = |i: usize| {
            let s = &model.rows[i].summary;
            match want {
                SortKey::Code => s.final_code.map(i64::from),
                SortKey::Pdd => s.pdd_ms,
                _ => s.duration_ms,
            }
        };
        let values: Vec<Option<i64>> = a.visible.iter().map(|&i| value(i)).collect();
        assert!(
            values.iter().any(Option::is_none) && values.iter().any(Option::is_some),
            "{want:?}: {values:?}"
        );
        let ok = values.windows(2).all(|w| match (w[0], w[1]) {
            (Some(x), Some(y)) => x >= y,
            (Some(_), None) | (None, None) => true,
            (None, Some(_)) => false,
        });
        assert!(ok, "reversed {want:?} out of order: {values:?}");
    }
}

/// The raw message pane scrolls with J and K when the message is longer than the pane (an
/// INVITE with SDP at 100x24); another message starts at its top again.
#[test]
fn raw_message_pane_scrolls() {
    let model = model_of("lab-fork-603-nocancel.pcap");
    let mut a = first_call_opened(&model);
    assert_eq!(a.view, View::Call);
    let top = screen(&mut a, &model, 100, 24);
    assert!(top.contains(" lines 1-"), "{top}");
    assert!(top.contains("INVITE sip:"), "{top}");
    key(&mut a, &model, KeyCode::Char('J'));
    let down = screen(&mut a, &model, 100, 24);
    assert!(down.contains(" lines 4-"), "{down}");
    for _ in 0..100 {
        key(&mut a, &model, KeyCode::Char('J'));
    }
    let bottom = screen(&mut a, &model, 100, 24);
    assert!(bottom.contains("a=rtpmap"), "the SDP at the end is reached: {bottom}");
    key(&mut a, &model, KeyCode::Char('K'));
    assert!(screen(&mut a, &model, 100, 24) != bottom, "K scrolls back up");
    key(&mut a, &model, KeyCode::Down);
    let next = screen(&mut a, &model, 100, 24);
    assert_eq!(a.raw_scroll, 0, "another message starts at its top: {next}");
}

fn type_text(app: &mut App, model: &Model, text: &str) {
    for ch in text.chars() {
        key(app, model, KeyCode::Char(ch));
    }
}

/// `/` in a call finds text inside its messages: the cursor goes to the first message holding
/// it, the raw pane shows the match, `n` and `N` walk the others and wrap; text in no message
/// says so; Esc clears the search first and leaves the call only after.
#[test]
fn search_inside_the_messages_of_a_call() {
    let model = model_of("lab-register-401-403.pcap");
    let mut a = first_call_opened(&model);
    assert_eq!(a.view, View::Call);
    key(&mut a, &model, KeyCode::Char('/'));
    type_text(&mut a, &model, "NONCE");
    let typing = screen(&mut a, &model, 100, 24);
    assert!(typing.contains("find in messages: NONCE"), "{typing}");
    key(&mut a, &model, KeyCode::Enter);
    // The REGISTER (#1) has no nonce; the 401's challenge (#2) is the first to hold it.
    assert_eq!(a.message, 1);
    let found = screen(&mut a, &model, 100, 24);
    assert!(found.contains("WWW-Authenticate"), "{found}");
    assert!(found.contains("\"NONCE\": 1 of 2 messages"), "{found}");
    let narrow = screen(&mut a, &model, 80, 24);
    assert!(narrow.contains("\"NONCE\": 1 of 2 messages"), "the notice fits 80 columns: {narrow}");
    assert!(found.contains("find: NONCE"), "{found}");
    key(&mut a, &model, KeyCode::Char('n'));
    assert_eq!(a.message, 2, "the retried REGISTER's credentials hold it too");
    assert!(screen(&mut a, &model, 100, 24).contains("Authorization"));
    key(&mut a, &model, KeyCode::Char('n'));
    assert_eq!(a.message, 1, "n wraps to the first");
    assert!(a.status.as_deref().unwrap_or("").contains("wrapped"));
    key(&mut a, &model, KeyCode::Char('N'));
    assert_eq!(a.message, 2, "N wraps to the last");
    // Text in no message leaves the cursor and says so.
    key(&mut a, &model, KeyCode::Char('/'));
    for _ in 0..5 {
        key(&mut a, &model, KeyCode::Backspace);
    }
    type_text(&mut a, &model, "no-such-text");
    key(&mut a, &model, KeyCode::Enter);
    assert_eq!(a.message, 2);
    assert!(
        a.status.as_deref().unwrap_or("").contains("in none of this call's 4 messages"),
        "{:?}",
        a.status
    );
    key(&mut a, &model, KeyCode::Esc);
    assert_eq!((a.view, a.search.as_str()), (View::Call, ""), "Esc clears the search first");
    key(&mut a, &model, KeyCode::Esc);
    assert_eq!(a.view, View::Calls);
}

/// The match is highlighted in the raw pane, also across a header name and its value, and a
/// match far down a long message is scrolled into view.
#[test]
fn search_highlights_and_scrolls_to_the_match() {
    let model = model_of("lab-fork-603-nocancel.pcap");
    let mut a = first_call_opened(&model);
    key(&mut a, &model, KeyCode::Char('/'));
    type_text(&mut a, &model, "a=rtpmap");
    key(&mut a, &model, KeyCode::Enter);
    let mut t = Terminal::new(TestBackend::new(100, 24)).unwrap();
    t.draw(|f| views::draw(f, &mut a, &model)).unwrap();
    assert!(a.raw_scroll > 0, "the SDP at the end of the INVITE is scrolled into view");
    let buf = t.backend().buffer().clone();
    let highlighted: String = (0..24u16)
        .flat_map(|y| (0..100u16).map(move |x| (x, y)))
        .filter(|&(x, y)| buf[(x, y)].bg == ratatui::style::Color::Yellow)
        .map(|(x, y)| buf[(x, y)].symbol().to_string())
        .collect();
    assert!(highlighted.starts_with("a=rtpmap"), "{highlighted}");
    // Across a header name and its value.
    key(&mut a, &model, KeyCode::Char('/'));
    for _ in 0..8 {
        key(&mut a, &model, KeyCode::Backspace);
    }
    type_text(&mut a, &model, "cseq: 1");
    key(&mut a, &model, KeyCode::Enter);
    t.draw(|f| views::draw(f, &mut a, &model)).unwrap();
    let buf = t.backend().buffer().clone();
    let highlighted: String = (0..24u16)
        .flat_map(|y| (0..100u16).map(move |x| (x, y)))
        .filter(|&(x, y)| buf[(x, y)].bg == ratatui::style::Color::Yellow)
        .map(|(x, y)| buf[(x, y)].symbol().to_string())
        .collect();
    assert!(highlighted.starts_with("CSeq: 1"), "{highlighted}");
}

/// Space marks a message, Space on another opens both side by side with what differs marked;
/// Esc goes back to the call.
#[test]
fn compare_two_messages() {
    let model = model_of("lab-register-401-403.pcap");
    let mut a = first_call_opened(&model);
    key(&mut a, &model, KeyCode::Char(' '));
    assert_eq!(a.marked, Some(0));
    assert!(screen(&mut a, &model, 100, 24).contains('●'), "the marked message shows in the ladder");
    key(&mut a, &model, KeyCode::Down);
    key(&mut a, &model, KeyCode::Down);
    key(&mut a, &model, KeyCode::Char(' '));
    assert_eq!(a.view, View::Compare);
    let s = screen(&mut a, &model, 120, 30);
    insta::assert_snapshot!("compare_register_retry_120x30", s);
    assert!(s.contains("#0 REGISTER") && s.contains("#2 REGISTER"), "{s}");
    assert!(s.contains("~ CSeq: 1 REGISTER") && s.contains("~ CSeq: 2 REGISTER"), "{s}");
    assert!(s.contains("+ Authorization: Digest"), "the credentials only the retry has: {s}");
    // Tab and / do nothing here; Esc returns to the call with the cursor where it was.
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Compare);
    key(&mut a, &model, KeyCode::Esc);
    assert_eq!((a.view, a.message), (View::Call, 2));
    // Space twice on one message unmarks it.
    key(&mut a, &model, KeyCode::Char(' '));
    key(&mut a, &model, KeyCode::Char(' '));
    assert_eq!((a.marked, a.view), (None, View::Call));
}

/// At 80x24 the help is longer than the screen: it says so on its border and Up/Down scroll it
/// to the last binding; other keys wait until it is closed.
#[test]
fn help_scrolls_on_a_small_terminal() {
    let model = model_of("lab-basic-udp.pcap");
    let mut a = app(&model);
    a.on_key(KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT), &model);
    let top = screen(&mut a, &model, 80, 24);
    assert!(top.contains("Up/Down scroll"), "{top}");
    assert!(top.contains("quit") && !top.contains("show or hide this help"), "{top}");
    key(&mut a, &model, KeyCode::End);
    let bottom = screen(&mut a, &model, 80, 24);
    assert!(bottom.contains("show or hide this help") && bottom.contains("Esc or ? closes"), "{bottom}");
    assert_eq!(a.view, View::Calls, "End scrolled the help, not the list");
    key(&mut a, &model, KeyCode::Home);
    assert!(screen(&mut a, &model, 80, 24).contains("quit"));
    key(&mut a, &model, KeyCode::Esc);
    assert!(!a.help);
}

/// At 80x24: `o` walks only the columns on screen, the title keeps the sort, its direction and
/// the quick filters, and the findings view's explanation scrolls with J/K.
#[test]
fn small_terminal_keeps_sort_filters_and_explanations_reachable() {
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    screen(&mut a, &model, 80, 24);
    let mut seen = Vec::new();
    for _ in 0..8 {
        key(&mut a, &model, KeyCode::Char('o'));
        seen.push(a.sort.title());
    }
    assert_eq!(seen, ["method", "from", "to", "state", "code", "finding", "time", "method"]);
    key(&mut a, &model, KeyCode::Char('r'));
    for k in ['F', '!', 'c'] {
        key(&mut a, &model, KeyCode::Char(k));
    }
    let s = screen(&mut a, &model, 80, 24);
    assert!(s.contains("sort method ↓ · only failures+findings+calls"), "{s}");
    // The findings view: a long explanation scrolls.
    for k in ['F', '!', 'c'] {
        key(&mut a, &model, KeyCode::Char(k));
    }
    key(&mut a, &model, KeyCode::Tab);
    let top = screen(&mut a, &model, 80, 24);
    assert!(top.contains("· J/K"), "{top}");
    key(&mut a, &model, KeyCode::Char('J'));
    let down = screen(&mut a, &model, 80, 24);
    assert!(a.finding_scroll > 0 && down != top, "{down}");
    assert!(down.contains(" lines 4-"), "{down}");
}

/// At 80x24 a forked call's five columns leave a few cells between neighbours: arrows there are
/// labelled by their code or method (`603`, `CANCEL`, `INVITE+` with SDP), never `603 …`.
#[test]
fn narrow_ladder_labels_stay_readable() {
    let model = model_of("lab-fork-603-nocancel.pcap");
    let mut a = first_call_opened(&model);
    let s = screen(&mut a, &model, 80, 24);
    assert!(!s.contains(" …─") && !s.contains("…▶"), "no label cut to an ellipsis: {s}");
    assert!(
        s.contains("INV+") && s.contains("INVITE (SDP)"),
        "short where the gap is narrow, whole where it is not: {s}"
    );
    for _ in 0..14 {
        key(&mut a, &model, KeyCode::Down);
    }
    let s = screen(&mut a, &model, 80, 24);
    assert!(s.contains("603"), "{s}");
    // The findings pane is cut at this size: it says where the whole text is, and Tab goes there
    // with this call's finding selected.
    assert!(s.contains("more: Tab to the findings view"), "{s}");
    key(&mut a, &model, KeyCode::Tab);
    let f = screen(&mut a, &model, 80, 24);
    assert_eq!(a.view, View::Findings);
    assert!(f.contains("proxy 127.0.0.20:5060 kept forking"), "{f}");
    // Esc goes back to the call it came from, at the same message; from there Esc leaves it.
    key(&mut a, &model, KeyCode::Esc);
    assert_eq!((a.view, a.message), (View::Call, 14));
    key(&mut a, &model, KeyCode::Esc);
    assert_eq!(a.view, View::Calls);
    // Left by Tab and come back to by Shift-Tab, the findings view no longer leads to the call.
    key(&mut a, &model, KeyCode::Enter);
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Findings);
    key(&mut a, &model, KeyCode::Tab);
    key(&mut a, &model, KeyCode::BackTab);
    assert_eq!(a.view, View::Findings);
    key(&mut a, &model, KeyCode::Esc);
    assert_eq!(a.view, View::Calls);
}

/// Branches a proxy relays over one hop share the ladder's columns: each To-tag gets a letter
/// (`180 Ringing ·A`, `603 Decline ·C`) so they can be told apart; a call with one dialog has none.
#[test]
fn branches_on_one_hop_are_lettered() {
    let model = model_of("lab-fork-603-then-200.pcap");
    let mut a = first_call_opened(&model);
    let s = screen(&mut a, &model, 160, 45);
    for b in ["·A", "·B", "·C"] {
        assert!(s.contains(&format!("180 Ringing {b}")), "{b}: {s}");
    }
    assert!(s.contains("603 Decline ·C") && s.contains("200 OK (SDP) ·B"), "{s}");
    // In a narrow gap (a forked call's five columns at 80x24) the letter stays set off by its
    // dot: `180·A`, `BYE·C`, not `180A`, `BYEC`.
    let model = model_of("lab-fork-603-nocancel.pcap");
    let mut a = first_call_opened(&model);
    for _ in 0..27 {
        key(&mut a, &model, KeyCode::Down);
    }
    let narrow = screen(&mut a, &model, 80, 24);
    for t in ["487·B", "ACK·B", "BYE·C", "200·C"] {
        assert!(narrow.contains(t), "{t}: {narrow}");
    }
    assert!(!["487B", "ACKB", "BYEC", "200C"].iter().any(|t| narrow.contains(t)), "{narrow}");
    let model = model_of("lab-basic-udp.pcap");
    let mut a = first_call_opened(&model);
    assert!(!screen(&mut a, &model, 160, 45).contains(" ·A"));
    // One dialog keeps one letter whichever side speaks: the callee's BYE, REFER or NOTIFY
    // carries the caller's tag in To, and is not another branch.
    // Nor do devices answering on columns of their own (a 302, then the call it sends on).
    for file in [
        "ordinary-blind-transfer.pcap",
        "ordinary-2xx-no-ack.pcap",
        "ordinary-subscriptions.pcap",
        "ordinary-call-forwarded.pcap",
    ] {
        let model = model_of(file);
        let mut a = first_call_opened(&model);
        let s = screen(&mut a, &model, 132, 43);
        assert!(!s.contains("·A") && !s.contains("·B"), "{file}: {s}");
    }
}

/// At 80 columns the streams view keeps both addresses (the lost count and largest jitter give
/// way), so an operator sees where the audio went, and each stream's whole Call-ID under it.
#[test]
fn streams_view_keeps_addresses_at_80_columns() {
    let model = model_of("media-crafted-dtmf.pcap");
    let mut a = app(&model);
    key(&mut a, &model, KeyCode::Tab);
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Streams);
    let s = screen(&mut a, &model, 80, 24);
    assert!(s.contains("192.0.2.10:4000     198.51.100.20:20000"), "{s}");
    assert!(s.contains("198.51.100.20:20000 192.0.2.10:4000"), "{s}");
    // The whole Call-ID on the line under each stream.
    let id = &model.rows[0].summary.call_id;
    assert_eq!(s.matches(&format!("call {id}")).count(), 2, "{s}");
    insta::assert_snapshot!("streams_dtmf_80x24", s);
    // At 132 columns the columns are as wide as their longest value, so a stream and its whole
    // Call-ID share a line (with fixed widths the Call-ID went under the stream, halving the
    // streams shown).
    let model = model_of("media-crafted-many_calls.pcap");
    let mut a = app(&model);
    a.view = View::Streams;
    let s = screen(&mut a, &model, 132, 43);
    assert!(
        s.lines().any(|l| l.contains("192.0.2.119:4036") && l.contains("media-many-calls-18-1@192.0.2.119")),
        "{s}"
    );
}

/// At 80 columns the call's media pane uses a compact line so the DTMF digits still show.
#[test]
fn media_pane_shows_dtmf_at_80_columns() {
    let model = model_of("media-crafted-dtmf.pcap");
    let mut a = first_call_opened(&model);
    let s = screen(&mut a, &model, 80, 24);
    assert!(s.contains("DTMF 123"), "{s}");
}

/// The end of a capture file is a notice that stays: at 80 columns the bar still shows the
/// calls, the rate and the drops and cuts the notice instead; at 200 columns the source label
/// takes the room left over. A notice from a key (a search) may still take the counters down
/// to the drops, as it must be readable.
#[test]
fn status_bar_keeps_the_calls_beside_a_standing_notice() {
    let mut model = model_of("demo.pcap");
    model.notice = Some("end of capture: 154 packets, 137 SIP messages, 27 calls".into());
    let mut a = App::new("file /work/pcaps/demo.pcap".into());
    a.refresh(&model);
    let bar = |a: &mut App, w: u16| screen(a, &model, w, 24).lines().last().unwrap().to_string();
    let narrow = bar(&mut a, 80);
    assert!(narrow.contains("calls 27 · 0 msg/s · drops 0"), "{narrow}");
    assert!(narrow.contains("end of") && narrow.ends_with("? help"), "{narrow}");
    // At 60 the source label gives way to the calls and the rate, keeping the file's name
    // (not its directory) as long as it can.
    let sixty = bar(&mut a, 60);
    assert!(sixty.contains("calls 27 · 0 msg/s · drops 0") && sixty.ends_with("? help"), "{sixty}");
    assert!(sixty.starts_with(" demo.pc… "), "{sixty}");
    assert!(narrow.starts_with(" file …/demo.pcap "), "{narrow}");
    // At 50 the label goes altogether before the calls do (the standing notice goes too).
    let fifty = bar(&mut a, 50);
    assert!(fifty.starts_with(" calls 27 · 0 msg/s · drops 0") && fifty.ends_with("? help"), "{fifty}");
    // A notice from a key takes the label's room, to be readable.
    a.status = Some("saved 28 messages to ./sipscope-lab-fork-603-nocancel-1.pcap".into());
    let saved = bar(&mut a, 80);
    assert!(
        saved.starts_with(" drops 0  FOLLOW  saved 28 messages to ./sipscope-lab-fork-603-nocance…"),
        "{saved}"
    );
    // With room to spare the label comes back.
    let wide = bar(&mut a, 120);
    assert!(wide.starts_with(" demo.pcap  calls 27") && wide.contains("nocancel-1.pcap   ? help"), "{wide}");
    a.status = None;
    // At 45 in fewer words.
    let forty_five = bar(&mut a, 45);
    assert!(
        forty_five.starts_with(" calls 27 · 0/s · drops 0") && forty_five.ends_with("? help"),
        "{forty_five}"
    );
    // Too narrow for the calls beside `? help`: the counters come down to the drops, and
    // `? help` stays.
    let tight = bar(&mut a, 40);
    assert!(tight.ends_with("? help") && tight.contains("drops 0") && !tight.contains("calls"), "{tight}");
    let wide = bar(&mut a, 200);
    assert!(wide.contains(" file /work/pcaps/demo.pcap "), "{wide}");
    assert!(wide.contains("end of capture: 154 packets, 137 SIP messages, 27 calls"), "{wide}");
}

/// A media pane too short for every stream and description says how many lines it leaves out;
/// with room for all of them it says nothing.
#[test]
fn a_cut_media_pane_says_so() {
    let model = model_of("media-crafted-many_calls.pcap");
    let mut a = app(&model);
    key(&mut a, &model, KeyCode::Home);
    for _ in 0..3 {
        key(&mut a, &model, KeyCode::Down);
    }
    key(&mut a, &model, KeyCode::Enter);
    assert_eq!(a.view, View::Call);
    let small = screen(&mut a, &model, 80, 24);
    assert!(small.contains(" more (a taller terminal shows them) "), "{small}");
    // A stream's addresses too long to sit beside it get a line of their own, both ends whole;
    // the call title keeps its outcome and shows the parties as users alone.
    assert!(
        small.lines().any(|l| l.trim_start_matches('│').trim_start().starts_with("198.51.100.20:200")
            && l.contains(" → 192.0.2.1")),
        "{small}"
    );
    let title = small.lines().next().unwrap_or_default();
    assert!(title.contains("call · alice → bob · completed 200 OK "), "{title}");
    let large = screen(&mut a, &model, 160, 45);
    assert!(!large.contains("a taller terminal"), "{large}");
    assert!(large.contains("SDP #3 200 callee"), "{large}");
}

/// A resize rewraps the raw message: the pane keeps the same text at its top, not the same
/// line number (which would put another part of the message there).
#[test]
fn a_resize_keeps_the_raw_pane_on_the_same_text() {
    let model = model_of("lab-fork-603-nocancel.pcap");
    let mut a = first_call_opened(&model);
    // The first text row of the raw pane: right of the corner its title starts at.
    let top = |s: &str| -> String {
        let mut rows = s.lines();
        let title = rows.next().unwrap().chars().collect::<Vec<_>>();
        let x = (1..title.len()).rev().find(|&x| title[x] == '┌').unwrap();
        let row: String = rows.next().unwrap().chars().skip(x + 1).collect();
        row.trim_end_matches(['│', ' ']).to_string()
    };
    screen(&mut a, &model, 100, 20);
    for _ in 0..4 {
        key(&mut a, &model, KeyCode::Char('J'));
    }
    let narrow = top(&screen(&mut a, &model, 100, 20));
    let wide = top(&screen(&mut a, &model, 180, 20));
    let back = top(&screen(&mut a, &model, 100, 20));
    // The top row at 100 columns is the end of the wrapped Contact header; at 180 the header
    // is whole on the top row; back at 100 the header's first row is on top.
    assert!(narrow.starts_with("<sip:alice@127.0.0.10"), "{narrow}");
    assert!(wide.starts_with("Contact: ") && wide.contains(&narrow), "{wide}");
    assert!(back.starts_with("Contact:") && wide.starts_with(&back), "{back}");
}

/// A ladder pane too narrow for every endpoint says how many are off its right edge, and an
/// arrow to one of them ends in `▸` at the edge instead of stopping short of nowhere.
#[test]
fn a_narrow_ladder_says_which_columns_are_off_screen() {
    let model = model_of("lab-fork-603-nocancel.pcap");
    let mut a = first_call_opened(&model);
    // Five endpoints; at 60 columns three show.
    let s = screen(&mut a, &model, 60, 20);
    let header = s.lines().nth(1).unwrap();
    assert!(header.contains("…10") && header.contains("…31       +2▸│"), "{s}");
    // The INVITEs to the branches off the edge run to it.
    assert_eq!(s.lines().filter(|l| l.contains("│───INVITE (SDP)──▸││")).count(), 2, "{s}");
    // At every width, each lifeline drawn has its name, and names and the mark count all five.
    for w in 60..=100 {
        let s = screen(&mut a, &model, w, 24);
        let ladder = |l: &str| -> String {
            let l: String = l.chars().skip(1).collect();
            l.split("││").next().unwrap().to_string()
        };
        let lines: Vec<&str> = s.lines().collect();
        let header = ladder(lines[1]);
        let names = header.matches('…').count();
        let hidden: usize = header
            .split_whitespace()
            .find_map(|t| t.strip_prefix('+').and_then(|t| t.strip_suffix('▸')).and_then(|n| n.parse().ok()))
            .or_else(|| {
                header.split(" more ▸").next().and_then(|h| h.split_whitespace().last()?.parse().ok())
            })
            .unwrap_or(0);
        assert_eq!(names + hidden, 5, "{w}: {s}");
        // From 80 columns (the minimum) all five get a column.
        assert!(w < 80 || hidden == 0, "{w}: {s}");
        assert_eq!(ladder(lines[2]).matches('│').count(), names, "{w}: {s}");
    }
    // Wide enough for all five: no mark.
    let wide = screen(&mut a, &model, 160, 40);
    assert!(wide.contains("127.0.0.33:5060") && !wide.contains('▸'), "{wide}");
}

/// Under 100 columns the findings list shortens the time and leaves the Call-ID to the
/// explanation below before the summary gets under 30 columns (it squeezed to a few
/// characters at 60).
#[test]
fn narrow_findings_keep_the_summary_readable() {
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Findings);
    let s = screen(&mut a, &model, 80, 24);
    assert!(
        s.contains("│11:08:56 ✖ forbidden-403          INVITE refused with 403 by 127.0.0.12:5060"),
        "{s}"
    );
    // The explanation names the call.
    assert!(s.contains("│lab-403-plain-1@127.0.0.10 · 11:08:56.025"), "{s}");
    let s = screen(&mut a, &model, 60, 20);
    let line = s.lines().find(|l| l.starts_with("│") && l.contains("decline-not-honoured")).unwrap();
    let summary = line.split("decline-not-honoured").nth(1).unwrap().trim().trim_end_matches('│');
    assert!(summary.chars().count() >= 20, "{line}");
    // Wide enough: the call column is back.
    assert!(screen(&mut a, &model, 120, 40).contains("lab-403-plain-1@127.0.0.10     INVITE refused"));
}

/// Under the 80x24 the dashboard is made for, views still say what they leave out: the calls
/// list keeps From, To and the code at 40 columns (the state goes: its colour says it), help
/// puts descriptions under their keys, the response chart names the codes it leaves out, and
/// the registrations keep the answer and the time left at 60.
#[test]
fn views_below_the_minimum_say_what_they_leave_out() {
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    let s = screen(&mut a, &model, 40, 12);
    assert!(s.contains("│Time     Method   From To  Code Findi…│"), "{s}");
    // The layouts switch at the terminal's columns, as the docs give them: State from 60.
    assert!(screen(&mut a, &model, 60, 20).lines().nth(1).unwrap().contains(" State "));
    assert!(!screen(&mut a, &model, 59, 20).lines().nth(1).unwrap().contains("State"));
    assert!(s.contains("│11:08:56 INVITE   ali… bob 403  ✖ for…│"), "{s}");
    key(&mut a, &model, KeyCode::Char('?'));
    let s = screen(&mut a, &model, 40, 12);
    assert!(s.contains("│q, Ctrl-C all") && s.contains("│  quit "), "{s}");
    key(&mut a, &model, KeyCode::Char('?'));
    a.view = View::Stats;
    let s = screen(&mut a, &model, 30, 12);
    assert!(s.contains("Responses · 1 not shown"), "{s}");
    // Under 17 lines the per-second chart goes before the counters.
    assert!(s.contains("RFC 6076") && !s.contains("New calls per second"), "{s}");
    assert!(screen(&mut a, &model, 30, 20).contains("New calls per second"));
    let s = screen(&mut a, &model, 30, 12);
    let labels = s.lines().find(|l| l.contains("180 200")).unwrap();
    assert!(labels.contains("603") && !labels.contains("100"), "provisional codes go first: {s}");
    // A failing source too long for its box is cut with a mark (`7.17.254.1` would read as
    // another address).
    let s = screen(&mut a, &model, 40, 12);
    for l in s.lines().filter(|l| l.contains("7.17.25")) {
        assert!(l.contains("7.17.254.165") || l.contains("7.17.254.188") || l.contains('…'), "{s}");
    }
    // A counter's value stays with its label when the counters wrap.
    let s = screen(&mut a, &model, 80, 24);
    for item in ["SER 45.45 %", "SEER 72.73 %", "retransmissions 0", "duplicates 0"] {
        assert!(s.contains(item), "{item}: {s}");
    }
    // The call title names the parties as user@host when the display names do not fit.
    a.view = View::Calls;
    key(&mut a, &model, KeyCode::Home);
    key(&mut a, &model, KeyCode::Down);
    key(&mut a, &model, KeyCode::Down);
    key(&mut a, &model, KeyCode::Down);
    key(&mut a, &model, KeyCode::Enter);
    let s = screen(&mut a, &model, 60, 20);
    assert!(s.starts_with("┌ call · alice → … · completed 200 ┐"), "{s}");
    let model = model_of("lab-register-401-403.pcap");
    let mut a = app(&model);
    a.view = View::Registrations;
    let s = screen(&mut a, &model, 60, 20);
    assert!(s.contains("│Status       AoR                  Last    Left  From"), "{s}");
    assert!(s.contains("│failed       sip:alice@127.0.0.13  403       -  "), "{s}");
}

/// The calls list's columns grow to fit what scrolls into view and do not shrink back, so
/// scrolling line by line does not shift every column right of a party; another width starts
/// afresh.
#[test]
fn calls_columns_do_not_jump_while_scrolling() {
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    let header = |s: &str| s.lines().nth(1).unwrap().to_string();
    key(&mut a, &model, KeyCode::Home);
    // The INVITEs near the end have shorter parties than the REGISTERs at the top.
    key(&mut a, &model, KeyCode::End);
    let bottom = header(&screen(&mut a, &model, 160, 12));
    key(&mut a, &model, KeyCode::Home);
    let top = header(&screen(&mut a, &model, 160, 12));
    key(&mut a, &model, KeyCode::End);
    let bottom_again = header(&screen(&mut a, &model, 160, 12));
    assert_ne!(bottom, top, "the REGISTERs' longer From widens the column");
    assert_eq!(top, bottom_again, "and it stays wide after scrolling back");
    // A resize starts afresh from what is on screen.
    screen(&mut a, &model, 150, 12);
    assert_eq!(header(&screen(&mut a, &model, 160, 12)), bottom);
}

/// With no finding to show, the Finding column gives its room to the parties: a dialled
/// number in a toll-fraud scan is shown whole at 80 columns (it was cut beside an empty column).
#[test]
fn parties_take_the_room_an_empty_finding_column_leaves() {
    let model = model_of("initconf-3700-unauthorized-401.pcap");
    let mut a = app(&model);
    let s = screen(&mut a, &model, 80, 24);
    assert!(s.contains("│00:42:43 INVITE   200  1010333011972599501806 rejected    482"), "{s}");
    assert!(!s.lines().skip(2).take(11).any(|l| l.contains('…')), "{s}");
}

/// The cursor stays on the call it is on, not on its row number, when the list is sorted,
/// reversed, filtered, unfiltered, or joined by new calls (Enter and `s` act on the call the
/// operator chose).
#[test]
fn the_selection_stays_on_its_call() {
    let full = model_of("demo.pcap");
    // The model as it was before its last three calls arrived, then with them.
    let mut model = Model::default();
    let n = full.rows.len();
    model.apply(Batch {
        calls: full.rows[..n - 3].iter().map(|r| r.summary.clone()).collect(),
        ..Default::default()
    });
    let mut a = app(&model);
    let id = |a: &App, m: &Model| m.rows[a.selected_row().unwrap()].summary.call_id.clone();
    key(&mut a, &model, KeyCode::Home);
    for _ in 0..7 {
        key(&mut a, &model, KeyCode::Down);
    }
    screen(&mut a, &model, 80, 24);
    let chosen = id(&a, &model);
    assert!(chosen.contains("dnd-603"), "{chosen}");
    for k in [KeyCode::Char('o'), KeyCode::Char('o'), KeyCode::Char('r'), KeyCode::Char('F')] {
        key(&mut a, &model, k);
        screen(&mut a, &model, 80, 24);
        assert_eq!(id(&a, &model), chosen, "after {k:?}");
    }
    key(&mut a, &model, KeyCode::Char('F'));
    key(&mut a, &model, KeyCode::Char('/'));
    type_text(&mut a, &model, "603");
    key(&mut a, &model, KeyCode::Enter);
    screen(&mut a, &model, 80, 24);
    assert_eq!(id(&a, &model), chosen, "after a filter it passes");
    key(&mut a, &model, KeyCode::Esc);
    screen(&mut a, &model, 80, 24);
    assert_eq!(id(&a, &model), chosen, "after clearing the filter");
    // New calls arrive while the operator looks at this one (follow is off once they moved).
    model.apply(Batch {
        calls: full.rows[n - 3..].iter().map(|r| r.summary.clone()).collect(),
        ..Default::default()
    });
    screen(&mut a, &model, 80, 24);
    assert_eq!(model.rows.len(), n);
    assert_eq!(id(&a, &model), chosen, "after new calls");
}

/// A finding about a source (toll fraud, a scanner) has no single call: Enter on it lists the
/// calls from that source, the title says so, and Esc shows all calls again.
#[test]
fn enter_on_a_source_finding_lists_its_calls() {
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    key(&mut a, &model, KeyCode::Tab);
    assert_eq!(a.view, View::Findings);
    // Newest first: the fourth is the scanner at 171.217.27.159.
    for _ in 0..3 {
        key(&mut a, &model, KeyCode::Down);
    }
    let s = screen(&mut a, &model, 120, 40);
    assert!(s.contains("explanation (Enter lists the calls from this source)"), "{s}");
    key(&mut a, &model, KeyCode::Enter);
    assert_eq!(a.view, View::Calls);
    let s = screen(&mut a, &model, 120, 40);
    assert!(s.contains("only from 171.217.27.159"), "{s}");
    assert!(s.contains("calls from 171.217.27.159 (Esc shows all)"), "{s}");
    let from_source: Vec<usize> =
        (0..model.rows.len()).filter(|&i| model.rows[i].summary.src.starts_with("171.217.27.159:")).collect();
    assert!(!from_source.is_empty() && from_source.len() < model.rows.len());
    assert_eq!(a.visible, from_source);
    key(&mut a, &model, KeyCode::Esc);
    a.refresh(&model);
    assert_eq!((a.visible.len(), a.source_only), (model.rows.len(), None));
}

/// Follow selects the newest call whatever the sort: under a sort by To or state, the call that
/// arrived last, not the bottom row.
#[test]
fn follow_selects_the_newest_call_under_any_sort() {
    let model = model_of("demo.pcap");
    let mut a = app(&model);
    let newest = model.rows.len() - 1;
    for _ in 0..4 {
        key(&mut a, &model, KeyCode::Char('o'));
        screen(&mut a, &model, 120, 30);
        assert!(a.follow);
        assert_eq!(a.selected_row(), Some(newest), "sort {:?}", a.sort);
    }
    key(&mut a, &model, KeyCode::Char('r'));
    screen(&mut a, &model, 120, 30);
    assert_eq!(a.selected_row(), Some(newest), "reversed");
}

/// A long reason phrase gives way in the call title before the parties are cut to nothing
/// (`subscription · … · failed 481 Call/Transact…` at 80 columns).
#[test]
fn the_call_title_keeps_the_parties_before_a_long_reason_phrase() {
    let model = model_of("ordinary-subscriptions.pcap");
    let mut a = app(&model);
    let row = model.rows.iter().position(|r| r.summary.final_code == Some(481)).unwrap();
    let at = a.visible.iter().position(|&i| i == row).unwrap();
    key(&mut a, &model, KeyCode::Home);
    for _ in 0..at {
        key(&mut a, &model, KeyCode::Down);
    }
    key(&mut a, &model, KeyCode::Enter);
    let s = screen(&mut a, &model, 80, 24);
    let title = s.lines().next().unwrap();
    assert!(title.starts_with("┌ subscription · 201 → 203 · failed 481 ─"), "{title}");
    // Wide, the reason phrase is whole.
    let s = screen(&mut a, &model, 200, 50);
    assert!(s.lines().next().unwrap().contains("481 Call/Transaction Does Not Exist"), "{s}");
}

/// States read as words in the calls list and the call title (`in progress`, not the report's
/// `in_progress`), and a one-message call says `1 message`.
#[test]
fn states_read_as_words() {
    let model = model_of("initconf-sipvicious-baduseragent.pcap");
    let mut a = app(&model);
    let s = screen(&mut a, &model, 120, 30);
    assert!(s.contains(" in progress ") && !s.contains("in_progress"), "{s}");
    key(&mut a, &model, KeyCode::Enter);
    let s = screen(&mut a, &model, 120, 30);
    assert!(!s.contains("in_progress") && s.contains(" · 1 message ─"), "{s}");
}
