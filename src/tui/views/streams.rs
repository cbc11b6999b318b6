//! The streams view: every RTP stream of every call, worst quality first (estimated MOS, then
//! loss), as a VoIP engineer hunts choppy or one-way audio. Enter opens the stream's call.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use crate::sanitize::inert_string;
use crate::tui::app::App;
use crate::tui::model::{streams_by_quality, Model};
use crate::tui::theme;

/// Draws the streams view.
pub fn draw(f: &mut Frame, area: Rect, app: &mut App, model: &Model) {
    let all = streams_by_quality(model);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(super::title(&format!("RTP streams {} · worst first", all.len()), area.width));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = inner.width as usize;
    // Under 120 columns (the terminal's, as the docs give them) the lost count and the largest
    // jitter give way to the addresses; under 100, or wherever the longest Call-ID would not fit
    // whole after its stream, the call goes on a second line under its stream.
    let columns = area.width as usize;
    let wide = columns >= 120;
    // Lost count, codec and addresses as wide as their longest (their header at least, the
    // codec at most 10), so the Call-ID fits on the stream's line wherever it can.
    let widest = |f: &dyn Fn(&crate::tui::model::StreamRow) -> usize, head: &str, most: usize| {
        all.iter().map(|(_, s)| f(s)).max().unwrap_or(0).max(head.len()).min(most)
    };
    let lw = widest(&|s| s.lost.to_string().len(), "lost", 12);
    let cw = widest(&|s| s.codec.chars().count(), "codec", if wide { 10 } else { 6 });
    let sw = widest(&|s| s.src.chars().count(), "source", 47);
    let dw = widest(&|s| s.dst.chars().count(), "destination", 47);
    let head = if wide {
        format!(
            "{:>4} {:>6} {:>lw$} {:>8} {:>8}  {:<6} {:<cw$} {:<sw$} {:<dw$}",
            "MOS", "lost%", "lost", "jit ms", "max ms", "from", "codec", "source", "destination"
        )
    } else {
        format!(
            "{:>4} {:>6} {:>8}  {:<6} {:<cw$} {:<sw$} {:<dw$}",
            "MOS", "lost%", "jit ms", "from", "codec", "source", "destination"
        )
    };
    let longest = all
        .iter()
        .map(|(row, _)| unicode_width::UnicodeWidthStr::width(model.rows[*row].summary.call_id.as_str()))
        .max()
        .unwrap_or(0);
    let lines_per_stream = if columns < 100 || head.len() + 1 + longest > width { 2 } else { 1 };
    let height = inner.height.saturating_sub(1) as usize / lines_per_stream;
    app.page = height.max(1);
    app.stream = app.stream.min(all.len().saturating_sub(1));
    let (start, end) = super::window(app.stream, &mut app.streams_offset, height, all.len());
    let header = if lines_per_stream == 2 { head.trim_end().to_string() } else { head + " call" };
    let mut lines = vec![Line::styled(super::fit(&header, width), theme::header())];
    if all.is_empty() {
        lines.push(Line::styled(
            "No RTP yet. Streams appear once a call's SDP announced where media goes and packets flow there.",
            theme::dim(),
        ));
    }
    for (k, (row, s)) in all[start..end].iter().enumerate() {
        let call = &model.rows[*row].summary;
        let mos = s.mos.map_or_else(|| "-".to_string(), |m| format!("{m:.1}"));
        let text = if wide {
            format!(
                "{:>4} {:>6.1} {:>lw$} {:>8.1} {:>8.1}  {:<6} {:<cw$} {:<sw$} {:<dw$}",
                mos,
                s.loss_pct,
                s.lost,
                s.mean_jitter_ms,
                s.max_jitter_ms,
                s.from,
                super::fit(&s.codec, cw),
                s.src.to_string(),
                s.dst.to_string(),
            )
        } else {
            format!(
                "{:>4} {:>6.1} {:>8.1}  {:<6} {:<cw$} {:<sw$} {:<dw$}",
                mos,
                s.loss_pct,
                s.mean_jitter_ms,
                s.from,
                super::fit(&s.codec, cw),
                s.src.to_string(),
                s.dst.to_string(),
            )
        };
        let text = if lines_per_stream == 2 {
            text.trim_end().to_string()
        } else {
            format!("{text} {}", call.call_id)
        };
        let bad = s.mos.is_some_and(|m| m < 3.6) || s.loss_pct >= 3.0;
        let mut line = Line::raw(super::fit(&inert_string(text.as_bytes()), width));
        if bad {
            line = line.style(Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD));
        }
        let mut second = (lines_per_stream == 2).then(|| {
            Line::raw(super::fit(&inert_string(format!("      call {}", call.call_id).as_bytes()), width))
        });
        if start + k == app.stream {
            line = line.style(theme::selected());
            second = second.map(|l| l.style(theme::selected()));
        } else {
            second = second.map(|l| l.style(theme::dim()));
        }
        lines.push(line);
        lines.extend(second);
    }
    // Long lines are cut to the width already; the empty-state sentence wraps.
    f.render_widget(Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }), inner);
}
