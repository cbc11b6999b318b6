//! The call view: the ladder of the call (and its linked B-legs), the findings with their
//! explanation and next steps, and the raw message under the cursor with header names
//! highlighted.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::sanitize::inert_string;
use crate::tui::app::App;
use crate::tui::model::{Model, Shown};
use crate::tui::theme;
use crate::tui::widgets::ladder;

/// The messages shown for a row: its own and those of its linked calls, in time order.
pub fn messages(model: &Model, row: usize) -> Vec<&Shown> {
    let r = &model.rows[row];
    let mut v: Vec<&Shown> = r.messages.iter().collect();
    for l in &r.summary.linked {
        if let Some(i) = model.row(l) {
            v.extend(model.rows[i].messages.iter());
        }
    }
    v.sort_by_key(|s| s.msg.ts);
    v
}

/// Draws the call view.
pub fn draw(f: &mut Frame, area: Rect, app: &mut App, model: &Model) {
    let Some(row) = app.open_row.filter(|r| *r < model.rows.len()) else { return };
    let r = &model.rows[row];
    let s = &r.summary;
    let msgs = messages(model, row);
    app.message = app.message.min(msgs.len().saturating_sub(1));
    let findings: Vec<&crate::diagnose::Finding> = model
        .findings
        .iter()
        .filter(|f| matches!(&f.subject, crate::diagnose::Subject::Call(id) if *id == s.call_id))
        .collect();
    // The search bar under the view while typing or while a search is on.
    let searching = app.search_typing.is_some() || !app.search.is_empty();
    let (area, search_area) = if searching {
        let [a, b] = Layout::vertical([Constraint::Min(6), Constraint::Length(1)]).areas(area);
        (a, Some(b))
    } else {
        (area, None)
    };
    let findings_height = if findings.is_empty() { 0 } else { (area.height / 3).clamp(6, 14) };
    let media_lines = media_lines(s, area.width < 100, usize::from(area.width.saturating_sub(2)));
    let media_height =
        if media_lines.is_empty() { 0 } else { (media_lines.len() as u16 + 2).min(area.height / 4).max(3) };
    let [top, media, bottom] = Layout::vertical([
        Constraint::Min(6),
        Constraint::Length(media_height),
        Constraint::Length(findings_height),
    ])
    .areas(area);
    // The ladder takes 60 % of the width, up to 68 % when its addresses need it for columns of
    // a comfortable width (a forked call's five at 80 columns); the raw message gets the rest.
    let cols = ladder::endpoints(&msgs);
    let share = |percent: u16| u16::try_from(u32::from(top.width) * u32::from(percent) / 100).unwrap_or(0);
    let wanted = u16::try_from(ladder::width_wanted(cols.len()) + 2).unwrap_or(u16::MAX);
    let [left, right] =
        Layout::horizontal([Constraint::Length(wanted.clamp(share(60), share(68))), Constraint::Min(0)])
            .areas(top);

    // Ladder.
    // The outcome is kept whole (its reason phrase too while the parties keep 12 columns); the
    // parties give way first, cut with `…`.
    let head = format!("{} · ", s.kind.as_str());
    let linked =
        if s.linked.is_empty() { String::new() } else { format!(" · linked {}", s.linked.join(", ")) };
    let tail_with = |reason: bool| {
        let code = match s.final_code {
            Some(c) if reason => format!(" {c} {}", s.final_reason),
            Some(c) => format!(" {c}"),
            None => String::new(),
        };
        format!(" · {}{code}{linked}", s.state.as_str().replace('_', " "))
    };
    let width_of = |t: &str| unicode_width::UnicodeWidthStr::width(t);
    let mut tail = tail_with(true);
    if width_of(&head) + width_of(&tail) + 4 + 12 > usize::from(left.width) {
        tail = tail_with(false);
    }
    let used = width_of(&format!("{head}{tail}")) + 4;
    // With display names when they fit, else as user@host, else as users alone (what the
    // calls list shows at 80 columns), cut with `…` if even that is too long.
    let room = usize::from(left.width).saturating_sub(used).max(1);
    let user = |p: String| match p.split_once('@') {
        Some((u, _)) if !u.is_empty() => u.to_string(),
        _ => p,
    };
    let forms = [
        (super::party(&s.from, true), super::party(&s.to, true)),
        (super::party(&s.from, false), super::party(&s.to, false)),
        (user(super::party(&s.from, false)), user(super::party(&s.to, false))),
    ];
    let forms: Vec<String> =
        forms.iter().map(|(a, b)| inert_string(format!("{a} → {b}").as_bytes())).collect();
    let parties = forms
        .iter()
        .find(|p| unicode_width::UnicodeWidthStr::width(p.as_str()) <= room)
        .cloned()
        .unwrap_or_else(|| super::fit(&forms[2], room));
    let title = super::title(&inert_string(format!("{head}{parties}{tail}").as_bytes()), left.width);
    let footer = format!(
        "{} · {} message{}{}",
        inert_string(s.call_id.as_bytes()),
        s.messages,
        if s.messages == 1 { "" } else { "s" },
        if r.dropped > 0 { format!(", {} not kept", r.dropped) } else { String::new() }
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(Line::from(super::title(&footer, left.width)));
    let inner = block.inner(left);
    f.render_widget(block, left);
    let width = inner.width as usize;
    let height = inner.height.saturating_sub(1) as usize;
    app.page = height.max(1);
    let t0 = msgs.first().map(|m| m.msg.ts).unwrap_or_default();
    let (start, end) = super::window(app.message, &mut app.ladder_offset, height, msgs.len());
    let mut lines = vec![ladder::header(&cols, width)];
    let letters = ladder::branch_letters(&msgs);
    for (i, m) in msgs[start..end].iter().enumerate() {
        let branch = ladder::branch_of(m, &letters);
        let mut line = ladder::line(m, &cols, t0, width, start + i == app.message, branch);
        if app.marked == Some(start + i) {
            // The message marked for comparison: a mark in place of the time's sign.
            if let Some(first) = line.spans.first_mut() {
                let text: String = std::iter::once('●').chain(first.content.chars().skip(1)).collect();
                *first = Span::styled(text, Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD));
            }
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);

    // Raw message.
    let raw_lines: Vec<Line> = msgs.get(app.message).map(|m| raw(m, &app.search)).unwrap_or_default();
    let raw_title = msgs.get(app.message).map_or(" message ".to_string(), |m| {
        let text = format!(
            "#{} {} → {} {}",
            m.added.map_or(0, |a| a.index),
            m.msg.src,
            m.msg.dst,
            m.msg.transport.as_str()
        );
        super::title(&text, right.width)
    });
    // J/K scroll a long message; choosing another message starts it at the top.
    if app.raw_scroll_of != app.message {
        app.raw_scroll_of = app.message;
        app.raw_scroll = 0;
    }
    let inner_width = right.width.saturating_sub(2);
    // A resize rewraps the message: keep the line at the top in view, not the line number.
    if app.raw_scroll_width != inner_width {
        if app.raw_scroll_width > 0 && app.raw_scroll > 0 {
            app.raw_scroll = rewrapped_scroll(&raw_lines, app.raw_scroll, app.raw_scroll_width, inner_width);
        }
        app.raw_scroll_width = inner_width;
    }
    if std::mem::take(&mut app.search_jump) {
        // Bring the first line holding the search text into view (one line of context above).
        let first = raw_lines.iter().position(|l| line_matches(l, &app.search));
        if let Some(i) = first {
            let above =
                Paragraph::new(raw_lines[..i].to_vec()).wrap(Wrap { trim: false }).line_count(inner_width);
            app.raw_scroll = (above as u16).saturating_sub(1);
        }
    }
    let raw = Paragraph::new(raw_lines).wrap(Wrap { trim: false });
    let total = raw.line_count(inner_width) as u16;
    let visible = right.height.saturating_sub(2);
    app.raw_scroll = app.raw_scroll.min(total.saturating_sub(visible));
    let mut block = Block::default().borders(Borders::ALL).title(raw_title);
    if total > visible {
        // Where we are in a long message, on the bottom border (the top one holds the addresses).
        let at = super::lines_shown(app.raw_scroll.into(), visible.into(), total.into());
        block = block.title_bottom(super::title(&format!("{at} · J/K"), right.width));
    }
    f.render_widget(raw.scroll((app.raw_scroll, 0)).block(block), right);

    // Media: the descriptions and the streams, as sngrep shows them under the ladder.
    if !media_lines.is_empty() {
        let title = super::title(&format!("media: {} streams", s.streams.len()), media.width);
        let mut block = Block::default().borders(Borders::ALL).title(title);
        // A pane too short for every line says how many it leaves out.
        let hidden = media_lines.len().saturating_sub(media.height.saturating_sub(2) as usize);
        if hidden > 0 {
            block = block.title_bottom(super::title(
                &format!("{hidden} more (a taller terminal shows them)"),
                media.width,
            ));
        }
        f.render_widget(Paragraph::new(media_lines).block(block), media);
    }

    if let Some(a) = search_area {
        let line = super::input_bar(
            app.search_typing.as_deref(),
            "find in messages: ",
            &app.search,
            "find: ",
            highlight(),
            "  n next · N previous · Esc clears",
        );
        f.render_widget(Paragraph::new(line), a);
    }

    // Findings.
    if !findings.is_empty() {
        let mut lines = Vec::new();
        for fd in &findings {
            let (mark, st) = theme::severity(Some(fd.severity));
            lines.push(Line::from(vec![
                Span::styled(format!("{mark} {} ", fd.rule), st),
                Span::styled(inert_string(fd.summary.as_bytes()), Style::new().add_modifier(Modifier::BOLD)),
            ]));
            lines.push(Line::raw(inert_string(fd.explanation.as_bytes())));
            for step in &fd.next_steps {
                lines.push(Line::raw(format!("  → {}", inert_string(step.as_bytes()))));
            }
        }
        let para = Paragraph::new(lines).wrap(Wrap { trim: true });
        let mut block = Block::default()
            .borders(Borders::ALL)
            .title(super::title(&format!("findings ({})", findings.len()), bottom.width));
        if para.line_count(bottom.width.saturating_sub(2)) > bottom.height.saturating_sub(2) as usize {
            // Cut here: the findings view (Tab) shows the whole text and scrolls it.
            block = block.title_bottom(super::title("more: Tab to the findings view", bottom.width));
        }
        f.render_widget(para.block(block), bottom);
    }
}

/// The media pane: one line per RTP stream (worst first is for the streams view; here in the
/// order they started), then the session descriptions.
/// `narrow`: a compact line (loss as a percentage only, mean jitter only) so that DTMF digits
/// still show at 80 columns. A stream's addresses that do not fit `width` beside it get a line
/// of their own under it; what still does not fit is cut with `…`.
fn media_lines(s: &crate::tui::model::CallSummary, narrow: bool, width: usize) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthStr;
    let fit = |t: &str| crate::tui::views::fit(&inert_string(t.as_bytes()), width);
    let mut out = Vec::new();
    for st in &s.streams {
        let mos = st.mos.map_or_else(|| "  - ".to_string(), |m| format!("{m:.1}"));
        let bad = st.mos.is_some_and(|m| m < 3.6) || st.loss_pct >= 3.0;
        let style =
            if bad { Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD) } else { Style::new() };
        // The verdict first (MOS, loss, jitter), the addresses last: a narrow terminal cuts
        // the end of the line.
        let mut text = if narrow {
            format!(
                "{:<6} {:<6} MOS {mos} lost {:>4.1}% jit {:>4.1} ms {:>6} pkts",
                st.from,
                crate::tui::views::fit(&st.codec, 6),
                st.loss_pct,
                st.mean_jitter_ms,
                st.packets,
            )
        } else {
            format!(
                "{:<6} {:<10} MOS {mos}  lost {:>4} ({:>4.1}%)  jitter {:>11}  {:>6} pkts",
                st.from,
                crate::tui::views::fit(&st.codec, 10),
                st.lost,
                st.loss_pct,
                format!("{:.1}/{:.1} ms", st.mean_jitter_ms, st.max_jitter_ms),
                st.packets,
            )
        };
        // DTMF and the round trip before the addresses: a narrow terminal cuts the end.
        if !st.dtmf.is_empty() {
            text.push_str(&format!("  DTMF {}", st.dtmf));
        }
        if let Some(rtt) = st.rtt_ms {
            text.push_str(&format!("  rtt {rtt:.0} ms"));
        }
        let addrs = format!("{} → {}", st.src, st.dst);
        if text.width() + 2 + addrs.width() <= width {
            out.push(Line::styled(fit(&format!("{text}  {addrs}")), style));
        } else {
            out.push(Line::styled(fit(&text), style));
            out.push(Line::styled(fit(&format!("       {addrs}")), style));
        }
    }
    for l in &s.sdp {
        out.push(Line::styled(fit(&format!("SDP {l}")), Style::new().fg(Color::DarkGray)));
    }
    out
}

/// How text found by a search is shown.
fn highlight() -> Style {
    Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD)
}

/// Whether a drawn line holds the search text.
fn line_matches(line: &Line, needle: &str) -> bool {
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    !needle.is_empty() && crate::tui::app::contains_ignore_case(text.as_bytes(), needle.as_bytes())
}

/// A line made of styled pieces, with every case-insensitive occurrence of `needle` (which may
/// span pieces: a header name and its value) highlighted.
fn marked(pieces: Vec<(String, Style)>, needle: &str) -> Line<'static> {
    let text: String = pieces.iter().map(|(t, _)| t.as_str()).collect();
    let mut found: Vec<(usize, usize)> = Vec::new();
    if !needle.is_empty() {
        let (lower, want) = (text.to_ascii_lowercase(), needle.to_ascii_lowercase());
        let mut at = 0;
        while let Some(p) = lower[at..].find(&want) {
            found.push((at + p, at + p + want.len()));
            at += p + want.len();
        }
    }
    let mut spans = Vec::new();
    let mut offset = 0;
    for (piece, style) in pieces {
        let end = offset + piece.len();
        // Cut the piece where matches start and end inside it.
        let mut cuts = vec![offset, end];
        for &(s, e) in &found {
            cuts.extend([s, e].into_iter().filter(|c| *c > offset && *c < end));
        }
        cuts.sort_unstable();
        cuts.dedup();
        for w in cuts.windows(2) {
            let inside = found.iter().any(|&(s, e)| w[0] >= s && w[1] <= e);
            let st = if inside { highlight() } else { style };
            spans.push(Span::styled(text[w[0]..w[1]].to_string(), st));
        }
        offset = end;
    }
    Line::from(spans)
}

/// The raw message as lines: start line bold, header names highlighted, body dimmed, and the
/// text of a search (`needle`, empty for none) marked wherever it occurs.
pub fn raw(m: &Shown, needle: &str) -> Vec<Line<'static>> {
    let bytes = &m.msg.raw;
    let body_start = m.msg.headers.body.start as usize;
    let mut out = Vec::new();
    let mut pos = 0;
    let mut first = true;
    while pos < bytes.len() {
        let end = bytes[pos..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |e| pos + e + 1);
        let mut line = &bytes[pos..end];
        while let Some((last, rest)) = line.split_last() {
            if *last == b'\n' || *last == b'\r' {
                line = rest;
            } else {
                break;
            }
        }
        if first {
            out.push(marked(vec![(inert_string(line), Style::new().add_modifier(Modifier::BOLD))], needle));
            first = false;
        } else if pos >= body_start {
            out.push(marked(vec![(inert_string(line), Style::new().fg(Color::DarkGray))], needle));
        } else if let Some(colon) = line
            .iter()
            .position(|&b| b == b':')
            .filter(|_| !line.starts_with(b" ") && !line.starts_with(b"\t"))
        {
            let name =
                (inert_string(&line[..colon]), Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD));
            out.push(marked(vec![name, (inert_string(&line[colon..]), Style::new())], needle));
        } else {
            out.push(marked(vec![(inert_string(line), Style::new())], needle));
        }
        pos = end;
    }
    out
}

/// The scroll of a pane of wrapped `lines` that shows the same text at its top once its width
/// goes from `old` to `new` columns: the line at the top, and how far down it, in proportion.
fn rewrapped_scroll(lines: &[Line], scroll: u16, old: u16, new: u16) -> u16 {
    let rows = |line: &Line, width: u16| {
        Paragraph::new(line.clone()).wrap(Wrap { trim: false }).line_count(width).max(1)
    };
    let (mut above_old, mut above_new) = (0usize, 0usize);
    for line in lines {
        let (o, n) = (rows(line, old), rows(line, new));
        if above_old + o > usize::from(scroll) {
            // The top row is row `into` of this line's `o` rows.
            let into = usize::from(scroll) - above_old;
            return u16::try_from(above_new + into * n / o).unwrap_or(u16::MAX);
        }
        above_old += o;
        above_new += n;
    }
    u16::try_from(above_new).unwrap_or(u16::MAX)
}
