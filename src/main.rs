//! The `sipscope` binary: parse the command line and hand over to the chosen command.

use clap::Parser;

use sipscope::cli::{Cli, Command};
use sipscope::commands;

fn main() {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Messages(args) => commands::messages::run(args),
        Command::Report(args) => commands::report::run(args),
    };
    std::process::exit(code);
}
