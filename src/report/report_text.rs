//! `sipscope report` as text for people: one line per call as it ends (with its branches when
//! forked), then the capture summary, response codes and RFC 6076 metrics.

use std::io::{self, Write};

use super::{CallReport, Totals};
use crate::capture::live::Drops;
use crate::correlate::Call;
use crate::diagnose::reason::{describe_reason, describe_warning};
use crate::diagnose::{Finding, Subject};
use crate::sanitize::Inert;

/// Streams the text report.
pub struct TextReport<W: Write> {
    w: W,
    calls: u64,
}

fn ms(v: Option<i64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v}ms"))
}

impl<W: Write> TextReport<W> {
    /// Starts the report.
    pub fn start(w: W) -> io::Result<Self> {
        Ok(TextReport { w, calls: 0 })
    }
}

impl<W: Write> CallReport for TextReport<W> {
    fn call(&mut self, c: &Call) -> io::Result<()> {
        if self.calls == 0 {
            writeln!(self.w, "Calls (in the order they ended)")?;
        }
        self.calls += 1;
        let first = &c.first;
        let (code, reason) = match c.decisive() {
            Some(r) => (r.code.to_string(), r.msg.reason_phrase()),
            None => ("-".into(), &[][..]),
        };
        writeln!(
            self.w,
            "  {} {:<12} {:<11} {} {} | {} -> {} | {} -> {} {} | pdd {} setup {} talk {} | {} msgs{}{}{} | {}",
            c.first_ts.rfc3339(),
            c.kind.as_str(),
            c.state.as_str(),
            code,
            Inert(reason),
            Inert(first.slice(first.from_addr().uri)),
            Inert(first.slice(first.headers.to_addr(&first.raw).uri)),
            c.src(),
            c.dst(),
            first.transport.as_str(),
            ms(c.pdd_ms()),
            ms(c.setup_ms()),
            ms(c.duration_ms()),
            c.messages,
            if c.retransmissions > 0 {
                format!(" ({} retransmitted)", c.retransmissions)
            } else {
                String::new()
            },
            if c.evicted { " [evicted]" } else { "" },
            if c.part > 1 {
                format!(" [part {}: messages #{}-#{} of this Call-ID]", c.part, c.first_index, c.total_messages() - 1)
            } else {
                String::new()
            },
            Inert(&c.call_id),
        )?;
        let branches = c.branches();
        if branches.len() > 1 {
            for b in branches {
                writeln!(
                    self.w,
                    "      branch {} tag {} final {}",
                    Inert(b.peer.as_bytes()),
                    Inert(b.to_tag.as_bytes()),
                    b.final_code.map_or("-".to_string(), |c| c.to_string())
                )?;
            }
        }
        if let Some(n) = crate::diagnose::nat::evidence(c) {
            writeln!(
                self.w,
                "      NAT: {} announced in {}, seen from {}",
                Inert(n.announced.as_bytes()),
                n.header,
                Inert(n.seen_from.as_bytes())
            )?;
        }
        for l in &c.linked {
            writeln!(self.w, "      linked to {}", Inert(l.as_bytes()))?;
        }
        super::media_text::write_call_media(&mut self.w, c)?;
        if let Some(r) = c.decisive().filter(|r| r.code >= 300) {
            let h = &r.msg.headers;
            if !h.reason.is_empty() {
                writeln!(
                    self.w,
                    "      Reason: {}",
                    Inert(describe_reason(r.msg.slice(h.reason)).as_bytes())
                )?;
            }
            if !h.warning.is_empty() {
                writeln!(
                    self.w,
                    "      Warning: {}",
                    Inert(describe_warning(r.msg.slice(h.warning)).as_bytes())
                )?;
            }
        }
        if !c.findings.is_empty() {
            writeln!(self.w, "      findings: {}", c.findings.join(", "))?;
        }
        Ok(())
    }

    /// Writes the findings and the summary, and hands the writer back.
    fn finish(mut self: Box<Self>, totals: &Totals<'_>) -> io::Result<()> {
        let Totals { stats, metrics, findings, unlisted, drops, .. } = *totals;
        let w = &mut self.w;
        if self.calls > 0 {
            writeln!(w)?;
        }
        if !findings.is_empty() {
            writeln!(w, "Findings ({})", findings.len() as u64 + unlisted)?;
            for f in findings {
                write_finding(w, f)?;
            }
            if unlisted > 0 {
                writeln!(w, "  … and {unlisted} more not listed")?;
            }
            writeln!(w)?;
        }
        if let Some(table) = totals.registrations {
            super::registrations::write_text(w, table, totals.now)?;
        }
        writeln!(w, "Summary")?;
        writeln!(
            w,
            "  {} packets, {} SIP messages ({} retransmissions, {} duplicates), {} calls ({} evicted{}), {} decode errors",
            stats.decode.packets,
            stats.sip_messages,
            stats.calls.retransmissions,
            stats.calls.duplicates,
            stats.calls.calls,
            stats.calls.evicted_calls,
            if stats.calls.resumed_calls > 0 {
                format!(", {} continued after their first record", stats.calls.resumed_calls)
            } else {
                String::new()
            },
            stats.decode.errors
        )?;
        if stats.decode.hep + stats.decode.hep_errors > 0 {
            writeln!(
                w,
                "  HEP3: {} packets read ({} carrying other than SIP, not read), {} refused (lengths that do not add up, missing chunks, compressed)",
                stats.decode.hep, stats.decode.hep_other, stats.decode.hep_errors
            )?;
        }
        let media = stats.media;
        if media.rtp_packets + media.rtcp_packets + media.unmatched > 0 {
            writeln!(
                w,
                "  media: {} RTP and {} RTCP packets attached to calls through their SDP; {} RTP/RTCP-looking datagrams matched no SDP",
                media.rtp_packets, media.rtcp_packets, media.unmatched
            )?;
        }
        if media.endpoints_refused > 0 {
            writeln!(w, "  {} media addresses not followed (memory bound)", media.endpoints_refused)?;
        }
        let undecoded: Vec<String> =
            stats.decode.undecoded.nonzero().map(|(k, n)| format!("{n} {}", k.describe())).collect();
        if !undecoded.is_empty() {
            writeln!(w, "  packets with nothing more to decode: {}", undecoded.join(", "))?;
        }
        if stats.findings.rolled_up > 0 {
            writeln!(
                w,
                "  {} findings about calls of flagged sources rolled up into their source findings",
                stats.findings.rolled_up
            )?;
        }
        if stats.clock.jumps > 0 {
            let c = stats.clock;
            writeln!(
                w,
                "  capture clock stepped {} time(s), first at {}, largest {} ({} ms): later packets shifted by {} ms so that time keeps its order",
                c.jumps,
                c.first_jump_at.map_or_else(|| "-".to_string(), |t| t.rfc3339().to_string()),
                if c.largest_jump_ms < 0 { "backwards" } else { "forwards" },
                c.largest_jump_ms.abs(),
                c.shift_ms
            )?;
        }
        if stats.stream.tls_streams > 0 {
            writeln!(
                w,
                "  {} TCP directions carried TLS: SIP over TLS cannot be read without its keys (capture before the TLS endpoint, or use HEP from the SIP server)",
                stats.stream.tls_streams
            )?;
        }
        let unread = [
            (stats.calls.without_call_id, "SIP messages without a Call-ID (not grouped into calls)"),
            (
                stats.bad_content_length,
                "SIP messages with an invalid Content-Length (framed by their datagram)",
            ),
            (stats.truncated_messages, "SIP messages cut short (their datagram ended before the body)"),
            (
                stats.non_sip_datagrams.saturating_sub(media.rtp_packets + media.rtcp_packets),
                "UDP/SCTP payloads that were neither SIP nor media of a call",
            ),
        ];
        for (n, what) in unread {
            if n > 0 {
                writeln!(w, "  {n} {what}")?;
            }
        }
        if stats.calls.forgotten_call_ids > 0 {
            writeln!(
                w,
                "  {} ended Call-IDs forgotten (memory bound): a later message of one starts a new record",
                stats.calls.forgotten_call_ids
            )?;
        }
        if drops != Drops::default() {
            writeln!(
                w,
                "  drops: {} by the kernel, {} by the interface, {} by sipscope",
                drops.kernel, drops.interface, drops.queue
            )?;
        }
        let Some(m) = metrics else { return self.w.flush() };
        write!(w, "Responses\n ")?;
        let mut any = false;
        for (code, &n) in m.responses.iter().enumerate().filter(|(_, n)| **n > 0) {
            write!(w, " {code}x{n}")?;
            any = true;
        }
        writeln!(w, "{}", if any { "" } else { " none" })?;
        let r = m.rfc6076();
        let p = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}%"));
        let d = |v: Option<u64>| v.map_or("-".to_string(), |v| format!("{v}ms"));
        writeln!(w, "RFC 6076 metrics ({} INVITE sessions, {} registrations)", m.invites, m.registrations)?;
        writeln!(w, "  SER {}  SEER {}  ISA {}  SCR {}", p(r.ser), p(r.seer), p(r.isa), p(r.scr))?;
        writeln!(
            w,
            "  SRD p50 {} p95 {}  RRD p50 {} p95 {}",
            d(r.srd_p50),
            d(r.srd_p95),
            d(r.rrd_p50),
            d(r.rrd_p95)
        )?;
        self.w.flush()
    }
}

/// Writes one finding: severity, rule and subject, summary, explanation, next steps, evidence.
pub fn write_finding(w: &mut impl Write, f: &Finding) -> io::Result<()> {
    let subject = match &f.subject {
        Subject::Call(id) => format!("call {}", crate::sanitize::inert_string(id.as_bytes())),
        Subject::Source(ip) => format!("source {ip}"),
    };
    writeln!(w, "  [{}] {}  {}  at {}", f.severity.as_str(), f.rule, subject, f.ts.rfc3339())?;
    writeln!(w, "    {}", Inert(f.summary.as_bytes()))?;
    for line in wrap(&f.explanation, 96) {
        writeln!(w, "    {}", Inert(line.as_bytes()))?;
    }
    writeln!(w, "    Next steps:")?;
    for s in &f.next_steps {
        for (i, line) in wrap(s, 92).into_iter().enumerate() {
            writeln!(w, "    {} {}", if i == 0 { "-" } else { " " }, Inert(line.as_bytes()))?;
        }
    }
    // A source finding's evidence spans calls: each message is named with its Call-ID.
    let mut ev: Vec<String> = Vec::with_capacity(f.evidence.len());
    for e in &f.evidence {
        let line = match &f.subject {
            Subject::Call(id) if *id == e.call_id => format!("#{} {}", e.index, e.what),
            _ => format!("{} #{} {}", e.call_id, e.index, e.what),
        };
        if !ev.contains(&line) {
            ev.push(line);
        }
    }
    if matches!(f.subject, Subject::Source(_)) {
        writeln!(w, "    Evidence:")?;
        for line in &ev {
            writeln!(w, "      {}", Inert(line.as_bytes()))?;
        }
        return Ok(());
    }
    writeln!(w, "    Evidence: {}", Inert(ev.join(", ").as_bytes()))
}

/// Greedy word wrap.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
