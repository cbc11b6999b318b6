//! The stats view: response codes, new calls per second, RFC 6076 metrics, the sources with the
//! most failures, and capture counters.

use std::collections::HashMap;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Sparkline};
use ratatui::Frame;

use crate::tui::app::App;
use crate::tui::model::Model;

/// Draws the stats view.
pub fn draw(f: &mut Frame, area: Rect, app: &mut App, model: &Model) {
    let counters = app.counters(model).clone();
    let lines = counter_lines(&counters, model);
    let top_sources = failing_sources(app, model);
    // The counters take the height they need (wrapped at half the width), and the failing
    // sources as many lines as there are, up to about half the view; the response chart keeps at
    // least six lines. A counters box still too short says so.
    let para = Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true });
    let half = area.width / 2;
    let needed = u16::try_from(para.line_count(half.saturating_sub(2))).unwrap_or(u16::MAX).saturating_add(2);
    let sources_needed =
        u16::try_from(top_sources.len()).unwrap_or(u16::MAX).saturating_add(2).min(area.height / 2);
    // A short view gives up the per-second chart before the counters.
    let middle_height = if area.height < 5 + 6 + 6 { 0 } else { 5 };
    let bottom_height = needed.max(sources_needed).max(6).min(area.height.saturating_sub(middle_height + 6));
    let [top, middle, bottom] = Layout::vertical([
        Constraint::Min(6),
        Constraint::Length(middle_height),
        Constraint::Length(bottom_height),
    ])
    .areas(area);
    let [metrics, sources] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    draw_charts(f, top, middle, &counters, model);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(super::title("RFC 6076 metrics and counters", metrics.width));
    if needed > metrics.height {
        block = block.title_bottom(super::title("more: a taller terminal shows it all", metrics.width));
    }
    f.render_widget(para.block(block), metrics);
    let lines: Vec<Line> = top_sources
        .iter()
        .take(sources.height.saturating_sub(2) as usize)
        .map(|(s, n)| Line::raw(format!("{n:>6}  {s}")))
        .collect();
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(super::title("Top sources of failed calls", sources.width)),
        ),
        sources,
    );
}

/// The RFC 6076 metrics and the capture counters, one line each.
fn counter_lines(counters: &crate::tui::model::Counters, model: &Model) -> Vec<Line<'static>> {
    let p = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2} %"));
    let d = |v: Option<u64>| v.map_or("-".to_string(), |v| format!("{v} ms"));
    let e = &counters.engine;
    let mut lines = Vec::new();
    if let Some(r) = counters.rfc6076 {
        lines.push(Line::raw(format!("SER {}   SEER {}", p(r.ser), p(r.seer))));
        lines.push(Line::raw(format!("ISA {}   SCR {}", p(r.isa), p(r.scr))));
        lines.push(Line::raw(format!("SRD p50 {} p95 {}", d(r.srd_p50), d(r.srd_p95))));
        lines.push(Line::raw(format!("RRD p50 {} p95 {}", d(r.rrd_p50), d(r.rrd_p95))));
    }
    lines.push(Line::raw(format!(
        "packets {}  SIP {}  retransmissions {}  duplicates {}",
        e.decode.packets, e.sip_messages, e.calls.retransmissions, e.calls.duplicates
    )));
    lines.push(Line::raw(format!(
        "decode errors {}  non-SIP {}  IP reassembled {}  TCP streams {}",
        e.decode.errors,
        e.non_sip_payloads(),
        e.decode.defrag.reassembled,
        e.tcp.streams
    )));
    lines.push(Line::raw(format!(
        "calls {}  evicted {}  kernel drops {}  rows without messages (memory) {}",
        e.calls.calls, e.calls.evicted_calls, counters.kernel_drops, model.evicted_rows
    )));
    let undecoded: Vec<String> =
        e.decode.undecoded.nonzero().map(|(k, n)| format!("{n} {}", k.describe())).collect();
    if !undecoded.is_empty() {
        lines.push(Line::raw(format!("not decoded: {}", undecoded.join(", "))));
    }
    if e.clock.jumps > 0 {
        lines.push(Line::raw(format!(
            "capture clock stepped {} time(s), largest {} ms: later times shifted",
            e.clock.jumps, e.clock.largest_jump_ms
        )));
    }
    lines
}

/// Source addresses of failed calls with their counts, most first (ties by address).
fn failing_sources<'a>(app: &App, model: &'a Model) -> Vec<(&'a str, usize)> {
    let mut failing: HashMap<&str, usize> = HashMap::new();
    for r in &model.rows[..app.row_limit(model)] {
        if r.summary.state.is_failure() {
            let ip = r.summary.src.rsplit_once(':').map_or(r.summary.src.as_str(), |(ip, _)| ip);
            *failing.entry(ip).or_default() += 1;
        }
    }
    let mut top_sources: Vec<(&str, usize)> = failing.into_iter().collect();
    top_sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    top_sources
}

/// The response-code chart in `top` and the new-calls sparkline in `middle`.
fn draw_charts(
    f: &mut Frame,
    top: Rect,
    middle: Rect,
    counters: &crate::tui::model::Counters,
    model: &Model,
) {
    // Wide enough for the largest count, so the numbers never run into the bars next to them;
    // on a narrow chart down to the width of a code. Codes that still do not fit are left out,
    // provisional ones first, then the rarest, and the title says how many.
    let digits = counters.responses.iter().map(|(_, n)| n.to_string().len()).max().unwrap_or(3);
    let inner = usize::from(top.width.saturating_sub(2));
    let fits = |bar_width: usize| (inner + 1) / (bar_width + 1);
    let mut bar_width = (digits + 2).clamp(5, 10);
    if fits(bar_width) < counters.responses.len() {
        bar_width = digits.max(3);
    }
    let mut shown: Vec<(u16, u64)> = counters.responses.iter().map(|(c, n)| (*c, *n)).collect();
    let left_out = shown.len().saturating_sub(fits(bar_width));
    if left_out > 0 {
        let mut by_interest = shown.clone();
        by_interest.sort_by_key(|&(code, n)| (code >= 200, n, std::cmp::Reverse(code)));
        let drop: Vec<u16> = by_interest.iter().take(left_out).map(|(c, _)| *c).collect();
        shown.retain(|(c, _)| !drop.contains(c));
    }
    let bars: Vec<Bar> = shown
        .iter()
        .map(|&(code, n)| {
            let color = match code {
                100..=199 => Color::Gray,
                200..=299 => Color::Green,
                300..=399 => Color::Cyan,
                401 | 407 => Color::Yellow,
                _ => Color::Red,
            };
            Bar::default().label(Line::from(code.to_string())).value(n).style(Style::new().fg(color))
        })
        .collect();
    let title = match left_out {
        0 => "Responses (retransmissions excluded)".to_string(),
        n => format!("Responses · {n} not shown (widen) · retransmissions excluded"),
    };
    f.render_widget(
        BarChart::default()
            .block(Block::default().borders(Borders::ALL).title(super::title(&title, top.width)))
            .data(BarGroup::default().bars(&bars))
            .bar_width(bar_width as u16)
            .bar_gap(1),
        top,
    );
    let per_sec: Vec<u64> = model.per_second.iter().map(|(_, n)| *n).collect();
    let visible = per_sec.len().saturating_sub(middle.width.saturating_sub(2) as usize);
    f.render_widget(
        Sparkline::default()
            .block(Block::default().borders(Borders::ALL).title(super::title(
                &format!(
                    "New calls per second (peak {}) of capture time",
                    per_sec.iter().max().unwrap_or(&0)
                ),
                middle.width,
            )))
            .data(&per_sec[visible..]),
        middle,
    );
}
