//! The shell around the engine for each subcommand: open a source, drive the engine, write a
//! view. Exit codes are in [`exit`].

pub mod messages;

/// Process exit codes (documented in `docs/cli.md`).
pub mod exit {
    /// Everything read and written.
    pub const OK: i32 = 0;
    /// The input could not be opened, or output failed.
    pub const FAILURE: i32 = 1;
    /// Bad command-line usage (clap's own code).
    pub const USAGE: i32 = 2;
    /// The capture was truncated or corrupt: what came before the break was processed and shown.
    pub const CORRUPT_INPUT: i32 = 4;
}
