//! Command-line definitions (clap derive).

use clap::{Parser, Subcommand};

use crate::listen::hep::HepAddr;
use crate::report::messages::Format;

/// sipscope: watch SIP calls in a capture and see why they fail.
///
/// Without a subcommand it opens the dashboard: `sipscope -r trace.pcap` or `sipscope --demo`.
#[derive(Debug, Parser)]
#[command(name = "sipscope", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do (default: the dashboard).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Dashboard options, when no subcommand is given.
    #[command(flatten)]
    pub watch: WatchArgs,
    /// List the interfaces live capture can use, and exit.
    #[arg(long)]
    pub list_interfaces: bool,
}

/// Live capture options (`-i`), shared by the dashboard, `messages` and `report`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct LiveArgs {
    /// Capture live on this interface (repeatable; `any` for all interfaces on Linux).
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    pub interface: Vec<String>,
    /// BPF expression replacing the default capture filter (SIP ports, IP fragments, RTP/RTCP).
    #[arg(short = 'f', long = "filter", value_name = "EXPR")]
    pub filter: Option<String>,
    /// UDP ports where the default filter admits RTP and RTCP (version-2 packets only), e.g. `10000-20000`.
    #[arg(long = "rtp-ports", value_name = "LIST", default_value = None)]
    pub rtp_ports: Option<String>,
    /// Signalling only: no RTP/RTCP is attached to calls (and the default live filter admits none).
    #[arg(long = "no-media", conflicts_with = "rtp_ports")]
    pub no_media: bool,
    /// Kernel capture buffer per interface, in MiB.
    #[arg(short = 'B', long = "buffer", value_name = "MIB", default_value_t = 64)]
    pub buffer_mib: usize,
    /// When started as root, switch to this user once the interfaces are open.
    #[arg(long, value_name = "USER", default_value = "nobody")]
    pub user: String,
    /// Also write every packet that carried SIP (fragments and TCP segments included) to FILE.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<String>,
    /// With -w, start a new file (FILE.1, FILE.2, …) every MB megabytes.
    #[arg(short = 'C', long = "rotate", value_name = "MB", requires = "write")]
    pub rotate_mb: Option<u64>,
}

/// Arguments of the dashboard (`sipscope [watch] …`).
#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    /// Capture file to replay (pcap or pcapng; `-` for standard input).
    #[arg(short = 'r', long = "read", value_name = "FILE", conflicts_with_all = ["interface", "listen"])]
    pub read: Option<String>,
    /// Replay at N times capture speed (default: as fast as possible).
    #[arg(long, value_name = "N")]
    pub speed: Option<f64>,
    /// Replay the capture built into sipscope, in real time, looping.
    #[arg(long, conflicts_with_all = ["read", "listen", "interface"])]
    pub demo: bool,
    /// Only read SIP from or to these ports, e.g. `5060,5080-5090` (default: any port).
    #[arg(long, value_name = "LIST")]
    pub ports: Option<String>,
    /// Memory for kept messages, in MiB; beyond it the oldest finished calls lose their messages.
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    pub max_memory: usize,
    /// Live capture.
    #[command(flatten)]
    pub live: LiveArgs,
    /// HEP3 in and out.
    #[command(flatten)]
    pub hep: HepArgs,
}

/// HEP3 collectors (`-L`) and the HEP3 output (`--hep`), shared by every command.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct HepArgs {
    /// Receive HEP3 on this address: `0.0.0.0:9060` (UDP), `tcp:0.0.0.0:9060`; repeatable, and
    /// with -i in the same run. Kamailio, OpenSIPS, FreeSWITCH, Asterisk and heplify agents send it.
    #[arg(short = 'L', long = "listen", value_name = "[tcp:]HOST:PORT")]
    pub listen: Vec<HepAddr>,
    /// Refuse HEP3 packets received with -L whose authentication key is not KEY (counted per agent).
    #[arg(long = "listen-key", value_name = "KEY", requires = "listen")]
    pub listen_key: Option<String>,
    /// Also send every SIP message as HEP3 to this collector (Homer, Kamailio sipcapture,
    /// sipscope -L): `HOST:PORT` (UDP) or `tcp:HOST:PORT`.
    #[arg(long = "hep", value_name = "[tcp:]HOST:PORT")]
    pub hep: Option<HepAddr>,
    /// Capture agent id in the HEP3 sent with --hep.
    #[arg(long = "hep-id", value_name = "N", default_value_t = 2001)]
    pub hep_id: u32,
    /// Authentication key in the HEP3 sent with --hep.
    #[arg(long = "hep-auth", value_name = "KEY")]
    pub hep_auth: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every SIP message of a capture, one line each, in capture order.
    Messages(MessagesArgs),
    /// Group a capture into calls and report their states, codes, timings and metrics.
    Report(ReportArgs),
    /// Open the dashboard (the default when no subcommand is given).
    Watch(WatchArgs),
    /// Run headless for as long as it is left running: live capture and/or HEP input, a
    /// Prometheus endpoint, a findings stream, HEP and pcap output (a systemd service).
    Monitor(MonitorArgs),
}

/// Arguments of `monitor`.
#[derive(Debug, clap::Args)]
pub struct MonitorArgs {
    /// Live capture (-i) and its options.
    #[command(flatten)]
    pub live: LiveArgs,
    /// HEP3 in (-L) and out (--hep).
    #[command(flatten)]
    pub hep: HepArgs,
    /// Serve Prometheus metrics at http://ADDR/metrics (e.g. `127.0.0.1:9464`).
    #[arg(long, value_name = "HOST:PORT")]
    pub metrics: Option<std::net::SocketAddr>,
    /// Also write the metrics to FILE every second and at exit, replaced atomically (for
    /// node_exporter's textfile collector, or to read them after a bounded run).
    #[arg(long, value_name = "FILE")]
    pub metrics_file: Option<String>,
    /// Write every finding as one JSON line to FILE (appended; reopened on SIGHUP), or `-` for
    /// standard output.
    #[arg(long, value_name = "FILE")]
    pub findings: Option<String>,
    /// Only read SIP from or to these ports, e.g. `5060,5080-5090` (default: any port).
    #[arg(long, value_name = "LIST")]
    pub ports: Option<String>,
    /// Most calls held in memory at once; beyond it the oldest finished calls leave first.
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    pub max_calls: usize,
    /// Stop after this long (e.g. `10m`; default: until SIGINT or SIGTERM).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,
}

/// Output format of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// For people.
    Text,
    /// One JSON object (schema in docs/schema/report.schema.json).
    Json,
}

/// Where `messages` and `report` read from: a file, or live interfaces for a while.
#[derive(Debug, clap::Args)]
pub struct InputArgs {
    /// Capture file to read (pcap or pcapng; `-` for standard input).
    #[arg(
        short = 'r',
        long = "read",
        value_name = "FILE",
        required_unless_present_any = ["interface", "listen"],
        conflicts_with_all = ["interface", "listen"]
    )]
    pub read: Option<String>,
    /// Live capture.
    #[command(flatten)]
    pub live: LiveArgs,
    /// HEP3 in and out.
    #[command(flatten)]
    pub hep: HepArgs,
    /// With -i or -L, stop capturing after this long (e.g. `60s`, `5m`, `1h`; default: until Ctrl-C).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<std::time::Duration>,
    /// Only read SIP from or to these ports, e.g. `5060,5080-5090` (default: any port).
    #[arg(long, value_name = "LIST")]
    pub ports: Option<String>,
}

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Input.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Most calls held in memory at once; beyond it the oldest finished calls leave first.
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    pub max_calls: usize,
    /// Header naming the Call-ID of a linked call (repeatable; default X-Call-ID and X-CID).
    #[arg(long, value_name = "NAME")]
    pub link_header: Vec<String>,
    /// Exit with code 3 when a finding of this severity or worse exists.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
}

/// Severity threshold for `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any finding.
    Info,
    /// Warnings and errors.
    Warning,
    /// Errors only.
    Error,
}

impl FailOn {
    /// The matching severity.
    pub fn severity(self) -> crate::diagnose::Severity {
        match self {
            FailOn::Info => crate::diagnose::Severity::Info,
            FailOn::Warning => crate::diagnose::Severity::Warning,
            FailOn::Error => crate::diagnose::Severity::Error,
        }
    }
}

/// Arguments of `messages`.
#[derive(Debug, clap::Args)]
pub struct MessagesArgs {
    /// Input.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Parses `90`, `90s`, `250ms`, `5m`, `2h`.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num.parse().map_err(|_| format!("invalid duration '{s}'"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("invalid duration unit in '{s}' (use ms, s, m or h)")),
    };
    if !secs.is_finite() || secs <= 0.0 {
        return Err(format!("duration must be positive: '{s}'"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("5x").is_err());
    }
}
