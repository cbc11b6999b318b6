//! `sipscope messages -r FILE`: every SIP message, one line each.

use std::io::{self, BufWriter, Write};

use super::{finish_output, open, parse_ports, replay, Item};
use crate::cli::MessagesArgs;
use crate::engine::{Engine, EngineConfig};
use crate::report::messages::{write_ndjson, write_text, Format};
use crate::report::summary::Summary;

/// Runs the command; returns the exit code.
pub fn run(args: &MessagesArgs) -> i32 {
    let ports = match parse_ports(args.ports.as_deref()) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut source = match open(&args.read) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut engine = Engine::new(EngineConfig { ports, ..Default::default() });
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let result = replay(&mut source, &mut engine, |item| match item {
        Item::Message(m) => match args.format {
            Format::Text => write_text(&mut out, m),
            Format::Ndjson => write_ndjson(&mut out, m),
        },
        Item::Call(_) | Item::Finding(_) => Ok(()),
    })
    .and_then(|code| out.flush().map(|_| code));
    let code = finish_output(result);
    eprintln!("sipscope: {}", Summary(&engine.stats()));
    code
}
