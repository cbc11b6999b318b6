//! `sipscope report -r FILE`: calls with their states, codes and timings, findings, and capture
//! metrics. `--fail-on` turns findings into exit code 3 for scripts and monitoring.

use std::io::{self, BufWriter};

use super::{exit, finish_output, open_input, run_input};
use crate::cli::{ReportArgs, ReportFormat};
use crate::correlate::CorrelatorConfig;
use crate::diagnose::{Finding, Severity};
use crate::driver::Sink;
use crate::engine::{Engine, EngineConfig};
use crate::report::fit::{output_width, FitWriter};
use crate::report::json::InertJson;
use crate::report::report_json::JsonReport;
use crate::report::report_text::{Order, TextReport};
use crate::report::{CallReport, Totals};

/// Most findings listed in one report; beyond, they are counted.
pub const MAX_LISTED_FINDINGS: usize = 100_000;

/// Runs the command; returns the exit code.
pub fn run(args: &ReportArgs) -> i32 {
    let (mut input, ports) = match open_input(&args.input) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let mut correlate = CorrelatorConfig { max_calls: args.max_calls, ..Default::default() };
    if !args.link_header.is_empty() {
        correlate.link_headers = args.link_header.clone();
    }
    let mut config = EngineConfig { ports, correlate: Some(correlate), ..Default::default() };
    if args.input.live.no_media {
        config.media = None;
    }
    let mut engine = Engine::new(config);
    let out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let started: io::Result<Box<dyn CallReport>> = match args.format {
        ReportFormat::Json => {
            JsonReport::start(InertJson::new(out)).map(|r| Box::new(r) as Box<dyn CallReport>)
        }
        ReportFormat::Text => {
            let width = output_width();
            // A file is listed by start time; what arrives live (or on standard input) as calls end.
            let order = match args.input.read.as_deref() {
                Some(path) if path != "-" => Order::Start,
                _ => Order::End,
            };
            TextReport::start(FitWriter::new(out, width), width, order)
                .map(|r| Box::new(r) as Box<dyn CallReport>)
        }
    };
    let result = started.and_then(|report| {
        let mut sink = ReportSink { report, listed: 0, unlisted: 0, worst: None, ended: false };
        let code = run_input(&mut input, &mut engine, &mut sink)?;
        let stats = engine.stats();
        let totals = Totals {
            stats: &stats,
            metrics: engine.metrics(),
            unlisted: sink.unlisted,
            drops: input.drops(),
            registrations: engine.registrations(),
            now: engine.now(),
        };
        sink.report.finish(&totals)?;
        Ok((code, sink.worst))
    });
    let (result, worst) = match result {
        Ok((code, worst)) => (Ok(code), worst),
        Err(e) => (Err(e), None),
    };
    let code = finish_output(result);
    match (args.fail_on, worst) {
        (Some(threshold), Some(w)) if code == exit::OK && w >= threshold.severity() => exit::FINDINGS,
        _ => code,
    }
}

/// The report as a sink: calls written as they end, findings rendered as they are raised and
/// written after the calls.
struct ReportSink {
    report: Box<dyn CallReport>,
    listed: usize,
    unlisted: u64,
    worst: Option<Severity>,
    /// A call was handed out since the last step.
    ended: bool,
}

impl Sink for ReportSink {
    fn call(&mut self, call: &crate::correlate::Call) -> io::Result<()> {
        self.ended = true;
        self.report.call(call)
    }

    fn step(&mut self, engine: &Engine) -> io::Result<()> {
        // After calls were handed out (at most once a second of capture time, and at the end).
        if std::mem::take(&mut self.ended) {
            self.report.progress(engine.oldest_live_start())?;
        }
        Ok(())
    }

    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        self.worst = self.worst.max(Some(f.severity));
        if self.listed < MAX_LISTED_FINDINGS {
            self.listed += 1;
            self.report.finding(f)?;
        } else {
            self.unlisted += 1;
        }
        Ok(())
    }
}
