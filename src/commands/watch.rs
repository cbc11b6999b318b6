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
        (_, true) => Source::Demo,
        (Some(path), false) => match crate::capture::file::FileSource::open(path) {
            Ok(file) => Source::Opened { file: Box::new(file), path: path.clone(), speed: args.speed },
            Err(e) => {
                eprintln!("sipscope: {e}");
                return exit::FAILURE;
            }
        },
        (None, false) => {
            // Live: `-i any` unless interfaces are named or only HEP listeners are; the ports shape
            // the capture filter (and, for HEP input, the engine keeps to them).
            let mut live_args = args.live.clone();
            if live_args.interface.is_empty() && args.hep.listen.is_empty() {
                live_args.interface.push("any".into());
            }
            let started = match super::live::start(&live_args, &args.hep, ports.as_ref(), None) {
                Ok(r) => r,
                Err(code) => return code,
            };
            if args.hep.listen.is_empty() {
                engine.ports = None;
            }
            // The dashboard looks at its stop flag on every idle tick: short ticks make `q` prompt.
            let source = started.source.with_tick(std::time::Duration::from_millis(50));
            Source::Live { source: Box::new(source), label: started.label, writer: started.writer }
        }
    };
    if let Some(s) = args.speed {
        if s.is_nan() || s <= 0.0 {
            eprintln!("sipscope: --speed must be a positive number");
            return exit::USAGE;
        }
    }
    let hep_out = match super::start_hep_out(&args.hep, false) {
        Ok(h) => h,
        Err(code) => return code,
    };
    tui::run(tui::Options { source, engine, max_memory: args.max_memory.saturating_mul(1 << 20), hep_out })
}
