//! The calls view (home): one line per call, coloured by outcome, each naming its worst finding,
//! and under it a strip of the newest findings as they are raised. Three layouts by width keep
//! the method, parties, outcome and finding readable from 80 columns up.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::{clock, fit, party};
use crate::sanitize::inert_string;
use crate::tui::app::{App, SortKey};
use crate::tui::model::Model;
use crate::tui::theme;

/// Draws the calls view.
pub fn draw(f: &mut Frame, area: Rect, app: &mut App, model: &Model) {
    let (list_area, filter_area) = if app.typing.is_some() || !app.filter.is_empty() {
        let [a, b] =
            ratatui::layout::Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
        (a, Some(b))
    } else {
        (area, None)
    };
    let total = app.row_limit(model);
    let (failures, with_findings) = app.totals;
    let mut quick = Vec::new();
    if app.failures_only {
        quick.push("failures");
    }
    if app.findings_only {
        quick.push("findings");
    }
    if app.calls_only {
        quick.push("calls");
    }
    // The sort and the quick filters are what the keys just changed: they stay in the title
    // whatever the width; the counts shorten first.
    let sort = format!(
        "sort {}{}{}",
        app.sort.title(),
        if app.reverse { " ↓" } else { "" },
        if quick.is_empty() { String::new() } else { format!(" · only {}", quick.join("+")) }
    );
    let (shown, room) = (app.visible.len(), list_area.width.saturating_sub(4) as usize);
    let title = [
        format!(
            " Calls {shown} shown of {total} · {failures} failed · {with_findings} with findings · {sort} "
        ),
        format!(" Calls {shown}/{total} · {failures} failed · {with_findings} findings · {sort} "),
        format!(" {shown}/{total} · {sort} "),
    ]
    .into_iter()
    .find(|t| t.chars().count() <= room)
    .unwrap_or_else(|| format!(" {sort} "));
    // Three layouts by width: every one keeps the method and names each call's worst finding;
    // narrower ones shorten the time, drop timings and message counts, and show parties as
    // user@host.
    let (list_area, strip_area) = split_strip(list_area, model, app.visible.len());
    let width = list_area.width.saturating_sub(2);
    let layout = if width >= 150 {
        Layout::Wide
    } else if width >= 110 {
        Layout::Medium
    } else {
        Layout::Narrow
    };
    // `o` walks the columns on screen only.
    app.sort_columns = match layout {
        Layout::Wide => SortKey::ALL,
        Layout::Medium => SortKey::MEDIUM,
        Layout::Narrow => SortKey::NARROW,
    };
    let header = match layout {
        Layout::Wide => {
            Row::new(["Time", "Method", "From", "To", "State", "Code", "PDD", "Dur", "Msgs", "Finding"])
        }
        Layout::Medium => Row::new(["Time", "Method", "From", "To", "State", "Code", "Msgs", "Finding"]),
        Layout::Narrow => Row::new(["Time", "Method", "From", "To", "State", "Code", "Finding"]),
    }
    .style(theme::header());
    let height = list_area.height.saturating_sub(3) as usize;
    app.page = height.max(1);
    let widths: Vec<Constraint> = match layout {
        Layout::Wide => vec![
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Fill(2),
            Constraint::Fill(2),
            Constraint::Length(12),
            // Whole reason phrases ("487 Request Terminated") once the parties have room.
            Constraint::Length(if width >= 190 { 22 } else { 16 }),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(5),
            Constraint::Fill(4),
        ],
        Layout::Medium => vec![
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Fill(2),
            Constraint::Fill(2),
            Constraint::Length(11),
            Constraint::Length(14),
            Constraint::Length(4),
            Constraint::Fill(3),
        ],
        Layout::Narrow => vec![
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(11),
            Constraint::Length(4),
            Constraint::Fill(3),
        ],
    };
    // The columns' widths as the table will lay them out (no selection symbol, one space between
    // columns), so a party or a finding cut to its column ends in `…`.
    let column_widths: Vec<usize> = ratatui::layout::Layout::horizontal(widths.clone())
        .flex(TABLE_FLEX)
        .spacing(COLUMN_SPACING)
        .split(Rect::new(0, 0, list_area.width.saturating_sub(2), 1))
        .iter()
        .map(|r| r.width as usize)
        .collect();
    // From and To are the third and fourth columns, the finding the last, in every layout.
    let (from_width, to_width) =
        (column_widths.get(2).copied().unwrap_or(0), column_widths.get(3).copied().unwrap_or(0));
    let finding_width = column_widths.last().copied().unwrap_or(0);
    // State and code (with its reason phrase) are the fifth and sixth: cut with `…` too.
    let (state_width, code_width) =
        (column_widths.get(4).copied().unwrap_or(0), column_widths.get(5).copied().unwrap_or(0));
    // Only the rows on screen are built.
    let (start, end) = super::window(app.selected, &mut app.offset, height, app.visible.len());
    let rows: Vec<Row> = app.visible[start..end]
        .iter()
        .map(|&i| {
            let r = &model.rows[i];
            let s = &r.summary;
            let (mark, mark_style) = theme::severity(r.worst);
            let code = match (s.final_code, layout) {
                (None, _) => String::new(),
                (Some(c), Layout::Narrow) => c.to_string(),
                (Some(c), _) => format!("{c} {}", s.final_reason),
            };
            let mut style = theme::state(s.state);
            if r.worst >= Some(crate::diagnose::Severity::Warning) {
                style = style.add_modifier(ratatui::style::Modifier::BOLD);
            }
            if app.newest_rejection == Some(i) && app.paused.is_none() {
                style = style.patch(theme::fresh());
            }
            let ms = |v: Option<i64>| {
                v.map_or(
                    String::new(),
                    |v| if v >= 10_000 { format!("{}s", v / 1000) } else { format!("{v}ms") },
                )
            };
            let time = clock(s.first_ts);
            let time =
                if layout == Layout::Narrow { time.get(..8).unwrap_or(&time).to_string() } else { time };
            let who = |p: &str, width: usize| {
                let full = party(p, layout == Layout::Wide);
                // Narrow: the user part alone (the host is in the call view), when there is one.
                let shown = match (layout, full.split_once('@')) {
                    (Layout::Narrow, Some((user, _))) if !user.is_empty() => user.to_string(),
                    _ => full,
                };
                fit(&inert_string(shown.as_bytes()), width)
            };
            let mut cells = vec![
                Cell::from(time),
                Cell::from(fit(s.method, 8)),
                Cell::from(who(&s.from, from_width)),
                Cell::from(who(&s.to, to_width)),
                Cell::from(fit(s.state.as_str(), state_width)),
                Cell::from(fit(&inert_string(code.as_bytes()), code_width)),
            ];
            if layout == Layout::Wide {
                cells.push(Cell::from(ms(s.pdd_ms)));
                cells.push(Cell::from(ms(s.duration_ms)));
            }
            if layout != Layout::Narrow {
                cells.push(Cell::from(s.messages.to_string()));
            }
            cells.push(Cell::from(finding_cell(r, mark, mark_style, finding_width)));
            Row::new(cells).style(style)
        })
        .collect();
    // Laid out as `column_widths` above: no selection symbol, the same spacing and flex.
    let table = Table::new(rows, widths)
        .column_spacing(COLUMN_SPACING)
        .flex(TABLE_FLEX)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(title))
        .row_highlight_style(theme::selected());
    let mut state = TableState::default();
    if !app.visible.is_empty() {
        state.select(Some(app.selected - start));
    }
    f.render_stateful_widget(table, list_area, &mut state);
    if let Some(a) = strip_area {
        draw_strip(f, a, model);
    }
    if let Some(a) = filter_area {
        let line = super::input_bar(
            app.typing.as_deref(),
            "/",
            &app.filter,
            "filter: ",
            Style::new(),
            "  (Esc clears)",
        );
        f.render_widget(Paragraph::new(line), a);
    }
}

/// Blank columns between two columns of the calls table.
const COLUMN_SPACING: u16 = 1;
/// How the calls table places its columns (left to right, the rest of the row left empty).
const TABLE_FLEX: ratatui::layout::Flex = ratatui::layout::Flex::Start;

/// Column sets by width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// 150 columns and more: display names, timings, reason phrases, finding summaries.
    Wide,
    /// 110 to 149: no timings, no display names.
    Medium,
    /// Under 110: short time, users without hosts, bare codes, rule names only, no message counts.
    Narrow,
}

/// The finding cell, `width` columns wide: its mark, the rule, and (when there is room) its
/// one-line summary, cut with `…`; `+N` when the call has more findings.
fn finding_cell<'a>(
    r: &'a crate::tui::model::Row,
    mark: &'a str,
    mark_style: Style,
    width: usize,
) -> Line<'a> {
    let Some((rule, summary)) = &r.top else { return Line::default() };
    let more = if r.finding_count > 1 { format!(" +{}", r.finding_count - 1) } else { String::new() };
    // The rule first: a narrow column cuts the summary, never the rule.
    let text = format!(" {rule}{more}: {summary}");
    let text = fit(&text, width.saturating_sub(unicode_width::UnicodeWidthStr::width(mark)));
    Line::from(vec![Span::styled(mark, mark_style), Span::raw(text)])
}

/// Lines of the newest-findings strip (its title line included), at the least.
const STRIP_LINES: u16 = 3;
/// Lines of the strip at the most, when the list leaves rows empty.
const STRIP_MAX_LINES: u16 = 11;

/// Takes the strip of newest findings off the bottom of the list when there are findings and
/// the list keeps at least 8 rows. Rows the list of `rows` calls leaves empty go to the strip,
/// up to one line per finding and [`STRIP_MAX_LINES`] in all.
fn split_strip(area: Rect, model: &Model, rows: usize) -> (Rect, Option<Rect>) {
    if model.findings.is_empty() || area.height < 8 + 3 + STRIP_LINES {
        return (area, None);
    }
    // The list's borders and header take three lines.
    let list_needs = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(3).max(8 + 3);
    let wanted = u16::try_from(model.findings.len()).unwrap_or(u16::MAX).saturating_add(1);
    let lines = area.height.saturating_sub(list_needs).min(wanted).clamp(STRIP_LINES, STRIP_MAX_LINES);
    let [list, strip] =
        ratatui::layout::Layout::vertical([Constraint::Min(3), Constraint::Length(lines)]).areas(area);
    (list, Some(strip))
}

/// The newest findings, newest first, one line each: time, mark, rule, summary, Call-ID.
fn draw_strip(f: &mut Frame, area: Rect, model: &Model) {
    let block = Block::default()
        .borders(Borders::TOP)
        .title(format!(" Newest findings ({} in all; Tab for the list) ", model.findings.len()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = inner.width as usize;
    let lines: Vec<Line> = model
        .findings
        .iter()
        .rev()
        .take(inner.height as usize)
        .map(|fi| {
            let (mark, style) = theme::severity(Some(fi.severity));
            let call = match &fi.subject {
                crate::diagnose::Subject::Call(id) => id.clone(),
                crate::diagnose::Subject::Source(ip) => ip.to_string(),
            };
            let text = format!(" {} {}: {} · {}", clock(fi.ts), fi.rule, fi.summary, call);
            Line::from(vec![
                Span::styled(mark, style),
                Span::raw(fit(&inert_string(text.as_bytes()), width.saturating_sub(1))),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
