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
    let top_sources = failing_sources(app, model);
    // The counters take the height they need (laid out in the left half), and the failing
    // sources as many lines as there are, up to about half the view; the response chart keeps at
    // least six lines. A counters box still too short says so.
    let half = area.width / 2;
    let lines = pack(&counter_groups(&counters, model), usize::from(half.saturating_sub(2)));
    let needed = u16::try_from(lines.len()).unwrap_or(u16::MAX).saturating_add(2);
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
        Layout::horizontal([Constraint::Length(half), Constraint::Fill(1)]).areas(bottom);
    draw_charts(f, top, middle, &counters, model);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .title(super::title("RFC 6076 metrics and counters", metrics.width));
    if needed > metrics.height {
        block = block.title_bottom(super::title("more: a taller terminal shows it all", metrics.width));
    }
    f.render_widget(Paragraph::new(lines).block(block), metrics);
    // Counts as wide as the largest, the address cut with `…` (a cut address without a mark
    // would read as another one).
    let digits = top_sources.iter().map(|(_, n)| n.to_string().len()).max().unwrap_or(1);
    let room = usize::from(sources.width.saturating_sub(2)).saturating_sub(digits + 2);
    let lines: Vec<Line> = top_sources
        .iter()
        .take(sources.height.saturating_sub(2) as usize)
        .map(|(s, n)| Line::raw(format!("{n:>digits$}  {}", super::fit(s, room))))
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

/// The RFC 6076 metrics and the capture counters: one group of `label value` items per line
/// they would take on a wide terminal.
fn counter_groups(counters: &crate::tui::model::Counters, model: &Model) -> Vec<Vec<String>> {
    let p = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2} %"));
    let d = |v: Option<u64>| v.map_or("-".to_string(), |v| format!("{v} ms"));
    let e = &counters.engine;
    let mut groups = Vec::new();
    if let Some(r) = counters.rfc6076 {
        groups.push(vec![format!("SER {}", p(r.ser)), format!("SEER {}", p(r.seer))]);
        groups.push(vec![format!("ISA {}", p(r.isa)), format!("SCR {}", p(r.scr))]);
        groups.push(vec![format!("SRD p50 {} p95 {}", d(r.srd_p50), d(r.srd_p95))]);
        groups.push(vec![format!("RRD p50 {} p95 {}", d(r.rrd_p50), d(r.rrd_p95))]);
    }
    groups.push(vec![
        format!("packets {}", e.decode.packets),
        format!("SIP {}", e.sip_messages),
        format!("retransmissions {}", e.calls.retransmissions),
        format!("duplicates {}", e.calls.duplicates),
    ]);
    groups.push(vec![
        format!("decode errors {}", e.decode.errors),
        format!("non-SIP {}", e.non_sip_payloads()),
        format!("IP reassembled {}", e.decode.defrag.reassembled),
        format!("TCP streams {}", e.tcp.streams),
    ]);
    groups.push(vec![
        format!("calls {}", e.calls.calls),
        format!("evicted {}", e.calls.evicted_calls),
        format!("kernel drops {}", counters.kernel_drops),
        format!("rows without messages (memory) {}", model.evicted_rows),
    ]);
    let undecoded: Vec<String> =
        e.decode.undecoded.nonzero().map(|(k, n)| format!("{n} {}", k.describe())).collect();
    if !undecoded.is_empty() {
        groups.push(vec![format!("not decoded: {}", undecoded.join(", "))]);
    }
    if e.clock.jumps > 0 {
        groups.push(vec![format!(
            "capture clock stepped {} time(s), largest {} ms: later times shifted",
            e.clock.jumps, e.clock.largest_jump_ms
        )]);
    }
    groups
}

/// Lays each group of items out on lines of at most `width` columns, two spaces apart; a group
/// too long for one line goes on under itself, indented two. A value is never split from its
/// label: only an item longer than a whole line is wrapped, at its spaces.
fn pack(groups: &[Vec<String>], width: usize) -> Vec<Line<'static>> {
    const INDENT: &str = "  ";
    let columns = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    let mut out = Vec::new();
    for group in groups {
        let mut line = String::new();
        for item in group {
            if !line.is_empty() {
                if columns(&line) + 2 + columns(item) <= width {
                    line.push_str("  ");
                    line.push_str(item);
                    continue;
                }
                out.push(Line::raw(std::mem::replace(&mut line, INDENT.to_string())));
            }
            let room = width.saturating_sub(columns(&line)).max(1);
            for (k, piece) in crate::report::fit::wrap_words(item, room).into_iter().enumerate() {
                if k > 0 {
                    out.push(Line::raw(std::mem::replace(&mut line, INDENT.to_string())));
                }
                line.push_str(&piece);
            }
        }
        out.push(Line::raw(line));
    }
    out
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
