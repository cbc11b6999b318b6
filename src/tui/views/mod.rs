//! Drawing the dashboard: one module per view, plus the status bar and the help overlay.

pub mod call;
pub mod calls;
pub mod compare;
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
        View::Compare => compare::draw(f, main, app),
    }
    status::draw(f, bar, app, model);
    if app.help {
        help::draw(f, f.area(), &mut app.help_offset);
    }
}

/// `HH:MM:SS.mmm` of a capture time (UTC).
pub fn clock(ts: crate::time::Timestamp) -> String {
    let s = ts.rfc3339().to_string();
    s.get(11..23).unwrap_or("").to_string()
}

pub use crate::report::fit::cut as fit;

/// A border title, ` text `, cut with `…` to fit a box `width` columns wide (its corners and the
/// spaces around the text left out): ratatui cuts a long title without a mark, and a cut address
/// or code would then read as another one.
pub fn title(text: &str, width: u16) -> String {
    format!(" {} ", fit(text.trim(), usize::from(width).saturating_sub(4)))
}
pub use crate::report::party;

/// The one-line bar under a view for typed text: while typing, `prompt` and the text with a
/// cursor; once applied, `label`, the text in `style`, and a hint of the keys.
pub fn input_bar(
    typing: Option<&str>,
    prompt: &'static str,
    applied: &str,
    label: &'static str,
    style: ratatui::style::Style,
    hint: &'static str,
) -> ratatui::text::Line<'static> {
    use crate::sanitize::inert_string;
    use ratatui::text::{Line, Span};
    match typing {
        Some(t) => Line::from(vec![
            Span::styled(prompt, super::theme::header()),
            Span::raw(inert_string(t.as_bytes())),
            Span::raw("█"),
        ]),
        None => Line::from(vec![
            Span::styled(label, super::theme::dim()),
            Span::styled(inert_string(applied.as_bytes()), style),
            Span::styled(hint, super::theme::dim()),
        ]),
    }
}

/// Shares `room` columns among columns wanting `wants`, in proportion to `weights`: none gets
/// more than it wants, and what one leaves goes to the others (so a short column never pads
/// while a long one beside it is cut).
pub fn share(room: usize, wants: &[usize], weights: &[usize]) -> Vec<usize> {
    let mut got = vec![0; wants.len()];
    let mut open: Vec<usize> = (0..wants.len()).filter(|&i| wants[i] > 0 && weights[i] > 0).collect();
    let mut left = room;
    while !open.is_empty() && left > 0 {
        let total: usize = open.iter().map(|&i| weights[i]).sum();
        // The columns wanting no more than their share take what they want; the share of the
        // others grows with what they leave.
        let (done, rest): (Vec<usize>, Vec<usize>) =
            open.iter().partition(|&&i| wants[i] * total <= left * weights[i]);
        if done.is_empty() {
            // Every one wants more than its share: split by weight, the remainder one by one.
            let mut given = 0;
            for &i in &rest {
                got[i] = left * weights[i] / total;
                given += got[i];
            }
            for &i in rest.iter().take(left - given) {
                got[i] += 1;
            }
            return got;
        }
        for i in done {
            got[i] = wants[i];
            left -= wants[i];
        }
        open = rest;
    }
    got
}

/// `lines a-b of n`: where a scrolled pane shows `visible` lines from line `first` (0-based) of
/// `total`, for its border.
pub fn lines_shown(first: usize, visible: usize, total: usize) -> String {
    format!("lines {}-{} of {total}", first + 1, (first + visible).min(total))
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

#[cfg(test)]
mod tests {
    use super::{party, share, title};

    #[test]
    fn titles_too_long_for_their_box_end_in_an_ellipsis() {
        // A box 30 wide holds 26 columns of text: the address is cut with a mark, so
        // 127.0.0.13 never reads as 127.0.0.1.
        let t = title(" registration · alice@127.0.0.13 → bob@127.0.0.13 ", 30);
        assert_eq!(t, " registration · alice@127.… ");
        assert_eq!(unicode_width::UnicodeWidthStr::width(t.as_str()), 28);
        assert_eq!(
            title("#0 127.0.0.10:5060 → 127.0.0.20:5060 udp", 80),
            " #0 127.0.0.10:5060 → 127.0.0.20:5060 udp "
        );
        assert_eq!(title("anything", 3), " … ");
    }

    #[test]
    fn room_is_shared_by_weight_and_never_beyond_a_want() {
        // Enough for all: each gets what it wants, the rest is left.
        assert_eq!(share(100, &[10, 20, 30], &[1, 1, 1]), vec![10, 20, 30]);
        // A short column takes its want and its unused share goes to the long ones.
        assert_eq!(share(60, &[10, 40, 40], &[1, 1, 1]), vec![10, 25, 25]);
        // By weight when all want more than their share, every column handed out.
        assert_eq!(share(10, &[100, 100], &[1, 4]), vec![2, 8]);
        assert_eq!(share(11, &[100, 100, 100], &[1, 1, 1]).iter().sum::<usize>(), 11);
        // Nothing wanted, no weight or no room: nothing given.
        assert_eq!(share(50, &[0, 5], &[1, 0]), vec![0, 0]);
        assert_eq!(share(0, &[5, 5], &[1, 1]), vec![0, 0]);
    }

    #[test]
    fn parties_are_compact() {
        assert_eq!(party("Alice <sip:alice@10.99.0.1:5060>", false), "alice@10.99.0.1");
        assert_eq!(party("Alice <sip:alice@10.99.0.1:5060>", true), "Alice alice@10.99.0.1");
        assert_eq!(party("\"Bob B\" <sips:bob@example.com;transport=tls>", true), "Bob B bob@example.com");
        assert_eq!(party("sip:100@[2001:db8::1]:5060;user=phone", false), "100@[2001:db8::1]");
        assert_eq!(party("tel:+15551234567;phone-context=x", false), "+15551234567");
        assert_eq!(party("sip:example.com", false), "example.com");
        assert_eq!(party("", false), "");
        assert_eq!(party("<>", true), "");
    }
}
