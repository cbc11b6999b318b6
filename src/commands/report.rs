//! `sipscope report -r FILE`: calls with their states, codes and timings, and capture metrics.

use std::io::{self, BufWriter, Write};

use super::{finish_output, open, parse_ports, replay, Item};
use crate::cli::{ReportArgs, ReportFormat};
use crate::correlate::CorrelatorConfig;
use crate::engine::{Engine, EngineConfig};
use crate::report::report_json::JsonReport;
use crate::report::report_text::TextReport;

/// Runs the command; returns the exit code.
pub fn run(args: &ReportArgs) -> i32 {
    let ports = match parse_ports(args.ports.as_deref()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut source = match open(&args.read) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut correlate = CorrelatorConfig { max_calls: args.max_calls, ..Default::default() };
    if !args.link_header.is_empty() {
        correlate.link_headers = args.link_header.clone();
    }
    let mut engine = Engine::new(EngineConfig { ports, correlate: Some(correlate), ..Default::default() });
    let out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let result = match args.format {
        ReportFormat::Json => {
            write(JsonReport::start(out), &mut source, &mut engine, JsonReport::call, |r, e| {
                r.finish(&e.stats(), e.metrics()).and_then(|mut w| w.flush())
            })
        }
        ReportFormat::Text => {
            write(TextReport::start(out), &mut source, &mut engine, TextReport::call, |r, e| {
                r.finish(&e.stats(), e.metrics()).and_then(|mut w| w.flush())
            })
        }
    };
    finish_output(result)
}

fn write<R>(
    report: io::Result<R>,
    source: &mut crate::capture::file::FileSource,
    engine: &mut Engine,
    mut call: impl FnMut(&mut R, &crate::correlate::Call) -> io::Result<()>,
    finish: impl FnOnce(R, &Engine) -> io::Result<()>,
) -> io::Result<i32> {
    let mut report = report?;
    let code = replay(source, engine, |item| match item {
        Item::Call(c) => call(&mut report, c),
        Item::Message(_) => Ok(()),
    })?;
    finish(report, engine)?;
    Ok(code)
}
