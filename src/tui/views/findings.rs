//! The findings view: every finding, newest first, with counts per rule, and the explanation of
//! the selected one. Enter jumps to its call.

use std::collections::BTreeMap;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::clock;
use crate::diagnose::Subject;
use crate::sanitize::inert_string;
use crate::tui::app::App;
use crate::tui::model::Model;
use crate::tui::theme;

/// Draws the findings view.
pub fn draw(f: &mut Frame, area: Rect, app: &mut App, model: &Model) {
    let n = app.paused.as_ref().map_or(model.findings.len(), |p| p.findings.min(model.findings.len()));
    let shown = &model.findings[..n];
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for fd in shown {
        *per_rule.entry(fd.rule).or_default() += 1;
    }
    let counts: Vec<String> = per_rule.iter().map(|(r, c)| format!("{r} ×{c}")).collect();
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let title = format!(
        "Findings {n} · {}",
        if counts.is_empty() { "none yet".to_string() } else { counts.join(" · ") }
    );
    let block = Block::default().borders(Borders::ALL).title(super::title(&title, list_area.width));
    let inner = block.inner(list_area);
    f.render_widget(block, list_area);
    let height = inner.height as usize;
    app.page = height.max(1);
    app.finding = app.finding.min(n.saturating_sub(1));
    let (start, end) = super::window(app.finding, &mut app.findings_offset, height, n);
    let who_of = |fd: &crate::diagnose::Finding| match &fd.subject {
        Subject::Call(id) => inert_string(id.as_bytes()),
        Subject::Source(ip) => format!("source {ip}"),
    };
    // The rule and the call or source columns keep one width on screen, so the summaries line
    // up: the rule as wide as the longest it shows; the call as wide as the longest, at most a
    // quarter of the line. A narrow line shortens the time and leaves the call out (the
    // explanation below names it) before the summary gets under 30 columns.
    let width = inner.width as usize;
    let on_screen = || (start..end).map(|k| &shown[n - 1 - k]);
    let columns = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    let rule_width = on_screen().map(|fd| columns(fd.rule)).max().unwrap_or(0);
    // Under 100 terminal columns (the view is as wide as the terminal).
    let time_width = if area.width < 100 { 8 } else { 12 };
    let longest = on_screen().map(|fd| columns(&who_of(fd))).max().unwrap_or(0);
    let mut who_width = longest.min((width / 4).clamp(16, 44));
    // Time, mark and rule, each followed by a space.
    let before_who = time_width + 1 + 2 + rule_width + 1;
    if width.saturating_sub(before_who + who_width + 2) < 30 {
        who_width = 0;
    }
    let mut lines = Vec::new();
    for k in start..end {
        let fd = &shown[n - 1 - k];
        let (mark, st) = theme::severity(Some(fd.severity));
        let time = clock(fd.ts);
        let mut line = Line::from(vec![
            Span::raw(format!("{} ", time.get(..time_width).unwrap_or(&time))),
            Span::styled(format!("{mark} {:<rule_width$} ", fd.rule), st),
        ]);
        if who_width > 0 {
            line.push_span(Span::raw(format!("{:<who_width$}  ", super::fit(&who_of(fd), who_width))));
        }
        // The summary gets the rest of the line, cut with `…`.
        let room = width.saturating_sub(line.width());
        line.push_span(Span::raw(super::fit(&inert_string(fd.summary.as_bytes()), room)));
        if k == app.finding {
            line = line.style(theme::selected());
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);
    let selected = shown.len().checked_sub(1 + app.finding).and_then(|i| shown.get(i));
    let detail: Vec<Line> = match selected {
        Some(fd) => {
            let mut v = vec![
                Line::styled(inert_string(fd.summary.as_bytes()), Style::new().add_modifier(Modifier::BOLD)),
                Line::styled(format!("{} · {}", who_of(fd), clock(fd.ts)), theme::dim()),
                Line::raw(inert_string(fd.explanation.as_bytes())),
                Line::styled("Next steps:", theme::header()),
            ];
            v.extend(fd.next_steps.iter().map(|s| Line::raw(format!("  → {}", inert_string(s.as_bytes())))));
            let ev: Vec<String> = fd.evidence.iter().map(|e| format!("#{} {}", e.index, e.what)).collect();
            v.push(Line::styled(
                format!("Evidence: {}", inert_string(ev.join(", ").as_bytes())),
                theme::dim(),
            ));
            v
        }
        None => vec![Line::styled(
            "No findings yet. Failures that need explaining will appear here as they happen.",
            theme::dim(),
        )],
    };
    // What Enter does for the selected finding: open its call, or list a source's calls.
    let enter_hint = match selected.map(|f| &f.subject) {
        Some(Subject::Source(_)) => "explanation (Enter lists the calls from this source)",
        _ => "explanation (Enter opens the call)",
    };
    // J/K scroll a long explanation; another finding starts at its top.
    if app.finding_scroll_of != app.finding {
        app.finding_scroll_of = app.finding;
        app.finding_scroll = 0;
    }
    let para = Paragraph::new(detail).wrap(Wrap { trim: true });
    let total = para.line_count(detail_area.width.saturating_sub(2)) as u16;
    let visible = detail_area.height.saturating_sub(2);
    app.finding_scroll = app.finding_scroll.min(total.saturating_sub(visible));
    let mut block = Block::default().borders(Borders::ALL).title(super::title(enter_hint, detail_area.width));
    if total > visible {
        let at = super::lines_shown(app.finding_scroll.into(), visible.into(), total.into());
        block = block.title_bottom(super::title(&format!("{at} · J/K"), detail_area.width));
    }
    f.render_widget(para.scroll((app.finding_scroll, 0)).block(block), detail_area);
}
