//! The shell of live capture: open the interfaces and the `-w` file, drop root, start the
//! capture threads as a [`LiveSource`] for the driver (ticks when the link is quiet, a clean stop
//! on SIGINT/SIGTERM or when the duration is over).

use std::time::Duration;

use super::exit;
use crate::capture::live::{self, Live, LiveOptions, LiveSource};
use crate::cli::LiveArgs;
use crate::export::pcap::PcapWriter;
use crate::packet::PortSet;
use crate::signals;

/// Opens the interfaces of `-i` (with the default or `-f` filter), the `-w` file, drops root,
/// installs the signal handlers and starts the capture threads: a live [`LiveSource`] that ends
/// on Ctrl-C/SIGTERM, after `duration`, or when every interface has failed.
pub fn start(
    args: &LiveArgs,
    ports: Option<&PortSet>,
    duration: Option<Duration>,
) -> Result<(LiveSource, Option<PcapWriter>), i32> {
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
    let source = LiveSource::new(
        Live::start(opened),
        args.interface.len(),
        duration,
        Box::new(signals::stop_requested),
        Duration::from_millis(100),
    );
    Ok((source, writer))
}
