//! `sipscope messages -r FILE`: every SIP message, one line each.

use std::io::{self, BufWriter, Write};

use super::{finish_output, open_input, run_input, Item};
use crate::cli::MessagesArgs;
use crate::engine::{Engine, EngineConfig};
use crate::report::messages::{write_ndjson, write_text, Format};
use crate::report::summary::Summary;

/// Runs the command; returns the exit code.
pub fn run(args: &MessagesArgs) -> i32 {
    let (mut input, ports) = match open_input(&args.input) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let live = input.is_live();
    let mut engine = Engine::new(EngineConfig { ports, ..Default::default() });
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let result = run_input(&mut input, &mut engine, args.input.duration, |item| match item {
        Item::Message(m) => {
            match args.format {
                Format::Text => write_text(&mut out, m)?,
                Format::Ndjson => write_ndjson(&mut out, m)?,
            }
            // A live stream is read as it comes (`| jq`): one line, one flush.
            if live {
                out.flush()?;
            }
            Ok(())
        }
        Item::Call(_) | Item::Finding(_) => Ok(()),
    })
    .and_then(|code| out.flush().map(|_| code));
    let code = finish_output(result);
    eprintln!("sipscope: {}", Summary(&engine.stats()));
    if live {
        let d = input.drops();
        eprintln!(
            "sipscope: drops: {} by the kernel, {} by the interface, {} by sipscope",
            d.kernel, d.interface, d.queue
        );
    }
    code
}
