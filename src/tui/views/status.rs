//! The status bar on every view: source, counters, rate, drops, errors, evictions, modes, the
//! latest notice, and the help hint, fitted to any width.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::sanitize::inert_string;
use crate::tui::app::App;
use crate::tui::model::Model;

/// Draws the status bar, fitted to the width: the counters shorten (the ones at zero go first),
/// the source label and the notice are cut, and `? help` always shows at the end.
pub fn draw(f: &mut Frame, area: Rect, app: &App, model: &Model) {
    let c = app.counters(model);
    let e = &c.engine;
    let width = area.width as usize;
    let evicted = e.calls.evicted_calls + model.evicted_rows;
    let full = format!(
        " pkts {} · SIP {} · calls {} · {:.0} msg/s · drops {} · decode errors {} · evicted {}",
        e.decode.packets, e.sip_messages, e.calls.calls, app.rate, c.kernel_drops, e.decode.errors, evicted
    );
    // Short: what changes an operator's mind; counters at zero are left out, drops never.
    let mut short = format!(" calls {} · {:.0} msg/s · drops {}", e.calls.calls, app.rate, c.kernel_drops);
    if e.decode.errors > 0 {
        short += &format!(" · errors {}", e.decode.errors);
    }
    if evicted > 0 {
        short += &format!(" · evicted {evicted}");
    }
    let mode = if app.paused.is_some() {
        Some((" PAUSED ", Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD)))
    } else if app.follow {
        Some((" FOLLOW ", Style::new().fg(Color::Black).bg(Color::Green)))
    } else {
        None
    };
    const HELP: &str = " ? help ";
    // The mode badge, with a plain space before it so it does not touch the counters.
    let fixed = HELP.len() + mode.map_or(0, |(m, _)| m.len() + 1);
    let source = inert_string(app.source.as_bytes());
    // The source label gives way first on a narrow bar, to 8 characters and then altogether
    // (the calls and the rate matter more); beside a notice from a key, which must be
    // readable, it takes only the room the notice leaves.
    let short_len = short.chars().count();
    let label_min = match source.chars().count().min(if width < 80 { 8 } else { 16 }) + 2 {
        _ if app.status.is_some() => 0,
        n if width < 80 && n + short_len + fixed > width => 0,
        n => n,
    };
    // A notice (what a key just did, a save, a search) matters more than the long counters.
    let notice = app.status.as_ref().or(model.notice.as_ref()).map(|n| inert_string(n.as_bytes()));
    let notice_len = notice.as_ref().map_or(0, |n| n.chars().count() + 2);
    // The calls and the rate in fewer words, for a bar under 50 columns.
    let compact = format!(" calls {} · {:.0}/s · drops {}", e.calls.calls, app.rate, c.kernel_drops);
    // With what a key just did on a narrow bar, the counters come down to the drops (and
    // errors): that notice must be readable. A standing notice (the end of a capture file, which
    // stays) is cut instead: the calls and the rate must not go for good.
    let minimal = match e.decode.errors {
        0 => format!(" drops {}", c.kernel_drops),
        n => format!(" drops {} · errors {n}", c.kernel_drops),
    };
    let fits = |counters: &str, notice: usize| label_min + counters.chars().count() + fixed + notice <= width;
    let counters = if fits(&full, notice_len) {
        full
    } else if fits(&short, 0) && (app.status.is_none() || fits(&short, notice_len.min(40))) {
        short
    } else if fits(&compact, 0) && app.status.is_none() {
        compact
    } else {
        minimal
    };
    // The source label takes the room the counters and the notice leave (at least its minimum).
    let label_room = width.saturating_sub(counters.chars().count() + fixed + notice_len).max(label_min);
    // Under 8 columns of room the label is left out rather than shown as a stub (`d…`).
    let label = if label_room < 8 {
        String::new()
    } else {
        format!(" {} ", source_label(&source, label_room.saturating_sub(2)))
    };
    let mut spans = vec![Span::styled(label.clone(), Style::new().fg(Color::Black).bg(Color::Cyan))];
    let mut used = label.chars().count() + counters.chars().count() + fixed;
    spans.push(Span::raw(counters));
    if let Some((m, style)) = mode {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(m, style));
    }
    if let Some(n) = notice {
        // Two spaces from the counters (the mode badge sets it off by its colour).
        let lead = if mode.is_some() { " " } else { "  " };
        let room = width.saturating_sub(used + lead.len() + 1);
        if room >= 8 {
            let text = format!("{lead}{} ", super::fit(&n, room));
            used += text.chars().count();
            spans.push(Span::styled(text, Style::new().add_modifier(Modifier::ITALIC)));
        }
    }
    // `? help` at the right edge.
    spans.push(Span::raw(" ".repeat(width.saturating_sub(used))));
    spans.push(Span::styled(HELP, Style::new().fg(Color::DarkGray)));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The source label in `room` columns: as it is when it fits, else with a file's directories
/// left out (`file …/demo.pcap`: the name says which capture is open, the directory does not),
/// else the file name alone, cut with `…` if still too long.
fn source_label(source: &str, room: usize) -> String {
    let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    if width(source) <= room {
        return source.to_string();
    }
    match source.rsplit_once('/') {
        Some((dirs, name)) => {
            let kind = dirs.split_once(' ').map_or("", |(k, _)| k);
            let short = if kind.is_empty() { format!("…/{name}") } else { format!("{kind} …/{name}") };
            // The name alone before the name is cut.
            if width(&short) <= room {
                short
            } else {
                super::fit(name, room)
            }
        }
        None => super::fit(source, room),
    }
}

#[cfg(test)]
mod tests {
    use super::source_label;

    #[test]
    fn a_long_source_keeps_its_file_name() {
        assert_eq!(source_label("file /work/pcaps/demo.pcap", 40), "file /work/pcaps/demo.pcap");
        assert_eq!(source_label("file /work/pcaps/demo.pcap", 20), "file …/demo.pcap");
        assert_eq!(source_label("file /work/pcaps/lab-fork-603-nocancel.pcap", 20), "lab-fork-603-nocanc…");
        assert_eq!(source_label("file /work/pcaps/demo.pcap", 8), "demo.pc…");
        assert_eq!(source_label("live any", 5), "live…");
    }
}
