//! Command-line definitions (clap derive).

use clap::{Parser, Subcommand};

use crate::report::messages::Format;

/// sipscope: watch SIP calls in a capture and see why they fail.
#[derive(Debug, Parser)]
#[command(name = "sipscope", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every SIP message of a capture, one line each, in capture order.
    Messages(MessagesArgs),
    /// Group a capture into calls and report their states, codes, timings and metrics.
    Report(ReportArgs),
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
