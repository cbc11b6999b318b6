//! `sipscope report` as text for people: one line per call by start time, fitted to the width
//! (details indented under it), then findings, registrations, summary, codes and RFC 6076 metrics.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};

use super::{CallReport, Totals};
use crate::capture::live::Drops;
use crate::correlate::Call;
use crate::diagnose::reason::{describe_reason, describe_warning};
use crate::diagnose::{Finding, Subject};
use crate::sanitize::Inert;
use crate::time::Timestamp;

/// Most calls held back waiting for an earlier-started call to end; beyond, the earliest is
/// written at once (and counted as possibly out of order).
pub const MAX_HELD: usize = 50_000;

/// In which order the text report lists calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By start time: a call waits until no call in memory started before it (a file).
    Start,
    /// As they end, at once (live capture and standard input: someone is watching, and a
    /// registration in memory for an hour would hold every call back).
    End,
}

/// The text report: calls one a line fitted to the width, details indented under it, by start
/// time or as they end ([`Order`]); then findings, registrations and totals.
///
/// By start time, each call's text waits until no call still in memory started before it (at
/// most [`MAX_HELD`] of them wait).
pub struct TextReport<W: Write> {
    w: W,
    width: usize,
    order: Order,
    calls: u64,
    held: BinaryHeap<Reverse<(Timestamp, u64, String)>>,
    seq: u64,
    day: String,
    forced: u64,
    findings: super::spool::Spool,
}

fn ms(v: Option<i64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{v}ms"))
}

/// `text` cut to `n` columns (an ellipsis marks the cut) and padded to `n`.
fn cell(text: &str, n: usize) -> String {
    let fitted = super::fit::cut(text, n);
    let len = unicode_width::UnicodeWidthStr::width(fitted.as_str());
    format!("{fitted}{}", " ".repeat(n.saturating_sub(len)))
}

/// Short names of call kinds for widths under 120.
fn short_kind(kind: crate::correlate::CallKind) -> &'static str {
    use crate::correlate::CallKind::*;
    match kind {
        Call => "call",
        Registration => "reg",
        Options => "opts",
        Subscription => "sub",
        Message => "msg",
        Other => "other",
    }
}

/// The one line of a call, at most `width` characters: start time, kind, state, code and
/// reason, From and To as `user@host`, and its first finding (`+N` more).
pub fn call_line(c: &Call, width: usize) -> String {
    let wide = width >= 120;
    let time = c.first_ts.rfc3339().to_string();
    let time = time.get(11..23).unwrap_or("");
    let (code, reason) = match c.decisive() {
        Some(r) => (r.code.to_string(), crate::sanitize::inert_string(r.msg.reason_phrase())),
        None => ("-".into(), String::new()),
    };
    // Wide: the kind in full and the reason phrase; else short kinds and the bare code.
    let (kind, answer) = if wide {
        (cell(c.kind.as_str(), 12), cell(&format!("{code} {reason}"), 22))
    } else {
        (cell(short_kind(c.kind), 5), cell(&code, 3))
    };
    let head = format!("  {time} {kind} {} {answer} ", cell(c.state.as_str(), 12));
    let first = &c.first;
    let from =
        crate::report::party(&crate::sanitize::inert_string(first.slice(first.from_addr().uri)), false);
    let to = crate::report::party(
        &crate::sanitize::inert_string(first.slice(first.headers.to_addr(&first.raw).uri)),
        false,
    );
    let finding = match c.findings.split_first() {
        Some((f, [])) => format!("[{f}]"),
        Some((f, more)) => format!("[{f} +{}]", more.len()),
        None => String::new(),
    };
    // From and To share the room the other columns and a finding leave: the same on every
    // line, so the columns line up.
    let reserve = if wide { 30 } else { (width / 4).min(24) };
    let room = width.saturating_sub(head.chars().count() + 1 + reserve + 4);
    let side = (room / 2).clamp(8, 40);
    // A party too long for its room keeps its user part (the host is in the details line).
    let squeeze = |p: &str| match p.split_once('@') {
        Some((user, _)) if unicode_width::UnicodeWidthStr::width(p) > side && !user.is_empty() => {
            cell(user, side)
        }
        _ => cell(p, side),
    };
    let parties = format!("{} -> {}", squeeze(&from), squeeze(&to));
    let line = format!("{head}{parties} {finding}");
    super::fit::cut(line.trim_end(), width)
}

impl<W: Write> TextReport<W> {
    /// Starts the report for lines of `width` characters. `w` must be a
    /// [`crate::report::fit::FitWriter`]: it wraps what is longer and writes the
    /// [`crate::report::fit::GLUE`] that keeps labels with their values as a space.
    pub fn start(w: W, width: usize, order: Order) -> io::Result<Self> {
        Ok(TextReport {
            w,
            width,
            order,
            calls: 0,
            held: BinaryHeap::new(),
            seq: 0,
            day: String::new(),
            forced: 0,
            findings: Default::default(),
        })
    }

    /// Writes the calls held that started before `until` (all of them for `None`).
    fn release(&mut self, until: Option<Timestamp>) -> io::Result<()> {
        while let Some(Reverse((ts, _, _))) = self.held.peek() {
            if until.is_some_and(|u| *ts > u) {
                break;
            }
            let Some(Reverse((ts, _, text))) = self.held.pop() else { break };
            self.write_held(ts, &text)?;
        }
        Ok(())
    }

    fn write_held(&mut self, ts: Timestamp, text: &str) -> io::Result<()> {
        if self.calls == 0 {
            let order = match self.order {
                Order::Start => "by start time",
                Order::End => "in the order they ended",
            };
            writeln!(self.w, "Calls {order} (UTC), one a line, details under each")?;
        }
        self.calls += 1;
        let day = ts.rfc3339().to_string().get(..10).unwrap_or("").to_string();
        if day != self.day {
            writeln!(self.w, "  {day}")?;
            self.day = day;
        }
        self.w.write_all(text.as_bytes())
    }

    /// The line and details of a call.
    fn render(&self, c: &Call) -> io::Result<String> {
        let mut out: Vec<u8> = Vec::with_capacity(512);
        let w = &mut out;
        writeln!(w, "{}", call_line(c, self.width))?;
        writeln!(
            w,
            // Each label stays with its value when the line wraps (`g`: see `fit::GLUE`).
            "      {} | {} -> {} {} | pdd{g}{} setup{g}{} talk{g}{} | {}{g}msgs{}{}{}",
            Inert(&c.call_id),
            c.src(),
            c.dst(),
            c.first.transport.as_str(),
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
                format!(
                    " [part {}: messages #{}-#{} of this Call-ID]",
                    c.part,
                    c.first_index,
                    c.total_messages() - 1
                )
            } else {
                String::new()
            },
            g = super::fit::GLUE,
        )?;
        let branches = c.branches();
        if branches.len() > 1 {
            for b in branches {
                writeln!(
                    w,
                    "      branch {} tag {} final {}",
                    Inert(b.peer.as_bytes()),
                    Inert(b.to_tag.as_bytes()),
                    b.final_code.map_or("-".to_string(), |c| c.to_string())
                )?;
            }
        }
        if let Some(n) = crate::diagnose::nat::evidence(c) {
            writeln!(
                w,
                "      NAT: {} announced in {}, seen from {}",
                Inert(n.announced.as_bytes()),
                n.header,
                Inert(n.seen_from.as_bytes())
            )?;
        }
        for l in &c.linked {
            writeln!(w, "      linked to {}", Inert(l.as_bytes()))?;
        }
        super::media_text::write_call_media(w, c)?;
        if let Some(r) = c.decisive().filter(|r| r.code >= 300) {
            let h = &r.msg.headers;
            if !h.reason.is_empty() {
                writeln!(w, "      Reason: {}", Inert(describe_reason(r.msg.slice(h.reason)).as_bytes()))?;
            }
            if !h.warning.is_empty() {
                writeln!(w, "      Warning: {}", Inert(describe_warning(r.msg.slice(h.warning)).as_bytes()))?;
            }
        }
        if !c.findings.is_empty() {
            writeln!(w, "      findings: {}", c.findings.join(", "))?;
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

impl<W: Write> CallReport for TextReport<W> {
    fn call(&mut self, c: &Call) -> io::Result<()> {
        let text = self.render(c)?;
        if self.order == Order::End {
            return self.write_held(c.first_ts, &text);
        }
        self.seq += 1;
        self.held.push(Reverse((c.first_ts, self.seq, text)));
        if self.held.len() > MAX_HELD {
            if let Some(Reverse((ts, _, text))) = self.held.pop() {
                self.forced += 1;
                self.write_held(ts, &text)?;
            }
        }
        Ok(())
    }

    fn finding(&mut self, f: &Finding) -> io::Result<()> {
        let mut text = Vec::with_capacity(1024);
        write_finding(&mut text, f, self.width)?;
        self.findings.push(&text)
    }

    fn progress(&mut self, oldest_live: Option<Timestamp>) -> io::Result<()> {
        self.release(oldest_live)
    }

    /// Writes the findings and the summary, and hands the writer back.
    fn finish(mut self: Box<Self>, totals: &Totals<'_>) -> io::Result<()> {
        let Totals { stats, metrics, unlisted, drops, .. } = *totals;
        self.release(None)?;
        let w = &mut self.w;
        if self.forced > 0 {
            writeln!(
                w,
                "  ({} calls were written before every call that started earlier had ended: more than {MAX_HELD} waited at once)",
                self.forced
            )?;
        }
        if self.calls > 0 {
            writeln!(w)?;
        }
        if self.findings.items() > 0 {
            writeln!(w, "Findings ({})", self.findings.items() + unlisted)?;
            self.findings.copy_to(w)?;
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

/// Writes one finding for lines of `width` characters: severity, rule and subject, summary,
/// explanation, next steps, evidence.
pub fn write_finding(w: &mut impl Write, f: &Finding, width: usize) -> io::Result<()> {
    let subject = match &f.subject {
        Subject::Call(id) => format!("call {}", crate::sanitize::inert_string(id.as_bytes())),
        Subject::Source(ip) => format!("source {ip}"),
    };
    writeln!(w, "  [{}] {}  {}  at {}", f.severity.as_str(), f.rule, subject, f.ts.rfc3339())?;
    writeln!(w, "    {}", Inert(f.summary.as_bytes()))?;
    for line in super::fit::wrap_words(&f.explanation, width.saturating_sub(4)) {
        writeln!(w, "    {}", Inert(line.as_bytes()))?;
    }
    writeln!(w, "    Next steps:")?;
    for s in &f.next_steps {
        for (i, line) in super::fit::wrap_words(s, width.saturating_sub(8)).into_iter().enumerate() {
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
