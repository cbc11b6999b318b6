//! Output written now and copied out later, with bounded memory: a report writes its calls as
//! they end but its findings after them, so it renders each finding when it is raised and keeps
//! the bytes here, in memory up to [`Spool::MEMORY`] and past that in a temporary file that
//! has no name (removed as soon as it is made, so nothing is left behind, even after a crash).

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// Bytes rendered now, written out later.
pub struct Spool {
    memory: Vec<u8>,
    file: Option<BufWriter<File>>,
    memory_limit: usize,
    items: u64,
}

impl Default for Spool {
    fn default() -> Self {
        Spool::with_limit(Spool::MEMORY)
    }
}

impl Spool {
    /// Bytes held in memory before the rest goes to a temporary file.
    pub const MEMORY: usize = 4 << 20;

    /// A spool that keeps up to `memory_limit` bytes in memory.
    pub fn with_limit(memory_limit: usize) -> Spool {
        Spool { memory: Vec::new(), file: None, memory_limit, items: 0 }
    }

    /// Items pushed so far.
    pub fn items(&self) -> u64 {
        self.items
    }

    /// Whether the spool moved to a temporary file.
    pub fn on_disk(&self) -> bool {
        self.file.is_some()
    }

    /// Appends one item's bytes.
    pub fn push(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.items += 1;
        if self.file.is_none() && self.memory.len() + bytes.len() > self.memory_limit {
            let mut f = BufWriter::with_capacity(1 << 16, anonymous_file()?);
            f.write_all(&self.memory)?;
            self.memory = Vec::new();
            self.file = Some(f);
        }
        match self.file.as_mut() {
            Some(f) => f.write_all(bytes),
            None => {
                self.memory.extend_from_slice(bytes);
                Ok(())
            }
        }
    }

    /// Writes everything pushed, in order, to `out`.
    pub fn copy_to(&mut self, out: &mut impl Write) -> io::Result<()> {
        match self.file.take() {
            None => out.write_all(&self.memory),
            Some(f) => {
                let mut f = f.into_inner().map_err(|e| e.into_error())?;
                f.seek(SeekFrom::Start(0))?;
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    out.write_all(&buf[..n])?;
                }
            }
        }
    }
}

/// A read-write file in the temporary directory, unlinked at once.
fn anonymous_file() -> io::Result<File> {
    let dir = std::env::temp_dir();
    for attempt in 0..100u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = dir.join(format!("sipscope-spool-{}-{nanos}-{attempt}", std::process::id()));
        match std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path) {
            Ok(f) => {
                std::fs::remove_file(&path)?;
                return Ok(f);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(io::Error::new(e.kind(), format!("temporary file in {}: {e}", dir.display())));
            }
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary file name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_stays_in_memory_large_goes_to_an_unnamed_file_and_both_come_back_in_order() {
        for limit in [1 << 20, 64] {
            let mut s = Spool::with_limit(limit);
            let mut want = Vec::new();
            for i in 0..500u32 {
                let item = format!("item {i}\n");
                s.push(item.as_bytes()).unwrap();
                want.extend_from_slice(item.as_bytes());
            }
            assert_eq!(s.items(), 500);
            assert_eq!(s.on_disk(), limit == 64);
            let mut out = Vec::new();
            s.copy_to(&mut out).unwrap();
            assert_eq!(out, want);
        }
        // Nothing named after us is left in the temporary directory.
        let ours = format!("sipscope-spool-{}-", std::process::id());
        let left = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(&ours))
            .count();
        assert_eq!(left, 0);
    }
}
