//! The engine thread of the dashboard: the one driver ([`crate::driver::drive`]) over a capture
//! file (as fast as possible, or paced at `--speed` times capture time), the embedded demo read
//! from memory in a loop, or live interfaces, into a batching sink that sends changes to the UI
//! over a bounded channel. It never waits for the UI: when the channel is full it keeps merging
//! changes into the next batch.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{self, error::TrySendError};

use super::model::{Batch, CallSummary, Registrations};
use crate::capture::file::FileSource;
use crate::capture::live::{LiveCounters, LiveSource};
use crate::capture::memory::MemoryPcap;
use crate::capture::paced::Paced;
use crate::correlate::{Added, Call};
use crate::diagnose::Finding;
use crate::driver::{drive, Sink};
use crate::engine::{Engine, EngineConfig};
use crate::export::hep::HepSender;
use crate::export::pcap::PcapWriter;
use crate::packet::{RawPacket, Source as PacketSource};
use crate::sip::SipMessage;
use crate::time::Timestamp;

/// The demo capture embedded in the binary (`scripts/make-demo-pcap.py`).
pub const DEMO_PCAP: &[u8] = include_bytes!("../../pcaps/demo.pcap");

/// Where the dashboard's packets come from.
pub enum Source {
    /// A capture file (`-` for standard input), paced at `speed` times capture time if given.
    File {
        /// Path as given.
        path: String,
        /// `--speed`.
        speed: Option<f64>,
    },
    /// A capture file the shell has already opened (so it is opened once, and errors are
    /// reported before the terminal is taken over), paced at `speed` if given.
    Opened {
        /// The open file.
        file: Box<FileSource>,
        /// Path as given, for the status bar.
        path: String,
        /// `--speed`.
        speed: Option<f64>,
    },
    /// The embedded demo capture, looping at capture speed.
    Demo,
    /// Live interfaces and HEP listeners.
    Live {
        /// The running capture.
        source: Box<LiveSource>,
        /// The inputs, for the status bar (`any + HEP udp:0.0.0.0:9060`).
        label: String,
        /// `-w`: where the frames that carried SIP go.
        writer: Option<PcapWriter>,
    },
}

impl Source {
    /// The capture file behind this source, when it can be read again (not stdin, the demo or
    /// live interfaces): a saved call's RTP is fetched from it.
    pub fn file_path(&self) -> Option<String> {
        match self {
            Source::File { path, .. } | Source::Opened { path, .. } if path != "-" => Some(path.clone()),
            _ => None,
        }
    }

    /// What the status bar says about the source.
    pub fn label(&self) -> String {
        match self {
            Source::File { path, speed: None } => format!("file {path}"),
            Source::File { path, speed: Some(s) } => format!("file {path} at {s}x"),
            Source::Opened { path, speed: None, .. } => format!("file {path}"),
            Source::Opened { path, speed: Some(s), .. } => format!("file {path} at {s}x"),
            Source::Demo => "demo (embedded capture, looping)".into(),
            Source::Live { label, .. } => format!("live {label}"),
        }
    }
}

/// The running engine thread and the channel its batches arrive on.
pub struct Feed {
    /// Batches from the engine thread.
    pub rx: mpsc::Receiver<Batch>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Feed {
    /// Starts the engine thread on `source`; with `hep_out`, every message is also sent on as HEP3.
    pub fn spawn(source: Source, config: EngineConfig, hep_out: Option<HepSender>) -> Feed {
        let (tx, rx) = mpsc::channel(8);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("sipscope-engine".into())
            .spawn(move || {
                let mut sink = BatchSink::new(tx, flag);
                sink.hep = hep_out;
                run(source, Engine::new(config), sink)
            })
            .expect("spawn engine thread");
        Feed { rx, stop, thread: Some(thread) }
    }

    /// Stops the engine thread and waits for it.
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

/// How often a batch is sent at most.
const FLUSH_EVERY: Duration = Duration::from_millis(30);

/// The engine thread: one driver over the source, then the last notice.
fn run(source: Source, mut engine: Engine, mut sink: BatchSink) {
    let notice = match source {
        Source::File { path, speed } => match FileSource::open(&path) {
            Ok(file) => replay(file, speed, &mut engine, &mut sink),
            Err(e) => e.to_string(),
        },
        Source::Opened { file, speed, .. } => replay(*file, speed, &mut engine, &mut sink),
        Source::Demo => match MemoryPcap::new(DEMO_PCAP, true) {
            Ok(demo) => drive_into(&mut Paced::new(demo, 1.0), &mut engine, &mut sink)
                .unwrap_or_else(|| "demo stopped".into()),
            Err(e) => format!("cannot read the demo capture: {e}"),
        },
        Source::Live { mut source, writer, .. } => {
            sink.writer = writer;
            sink.counters = Some(source.counters());
            drive_into(&mut *source, &mut engine, &mut sink).unwrap_or_else(|| "capture stopped".into())
        }
    };
    sink.finish(notice, &engine);
    if sink.stop_requested() {
        // The dashboard is closing and the process exits next: freeing every call the engine
        // holds only delays the prompt (a second after a large capture). The sink (and a `-w`
        // file's buffer) is dropped, and so flushed, as usual.
        std::mem::forget(engine);
    }
}

/// Replays a capture file (paced at `speed` if given); returns the notice to show at the end.
fn replay(mut file: FileSource, speed: Option<f64>, engine: &mut Engine, sink: &mut BatchSink) -> String {
    let outcome = match speed {
        Some(s) => drive_into(&mut Paced::new(file, s), engine, sink),
        None => drive_into(&mut file, engine, sink),
    };
    outcome.unwrap_or_else(|| {
        let s = engine.stats();
        format!("end of capture: {} packets, {} SIP messages", s.decode.packets, s.sip_messages)
    })
}

/// Drives `source` into the sink; returns the source's error, if it stopped on one.
fn drive_into(source: &mut dyn PacketSource, engine: &mut Engine, sink: &mut BatchSink) -> Option<String> {
    match drive(source, engine, sink) {
        Ok(outcome) => outcome.error.map(|e| e.to_string()),
        Err(e) => Some(e.to_string()),
    }
}

/// The dashboard's sink: collects messages, changed calls, findings and counters, and sends them
/// as one batch every [`FLUSH_EVERY`].
struct BatchSink {
    tx: mpsc::Sender<Batch>,
    stop: Arc<AtomicBool>,
    pending: Batch,
    changed: HashSet<Box<[u8]>>,
    last_flush: Instant,
    last_ts: Timestamp,
    writer: Option<PcapWriter>,
    counters: Option<Arc<LiveCounters>>,
    /// Calls answered and not yet handed out, with the RTP packet count last sent: their media
    /// changes without SIP messages, so they are refreshed every [`MEDIA_EVERY`].
    talking: HashMap<Box<[u8]>, u64>,
    last_media: Instant,
    /// `--hep`.
    hep: Option<HepSender>,
    /// Registration counters at the last snapshot, and when it was sent.
    regs_seen: (u64, u64, u64),
    last_regs: Instant,
}

/// How often the registrations snapshot is refreshed while nothing else changes.
const REGS_EVERY: Duration = Duration::from_secs(1);

/// Most calls in conversation whose streams are refreshed between their SIP messages.
const MAX_TALKING: usize = 20_000;

/// How often the streams of calls in conversation are refreshed.
const MEDIA_EVERY: Duration = Duration::from_millis(500);

impl BatchSink {
    fn new(tx: mpsc::Sender<Batch>, stop: Arc<AtomicBool>) -> Self {
        BatchSink {
            tx,
            stop,
            pending: Batch::default(),
            changed: HashSet::new(),
            last_flush: Instant::now(),
            last_ts: Timestamp::default(),
            writer: None,
            counters: None,
            talking: HashMap::new(),
            last_media: Instant::now(),
            hep: None,
            regs_seen: (0, 0, 0),
            last_regs: Instant::now(),
        }
    }

    /// The last notice, then the batches still pending until the UI took them (or left).
    fn finish(&mut self, notice: String, engine: &Engine) {
        self.pending.notice = Some(notice);
        // The last word on the registrations too (a file read in under a second got none yet).
        if let Some(table) = engine.registrations() {
            self.pending.registrations = Some(Registrations::of(table, engine.now()));
            self.last_regs = Instant::now();
        }
        self.flush(Some(engine));
        while !self.pending.is_empty() && !self.stop_requested() {
            std::thread::sleep(Duration::from_millis(20));
            self.flush(None);
        }
    }

    fn flush(&mut self, engine: Option<&Engine>) {
        self.last_flush = Instant::now();
        if let Some(engine) = engine {
            if let Some(c) = engine.correlator() {
                for id in self.changed.drain() {
                    if let Some(call) = c.get(&id) {
                        if call.answered().is_some() && self.talking.len() < MAX_TALKING {
                            self.talking.entry(id.clone()).or_insert(u64::MAX);
                        }
                        let summary = CallSummary::of(call, false);
                        if let Some(seen) = self.talking.get_mut(&id) {
                            *seen = summary.rtp_packets;
                        }
                        self.pending.calls.push(summary);
                    }
                }
                if self.last_media.elapsed() >= MEDIA_EVERY {
                    self.last_media = Instant::now();
                    for (id, seen) in self.talking.iter_mut() {
                        if let Some(call) = c.get(id) {
                            let now = call.media.rtp_packets();
                            if now != *seen {
                                *seen = now;
                                self.pending.calls.push(CallSummary::of(call, false));
                            }
                        }
                    }
                }
            }
            if let Some(table) = engine.registrations() {
                // Statuses change with time too (bindings run out): a fresh snapshot every second
                // while the table changes or holds rows.
                let st = table.stats();
                let seen = (st.requests, st.accepted + st.refused, st.evicted);
                // At most once a second: a snapshot sorts the whole table.
                if (seen != self.regs_seen || !table.is_empty()) && self.last_regs.elapsed() >= REGS_EVERY {
                    self.regs_seen = seen;
                    self.last_regs = Instant::now();
                    self.pending.registrations = Some(Registrations::of(table, engine.now()));
                }
            }
            let drops = self.counters.as_ref().map_or(0, |c| c.drops().total());
            self.pending.counters =
                Some(Batch::counters_of(engine.stats(), engine.metrics(), self.last_ts, drops));
        }
        let batch = std::mem::take(&mut self.pending);
        match self.tx.try_send(batch) {
            Ok(()) => {}
            Err(TrySendError::Full(b)) => self.pending = b,
            Err(TrySendError::Closed(_)) => {}
        }
    }
}

impl Sink for BatchSink {
    fn message(&mut self, msg: &SipMessage, added: Option<Added>) -> io::Result<()> {
        self.changed.insert(msg.call_id().into());
        self.pending.messages.push((msg.clone(), added));
        if let Some(h) = self.hep.as_mut() {
            h.message(msg, added)?;
        }
        Ok(())
    }

    fn call(&mut self, call: &Call) -> io::Result<()> {
        self.talking.remove(&call.call_id[..]);
        self.pending.calls.push(CallSummary::of(call, true));
        Ok(())
    }

    fn finding(&mut self, finding: &Finding) -> io::Result<()> {
        self.pending.findings.push(finding.clone());
        Ok(())
    }

    fn frame(&mut self, pkt: &RawPacket<'_>, carried_sip: bool) -> io::Result<()> {
        self.last_ts = self.last_ts.max(pkt.ts);
        if carried_sip {
            if let Some(w) = self.writer.as_mut() {
                if let Err(e) = w.write(pkt) {
                    self.pending.notice = Some(format!("-w stopped: {e}"));
                    self.writer = None;
                }
            }
        }
        Ok(())
    }

    fn notice(&mut self, text: &str) -> io::Result<()> {
        self.pending.notice = Some(text.to_string());
        Ok(())
    }

    fn step(&mut self, engine: &Engine) -> io::Result<()> {
        if self.last_flush.elapsed() >= FLUSH_EVERY || self.pending.messages.len() >= 50_000 {
            self.flush(Some(engine));
        }
        Ok(())
    }

    fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.tx.is_closed()
    }
}
