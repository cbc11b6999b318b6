//! The help overlay, drawn from the key table.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

use crate::tui::keys::BINDINGS;
use crate::tui::theme;

/// Draws the help overlay centred in `area`.
pub fn draw(f: &mut Frame, area: Rect) {
    let w = area.width.min(96);
    let h = (BINDINGS.len() as u16 + 4).min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    let scope_width = BINDINGS.iter().map(|b| b.scope.len()).max().unwrap_or(0) + 1;
    let mut lines: Vec<Line> = BINDINGS
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("{:<16}", b.keys), theme::header()),
                Span::raw(format!("{:<scope_width$}", b.scope)),
                Span::raw(b.help),
            ])
        })
        .collect();
    lines.push(Line::styled("Mouse wheel scrolls. Esc or ? closes this help.", theme::dim()));
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(" sipscope keys ")),
        r,
    );
}
