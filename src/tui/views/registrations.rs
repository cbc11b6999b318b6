//! The registrations view: every registering device, failures and pending ones after the
//! registered (the table's order), with its last answer and how long its binding lasts first
//! (what a narrow terminal keeps), then where it registers from and to, Contact and User-Agent. Enter opens the REGISTER exchange in the call view.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

use crate::correlate::RegStatus;
use crate::tui::app::App;
use crate::tui::model::Model;
use crate::tui::theme;

/// Draws the registrations view.
pub fn draw(f: &mut Frame, area: Rect, app: &mut App, model: &Model) {
    let regs = &model.registrations;
    let counts: Vec<String> = RegStatus::ALL
        .iter()
        .zip(regs.by_status)
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.as_str()))
        .collect();
    let shown = if regs.total > regs.rows.len() {
        format!(" (first {} shown)", regs.rows.len())
    } else {
        String::new()
    };
    let counts = if counts.is_empty() { String::new() } else { format!(" · {}", counts.join(", ")) };
    let block = Block::default()
        .borders(Borders::ALL)
        .title(super::title(&format!("Registrations {}{shown}{counts}", regs.total), area.width));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let height = inner.height.saturating_sub(1) as usize;
    app.page = height.max(1);
    app.registration = app.registration.min(regs.rows.len().saturating_sub(1));
    let (start, end) =
        super::window(app.registration, &mut app.registrations_offset, height, regs.rows.len());
    let width = inner.width as usize;
    // The AoR as wide as the longest on screen, at most 32 and at least 12, and never so wide
    // that the answer and the time left go off a narrow terminal (status, last and left take 26).
    let longest = |f: fn(&crate::tui::model::RegRow) -> &str| {
        regs.rows[start..end].iter().map(|r| unicode_width::UnicodeWidthStr::width(f(r))).max().unwrap_or(0)
    };
    let aw = longest(|r| r.aor.as_str()).min(32).min(width.saturating_sub(26)).max(12);
    // Contact gets the room a wide terminal has (the columns before it take 74 and the AoR, the
    // user agent keeps 20), up to its longest on screen; 28 at the least.
    let cw = longest(|r| r.contact.as_str()).min(width.saturating_sub(74 + aw + 1 + 20)).max(28);
    let mut lines = vec![Line::styled(
        super::fit(
            &format!(
                "{:<12} {:<aw$} {:>4} {:>7}  {:<22} {:<22} {:<cw$} {}",
                "Status", "AoR", "Last", "Left", "From", "Registrar", "Contact", "User agent"
            ),
            width,
        ),
        theme::header(),
    )];
    if regs.rows.is_empty() {
        lines.push(Line::styled("No REGISTER seen yet.", theme::dim()));
    }
    let now = model.counters.now;
    for (k, r) in regs.rows[start..end].iter().enumerate() {
        let left = match (r.status, r.expires_at) {
            (RegStatus::Registered, Some(t)) => format!("{}s", t.millis_since(now).max(0) / 1000),
            _ => "-".to_string(),
        };
        let text = format!(
            "{:<12} {:<aw$} {:>4} {:>7}  {:<22} {:<22} {:<cw$} {}",
            r.status.as_str(),
            super::fit(&r.aor, aw),
            r.last_code.map_or_else(|| "-".to_string(), |c| c.to_string()),
            left,
            r.source.to_string(),
            r.registrar.to_string(),
            super::fit(&r.contact, cw),
            r.user_agent
        );
        let mut line = Line::raw(super::fit(&text, width));
        if r.status == RegStatus::Failed {
            line = line.style(Style::new().fg(Color::Red).add_modifier(Modifier::BOLD));
        } else if matches!(r.status, RegStatus::Expired | RegStatus::Pending | RegStatus::Challenged) {
            line = line.style(Style::new().fg(Color::Yellow));
        }
        if start + k == app.registration {
            line = line.style(theme::selected());
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);
}
