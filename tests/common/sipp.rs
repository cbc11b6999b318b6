//! Running SIPp from the root-only tests (live capture, live dashboard).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Whether the test runs as root (live capture needs it; CI runs as root).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Path of a scenario in `tests/sipp/`.
pub fn scenario(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sipp").join(name).to_string_lossy().into_owned()
}

/// A SIPp command with `args`, no terminal input, a 20 s overall timeout that fails the run,
/// output discarded, working in the temporary directory (its error trace goes there).
pub fn sipp(args: &[&str]) -> Command {
    let mut c = Command::new("sipp");
    c.args(args)
        .args(["-nostdin", "-timeout", "20", "-timeout_error", "-trace_err"])
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// A child process killed when the test ends, however it ends.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads a child's piped standard output and error to the end, then waits for it.
pub trait WaitRef {
    /// (stdout, stderr).
    fn wait_with_output_ref(&mut self) -> (Vec<u8>, Vec<u8>);
}

impl WaitRef for Child {
    fn wait_with_output_ref(&mut self) -> (Vec<u8>, Vec<u8>) {
        use std::io::Read;
        let (mut out, mut err) = (Vec::new(), Vec::new());
        if let Some(mut o) = self.stdout.take() {
            o.read_to_end(&mut out).unwrap();
        }
        if let Some(mut e) = self.stderr.take() {
            e.read_to_end(&mut err).unwrap();
        }
        let _ = self.wait();
        (out, err)
    }
}
