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

/// A short label of a message's arrow, for a narrow gap between two columns: the status code,
/// or the method (`tiny`: cut to four letters, `INV`, `CAN`, `REG`…), with `+` when it carries
/// SDP and `*` when retransmitted or duplicated.
pub fn short_label(s: &Shown, tiny: bool) -> String {
    let m = &s.msg;
    let mut base = match m.headers.start {
        StartLine::Request { method_span, .. } if tiny => {
            let name = inert_string(m.slice(method_span));
            match name.as_str() {
                "INVITE" | "CANCEL" | "REGISTER" | "OPTIONS" | "SUBSCRIBE" | "PUBLISH" | "UPDATE"
                | "PRACK" | "REFER" => name[..3].to_string(),
                "MESSAGE" => "MSG".to_string(),
                "NOTIFY" => "NTFY".to_string(),
                _ => name.chars().take(4).collect(),
            }
        }
        StartLine::Request { method_span, .. } => inert_string(m.slice(method_span)),
        StartLine::Response { code, .. } => code.to_string(),
    };
    if crate::media::sdp::body_of(m).is_some() {
        base.push('+');
    }
    if s.added.is_some_and(|a| a.duplicate || a.retransmission) {
        base.push('*');
    }
    base
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
    ((width.saturating_sub(TIME_WIDTH)) / n).clamp(MIN_COLUMN, 40)
}

/// The narrowest endpoint column: room for `INV+` between two neighbours' lifelines.
const MIN_COLUMN: usize = 7;
/// An endpoint column wide enough for `180·A` between two neighbours' lifelines.
const COMFORTABLE_COLUMN: usize = 8;

/// The width a ladder of `n` endpoints wants: the time and `n` comfortable columns.
pub fn width_wanted(n: usize) -> usize {
    TIME_WIDTH + n * COMFORTABLE_COLUMN
}

/// Column names that fit in `room` characters and stay distinct: as they are when they fit;
/// else without the port when every column has the same one; then without the part of the
/// address all columns share (`127.0.0.10`, `127.0.0.20` -> `…10`, `…20`); last, each name's
/// end (where addresses differ), cut from the left.
pub fn short_names(cols: &[String], room: usize) -> Vec<String> {
    let fits = |v: &[String]| v.iter().all(|c| c.chars().count() <= room);
    if fits(cols) {
        return cols.to_vec();
    }
    let split = |c: &str| -> (String, String) {
        match c.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|ch| ch.is_ascii_digit()) && !p.is_empty() => {
                (h.to_string(), format!(":{p}"))
            }
            _ => (c.to_string(), String::new()),
        }
    };
    let parts: Vec<(String, String)> = cols.iter().map(|c| split(c)).collect();
    let same_port = parts.windows(2).all(|w| w[0].1 == w[1].1);
    let mut names: Vec<String> =
        parts.iter().map(|(h, p)| if same_port { h.clone() } else { format!("{h}{p}") }).collect();
    if fits(&names) {
        return names;
    }
    // The shared start of the hosts, up to a separator.
    if cols.len() > 1 {
        let first: Vec<char> = parts[0].0.chars().collect();
        let mut common = first.len();
        for (h, _) in &parts[1..] {
            common = common.min(h.chars().zip(&first).take_while(|(a, b)| a == *b).count());
        }
        let cut = first[..common].iter().rposition(|c| matches!(c, '.' | ':' | '@')).map_or(0, |i| i + 1);
        if cut > 0 {
            names = parts
                .iter()
                .map(|(h, p)| {
                    let rest: String = h.chars().skip(cut).collect();
                    if same_port {
                        format!("…{rest}")
                    } else {
                        format!("…{rest}{p}")
                    }
                })
                .collect();
        }
    }
    names
        .into_iter()
        .map(|n| {
            let len = n.chars().count();
            if len <= room {
                n
            } else {
                std::iter::once('…').chain(n.chars().skip(len + 1 - room.max(1))).collect()
            }
        })
        .collect()
}

/// How many of `n` endpoint columns show whole in `width` cells (the rest are off the right
/// edge: a pane too narrow for them all).
pub fn columns_shown(n: usize, width: usize) -> usize {
    let w = column_width(n, width).max(1);
    let room = width.saturating_sub(TIME_WIDTH);
    if room / w >= n {
        n
    } else {
        // Room is kept for the header's mark of how many are off the edge (` +2▸`).
        room.saturating_sub(MARK_WIDTH) / w
    }
}

/// Columns kept for the header's ` +N▸` when endpoints are off the right edge.
const MARK_WIDTH: usize = 4;

/// The header line naming the endpoint columns; when some are off the right edge, it ends in
/// how many (`+2▸`) over what would show of the next one.
pub fn header(cols: &[String], width: usize) -> Line<'static> {
    let w = column_width(cols.len(), width);
    let shown = columns_shown(cols.len(), width);
    let mut s = " ".repeat(TIME_WIDTH);
    for name in short_names(cols, w - 1).into_iter().take(shown) {
        let pad = w.saturating_sub(name.chars().count());
        let left = pad / 2;
        s.push_str(&" ".repeat(left));
        s.push_str(&name);
        s.push_str(&" ".repeat(pad - left));
    }
    let hidden = cols.len() - shown;
    if hidden > 0 {
        // At the right edge, in the room `columns_shown` kept for it.
        let used = TIME_WIDTH + shown * w;
        let mark = [format!(" {hidden} more ▸"), format!(" +{hidden}▸")]
            .into_iter()
            .find(|m| used + m.chars().count() <= width)
            .unwrap_or_default();
        s += &" ".repeat(width.saturating_sub(used + mark.chars().count()));
        s += &mark;
    }
    Line::styled(s, Style::new().add_modifier(Modifier::BOLD))
}

/// Letters for the far-end tags of a call's dialogs when there are several (the branches of a
/// forked call, each answering device's dialog): `A` for the first tag seen, `B` for the next…
/// Empty when the call has one or none, so a plain call's labels stay as they are.
pub fn branch_letters(messages: &[&Shown]) -> BranchLetters {
    // The caller's tag of each Call-ID (linked legs are merged in): the From-tag of its first
    // message, which the caller sends.
    let mut callers: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    for s in messages {
        if !callers.iter().any(|(id, _)| id.as_slice() == s.msg.call_id()) {
            callers.push((s.msg.call_id().to_vec(), s.msg.slice(s.msg.from_addr().tag).to_vec()));
        }
    }
    let mut tags: Vec<(Vec<u8>, char)> = Vec::new();
    // The hops (pairs of columns) each tag's messages cross: letters are needed only where two
    // dialogs share one, as behind a forking proxy; devices answering on columns of their own
    // (a 302 and the call it sends on) are told apart by their columns already.
    let mut hops: Vec<((String, String), Vec<u8>)> = Vec::new();
    for s in messages {
        let tag = far_tag(s, &callers);
        if tag.is_empty() {
            continue;
        }
        if !tags.iter().any(|(t, _)| t.as_slice() == tag) && tags.len() < 26 {
            tags.push((tag.to_vec(), char::from(b'A' + tags.len() as u8)));
        }
        let (a, b) = (s.msg.src.to_string(), s.msg.dst.to_string());
        let hop = if a <= b { (a, b) } else { (b, a) };
        if !hops.iter().any(|(h, t)| *h == hop && t.as_slice() == tag) {
            hops.push((hop, tag.to_vec()));
        }
    }
    let shared =
        hops.iter().enumerate().any(|(i, (h, t))| hops[i + 1..].iter().any(|(h2, t2)| h2 == h && t2 != t));
    if tags.len() < 2 || !shared {
        tags.clear();
    }
    BranchLetters { callers, tags }
}

/// The branch letters of a call's messages (see [`branch_letters`]).
#[derive(Debug, Default)]
pub struct BranchLetters {
    /// Each Call-ID's caller tag.
    callers: Vec<(Vec<u8>, Vec<u8>)>,
    /// Each far-end tag's letter.
    tags: Vec<(Vec<u8>, char)>,
}

/// The tag of the dialog's far end in a message: the To-tag of what the caller sends and of
/// the answers to it, the From-tag of what the callee sends (its BYE, re-INVITE or REFER carries
/// the caller's tag in To), so one dialog keeps one letter whichever side speaks.
fn far_tag<'a>(s: &'a Shown, callers: &[(Vec<u8>, Vec<u8>)]) -> &'a [u8] {
    let from = s.msg.slice(s.msg.from_addr().tag);
    let caller = callers.iter().find(|(id, _)| id.as_slice() == s.msg.call_id()).map(|(_, t)| t.as_slice());
    if caller.is_some_and(|c| !c.is_empty() && c != from) {
        from
    } else {
        s.msg.to_tag()
    }
}

/// The branch letter of a message (see [`branch_letters`]).
pub fn branch_of(s: &Shown, letters: &BranchLetters) -> Option<char> {
    let tag = far_tag(s, &letters.callers);
    letters.tags.iter().find(|(t, _)| t.as_slice() == tag).map(|(_, c)| *c)
}

/// One ladder line for a message; `branch` is its To-tag's letter when the call has several.
pub fn line(
    s: &Shown,
    cols: &[String],
    t0: crate::time::Timestamp,
    width: usize,
    selected: bool,
    branch: Option<char>,
) -> Line<'static> {
    let w = column_width(cols.len(), width);
    let shown = columns_shown(cols.len(), width);
    // The cells that show; only whole columns get a lifeline (one without its name would read
    // as another address). An endpoint past them sits just past the edge: its arrows run to the
    // edge and end in `▸`, under the header's `+N▸`.
    let edge = width.saturating_sub(TIME_WIDTH).max(shown * w).max(1);
    let mut cells: Vec<char> = vec![' '; edge + 2];
    for i in 0..shown {
        cells[i * w + w / 2] = '│';
    }
    let at = |addr: String| match cols.iter().position(|c| *c == addr).unwrap_or(0) {
        i if i < shown => i * w + w / 2,
        _ => edge + 1,
    };
    let (a, b) = (at(s.msg.src.to_string()), at(s.msg.dst.to_string()));
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
        // The label goes in the part of the arrow that shows.
        let room = hi.min(edge).saturating_sub(lo + 3);
        // The full label when it fits, else the short one (a code says more than `603 …`).
        // The branch letter goes with every form of the label, set off by a dot while there is
        // room (`180 Ringing ·B`, `180·B`, `BYE·C`), and only in the tightest gap without it.
        let (long_mark, short_mark, bare_mark) = match branch {
            Some(b) => (format!(" ·{b}"), format!("·{b}"), b.to_string()),
            None => (String::new(), String::new(), String::new()),
        };
        let full: Vec<char> = format!("{}{long_mark}", label(s)).chars().collect();
        let (short, tiny) = (short_label(s, false), short_label(s, true));
        let text =
            [format!("{short}{short_mark}"), format!("{tiny}{short_mark}"), format!("{tiny}{bare_mark}")]
                .into_iter()
                .map(|t| t.chars().collect::<Vec<char>>())
                .fold(full, |best, next| if best.len() <= room { best } else { next });
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
    cells.truncate(edge);
    if lo != hi && hi > edge {
        cells[edge - 1] = '▸';
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

#[cfg(test)]
mod tests {
    use super::short_names;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn column_names_stay_distinct_when_shortened() {
        let cols = v(&["127.0.0.10:5060", "127.0.0.20:5060", "127.0.0.31:5060"]);
        assert_eq!(short_names(&cols, 20), cols);
        assert_eq!(short_names(&cols, 10), v(&["127.0.0.10", "127.0.0.20", "127.0.0.31"]));
        assert_eq!(short_names(&cols, 7), v(&["…10", "…20", "…31"]));
        let ports = v(&["10.0.0.1:5060", "10.0.0.1:5080"]);
        assert_eq!(short_names(&ports, 8), v(&["…1:5060", "…1:5080"]));
        let v6 = v(&["[2001:db8::1]:5060", "[2001:db8::2]:5060"]);
        assert_eq!(short_names(&v6, 6), v(&["…1]", "…2]"]));
        let apart = v(&["192.168.1.10:5060", "10.20.30.40:5060"]);
        assert_eq!(short_names(&apart, 8), v(&["…68.1.10", "…0.30.40"]));
    }
}
