//! The engine thread of the dashboard: reads a capture (as fast as possible, or paced at
//! `--speed` times capture time, or the embedded demo in a loop), drives the engine and sends
//! batches of changes to the UI over a bounded channel. It never waits for the UI: when the
//! channel is full it keeps merging changes into the next batch.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{self, error::TrySendError};

use super::model::{Batch, CallSummary};
use crate::capture::file::FileSource;
use crate::engine::{Engine, EngineConfig};
use crate::packet::RawPacket;
use crate::time::Timestamp;

/// The demo capture embedded in the binary (`scripts/make-demo-pcap.py`).
pub const DEMO_PCAP: &[u8] = include_bytes!("../../pcaps/demo.pcap");

/// Where the dashboard's packets come from.
pub enum Source {
    /// A capture file; `speed` paces it at that multiple of capture time (`None`: at once).
    File {
        /// Path (`-` for standard input).
        path: String,
        /// Replay speed.
        speed: Option<f64>,
    },
    /// The embedded demo capture, in real time, looping.
    Demo,
    /// Live capture (interfaces already open, privileges already dropped).
    Live {
        /// The capture threads.
        live: crate::capture::live::Live,
        /// Interface names.
        interfaces: Vec<String>,
        /// `-w`: where packets that carried SIP are written.
        writer: Option<crate::export::pcap::PcapWriter>,
    },
}

impl Source {
    /// How the status bar names it.
    pub fn label(&self) -> String {
        match self {
            Source::File { path, speed: None } => format!("file {path}"),
            Source::File { path, speed: Some(s) } => format!("file {path} at {s}x"),
            Source::Demo => "demo (embedded capture, looping)".into(),
            Source::Live { interfaces, .. } => format!("live {}", interfaces.join(",")),
        }
    }
}

/// The running engine thread.
pub struct Feed {
    /// Batches for the UI.
    pub rx: mpsc::Receiver<Batch>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Feed {
    /// Starts the engine thread.
    pub fn spawn(source: Source, config: EngineConfig) -> Feed {
        let (tx, rx) = mpsc::channel(8);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("sipscope-engine".into())
            .spawn(move || {
                let mut feeder = Feeder::new(Engine::new(config), tx, flag);
                feeder.run(source);
            })
            .expect("spawn engine thread");
        Feed { rx, stop, thread: Some(thread) }
    }

    /// Asks the thread to stop and waits for it.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.rx.close();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Batches are sent at most this often.
const FLUSH_EVERY: Duration = Duration::from_millis(30);

struct Feeder {
    engine: Engine,
    tx: mpsc::Sender<Batch>,
    stop: Arc<AtomicBool>,
    pending: Batch,
    changed: HashSet<Box<[u8]>>,
    last_flush: Instant,
    last_ts: Timestamp,
    kernel_drops: u64,
}

impl Feeder {
    fn new(engine: Engine, tx: mpsc::Sender<Batch>, stop: Arc<AtomicBool>) -> Self {
        Feeder {
            engine,
            tx,
            stop,
            pending: Batch::default(),
            changed: HashSet::new(),
            last_flush: Instant::now(),
            last_ts: Timestamp::default(),
            kernel_drops: 0,
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.tx.is_closed()
    }

    fn run(&mut self, source: Source) {
        match source {
            Source::File { path, speed } => {
                let notice = match FileSource::open(&path) {
                    Ok(mut src) => self.replay(&mut src, speed, 0).err().unwrap_or_else(|| {
                        let s = self.engine.stats();
                        format!(
                            "end of capture: {} packets, {} SIP messages",
                            s.decode.packets, s.sip_messages
                        )
                    }),
                    Err(e) => e.to_string(),
                };
                self.finish(notice);
            }
            Source::Demo => {
                let path = std::env::temp_dir().join(format!("sipscope-demo-{}.pcap", std::process::id()));
                if let Err(e) = std::fs::write(&path, DEMO_PCAP) {
                    self.finish(format!("cannot unpack the demo capture: {e}"));
                    return;
                }
                let mut offset: i64 = 0;
                while !self.stopped() {
                    let Ok(mut src) = FileSource::open(path.to_str().unwrap_or_default()) else { break };
                    let (first, last) = match self.replay(&mut src, Some(1.0), offset) {
                        Ok(span) => span,
                        Err(_) => break,
                    };
                    offset += last.0 - first.0 + 5_000_000_000;
                }
                let _ = std::fs::remove_file(&path);
            }
            Source::Live { mut live, mut writer, .. } => {
                self.live(&mut live, &mut writer);
                live.stop();
            }
        }
    }

    /// Feeds live batches; ticks the engine when the link is quiet.
    fn live(
        &mut self,
        live: &mut crate::capture::live::Live,
        writer: &mut Option<crate::export::pcap::PcapWriter>,
    ) {
        use crate::capture::live::LiveEvent;
        use std::sync::mpsc::RecvTimeoutError;
        while !self.stopped() {
            match live.rx.recv_timeout(Duration::from_millis(50)) {
                Ok(LiveEvent::Packets(b)) => {
                    for &(ts, off, len, orig_len) in &b.records {
                        let pkt =
                            RawPacket { ts, linktype: b.linktype, data: &b.data[off..off + len], orig_len };
                        self.last_ts = ts;
                        for (m, a) in self.engine.ingest_flagged(&pkt) {
                            self.changed.insert(m.call_id().into());
                            self.pending.messages.push((m, a));
                        }
                        if self.engine.carried_sip() {
                            if let Some(w) = writer.as_mut() {
                                if let Err(e) = w.write(ts.0, pkt.data) {
                                    self.pending.notice = Some(format!("-w stopped: {e}"));
                                    *writer = None;
                                }
                            }
                        }
                    }
                }
                Ok(LiveEvent::Failed { interface, message }) => {
                    self.pending.notice = Some(format!("capture on {interface} stopped: {message}"));
                }
                Err(RecvTimeoutError::Timeout) => {
                    let now = crate::capture::live::now();
                    self.last_ts = self.last_ts.max(now);
                    for (m, a) in self.engine.tick(now).map(|m| (m, None)) {
                        self.pending.messages.push((m, a));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.pending.notice = Some("capture stopped".into());
                    self.flush();
                    return;
                }
            }
            self.kernel_drops = live.drops().total();
            self.maybe_flush();
        }
    }

    /// Replays one file; returns the first and last capture times, or a notice on error.
    fn replay(
        &mut self,
        src: &mut FileSource,
        speed: Option<f64>,
        offset_ns: i64,
    ) -> Result<(Timestamp, Timestamp), String> {
        let started = Instant::now();
        let mut first: Option<Timestamp> = None;
        let mut last = Timestamp::default();
        loop {
            if self.stopped() {
                return Ok((first.unwrap_or(last), last));
            }
            let pkt = match src.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(e) => {
                    return Err(e.to_string());
                }
            };
            let ts = Timestamp(pkt.ts.0.saturating_add(offset_ns));
            let t0 = *first.get_or_insert(ts);
            last = ts;
            if let Some(s) = speed.filter(|s| *s > 0.0) {
                let due = Duration::from_nanos(((ts.0 - t0.0).max(0) as f64 / s) as u64);
                loop {
                    let elapsed = started.elapsed();
                    if elapsed >= due || self.stop.load(Ordering::Relaxed) {
                        break;
                    }
                    std::thread::sleep((due - elapsed).min(Duration::from_millis(20)));
                    // Time goes on between packets: timers fire.
                    let now = Timestamp(t0.0 + (started.elapsed().as_nanos() as f64 * s) as i64).min(ts);
                    self.engine.tick(now).for_each(drop);
                    self.maybe_flush();
                }
            }
            let pkt = RawPacket { ts, ..pkt };
            self.last_ts = ts;
            for (m, a) in self.engine.ingest_flagged(&pkt) {
                self.changed.insert(m.call_id().into());
                self.pending.messages.push((m, a));
            }
            self.maybe_flush();
        }
        Ok((first.unwrap_or(last), last))
    }

    fn finish(&mut self, notice: String) {
        for (m, a) in self.engine.finish_flagged() {
            self.changed.insert(m.call_id().into());
            self.pending.messages.push((m, a));
        }
        self.pending.notice = Some(notice);
        self.flush();
        // Deliver the last batch even if the UI is momentarily behind.
        while !self.pending.is_empty() && !self.stopped() {
            std::thread::sleep(Duration::from_millis(20));
            self.flush();
        }
    }

    fn maybe_flush(&mut self) {
        if self.last_flush.elapsed() >= FLUSH_EVERY || self.pending.messages.len() >= 50_000 {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.last_flush = Instant::now();
        if let Some(c) = self.engine.correlator() {
            for id in self.changed.drain() {
                if let Some(call) = c.get(&id) {
                    self.pending.calls.push(CallSummary::of(call, false));
                }
            }
        }
        for call in self.engine.drain_finished_calls() {
            self.pending.calls.push(CallSummary::of(&call, true));
        }
        self.pending.findings.extend(self.engine.drain_findings());
        self.pending.counters =
            Some(Batch::counters_of(self.engine.stats(), self.engine.metrics(), self.last_ts, 0));
        let batch = std::mem::take(&mut self.pending);
        match self.tx.try_send(batch) {
            Ok(()) => {}
            Err(TrySendError::Full(b)) => self.pending = b,
            Err(TrySendError::Closed(_)) => {}
        }
    }
}
