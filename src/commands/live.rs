//! The shell of live capture: open the interfaces, bind the HEP listeners, open the `-w` file,
//! drop root, start the capture and listener threads as a [`LiveSource`] for the driver (ticks when the link is quiet, a clean stop
//! on SIGINT/SIGTERM or when the duration is over).

use std::sync::Arc;
use std::time::Duration;

use super::exit;
use crate::capture::live::{self, Live, LiveOptions, LiveSource};
use crate::cli::{HepArgs, LiveArgs};
use crate::export::pcap::PcapWriter;
use crate::listen::hep::{Agents, HepListener};
use crate::packet::PortSet;
use crate::signals;

/// A started live run: the source for the driver, the `-w` file, the HEP agents' counters and
/// what the status line says about the inputs.
pub struct Started {
    /// Interfaces and listeners as one source.
    pub source: LiveSource,
    /// `-w`.
    pub writer: Option<PcapWriter>,
    /// Per-agent counters of the `-L` listeners.
    pub agents: Arc<Agents>,
    /// e.g. `any + HEP udp:0.0.0.0:9060`.
    pub label: String,
}

/// Opens the interfaces of `-i` (with the default or `-f` filter), binds the `-L` listeners,
/// opens the `-w` file, drops root, installs the signal handlers and starts the capture and
/// listener threads: one live [`LiveSource`] that ends on Ctrl-C/SIGTERM, after `duration`, or
/// when every input has failed.
pub fn start(
    args: &LiveArgs,
    hep: &HepArgs,
    ports: Option<&PortSet>,
    duration: Option<Duration>,
) -> Result<Started, i32> {
    let opened = if args.interface.is_empty() {
        live::Opened::none()
    } else {
        let opts = LiveOptions {
            interfaces: args.interface.clone(),
            filter: args.filter.clone(),
            ports: ports.cloned().unwrap_or_else(live::default_ports),
            rtp_ports: if args.no_media {
                None
            } else {
                Some(match &args.rtp_ports {
                    Some(p) => PortSet::parse(p).map_err(|e| {
                        eprintln!("sipscope: --rtp-ports: {e}");
                        exit::USAGE
                    })?,
                    None => live::default_rtp_ports(),
                })
            },
            buffer_mib: args.buffer_mib,
        };
        live::open(&opts).map_err(|e| {
            eprintln!("sipscope: {e}");
            exit::FAILURE
        })?
    };
    let agents = Arc::new(Agents::default());
    let mut feeders = Vec::new();
    for addr in &hep.listen {
        match HepListener::bind(*addr, hep.listen_key.as_deref(), agents.clone()) {
            Ok(l) => feeders.push(l.into_feeder()),
            Err(e) => {
                eprintln!("sipscope: cannot listen for HEP on {addr}: {e}");
                return Err(exit::FAILURE);
            }
        }
    }
    let linktypes = opened.linktypes();
    let writer = match &args.write {
        Some(_) if linktypes.is_empty() => {
            eprintln!("sipscope: -w keeps captured frames and HEP input has none: add -i, or pass HEP on with --hep");
            return Err(exit::USAGE);
        }
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
    let mut inputs: Vec<String> = args.interface.clone();
    inputs.extend(hep.listen.iter().map(|a| format!("HEP {a}")));
    let label = inputs.join(" + ");
    let verb = if args.interface.is_empty() { "listening on" } else { "capturing on" };
    match live::drop_privileges(&args.user) {
        Ok(true) => eprintln!("sipscope: {verb} {label}; running as user {}", args.user),
        Ok(false) => eprintln!("sipscope: {verb} {label}"),
        Err(e) => {
            eprintln!("sipscope: {e}");
            return Err(exit::FAILURE);
        }
    }
    signals::install();
    let source = LiveSource::new(
        Live::start(opened, feeders),
        inputs.len(),
        duration,
        Box::new(signals::stop_requested),
        Duration::from_millis(100),
    );
    Ok(Started { source, writer, agents, label })
}
