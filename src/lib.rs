//! sipscope: a SIP capture monitor.
//!
//! Data flows one way: [`capture`] → [`decode`] → [`sip`] → (correlate → diagnose) → views
//! ([`report`]). [`engine`] runs the stages between capture and the views; it is synchronous
//! and deterministic, so live capture, file replay and tests drive the same code.

pub mod capture;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod correlate;
pub mod decode;
pub mod diagnose;
pub mod driver;
pub mod engine;
pub mod export;
pub mod packet;
pub mod report;
pub mod sanitize;
pub mod signals;
pub mod sip;
pub mod time;
pub mod tui;
