//! `sipscope monitor`: the long-running headless mode. Live interfaces (`-i`) and HEP listeners
//! (`-L`) feed one engine through the driver; the sinks are the Prometheus metrics (served by
//! `--metrics`), the NDJSON findings stream (`--findings`), HEP out (`--hep`) and `-w`. Memory
//! stays flat for months: every engine table is bounded and calls leave once they end. SIGHUP
//! opens `--findings` and `-w` again at their paths; SIGINT/SIGTERM stop it cleanly.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{exit, parse_ports};
use crate::cli::MonitorArgs;
use crate::correlate::CorrelatorConfig;
use crate::driver::{drive, Fanout, Sink};
use crate::engine::{Engine, EngineConfig};
use crate::export::findings::FindingsStream;
use crate::export::http::MetricsServer;
use crate::export::pcap::PcapWriter;
use crate::export::prometheus::{MetricsSink, Probes};
use crate::packet::RawPacket;

/// How often the metrics page is rendered again.
const RENDER_EVERY: Duration = Duration::from_secs(1);

/// Runs the command; returns the exit code.
pub fn run(args: &MonitorArgs) -> i32 {
    if args.live.interface.is_empty() && args.hep.listen.is_empty() {
        eprintln!(
            "sipscope monitor: give interfaces to capture on (-i) and/or HEP addresses to listen on (-L)"
        );
        return exit::USAGE;
    }
    let ports = match parse_ports(args.ports.as_deref()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // A reload during a slow start must not end the process.
    crate::signals::install_reopen();
    // Sockets and files are opened before root is dropped (by live::start).
    let metrics_listener = match args.metrics.map(MetricsServer::bind).transpose() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sipscope: --metrics {}: {e}", args.metrics.expect("given"));
            return exit::FAILURE;
        }
    };
    let mut findings = match args.findings.as_deref().map(FindingsStream::open).transpose() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("sipscope: --findings {}: {e}", args.findings.as_deref().unwrap_or_default());
            return exit::FAILURE;
        }
    };
    let started = match super::live::start(&args.live, &args.hep, ports.as_ref(), args.duration) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut hep_out = match super::start_hep_out(&args.hep, false) {
        Ok(h) => h,
        Err(code) => return code,
    };
    let correlate = CorrelatorConfig { max_calls: args.max_calls, ..Default::default() };
    let mut config = EngineConfig {
        // Interfaces only: the capture filter already keeps to the ports.
        ports: if args.hep.listen.is_empty() { None } else { ports },
        correlate: Some(correlate),
        ..Default::default()
    };
    if args.live.no_media {
        config.media = None;
    }
    let mut engine = Engine::new(config);
    let counters = started.source.counters();
    let page = Arc::new(Mutex::new(String::new()));
    let probes = Probes {
        drops: Some(Arc::new(move || counters.drops())),
        agents: (!args.hep.listen.is_empty()).then(|| started.agents.clone()),
        hep_out: hep_out.as_ref().map(|h| h.counters.clone()),
    };
    let mut metrics =
        MetricsSink::new(page.clone(), probes, RENDER_EVERY).with_file(args.metrics_file.as_deref());
    metrics.publish(&engine);
    let server = match metrics_listener.map(|l| MetricsServer::start(l, page)).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sipscope: --metrics: {e}");
            return exit::FAILURE;
        }
    };
    if let Some(s) = &server {
        eprintln!("sipscope: metrics at http://{}/metrics", s.addr());
    }
    let mut source = started.source;
    let mut shell = Shell { writer: started.writer, findings: findings.take() };
    let result = {
        let mut sinks: Vec<&mut dyn Sink> = vec![&mut metrics, &mut shell];
        if let Some(h) = hep_out.as_mut() {
            sinks.push(h);
        }
        drive(&mut source, &mut engine, &mut Fanout(sinks))
    };
    if let Some(h) = hep_out.as_mut() {
        h.close();
        eprintln!("sipscope: {}", h.summary());
    }
    metrics.publish(&engine);
    for line in super::agent_lines(&started.agents) {
        eprintln!("sipscope: {line}");
    }
    let s = engine.stats();
    let d = crate::packet::Source::drops(&source);
    eprintln!(
        "sipscope: monitor stopped: {} packets, {} SIP messages, {} calls, {} findings, {} dropped before reading",
        s.decode.packets,
        s.sip_messages,
        s.calls.calls,
        s.findings.findings,
        d.total()
    );
    drop(server);
    match result {
        Ok(outcome) => {
            if let Some(e) = outcome.error {
                eprintln!("sipscope: {e}");
            }
            // Every input gone is a failure a service manager must see (and restart).
            if source.all_failed() {
                eprintln!("sipscope: every input failed; stopping");
                exit::FAILURE
            } else {
                exit::OK
            }
        }
        Err(e) => {
            eprintln!("sipscope: writing output: {e}");
            exit::FAILURE
        }
    }
}

/// The files of a monitor: `-w` and `--findings`, opened again on SIGHUP. A write error stops
/// that output (said once on standard error), never the monitor.
struct Shell {
    writer: Option<PcapWriter>,
    findings: Option<FindingsStream>,
}

impl Sink for Shell {
    fn frame(&mut self, pkt: &RawPacket<'_>, carried_sip: bool) -> io::Result<()> {
        if carried_sip {
            if let Some(w) = self.writer.as_mut() {
                if let Err(e) = w.write(pkt) {
                    eprintln!("sipscope: -w stopped: {e}");
                    self.writer = None;
                }
            }
        }
        Ok(())
    }

    fn finding(&mut self, f: &crate::diagnose::Finding) -> io::Result<()> {
        if let Some(out) = self.findings.as_mut() {
            if let Err(e) = out.finding(f) {
                eprintln!("sipscope: --findings stopped: {e}");
                self.findings = None;
            }
        }
        Ok(())
    }

    fn notice(&mut self, text: &str) -> io::Result<()> {
        eprintln!("sipscope: {text}");
        Ok(())
    }

    fn step(&mut self, _engine: &Engine) -> io::Result<()> {
        if crate::signals::take_reopen() {
            let user = "the user sipscope runs as";
            let mut all = true;
            if let Some(Err(e)) = self.writer.as_mut().map(PcapWriter::reopen) {
                all = false;
                eprintln!("sipscope: SIGHUP: cannot open -w again ({e}; its directory must be writable by {user}): still writing to the file as it was open");
            }
            if let Some(Err(e)) = self.findings.as_mut().map(FindingsStream::reopen) {
                all = false;
                eprintln!("sipscope: SIGHUP: cannot open --findings again ({e}; its directory must be writable by {user}): still writing to the file as it was open");
            }
            if all {
                eprintln!("sipscope: SIGHUP: output files opened again");
            }
        }
        Ok(())
    }
}
