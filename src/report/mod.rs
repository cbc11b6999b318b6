//! Views that write text: the per-message listing (text and NDJSON), the call report (text and
//! JSON) and capture summaries.
//! Everything from the network is written through [`crate::sanitize`] or JSON escaping.

pub mod fit;
pub mod json;
pub mod media_json;
pub mod media_text;
pub mod messages;
pub mod registrations;
pub mod report_json;
pub mod report_text;
pub mod spool;
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
    /// Takes one finding to list after the calls (rendered now, kept in a [`spool::Spool`]).
    fn finding(&mut self, f: &Finding) -> io::Result<()>;
    /// No call still held started before `oldest_live` (`None`: none is held): a report that
    /// lists calls by start time may write those that started earlier.
    fn progress(&mut self, _oldest_live: Option<crate::time::Timestamp>) -> io::Result<()> {
        Ok(())
    }
    /// Writes the totals and flushes.
    fn finish(self: Box<Self>, totals: &Totals<'_>) -> io::Result<()>;
}

/// A party (From or To as the calls list shows it) made compact: `user@host` of its URI, no
/// scheme, parameters or port; with `display`, a display name first (`Alice alice@10.0.0.1`).
/// Tel URIs keep their number. Text that is not a URI is returned as it is.
pub fn party(s: &str, display: bool) -> String {
    let (name, uri) = match (s.find('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => (s[..a].trim().trim_matches('"'), &s[a + 1..b]),
        _ => ("", s.trim()),
    };
    let rest = ["sips:", "sip:", "tel:"]
        .iter()
        .find_map(|p| uri.get(..p.len()).filter(|h| h.eq_ignore_ascii_case(p)).map(|_| &uri[p.len()..]))
        .unwrap_or(uri);
    let rest = rest.split([';', '?']).next().unwrap_or(rest);
    // Drop a port after the host (not the colons of an IPv6 address in brackets).
    let host_start = rest.find('@').map_or(0, |i| i + 1);
    let host = &rest[host_start..];
    let cut = if host.starts_with('[') {
        host.find(']').map_or(host.len(), |i| i + 1)
    } else {
        host.find(':').unwrap_or(host.len())
    };
    let compact = &rest[..host_start + cut];
    if display && !name.is_empty() {
        format!("{name} {compact}")
    } else {
        compact.to_string()
    }
}
