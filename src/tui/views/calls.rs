//! The calls view (home): one line per call, coloured by outcome, findings marked.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::{clock, fit};
use crate::sanitize::inert_string;
use crate::tui::app::App;
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
    let title = format!(
        " Calls {} shown of {} · {} failed · {} with findings · sort {}{}{} ",
        app.visible.len(),
        total,
        failures,
        with_findings,
        app.sort.title(),
        if app.reverse { " ↓" } else { "" },
        if quick.is_empty() { String::new() } else { format!(" · only {}", quick.join("+")) }
    );
    // Narrow terminals drop the method and timing columns so From and To keep room.
    let wide = list_area.width >= 120;
    let header = if wide {
        Row::new(["Time", "Method", "From", "To", "State", "Code", "PDD", "Dur", "Msgs", "!"])
    } else {
        Row::new(["Time", "From", "To", "State", "Code", "Msgs", "!"])
    }
    .style(theme::header());
    let height = list_area.height.saturating_sub(3) as usize;
    app.page = height.max(1);
    // Only the rows on screen are built.
    let (start, end) = super::window(app.selected, &mut app.offset, height, app.visible.len());
    let rows: Vec<Row> = app.visible[start..end]
        .iter()
        .map(|&i| {
            let r = &model.rows[i];
            let s = &r.summary;
            let (mark, mark_style) = theme::severity(r.worst);
            let code = s.final_code.map_or(String::new(), |c| format!("{c} {}", s.final_reason));
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
            let mut cells = vec![Cell::from(clock(s.first_ts))];
            if wide {
                cells.push(Cell::from(fit(s.method, 8)));
            }
            cells.push(Cell::from(inert_string(s.from.as_bytes())));
            cells.push(Cell::from(inert_string(s.to.as_bytes())));
            cells.push(Cell::from(s.state.as_str()));
            cells.push(Cell::from(inert_string(code.as_bytes())));
            if wide {
                cells.push(Cell::from(ms(s.pdd_ms)));
                cells.push(Cell::from(ms(s.duration_ms)));
            }
            cells.push(Cell::from(s.messages.to_string()));
            cells.push(Cell::from(Span::styled(mark, mark_style)));
            Row::new(cells).style(style)
        })
        .collect();
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(11),
            Constraint::Length(18),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(5),
            Constraint::Length(1),
        ]
    } else {
        vec![
            Constraint::Length(12),
            Constraint::Fill(1),
            Constraint::Fill(1),
            Constraint::Length(10),
            Constraint::Length(12),
            Constraint::Length(4),
            Constraint::Length(1),
        ]
    };
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(title))
        .row_highlight_style(theme::selected());
    let mut state = TableState::default();
    if !app.visible.is_empty() {
        state.select(Some(app.selected - start));
    }
    f.render_stateful_widget(table, list_area, &mut state);
    if let Some(a) = filter_area {
        let line = match &app.typing {
            Some(t) => Line::from(vec![
                Span::styled("/", theme::header()),
                Span::raw(inert_string(t.as_bytes())),
                Span::styled("█", Style::new()),
            ]),
            None => Line::from(vec![
                Span::styled("filter: ", theme::dim()),
                Span::raw(inert_string(app.filter.as_bytes())),
                Span::styled("  (Esc clears)", theme::dim()),
            ]),
        };
        f.render_widget(Paragraph::new(line), a);
    }
}
