//! The terminal dashboard: `sipscope -r FILE`, `sipscope watch -r FILE`, `sipscope --demo`.
//!
//! The engine runs on its own thread ([`feed`]) and sends batches of changes; this module is the
//! shell: it owns the terminal (restored on exit, error or panic) and runs a tokio `select!` over
//! terminal events, engine batches and a frame tick (at most ~30 redraws a second, only when
//! something changed). A slow terminal costs frames, never packets.

pub mod app;
pub mod feed;
pub mod keys;
pub mod model;
pub mod theme;
pub mod views;
pub mod widgets;

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyEventKind};
use futures_util::StreamExt;

use app::{App, Command};
use feed::{Feed, Source};
use model::Model;

use crate::engine::EngineConfig;

/// What to show and how.
pub struct Options {
    /// Where packets come from.
    pub source: Source,
    /// Engine settings (correlation is switched on here).
    pub engine: EngineConfig,
    /// Memory budget for kept messages, in bytes.
    pub max_memory: usize,
}

/// Runs the dashboard until the user quits; returns the exit code.
pub fn run(opts: Options) -> i32 {
    let mut engine = opts.engine;
    engine.correlate.get_or_insert_with(Default::default);
    let label = opts.source.label();
    let media_file = opts.source.file_path();
    let mut feed = Feed::spawn(opts.source, engine);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
        previous(info);
    }));
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("sipscope: cannot open the terminal for the dashboard: {e} (use `sipscope report` for a text report)");
            return 1;
        }
    };
    let _ = crossterm::execute!(io::stdout(), EnableMouseCapture);
    let result = event_loop(&mut terminal, &mut feed, label, opts.max_memory, media_file.as_deref());
    let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
    feed.stop();
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("sipscope: dashboard: {e}");
            1
        }
    }
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    feed: &mut Feed,
    label: String,
    budget: usize,
    media_file: Option<&str>,
) -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build()?;
    rt.block_on(async {
        let mut events = EventStream::new();
        let mut tick = tokio::time::interval(Duration::from_millis(33));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut model = Model::new(budget);
        let mut app = App::new(label);
        let mut dirty = true;
        let mut feed_open = true;
        let mut rate_at = (Instant::now(), 0u64);
        loop {
            tokio::select! {
                ev = events.next() => match ev {
                    Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                        app.status = None;
                        if let Some(Command::Save(row)) = app.on_key(k, &model) {
                            app.status = Some(save(&model, row, media_file));
                        }
                        dirty = true;
                    }
                    Some(Ok(Event::Mouse(m))) => {
                        app.on_mouse(m, &model);
                        dirty = true;
                    }
                    Some(Ok(Event::Resize(..))) => dirty = true,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Err(e),
                    None => break,
                },
                batch = feed.rx.recv(), if feed_open => match batch {
                    Some(b) => {
                        model.apply(b);
                        dirty = true;
                    }
                    None => feed_open = false,
                },
                _ = tick.tick() => {
                    if crate::signals::stop_requested() {
                        break;
                    }
                    let elapsed = rate_at.0.elapsed();
                    if elapsed >= Duration::from_secs(1) {
                        let total = model.counters.engine.sip_messages;
                        app.rate = (total - rate_at.1.min(total)) as f64 / elapsed.as_secs_f64();
                        rate_at = (Instant::now(), total);
                        dirty = true;
                    }
                    if dirty {
                        terminal.draw(|f| views::draw(f, &mut app, &model))?;
                        dirty = false;
                    }
                }
            }
            if app.quit {
                break;
            }
        }
        Ok(())
    })
}

/// Saves a row's messages (and its linked calls') to a pcap file in the current directory, with
/// the call's RTP and RTCP when the capture file can be read again (`media_file`).
pub fn save(model: &Model, row: usize, media_file: Option<&str>) -> String {
    save_in(std::path::Path::new("."), model, row, media_file)
}

/// Like [`save`], into the directory `dir`.
pub fn save_in(dir: &std::path::Path, model: &Model, row: usize, media_file: Option<&str>) -> String {
    let msgs = views::call::messages(model, row);
    if msgs.is_empty() {
        return "nothing to save: this call's messages were not kept".into();
    }
    let summary = &model.rows[row].summary;
    let id: String = summary
        .call_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
        .take(60)
        .collect();
    let path = dir.join(format!("sipscope-{id}.pcap")).display().to_string();
    let wanted: Vec<crate::export::media::Wanted> = summary.streams.iter().map(|s| s.span).collect();
    let (media, note) = match media_file {
        Some(file) if !wanted.is_empty() => match crate::export::media::frames(file, &wanted) {
            Ok(v) => (v, String::new()),
            Err(e) => (Vec::new(), format!(" (its RTP could not be read back: {e})")),
        },
        None if !wanted.is_empty() => {
            (Vec::new(), " (RTP is saved from capture files only; record live media with -w)".to_string())
        }
        _ => (Vec::new(), String::new()),
    };
    let result = std::fs::File::create(&path).and_then(|f| {
        let mut w = io::BufWriter::new(f);
        let n = crate::export::pcap::write_call(&mut w, msgs.iter().map(|s| &s.msg), media)?;
        std::io::Write::flush(&mut w)?;
        Ok(n)
    });
    match result {
        Ok((n, 0)) => format!("saved {n} messages to {path}{note}"),
        Ok((n, m)) => format!("saved {n} messages and {m} RTP/RTCP packets to {path}"),
        Err(e) => format!("could not save {path}: {e}"),
    }
}
