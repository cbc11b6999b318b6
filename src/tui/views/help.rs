//! The help overlay, drawn from the key table.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::tui::keys::BINDINGS;
use crate::tui::theme;

/// Draws the help overlay centred in `area`; on a terminal too short for every line it shows
/// from line `offset` (clamped here) and says on its border that Up/Down scroll it.
pub fn draw(f: &mut Frame, area: Rect, offset: &mut usize) {
    let w = area.width.min(120);
    let scope_width = BINDINGS.iter().map(|b| b.scope.len()).max().unwrap_or(0) + 2;
    // The description wraps under itself, past the keys and scope columns; a box too narrow
    // for 24 columns of it there puts it under the keys instead, indented two.
    let indent = 16 + scope_width;
    let inner = (w as usize).saturating_sub(2);
    let stacked = inner < indent + 24;
    let room = if stacked { inner.saturating_sub(2).max(8) } else { inner - indent };
    let mut lines: Vec<Line> = Vec::new();
    for b in BINDINGS {
        let parts = crate::report::fit::wrap_words(b.help, room);
        if stacked {
            lines.push(Line::from(vec![
                Span::styled(format!("{} ", b.keys), theme::header()),
                Span::raw(b.scope.to_string()),
            ]));
            lines.extend(parts.into_iter().map(|part| Line::raw(format!("  {part}"))));
            continue;
        }
        for (i, part) in parts.into_iter().enumerate() {
            lines.push(if i == 0 {
                Line::from(vec![
                    Span::styled(format!("{:<16}", b.keys), theme::header()),
                    Span::raw(format!("{:<scope_width$}", b.scope)),
                    Span::raw(part),
                ])
            } else {
                Line::raw(format!("{}{part}", " ".repeat(indent)))
            });
        }
    }
    lines.push(Line::styled("Mouse wheel scrolls. Esc or ? closes this help.", theme::dim()));
    // Long lines wrap (narrow terminals); count the lines as drawn.
    let para = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = para.line_count(w.saturating_sub(2));
    let h = (total as u16 + 2).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    let visible = h.saturating_sub(2) as usize;
    *offset = (*offset).min(total.saturating_sub(visible));
    let mut block = Block::default().borders(Borders::ALL).title(" sipscope keys ");
    if total > visible {
        block = block.title_bottom(super::title(
            &format!("{} · Up/Down scroll", super::lines_shown(*offset, visible, total)),
            w,
        ));
    }
    f.render_widget(Clear, r);
    f.render_widget(para.scroll((*offset as u16, 0)).block(block), r);
}
