//! The compare view: two messages of a call side by side, line against line, with what changed
//! (`~`, yellow), what only the left has (`-`, red) and what only the right has (`+`, green)
//! marked. Long lines wrap on both sides so the rows stay level.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use crate::sanitize::inert_string;
use crate::sip::SipMessage;
use crate::tui::app::App;
use crate::tui::diff::{counts, side_by_side, Row};
use crate::tui::theme;

/// The lines of a message as shown: terminal-safe, line ends removed.
pub fn lines_of(m: &SipMessage) -> Vec<String> {
    let raw = &m.raw[..];
    let mut out: Vec<String> =
        raw.split(|&b| b == b'\n').map(|l| inert_string(l.strip_suffix(b"\r").unwrap_or(l))).collect();
    // A message ends with a line end: no empty line after it.
    if raw.ends_with(b"\n") {
        out.pop();
    }
    out
}

/// `#3 INVITE 10.0.0.1:5060 → 10.0.0.2:5060`: a message as the titles name it.
fn title(number: u32, m: &SipMessage) -> String {
    let first = lines_of(m).into_iter().next().unwrap_or_default();
    let head = match m.headers.start {
        crate::sip::StartLine::Request { .. } => first.split(' ').next().unwrap_or("").to_string(),
        crate::sip::StartLine::Response { .. } => first.get(8..).unwrap_or("").to_string(),
    };
    format!(" #{number} {head} {} → {} ", m.src, m.dst)
}

/// Splits `text` into pieces of at most `width` characters, each ending after a space, `;` or
/// `,` where one is in reach (so an address or a tag is not split), else cut where the width
/// ends; one empty piece for empty text.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.chars().count() > width {
        // The byte where character `width` starts: the piece ends before it.
        let limit = rest.char_indices().nth(width).map_or(rest.len(), |(i, _)| i);
        // After the last break in reach (the separators are one byte each).
        let end = rest[..limit].rfind([' ', ';', ',']).map_or(limit, |i| i + 1);
        let (piece, more) = rest.split_at(end);
        pieces.push(piece.to_string());
        rest = more;
    }
    pieces.push(rest.to_string());
    pieces
}

/// Draws the compare view.
pub fn draw(f: &mut Frame, area: Rect, app: &mut App) {
    let Some(cmp) = app.compare.as_ref() else { return };
    let (a, b) = (lines_of(&cmp.left), lines_of(&cmp.right));
    let (ra, rb): (Vec<&str>, Vec<&str>) =
        (a.iter().map(|s| s.as_str()).collect(), b.iter().map(|s| s.as_str()).collect());
    let rows = side_by_side(&ra, &rb);
    let (changed, only_left, only_right) = counts(&rows);
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
    let summary = if changed + only_left + only_right == 0 {
        " the two messages are identical · Esc back".to_string()
    } else {
        format!(
            " ~ {changed} changed · - {only_left} only left · + {only_right} only right · Up/Down scroll · Esc back"
        )
    };
    // The counts before the keys: a narrow terminal cuts the hint, with a mark.
    let summary = super::fit(&summary, usize::from(head.width));
    f.render_widget(Paragraph::new(Line::styled(summary, theme::header())), head);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    let text_width = (left.width.saturating_sub(2) as usize).saturating_sub(2).max(1);
    let same = Style::new();
    let changed_style = Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD);
    let left_style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    let right_style = Style::new().fg(Color::Green).add_modifier(Modifier::BOLD);
    let (mut lhs, mut rhs): (Vec<Line>, Vec<Line>) = (Vec::new(), Vec::new());
    for row in &rows {
        let (l, r, (ml, sl), (mr, sr)) = match *row {
            Row::Same(t) => (Some(t), Some(t), (' ', same), (' ', same)),
            Row::Changed(x, y) => (Some(x), Some(y), ('~', changed_style), ('~', changed_style)),
            Row::Left(x) => (Some(x), None, ('-', left_style), (' ', same)),
            Row::Right(y) => (None, Some(y), (' ', same), ('+', right_style)),
        };
        let pl = l.map_or_else(Vec::new, |t| wrap(t, text_width));
        let pr = r.map_or_else(Vec::new, |t| wrap(t, text_width));
        for k in 0..pl.len().max(pr.len()).max(1) {
            let mark = |m: char| if k == 0 { format!("{m} ") } else { "  ".to_string() };
            lhs.push(match pl.get(k) {
                Some(t) => Line::from(vec![Span::styled(mark(ml), sl), Span::styled(t.clone(), sl)]),
                None => Line::raw(""),
            });
            rhs.push(match pr.get(k) {
                Some(t) => Line::from(vec![Span::styled(mark(mr), sr), Span::styled(t.clone(), sr)]),
                None => Line::raw(""),
            });
        }
    }
    let visible = body.height.saturating_sub(2) as usize;
    app.page = visible.max(1);
    app.compare_offset = app.compare_offset.min(lhs.len().saturating_sub(visible));
    let at = app.compare_offset;
    let bottom = if lhs.len() > visible {
        super::title(&super::lines_shown(at, visible, lhs.len()), left.width)
    } else {
        String::new()
    };
    let (pl, pr) = cmp.numbers;
    let block = |t: String| Block::default().borders(Borders::ALL).title(t).title_bottom(bottom.clone());
    let (tl, tr) =
        (super::title(&title(pl, &cmp.left), left.width), super::title(&title(pr, &cmp.right), right.width));
    f.render_widget(Paragraph::new(lhs).scroll((at as u16, 0)).block(block(tl)), left);
    f.render_widget(Paragraph::new(rhs).scroll((at as u16, 0)).block(block(tr)), right);
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_lines_wrap_after_separators_not_inside_addresses() {
        let via = "Via: SIP/2.0/UDP 127.0.0.10:5060;branch=z9hG4bK-1;received=127.0.0.10";
        assert_eq!(
            wrap(via, 30),
            ["Via: SIP/2.0/UDP ", "127.0.0.10:5060;", "branch=z9hG4bK-1;", "received=127.0.0.10"]
        );
        // No separator in reach: cut where the width ends.
        assert_eq!(wrap("z9hG4bKabcdef", 5), ["z9hG4", "bKabc", "def"]);
        assert_eq!(wrap("", 5), [""]);
        assert_eq!(wrap("short", 0), ["s", "h", "o", "r", "t"]);
    }
}
