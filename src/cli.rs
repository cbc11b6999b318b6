//! Command-line definitions (clap derive).

use clap::{Parser, Subcommand};

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
}

/// Arguments of the dashboard (`sipscope [watch] …`).
#[derive(Debug, Clone, clap::Args)]
pub struct WatchArgs {
    /// Capture file to replay (pcap or pcapng; `-` for standard input).
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: Option<String>,
    /// Replay at N times capture speed (default: as fast as possible).
    #[arg(long, value_name = "N")]
    pub speed: Option<f64>,
    /// Replay the capture built into sipscope, in real time, looping.
    #[arg(long, conflicts_with = "read")]
    pub demo: bool,
    /// Only read SIP from or to these ports, e.g. `5060,5080-5090` (default: any port).
    #[arg(long, value_name = "LIST")]
    pub ports: Option<String>,
    /// Memory for kept messages, in MiB; beyond it the oldest finished calls lose their messages.
    #[arg(long, value_name = "MIB", default_value_t = 512)]
    pub max_memory: usize,
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
}

/// Output format of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// For people.
    Text,
    /// One JSON object (schema in docs/schema/report.schema.json).
    Json,
}

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Capture file to read (pcap or pcapng; `-` for standard input).
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Only read SIP from or to these ports, e.g. `5060,5080-5090` (default: any port).
    #[arg(long, value_name = "LIST")]
    pub ports: Option<String>,
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
    /// Capture file to read (pcap or pcapng; `-` for standard input).
    #[arg(short = 'r', long = "read", value_name = "FILE")]
    pub read: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Only read SIP from or to these ports, e.g. `5060,5080-5090` (default: any port).
    #[arg(long, value_name = "LIST")]
    pub ports: Option<String>,
}
