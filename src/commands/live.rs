//! The shell of live capture for headless commands: open the interfaces, drop root, run the
//! capture threads, feed the engine (with ticks when the link is quiet), write `-w` files, and
//! stop cleanly on SIGINT/SIGTERM or when the duration is over.

use std::io;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use super::{exit, Item};
use crate::capture::live::{self, Live, LiveEvent, LiveOptions};
use crate::cli::LiveArgs;
use crate::engine::Engine;
use crate::export::pcap::PcapWriter;
use crate::packet::PortSet;
use crate::packet::RawPacket;
use crate::signals;

/// Live capture in progress.
pub struct LiveRun {
    /// The capture threads.
    pub live: Live,
    /// The `-w` writer.
    pub writer: Option<PcapWriter>,
    interfaces: Vec<String>,
    failed: usize,
}

/// Opens the interfaces (printing a clear error), drops privileges, starts capturing.
pub fn start(args: &LiveArgs, ports: Option<&PortSet>) -> Result<LiveRun, i32> {
    let opts = LiveOptions {
        interfaces: args.interface.clone(),
        filter: args.filter.clone(),
        ports: ports.cloned().unwrap_or_else(live::default_ports),
        buffer_mib: args.buffer_mib,
    };
    let opened = live::open(&opts).map_err(|e| {
        eprintln!("sipscope: {e}");
        exit::FAILURE
    })?;
    let linktypes = opened.linktypes();
    let writer = match &args.write {
        Some(path) => {
            if linktypes.windows(2).any(|w| w[0] != w[1]) {
                eprintln!("sipscope: -w needs interfaces of one link type (use -i any to capture all into one file)");
                return Err(exit::USAGE);
            }
            let rotate = args.rotate_mb.map(|mb| mb.saturating_mul(1_000_000));
            Some(PcapWriter::create(path, linktypes[0] as u32, rotate).map_err(|e| {
                eprintln!("sipscope: cannot write {path}: {e}");
                exit::FAILURE
            })?)
        }
        None => None,
    };
    match live::drop_privileges(&args.user) {
        Ok(true) => {
            eprintln!("sipscope: capturing on {}; running as user {}", args.interface.join(", "), args.user)
        }
        Ok(false) => eprintln!("sipscope: capturing on {}", args.interface.join(", ")),
        Err(e) => {
            eprintln!("sipscope: {e}");
            return Err(exit::FAILURE);
        }
    }
    signals::install();
    Ok(LiveRun { live: Live::start(opened), writer, interfaces: args.interface.clone(), failed: 0 })
}

/// Feeds the engine until SIGINT/SIGTERM, the duration, or every interface failing; hands every
/// message, finding and ended call to `sink` as they come; ends with the engine's final output.
pub fn pump(
    run: &mut LiveRun,
    engine: &mut Engine,
    duration: Option<Duration>,
    mut sink: impl FnMut(Item<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let until = duration.map(|d| Instant::now() + d);
    loop {
        if signals::stop_requested()
            || until.is_some_and(|u| Instant::now() >= u)
            || run.failed == run.interfaces.len()
        {
            break;
        }
        match run.live.rx.recv_timeout(Duration::from_millis(100)) {
            Ok(ev) => handle(run, engine, ev, &mut sink)?,
            Err(RecvTimeoutError::Timeout) => {
                for m in engine.tick(live::now()) {
                    sink(Item::Message(&m))?;
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
        drain(engine, &mut sink)?;
    }
    run.live.stop();
    while let Ok(ev) = run.live.rx.try_recv() {
        handle(run, engine, ev, &mut sink)?;
    }
    for m in engine.finish() {
        sink(Item::Message(&m))?;
    }
    drain(engine, &mut sink)
}

fn handle(
    run: &mut LiveRun,
    engine: &mut Engine,
    ev: LiveEvent,
    sink: &mut impl FnMut(Item<'_>) -> io::Result<()>,
) -> io::Result<()> {
    match ev {
        LiveEvent::Packets(b) => {
            for &(ts, off, len, orig_len) in &b.records {
                let pkt = RawPacket { ts, linktype: b.linktype, data: &b.data[off..off + len], orig_len };
                for m in engine.ingest(&pkt) {
                    sink(Item::Message(&m))?;
                }
                if engine.carried_sip() {
                    if let Some(w) = run.writer.as_mut() {
                        if let Err(e) = w.write(ts.0, pkt.data) {
                            eprintln!("sipscope: -w stopped: {e}");
                            run.writer = None;
                        }
                    }
                }
            }
        }
        LiveEvent::Failed { interface, message } => {
            eprintln!("sipscope: capture on {interface} stopped: {message}");
            run.failed += 1;
        }
    }
    Ok(())
}

fn drain(engine: &mut Engine, sink: &mut impl FnMut(Item<'_>) -> io::Result<()>) -> io::Result<()> {
    for f in engine.drain_findings() {
        sink(Item::Finding(&f))?;
    }
    for c in engine.drain_finished_calls() {
        sink(Item::Call(&c))?;
    }
    Ok(())
}
