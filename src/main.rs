//! The `sipscope` binary: parse the command line and hand over to the chosen command.

use clap::Parser;

use sipscope::cli::{Cli, Command};
use sipscope::commands;

fn main() {
    let cli = Cli::parse();
    if cli.list_interfaces {
        std::process::exit(commands::list_interfaces());
    }
    let code = match &cli.command {
        Some(Command::Messages(args)) => commands::messages::run(args),
        Some(Command::Report(args)) => commands::report::run(args),
        Some(Command::Watch(args)) => commands::watch::run(args),
        Some(Command::Monitor(args)) => commands::monitor::run(args),
        None => commands::watch::run(&cli.watch),
    };
    std::process::exit(code);
}
