//! The ladder diagram of a call: one column per endpoint address, one line per message with an
//! arrow from sender to receiver labelled with the method or status, and the time since the
//! first message. Retransmissions and duplicates are marked.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use crate::sanitize::inert_string;
use crate::sip::StartLine;
use crate::tui::model::Shown;

/// Endpoint columns in order of first appearance.
pub fn endpoints(messages: &[&Shown]) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for s in messages {
        for a in [s.msg.src.to_string(), s.msg.dst.to_string()] {
            if !v.contains(&a) {
                v.push(a);
            }
        }
    }
    v
}

/// The label of a message's arrow.
pub fn label(s: &Shown) -> String {
    let m = &s.msg;
    let base = match m.headers.start {
        StartLine::Request { method_span, .. } => inert_string(m.slice(method_span)),
        StartLine::Response { code, reason } => format!("{code} {}", inert_string(m.slice(reason))),
    };
    let base = if crate::media::sdp::body_of(m).is_some() { format!("{base} (SDP)") } else { base };
    match s.added {
        Some(a) if a.duplicate => format!("{base} (dup)"),
        Some(a) if a.retransmission => format!("{base} (retx)"),
        _ => base,
    }
}

fn style_of(s: &Shown) -> Style {
    let retx = s.added.is_some_and(|a| a.retransmission || a.duplicate);
    let base = match s.msg.status() {
        Some(200..=299) => Style::new().fg(Color::Green),
        Some(100..=199) => Style::new(),
        Some(300..=399) => Style::new().fg(Color::Cyan),
        Some(401) | Some(407) => Style::new().fg(Color::Yellow),
        Some(487) => Style::new().fg(Color::Cyan),
        Some(_) => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        None => Style::new().add_modifier(Modifier::BOLD),
    };
    if retx {
        base.fg(Color::DarkGray).remove_modifier(Modifier::BOLD)
    } else {
        base
    }
}

const TIME_WIDTH: usize = 9;

/// Column width for `n` endpoints in `width` cells.
pub fn column_width(n: usize, width: usize) -> usize {
    if n == 0 {
        return width;
    }
    ((width.saturating_sub(TIME_WIDTH)) / n).clamp(8, 40)
}

/// The header line naming the endpoint columns.
pub fn header(cols: &[String], width: usize) -> Line<'static> {
    let w = column_width(cols.len(), width);
    let mut s = " ".repeat(TIME_WIDTH);
    for c in cols {
        let name: String = if c.chars().count() > w - 1 {
            c.chars().take(w - 2).chain(std::iter::once('…')).collect()
        } else {
            c.clone()
        };
        let pad = w.saturating_sub(name.chars().count());
        let left = pad / 2;
        s.push_str(&" ".repeat(left));
        s.push_str(&name);
        s.push_str(&" ".repeat(pad - left));
    }
    Line::styled(s, Style::new().add_modifier(Modifier::BOLD))
}

/// One ladder line for a message.
pub fn line(
    s: &Shown,
    cols: &[String],
    t0: crate::time::Timestamp,
    width: usize,
    selected: bool,
) -> Line<'static> {
    let w = column_width(cols.len(), width);
    let total = w * cols.len();
    let mut cells: Vec<char> = vec![' '; total];
    for i in 0..cols.len() {
        cells[i * w + w / 2] = '│';
    }
    let src = cols.iter().position(|c| *c == s.msg.src.to_string()).unwrap_or(0);
    let dst = cols.iter().position(|c| *c == s.msg.dst.to_string()).unwrap_or(0);
    let (a, b) = (src * w + w / 2, dst * w + w / 2);
    let (lo, hi) = (a.min(b), a.max(b));
    if lo != hi {
        for c in cells.iter_mut().take(hi).skip(lo + 1) {
            *c = '─';
        }
        if b > a {
            cells[hi - 1] = '▶';
        } else {
            cells[lo + 1] = '◀';
        }
        let text: Vec<char> = label(s).chars().collect();
        let room = hi - lo - 3;
        let text: Vec<char> = if text.len() > room {
            text[..room.saturating_sub(1)].iter().copied().chain(std::iter::once('…')).collect()
        } else {
            text
        };
        let start = lo + 2 + (room.saturating_sub(text.len())) / 2;
        for (i, ch) in text.into_iter().enumerate() {
            cells[start + i] = ch;
        }
    }
    let secs = s.msg.ts.0.saturating_sub(t0.0) as f64 / 1e9;
    let time = format!("{:>+8.3} ", secs);
    let body: String = cells.into_iter().collect();
    let mut st = style_of(s);
    if selected {
        st = st.add_modifier(Modifier::REVERSED);
    }
    Line::from(vec![Span::styled(time, Style::new().fg(Color::DarkGray)), Span::styled(body, st)])
}
