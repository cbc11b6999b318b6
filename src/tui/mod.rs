//! The terminal dashboard: `sipscope -r FILE`, `sipscope watch -r FILE`, `sipscope --demo`.
//!
//! The engine runs on its own thread ([`feed`]) and sends batches of changes; this module is the
//! shell: it owns the terminal (restored on exit, error or panic) and runs a tokio `select!` over
//! terminal events, engine batches and a frame tick (at most ~30 redraws a second, only when
//! something changed). A slow terminal costs frames, never packets.

pub mod app;
pub mod diff;
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
    /// `--hep`: messages also sent on as HEP3.
    pub hep_out: Option<crate::export::hep::HepSender>,
}

/// Runs the dashboard until the user quits; returns the exit code.
pub fn run(opts: Options) -> i32 {
    let mut engine = opts.engine;
    engine.correlate.get_or_insert_with(Default::default);
    let label = opts.source.label();
    let media_file = opts.source.file_path();
    let hep_counters = opts.hep_out.as_ref().map(|h| h.counters.clone());
    let mut feed = Feed::spawn(opts.source, engine, opts.hep_out);
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
    if let Some(c) = hep_counters {
        let g = crate::export::hep::HepOutCounters::get;
        eprintln!("sipscope: HEP out: {} handed to the network, {} dropped", g(&c.sent), g(&c.dropped));
    }
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
        let (saved_tx, saved_rx) = std::sync::mpsc::channel::<String>();
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
                            // Reading a call's RTP back from a large file takes a while: off
                            // the UI thread, the result shown when it is done.
                            let job = SaveJob::of(&model, row);
                            let (file, tx) = (media_file.map(str::to_string), saved_tx.clone());
                            app.status = Some("saving…".into());
                            std::thread::spawn(move || {
                                let _ = tx.send(job.run(std::path::Path::new("."), file.as_deref()));
                            });
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
                    if let Ok(done) = saved_rx.try_recv() {
                        app.status = Some(done);
                        dirty = true;
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
                // Leave at once: the process exits next, and freeing a model of a million
                // messages took over a second before the terminal came back.
                std::mem::forget(model);
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
    SaveJob::of(model, row).run(dir, media_file)
}

/// What saving a call needs, taken from the model so the work can run on another thread.
pub struct SaveJob {
    messages: Vec<crate::sip::SipMessage>,
    wanted: Vec<crate::export::media::Wanted>,
    name: String,
}

impl SaveJob {
    /// The messages, streams and file name of a row.
    pub fn of(model: &Model, row: usize) -> SaveJob {
        let messages = views::call::messages(model, row).into_iter().map(|s| s.msg.clone()).collect();
        let summary = &model.rows[row].summary;
        let id: String = summary
            .call_id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
            .take(60)
            .collect();
        SaveJob {
            messages,
            wanted: summary.streams.iter().map(|s| s.span).collect(),
            name: format!("sipscope-{id}.pcap"),
        }
    }

    /// Writes the file into `dir`; returns the line for the status bar.
    pub fn run(self, dir: &std::path::Path, media_file: Option<&str>) -> String {
        if self.messages.is_empty() {
            return "nothing to save: this call's messages were not kept".into();
        }
        let path = dir.join(&self.name).display().to_string();
        let (media, note) = match media_file {
            Some(file) if !self.wanted.is_empty() => match crate::export::media::frames(file, &self.wanted) {
                Ok(v) => (v, String::new()),
                Err(e) => (Vec::new(), format!(" (its RTP could not be read back: {e})")),
            },
            None if !self.wanted.is_empty() => {
                (Vec::new(), " (RTP is saved from capture files only; record live media with -w)".to_string())
            }
            _ => (Vec::new(), String::new()),
        };
        let result = std::fs::File::create(&path).and_then(|f| {
            let mut w = io::BufWriter::new(f);
            let n = crate::export::pcap::write_call(&mut w, self.messages.iter(), media)?;
            std::io::Write::flush(&mut w)?;
            Ok(n)
        });
        match result {
            Ok((n, 0)) => format!("saved {n} messages to {path}{note}"),
            Ok((n, m)) => format!("saved {n} messages and {m} RTP/RTCP packets to {path}"),
            Err(e) => format!("could not save {path}: {e}"),
        }
    }
}
