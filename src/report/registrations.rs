//! The registrations table in the reports: one row per registering device, in status order
//! (registered first, then the ones needing a look), each as a text line or a JSON object.
//! Text from the network (AoR, Contact, User-Agent) goes through [`Inert`] or JSON escaping.

use std::io::{self, Write};

use crate::correlate::{RegStatus, Registrations};
use crate::report::json::Object;
use crate::sanitize::Inert;
use crate::time::Timestamp;

/// Writes the text section (nothing when no REGISTER was seen).
pub fn write_text(w: &mut impl Write, table: &Registrations, now: Timestamp) -> io::Result<()> {
    if table.is_empty() {
        return Ok(());
    }
    let counts = table.count_by_status(now);
    let summary: Vec<String> = RegStatus::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    writeln!(w, "Registrations ({}: {})", table.len(), summary.join(", "))?;
    for (status, r) in table.sorted(now) {
        let code = r.last_code.map_or_else(|| "-".to_string(), |c| c.to_string());
        write!(
            w,
            "  {:<12} {} | {} -> {} | last {code} | {} requests, {} refused",
            status.as_str(),
            Inert(&r.aor),
            r.source,
            r.registrar,
            r.requests,
            r.failures
        )?;
        if let Some(t) = r.expires_at.filter(|_| status == RegStatus::Registered) {
            write!(w, " | until {}", t.rfc3339())?;
        }
        writeln!(w)?;
        if !r.contact.is_empty() || !r.user_agent.is_empty() {
            writeln!(w, "      contact {} | user agent {}", Inert(&r.contact), Inert(&r.user_agent))?;
        }
    }
    writeln!(w)
}

/// Appends the JSON array of rows to `out`.
pub fn push_json(out: &mut Vec<u8>, table: &Registrations, now: Timestamp) {
    out.push(b'[');
    for (i, (status, r)) in table.sorted(now).into_iter().enumerate() {
        out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        let mut o = Object::begin(out);
        o.str("aor", &r.aor)
            .str("status", status.as_str().as_bytes())
            .str("contact", &r.contact)
            .addr("source", r.source)
            .addr("registrar", r.registrar)
            .str("user_agent", &r.user_agent)
            .str("call_id", &r.call_id)
            .opt_int("last_code", r.last_code.map(i64::from))
            .time("last_request", r.last_request);
        match r.expires_at {
            Some(t) => o.time("expires_at", t),
            None => o.null("expires_at"),
        };
        o.uint("requests", u64::from(r.requests)).uint("failures", u64::from(r.failures));
        o.end();
    }
    out.extend_from_slice(b"\n]");
}
