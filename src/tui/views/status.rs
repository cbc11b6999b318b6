//! The status bar on every view: source, counters, rate, drops, errors, evictions, modes.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::sanitize::inert_string;
use crate::tui::app::App;
use crate::tui::model::Model;

/// Draws the status bar.
pub fn draw(f: &mut Frame, area: Rect, app: &App, model: &Model) {
    let c = app.counters(model);
    let e = &c.engine;
    let mut spans = vec![
        Span::styled(
            format!(" {} ", inert_string(app.source.as_bytes())),
            Style::new().fg(Color::Black).bg(Color::Cyan),
        ),
        Span::raw(format!(
            " pkts {} · SIP {} · calls {} · {:.0} msg/s · drops {} · decode errors {} · evicted {}",
            e.decode.packets,
            e.sip_messages,
            e.calls.calls,
            app.rate,
            c.kernel_drops,
            e.decode.errors,
            e.calls.evicted_calls + model.evicted_rows
        )),
    ];
    if app.paused.is_some() {
        spans.push(Span::styled(
            " PAUSED ",
            Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    } else if app.follow {
        spans.push(Span::styled(" FOLLOW ", Style::new().fg(Color::Black).bg(Color::Green)));
    }
    if let Some(s) = app.status.as_ref().or(model.notice.as_ref()) {
        spans.push(Span::styled(
            format!(" {} ", inert_string(s.as_bytes())),
            Style::new().add_modifier(Modifier::ITALIC),
        ));
    }
    spans.push(Span::styled(" ? help ", Style::new().fg(Color::DarkGray)));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
