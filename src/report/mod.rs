//! Views that write text: the per-message listing (text and NDJSON), the call report (text and
//! JSON) and capture summaries.
//! Everything from the network is written through [`crate::sanitize`] or JSON escaping.

pub mod json;
pub mod media_json;
pub mod media_text;
pub mod messages;
pub mod registrations;
pub mod report_json;
pub mod report_text;
pub mod summary;

use std::io;

use crate::capture::live::Drops;
use crate::correlate::{Call, Metrics};
use crate::diagnose::Finding;
use crate::engine::EngineStats;

/// What a call report writes after its calls, once the input is done.
#[derive(Clone, Copy)]
pub struct Totals<'a> {
    /// Engine counters.
    pub stats: &'a EngineStats,
    /// Response codes and RFC 6076 metrics (none when calls were not correlated).
    pub metrics: Option<&'a Metrics>,
    /// The findings to list.
    pub findings: &'a [Finding],
    /// Findings beyond the listing limit, counted only.
    pub unlisted: u64,
    /// Live capture drops (zero for files).
    pub drops: Drops,
    /// Registering devices (none when calls were not correlated).
    pub registrations: Option<&'a crate::correlate::Registrations>,
    /// The capture time the registrations' status is taken at (the end of the input).
    pub now: crate::time::Timestamp,
}

/// A call report, text or JSON: each call is written as it ends, the totals once at the end
/// (which also flushes the output).
pub trait CallReport {
    /// Writes one finished call.
    fn call(&mut self, c: &Call) -> io::Result<()>;
    /// Writes the totals and flushes.
    fn finish(self: Box<Self>, totals: &Totals<'_>) -> io::Result<()>;
}
