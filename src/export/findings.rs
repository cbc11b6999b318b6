//! `--findings FILE|-`: every finding as one JSON line (NDJSON) the moment it is raised, for
//! Loki, Vector, Fluent Bit or jq. Same members as a finding in the JSON report (its schema:
//! `docs/schema/report.schema.json`, `findings` items). A file is appended to and flushed per
//! line; on SIGHUP it is opened again at its path (after a log rotator moved it).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};

use crate::diagnose::Finding;
use crate::driver::Sink;
use crate::report::report_json::push_finding;

/// Where the lines go.
enum Target {
    Stdout(io::Stdout),
    File { path: String, out: BufWriter<File> },
}

/// The findings stream, as a driver sink.
pub struct FindingsStream {
    target: Target,
    /// Lines written.
    pub written: u64,
}

impl FindingsStream {
    /// Opens `path` for appending, or standard output for `-`.
    pub fn open(path: &str) -> io::Result<FindingsStream> {
        let target = if path == "-" {
            Target::Stdout(io::stdout())
        } else {
            Target::File { path: path.to_string(), out: BufWriter::new(append(path)?) }
        };
        Ok(FindingsStream { target, written: 0 })
    }

    /// Opens the file again at its path (nothing for standard output). When that fails, lines
    /// keep going to the file as it was open (wherever it was moved), and the error is returned.
    pub fn reopen(&mut self) -> io::Result<()> {
        if let Target::File { path, out } = &mut self.target {
            out.flush()?;
            if !crate::export::pcap::moved_away(path, out.get_ref()) {
                return Ok(());
            }
            let new = append(path)?;
            *out = BufWriter::new(new);
        }
        Ok(())
    }
}

fn append(path: &str) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

impl Sink for FindingsStream {
    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        // Through the same escaping as the JSON report: control characters, C1 codes and
        // bidirectional overrides from the network reach a terminal as \uXXXX escapes.
        let mut line = Vec::with_capacity(1024);
        push_finding(&mut line, f);
        line.push(b'\n');
        match &mut self.target {
            Target::Stdout(s) => {
                let mut s = s.lock();
                s.write_all(&line)?;
                s.flush()?;
            }
            Target::File { out, .. } => {
                out.write_all(&line)?;
                out.flush()?;
            }
        }
        self.written += 1;
        Ok(())
    }
}
