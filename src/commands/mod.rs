//! The shell around the engine for each subcommand: open a source, drive the engine, write a
//! view. Exit codes are in [`exit`].

pub mod live;
pub mod messages;
pub mod report;
pub mod watch;

use std::io;

use crate::capture::file::{CaptureErrorKind, FileSource};
use crate::capture::live::Drops;
use crate::correlate::Call;
use crate::diagnose::Finding;
use crate::engine::Engine;
use crate::packet::PortSet;
use crate::sip::SipMessage;

/// Process exit codes (documented in `docs/cli.md`).
pub mod exit {
    /// Everything read and written.
    pub const OK: i32 = 0;
    /// The input could not be opened, or output failed.
    pub const FAILURE: i32 = 1;
    /// Bad command-line usage (clap's own code).
    pub const USAGE: i32 = 2;
    /// `report --fail-on`: a finding at or above the given severity exists.
    pub const FINDINGS: i32 = 3;
    /// The capture was truncated or corrupt: what came before the break was processed and shown.
    pub const CORRUPT_INPUT: i32 = 4;
}

/// What the engine hands a view while a capture is replayed.
pub enum Item<'a> {
    /// A SIP message, in capture order.
    Message(&'a SipMessage),
    /// A call that has ended (or was evicted, or the capture ended).
    Call(&'a Call),
    /// A finding, when it was raised.
    Finding(&'a Finding),
}

/// Parses `--ports`, printing the error.
pub fn parse_ports(spec: Option<&str>) -> Result<Option<PortSet>, i32> {
    spec.map(PortSet::parse).transpose().map_err(|e| {
        eprintln!("sipscope: --ports: {e}");
        exit::USAGE
    })
}

/// Opens a capture file, printing the error.
pub fn open(path: &str) -> Result<FileSource, i32> {
    FileSource::open(path).map_err(|e| {
        eprintln!("sipscope: {e}");
        exit::FAILURE
    })
}

/// Replays a whole capture through the engine, handing every message and ended call to `sink`.
/// Returns [`exit::OK`] or [`exit::CORRUPT_INPUT`] (after printing where the file broke), or the
/// sink's write error.
pub fn replay(
    source: &mut FileSource,
    engine: &mut Engine,
    mut sink: impl FnMut(Item<'_>) -> io::Result<()>,
) -> io::Result<i32> {
    let mut code = exit::OK;
    loop {
        match source.next_packet() {
            Ok(Some(pkt)) => {
                for m in engine.ingest(&pkt) {
                    sink(Item::Message(&m))?;
                }
                drain(engine, &mut sink)?;
            }
            Ok(None) => break,
            Err(e) => {
                eprintln!("sipscope: {e}");
                if let CaptureErrorKind::Corrupt { .. } = e.kind {
                    code = exit::CORRUPT_INPUT;
                }
                break;
            }
        }
    }
    for m in engine.finish() {
        sink(Item::Message(&m))?;
    }
    drain(engine, &mut sink)?;
    Ok(code)
}

/// Hands the findings raised and the calls ended so far to `sink` (findings first: a call is
/// written after the rules have looked at it for the last time).
pub fn drain(engine: &mut Engine, sink: &mut impl FnMut(Item<'_>) -> io::Result<()>) -> io::Result<()> {
    for f in engine.drain_findings() {
        sink(Item::Finding(&f))?;
    }
    for c in engine.drain_finished_calls() {
        sink(Item::Call(&c))?;
    }
    Ok(())
}

/// Where a headless command reads packets from.
pub enum Input {
    /// A capture file.
    File(FileSource),
    /// Live interfaces.
    Live(Box<live::LiveRun>),
}

impl Input {
    /// Drops of a live capture (zero for files).
    pub fn drops(&self) -> Drops {
        match self {
            Input::File(_) => Drops::default(),
            Input::Live(run) => run.live.drops(),
        }
    }

    /// Whether this is a live capture.
    pub fn is_live(&self) -> bool {
        matches!(self, Input::Live(_))
    }
}

/// Opens `-r FILE` or the `-i` interfaces, printing any error. Returns the ports the engine must
/// keep to: `--ports` for a file; none live, where `--ports` already shaped the capture filter.
pub fn open_input(args: &crate::cli::InputArgs) -> Result<(Input, Option<PortSet>), i32> {
    let ports = parse_ports(args.ports.as_deref())?;
    match args.read.as_deref() {
        Some(path) => open(path).map(|f| (Input::File(f), ports)),
        // Live, the ports shape the capture filter and SIP is found on whatever it lets through.
        None => live::start(&args.live, ports.as_ref()).map(|r| (Input::Live(Box::new(r)), None)),
    }
}

/// Runs the engine over the input, handing every item to `sink`; returns the exit code.
pub fn run_input(
    input: &mut Input,
    engine: &mut Engine,
    duration: Option<std::time::Duration>,
    sink: impl FnMut(Item<'_>) -> io::Result<()>,
) -> io::Result<i32> {
    match input {
        Input::File(src) => replay(src, engine, sink),
        Input::Live(run) => live::pump(run, engine, duration, sink).map(|_| exit::OK),
    }
}

/// Turns the outcome of writing a view into an exit code: a closed pipe ends quietly.
pub fn finish_output(result: io::Result<i32>) -> i32 {
    match result {
        Ok(code) => code,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            eprintln!("sipscope: writing output: {e}");
            exit::FAILURE
        }
    }
}

/// `--list-interfaces`: prints the interfaces live capture can use.
pub fn list_interfaces() -> i32 {
    match crate::capture::live::list_interfaces() {
        Ok(list) => {
            for (name, desc) in list {
                if desc.is_empty() {
                    println!("{name}");
                } else {
                    println!("{name}\t{desc}");
                }
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("sipscope: cannot list interfaces: {e}");
            exit::FAILURE
        }
    }
}
