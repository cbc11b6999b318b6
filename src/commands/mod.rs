//! The shell around the engine for each subcommand: open a source, drive the engine, write a
//! view. Exit codes are in [`exit`].

pub mod live;
pub mod messages;
pub mod monitor;
pub mod report;
pub mod watch;

use std::io;

use crate::capture::file::FileSource;
use crate::driver::{drive, Fanout, Sink};
use crate::engine::Engine;
use crate::export::pcap::PcapWriter;
use crate::packet::{Drops, PortSet, RawPacket, Source};

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

/// Where a headless command reads packets from, and the `-w` file it keeps them in.
pub struct Input {
    /// The packets: a capture file, or live interfaces and HEP listeners.
    pub source: Box<dyn Source>,
    /// Live interfaces or listeners (flush output per message, report drops).
    pub live: bool,
    /// `-w`: the frames that carried SIP go here.
    pub writer: Option<PcapWriter>,
    /// `--hep`: every SIP message is sent on as HEP3.
    pub hep: Option<crate::export::hep::HepSender>,
    /// Per-agent counters of the `-L` listeners (empty otherwise).
    pub agents: std::sync::Arc<crate::listen::hep::Agents>,
}

impl Input {
    /// Drops of a live capture (zero for files).
    pub fn drops(&self) -> Drops {
        self.source.drops()
    }

    /// Whether this is a live capture.
    pub fn is_live(&self) -> bool {
        self.live
    }
}

/// Opens `-r FILE`, or the `-i` interfaces and `-L` listeners, and the `--hep` output, printing
/// any error. Returns the ports the engine must keep to: `--ports` for a file and for HEP input;
/// none for interfaces only, where `--ports` already shaped the capture filter.
pub fn open_input(args: &crate::cli::InputArgs) -> Result<(Input, Option<PortSet>), i32> {
    let ports = parse_ports(args.ports.as_deref())?;
    let mut input = match args.read.as_deref() {
        Some(path) => Input {
            source: Box::new(open(path)?),
            live: false,
            writer: None,
            hep: None,
            agents: Default::default(),
        },
        None => {
            let started = live::start(&args.live, &args.hep, ports.as_ref(), args.duration)?;
            Input {
                source: Box::new(started.source),
                live: true,
                writer: started.writer,
                hep: None,
                agents: started.agents,
            }
        }
    };
    input.hep = start_hep_out(&args.hep, !input.live)?;
    // Interfaces only: the capture filter already keeps to the ports.
    let ports = if input.live && args.hep.listen.is_empty() { None } else { ports };
    Ok((input, ports))
}

/// Starts `--hep` if given (`wait_when_full` when reading a file), printing any error.
pub fn start_hep_out(
    args: &crate::cli::HepArgs,
    wait_when_full: bool,
) -> Result<Option<crate::export::hep::HepSender>, i32> {
    let Some(collector) = args.hep else { return Ok(None) };
    if args.listen.contains(&collector) {
        eprintln!("sipscope: --hep {collector} is a -L address: each message would come back forever");
        return Err(exit::USAGE);
    }
    crate::export::hep::HepSender::start(collector, args.hep_id, args.hep_auth.as_deref(), wait_when_full)
        .map(Some)
        .map_err(|e| {
            eprintln!("sipscope: --hep {collector}: {e}");
            exit::FAILURE
        })
}

/// `-w` as a sink: writes the frames that carried SIP; a write error stops the file (said on
/// standard error), not the run.
pub struct WriteSink(pub Option<PcapWriter>);

impl Sink for WriteSink {
    fn frame(&mut self, pkt: &RawPacket<'_>, carried_sip: bool) -> io::Result<()> {
        if carried_sip {
            if let Some(w) = self.0.as_mut() {
                if let Err(e) = w.write(pkt) {
                    eprintln!("sipscope: -w stopped: {e}");
                    self.0 = None;
                }
            }
        }
        Ok(())
    }
}

/// Notices from the source (an interface stopped) on standard error.
struct NoticeSink;

impl Sink for NoticeSink {
    fn notice(&mut self, text: &str) -> io::Result<()> {
        eprintln!("sipscope: {text}");
        Ok(())
    }
}

/// Runs the engine over the input with the one driver, handing everything to `sink` (and `-w`);
/// returns [`exit::OK`] or [`exit::CORRUPT_INPUT`] (after printing where the input broke), or
/// the sink's write error.
pub fn run_input(input: &mut Input, engine: &mut Engine, sink: &mut dyn Sink) -> io::Result<i32> {
    let mut writer = WriteSink(input.writer.take());
    let mut notices = NoticeSink;
    // A file with no -w or --hep needs no fan-out: the sink is driven directly.
    let outcome = if input.live || writer.0.is_some() || input.hep.is_some() {
        let mut sinks: Vec<&mut dyn Sink> = vec![sink, &mut writer, &mut notices];
        if let Some(h) = input.hep.as_mut() {
            sinks.push(h);
        }
        drive(&mut *input.source, engine, &mut Fanout(sinks))?
    } else {
        drive(&mut *input.source, engine, sink)?
    };
    if let Some(h) = input.hep.as_mut() {
        h.close();
        eprintln!("sipscope: {}", h.summary());
    }
    for line in agent_lines(&input.agents) {
        eprintln!("sipscope: {line}");
    }
    Ok(match outcome.error {
        Some(e) => {
            eprintln!("sipscope: {e}");
            if e.corrupt {
                exit::CORRUPT_INPUT
            } else {
                exit::OK
            }
        }
        None => exit::OK,
    })
}

/// One line per HEP agent heard, for standard error at the end of a run.
pub fn agent_lines(agents: &crate::listen::hep::Agents) -> Vec<String> {
    agents
        .snapshot()
        .into_iter()
        .map(|(host, c)| {
            let who = host.map_or_else(
                || format!("agents beyond the first {}", crate::listen::hep::MAX_AGENTS),
                |h| h.to_string(),
            );
            format!(
                "HEP from {who}: {} packets, {} bytes, {} malformed, {} refused for their key",
                c.packets, c.bytes, c.malformed, c.unauthorised
            )
        })
        .collect()
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
