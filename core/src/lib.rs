//! sipscope-core: the engine of sipscope, with no UI, CLI or async dependencies.
//!
//! Data flows one way, from the ground floor up: [`packet`] (what every stage shares) →
//! [`capture`] (sources of packets) → [`decode`] → [`sip`] → [`media`] → [`correlate`] → [`diagnose`];
//! [`engine`] runs the stages and is synchronous and deterministic, and [`driver`] is the one
//! loop that feeds it from a source into a sink, for live capture, file replay and tests alike.

pub mod capture;
pub mod clock;
pub mod correlate;
pub mod decode;
pub mod diagnose;
pub mod driver;
pub mod engine;
pub mod media;
pub mod one_or_many;
pub mod packet;
pub mod sanitize;
pub mod sip;
pub mod time;
