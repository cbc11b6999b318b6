//! `sipscope messages -r FILE`: every SIP message, one line each.

use std::io::{self, BufWriter, Write};

use super::{finish_output, open_input, run_input};
use crate::cli::MessagesArgs;
use crate::driver::Sink;
use crate::engine::{Engine, EngineConfig};
use crate::report::messages::{push_ndjson, write_text, Format};
use crate::report::summary::Summary;
use crate::sip::SipMessage;

/// Runs the command; returns the exit code.
pub fn run(args: &MessagesArgs) -> i32 {
    let (mut input, ports) = match open_input(&args.input) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let live = input.is_live();
    let mut engine = Engine::new(EngineConfig { ports, ..Default::default() });
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut sink =
        MessageSink { out: &mut out, format: args.format, flush_each: live, line: Vec::with_capacity(1024) };
    let result = run_input(&mut input, &mut engine, &mut sink).and_then(|code| out.flush().map(|_| code));
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

/// One line per SIP message, text or NDJSON; flushed per message live.
struct MessageSink<'a, W: Write> {
    out: &'a mut W,
    format: Format,
    flush_each: bool,
    /// The NDJSON line being built (kept between messages, so no allocation per line).
    line: Vec<u8>,
}

impl<W: Write> Sink for MessageSink<'_, W> {
    fn message(&mut self, m: &SipMessage, _added: Option<crate::correlate::Added>) -> io::Result<()> {
        match self.format {
            Format::Text => write_text(self.out, m)?,
            Format::Ndjson => {
                self.line.clear();
                push_ndjson(&mut self.line, m);
                self.out.write_all(&self.line)?;
            }
        }
        if self.flush_each {
            self.out.flush()?;
        }
        Ok(())
    }
}
