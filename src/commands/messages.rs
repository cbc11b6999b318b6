//! `sipscope messages -r FILE`: every SIP message, one line each.

use std::io::{self, Write};

use super::{finish_output, open_input, run_input};
use crate::cli::MessagesArgs;
use crate::driver::Sink;
use crate::engine::{Engine, EngineConfig};
use crate::report::json::AddrTexts;
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
    // What was gathered is written however the run ended.
    let result = run_input(&mut input, &mut engine, &mut sink);
    let flushed = sink.flush();
    let result = result.and_then(|code| flushed.map(|_| code));
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
    /// The text of the addresses written lately.
    addrs: AddrTexts,
}

impl<W: Write> MessageSink<W> {
    fn new(out: W, format: Format, flush_each: bool) -> Self {
        MessageSink {
            out,
            format,
            flush_each,
            pending: Vec::with_capacity(BATCH + 4096),
            addrs: AddrTexts::default(),
        }
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
            Format::Ndjson => push_ndjson(&mut self.pending, m, &mut self.addrs),
        }
        if self.flush_each || self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::scan::{scan, Framing, Scan};

    /// A writer that records each write it was given.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn message() -> SipMessage {
        let raw: &[u8] = b"OPTIONS sip:x SIP/2.0\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n\r\n";
        let Scan::Complete { len, headers } = scan(raw, Framing::Datagram) else { panic!("test message") };
        SipMessage {
            ts: crate::time::Timestamp(0),
            src: "192.0.2.1:5060".parse().unwrap(),
            dst: "192.0.2.2:5060".parse().unwrap(),
            transport: crate::sip::Transport::Udp,
            raw: raw[..len].into(),
            headers,
        }
    }

    /// Offline, lines go out in batches of at least BATCH bytes, and the last one at the end;
    /// the bytes are exactly the lines one after the other.
    #[test]
    fn lines_are_written_in_batches_and_all_of_them() {
        let m = message();
        let mut line = Vec::new();
        push_ndjson(&mut line, &m, &mut AddrTexts::default());
        let count = 2 * BATCH / line.len() + 3;
        let mut sink = MessageSink::new(Writes::default(), Format::Ndjson, false);
        for _ in 0..count {
            sink.message(&m, None).unwrap();
        }
        let before_end = sink.out.0.len();
        sink.flush().unwrap();
        let writes = &sink.out.0;
        assert_eq!(before_end, 2, "two full batches before the end");
        assert_eq!(writes.len(), 3, "and the rest at the end");
        assert!(writes[..2].iter().all(|w| w.len() >= BATCH && w.ends_with(b"\n")));
        assert_eq!(writes.concat(), line.repeat(count));
    }

    /// Live, every line is written (and flushed) as it comes.
    #[test]
    fn live_lines_are_written_one_by_one() {
        let m = message();
        let mut sink = MessageSink::new(Writes::default(), Format::Text, true);
        for _ in 0..3 {
            sink.message(&m, None).unwrap();
        }
        assert_eq!(sink.out.0.len(), 3);
        let mut want = Vec::new();
        write_text(&mut want, &m).unwrap();
        assert!(sink.out.0.iter().all(|w| *w == want));
    }
}
