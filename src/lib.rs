//! sipscope: a SIP capture monitor.
//!
//! The engine lives in the `sipscope-core` crate (re-exported here: [`capture`] → [`decode`] →
//! [`sip`] → [`media`] → [`correlate`] → [`diagnose`], run by [`engine`] and fed by [`driver`]); this crate is
//! the shell and the views: the command line ([`cli`], [`commands`]), reports ([`report`]),
//! exports ([`export`]) and the dashboard ([`tui`]).

pub use sipscope_core::{
    capture, clock, correlate, decode, diagnose, driver, engine, media, packet, sanitize, sip, time,
};

pub mod cli;
pub mod commands;
pub mod export;
pub mod listen;
pub mod report;
pub mod signals;
pub mod tui;
