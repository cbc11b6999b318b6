//! `sipscope messages -r FILE`: every SIP message, one line each.

use std::io::{self, BufWriter, Write};

use super::exit;
use crate::capture::file::{CaptureErrorKind, FileSource};
use crate::cli::MessagesArgs;
use crate::engine::{Engine, EngineConfig, PortSet};
use crate::report::messages::{write_ndjson, write_text, Format};
use crate::report::summary::Summary;
use crate::sip::SipMessage;

/// Runs the command; returns the exit code.
pub fn run(args: &MessagesArgs) -> i32 {
    let ports = match args.ports.as_deref().map(PortSet::parse).transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("sipscope: --ports: {e}");
            return exit::USAGE;
        }
    };
    let mut source = match FileSource::open(&args.read) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sipscope: {e}");
            return exit::FAILURE;
        }
    };
    let mut engine = Engine::new(EngineConfig { ports, ..Default::default() });
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let write = |w: &mut BufWriter<_>, m: &SipMessage| match args.format {
        Format::Text => write_text(w, m),
        Format::Ndjson => write_ndjson(w, m),
    };
    let mut code = exit::OK;
    let mut io_result: io::Result<()> = Ok(());
    'read: loop {
        match source.next_packet() {
            Ok(Some(pkt)) => {
                for m in engine.ingest(&pkt) {
                    if let Err(e) = write(&mut out, &m) {
                        io_result = Err(e);
                        break 'read;
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                eprintln!("sipscope: {e}");
                if let CaptureErrorKind::Corrupt { .. } = e.kind {
                    code = exit::CORRUPT_INPUT;
                }
                break;
            }
        }
    }
    if io_result.is_ok() {
        for m in engine.finish() {
            if let Err(e) = write(&mut out, &m) {
                io_result = Err(e);
                break;
            }
        }
    }
    if io_result.is_ok() {
        io_result = out.flush();
    }
    match io_result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return code,
        Err(e) => {
            eprintln!("sipscope: writing output: {e}");
            return exit::FAILURE;
        }
        Ok(()) => {}
    }
    eprintln!("sipscope: {}", Summary(&engine.stats()));
    code
}
