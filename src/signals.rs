//! Signals: SIGINT and SIGTERM set a flag the running loops check, so headless live modes stop
//! cleanly and print what they saw, and the dashboard quits and restores the terminal; SIGHUP
//! (installed by `monitor` only) asks for the output files to be opened again after a log
//! rotator moved them.

use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
static REOPEN: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

extern "C" fn on_hangup(_: libc::c_int) {
    REOPEN.store(true, Ordering::SeqCst);
}

/// Installs the handler for SIGINT and SIGTERM.
pub fn install() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGINT, handler);
        libc::signal(libc::SIGTERM, handler);
    }
}

/// Installs the handler for SIGHUP (reopen outputs instead of ending the process).
pub fn install_reopen() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        let handler = on_hangup as extern "C" fn(libc::c_int) as libc::sighandler_t;
        libc::signal(libc::SIGHUP, handler);
    }
}

/// Whether a stop was requested.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Whether outputs should be reopened (SIGHUP since the last call); clears the request.
pub fn take_reopen() -> bool {
    REOPEN.swap(false, Ordering::SeqCst)
}
