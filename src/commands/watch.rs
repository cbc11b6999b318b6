//! `sipscope [watch] -r FILE | --demo`: the dashboard.

use super::{exit, parse_ports};
use crate::cli::WatchArgs;
use crate::engine::EngineConfig;
use crate::tui::{self, feed::Source};

/// Runs the dashboard; returns the exit code.
pub fn run(args: &WatchArgs) -> i32 {
    let ports = match parse_ports(args.ports.as_deref()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut engine = EngineConfig { ports: ports.clone(), ..Default::default() };
    if args.live.no_media {
        engine.media = None;
    }
    let source = match (&args.read, args.demo) {
        _ if args.listen.is_some() => {
            let addr = args.listen.expect("checked");
            crate::signals::install();
            match crate::listen::hep::HepListener::bind(addr, None) {
                Ok(l) => Source::Hep { listener: Box::new(l), addr },
                Err(e) => {
                    eprintln!("sipscope: cannot listen for HEP on {addr}: {e}");
                    return exit::FAILURE;
                }
            }
        }
        (_, true) => Source::Demo,
        (Some(path), false) => match crate::capture::file::FileSource::open(path) {
            Ok(file) => Source::Opened { file: Box::new(file), path: path.clone(), speed: args.speed },
            Err(e) => {
                eprintln!("sipscope: {e}");
                return exit::FAILURE;
            }
        },
        (None, false) => {
            // Live: `-i any` unless interfaces are named; the ports shape the capture filter.
            let mut live_args = args.live.clone();
            if live_args.interface.is_empty() {
                live_args.interface.push("any".into());
            }
            let (source, writer) = match super::live::start(&live_args, ports.as_ref(), None) {
                Ok(r) => r,
                Err(code) => return code,
            };
            engine.ports = None;
            // The dashboard looks at its stop flag on every idle tick: short ticks make `q` prompt.
            let source = source.with_tick(std::time::Duration::from_millis(50));
            Source::Live { source: Box::new(source), interfaces: live_args.interface, writer }
        }
    };
    if let Some(s) = args.speed {
        if s.is_nan() || s <= 0.0 {
            eprintln!("sipscope: --speed must be a positive number");
            return exit::USAGE;
        }
    }
    tui::run(tui::Options { source, engine, max_memory: args.max_memory.saturating_mul(1 << 20) })
}
