//! Drawing the dashboard: one module per view, plus the status bar and the help overlay.

pub mod call;
pub mod calls;
pub mod findings;
pub mod help;
pub mod registrations;
pub mod stats;
pub mod status;
pub mod streams;

use ratatui::layout::{Constraint, Layout};
use ratatui::Frame;

use super::app::{App, View};
use super::model::Model;

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &mut App, model: &Model) {
    app.refresh(model);
    let [main, bar] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(f.area());
    match app.view {
        View::Calls => calls::draw(f, main, app, model),
        View::Call => call::draw(f, main, app, model),
        View::Findings => findings::draw(f, main, app, model),
        View::Stats => stats::draw(f, main, app, model),
        View::Streams => streams::draw(f, main, app, model),
        View::Registrations => registrations::draw(f, main, app, model),
    }
    status::draw(f, bar, app, model);
    if app.help {
        help::draw(f, f.area());
    }
}

/// `HH:MM:SS.mmm` of a capture time (UTC).
pub fn clock(ts: crate::time::Timestamp) -> String {
    let s = ts.rfc3339().to_string();
    s.get(11..23).unwrap_or("").to_string()
}

/// Shortens text to `n` characters with an ellipsis.
pub fn fit(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n.saturating_sub(1)).chain(std::iter::once('…')).collect()
    }
}

/// The slice of a list to draw so that `selected` stays visible; keeps `offset` between frames.
pub fn window(selected: usize, offset: &mut usize, height: usize, len: usize) -> (usize, usize) {
    let height = height.max(1);
    if selected < *offset {
        *offset = selected;
    } else if selected >= *offset + height {
        *offset = selected + 1 - height;
    }
    *offset = (*offset).min(len.saturating_sub(height));
    (*offset, (*offset + height).min(len))
}
