//! `sipscope messages -r FILE`: every SIP message, one line each.

use std::io::{self, Write};

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
    let mut sink = MessageSink::new(io::stdout().lock(), args.format, live);
    let result = run_input(&mut input, &mut engine, &mut sink).and_then(|code| sink.flush().map(|_| code));
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

/// How many bytes of lines are gathered before they are written: one large write instead of a
/// copy per line into a buffered writer.
const BATCH: usize = 1 << 16;

/// One line per SIP message, text or NDJSON; written in batches, or line by line live.
struct MessageSink<W: Write> {
    out: W,
    format: Format,
    flush_each: bool,
    /// Lines not written yet (kept between batches, so no allocation per line).
    pending: Vec<u8>,
}

impl<W: Write> MessageSink<W> {
    fn new(out: W, format: Format, flush_each: bool) -> Self {
        MessageSink { out, format, flush_each, pending: Vec::with_capacity(BATCH + 4096) }
    }

    /// Writes the lines gathered so far and flushes the output.
    fn flush(&mut self) -> io::Result<()> {
        let result = self.out.write_all(&self.pending);
        self.pending.clear();
        result.and_then(|_| self.out.flush())
    }
}

impl<W: Write> Sink for MessageSink<W> {
    fn message(&mut self, m: &SipMessage, _added: Option<crate::correlate::Added>) -> io::Result<()> {
        match self.format {
            Format::Text => write_text(&mut self.pending, m)?,
            Format::Ndjson => push_ndjson(&mut self.pending, m),
        }
        if self.flush_each || self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }
}
