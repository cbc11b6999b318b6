//! The calls view (home): one line per call, coloured by outcome, each naming its worst finding,
//! and under it a strip of the newest findings as they are raised. Layouts by width keep
//! the method, parties, outcome and finding readable from 80 columns up.

use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use super::{clock, fit, party};
use crate::sanitize::inert_string;
use crate::tui::app::{App, SortKey};
use crate::tui::model::Model;
use crate::tui::theme;

/// Draws the calls view.
pub fn draw(f: &mut Frame, area: Rect, app: &mut App, model: &Model) {
    let (list_area, filter_area) = if app.typing.is_some() || !app.filter.is_empty() {
        let [a, b] =
            ratatui::layout::Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
        (a, Some(b))
    } else {
        (area, None)
    };
    let total = app.row_limit(model);
    let (failures, with_findings) = app.totals;
    let mut quick = Vec::new();
    if app.failures_only {
        quick.push("failures".to_string());
    }
    if app.findings_only {
        quick.push("findings".to_string());
    }
    if app.calls_only {
        quick.push("calls".to_string());
    }
    if let Some(ip) = app.source_only {
        quick.push(format!("from {ip}"));
    }
    // The sort and the quick filters are what the keys just changed: they stay in the title
    // whatever the width; the counts shorten first.
    let sort = format!(
        "sort {}{}{}",
        app.sort.title(),
        if app.reverse { " ↓" } else { "" },
        if quick.is_empty() { String::new() } else { format!(" · only {}", quick.join("+")) }
    );
    let (shown, room) = (app.visible.len(), list_area.width.saturating_sub(4) as usize);
    let title = [
        format!(
            " Calls {shown} shown of {total} · {failures} failed · {with_findings} with findings · {sort} "
        ),
        format!(" Calls {shown}/{total} · {failures} failed · {with_findings} findings · {sort} "),
        format!(" {shown}/{total} · {sort} "),
    ]
    .into_iter()
    .find(|t| t.chars().count() <= room)
    .unwrap_or_else(|| super::title(&sort, list_area.width));
    // Four layouts by width: every one keeps the method and names each call's worst finding;
    // narrower ones shorten the time, drop timings and message counts, and show parties as
    // user@host, then as users; the tiniest drops the state.
    let (list_area, strip_area) = split_strip(list_area, model, app.visible.len());
    let width = list_area.width.saturating_sub(2);
    // The thresholds are the terminal's columns, as the docs give them.
    let layout = match list_area.width {
        150.. => Layout::Wide,
        110..150 => Layout::Medium,
        60..110 => Layout::Narrow,
        _ => Layout::Tiny,
    };
    // `o` walks the columns on screen only.
    app.sort_columns = match layout {
        Layout::Wide => SortKey::ALL,
        Layout::Medium => SortKey::MEDIUM,
        Layout::Narrow => SortKey::NARROW,
        Layout::Tiny => SortKey::TINY,
    };
    let height = list_area.height.saturating_sub(3) as usize;
    app.page = height.max(1);
    // Only the rows on screen are built; their texts come first, as the widths depend on them.
    let (start, end) = super::window(app.selected, &mut app.offset, height, app.visible.len());
    let texts: Vec<RowText> =
        app.visible[start..end].iter().map(|&i| RowText::of(&model.rows[i], layout)).collect();
    let column_widths = column_widths(layout, usize::from(width), &texts, &mut app.calls_longest);
    let header = Row::new(columns(layout).iter().zip(&column_widths).map(|(c, &w)| fit(c.0, w)))
        .style(theme::header());
    let rows: Vec<Row> = app.visible[start..end]
        .iter()
        .zip(texts)
        .map(|(&i, text)| {
            let r = &model.rows[i];
            let s = &r.summary;
            let (mark, mark_style) = theme::severity(r.worst);
            let mut style = theme::state(s.state);
            if r.worst >= Some(crate::diagnose::Severity::Warning) {
                style = style.add_modifier(ratatui::style::Modifier::BOLD);
            }
            if app.newest_rejection == Some(i) && app.paused.is_none() {
                style = style.patch(theme::fresh());
            }
            let ms = |v: Option<i64>| {
                v.map_or(
                    String::new(),
                    |v| if v >= 10_000 { format!("{}s", v / 1000) } else { format!("{v}ms") },
                )
            };
            let time = clock(s.first_ts);
            // Each column's cell, cut with `…` to its width.
            let cells: Vec<Cell> = columns(layout)
                .iter()
                .zip(&column_widths)
                .map(|(&(head, _), &w)| match head {
                    "Time" => Cell::from(time.get(..w).unwrap_or(&time).to_string()),
                    "Method" => Cell::from(fit(s.method, w)),
                    "From" => Cell::from(text.from.fitted(w)),
                    "To" => Cell::from(text.to.fitted(w)),
                    // As words (`in progress`), not the report's identifier.
                    "State" => Cell::from(fit(&s.state.as_str().replace('_', " "), w)),
                    "Code" => Cell::from(fit(&text.code, w)),
                    "PDD" => Cell::from(ms(s.pdd_ms)),
                    "Dur" => Cell::from(ms(s.duration_ms)),
                    "Msgs" => Cell::from(s.messages.to_string()),
                    _ => Cell::from(finding_cell(mark, mark_style, &text.finding, w)),
                })
                .collect();
            Row::new(cells).style(style)
        })
        .collect();
    let widths: Vec<Constraint> =
        column_widths.iter().map(|&w| Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX))).collect();
    // Laid out as `column_widths` above: no selection symbol, the same spacing and flex.
    let table = Table::new(rows, widths)
        .column_spacing(COLUMN_SPACING)
        .flex(TABLE_FLEX)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(title))
        .row_highlight_style(theme::selected());
    let mut state = TableState::default();
    if !app.visible.is_empty() {
        state.select(Some(app.selected - start));
    }
    f.render_stateful_widget(table, list_area, &mut state);
    if let Some(a) = strip_area {
        draw_strip(f, a, model);
    }
    if let Some(a) = filter_area {
        let line = super::input_bar(
            app.typing.as_deref(),
            "/",
            &app.filter,
            "filter: ",
            Style::new(),
            "  (Esc clears)",
        );
        f.render_widget(Paragraph::new(line), a);
    }
}

/// Blank columns between two columns of the calls table.
const COLUMN_SPACING: u16 = 1;
/// How the calls table places its columns (left to right, the rest of the row left empty).
const TABLE_FLEX: ratatui::layout::Flex = ratatui::layout::Flex::Start;

/// Column sets by width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// 150 columns and more: display names, timings, reason phrases, finding summaries.
    Wide,
    /// 110 to 149: no timings, no display names.
    Medium,
    /// 60 to 109: short time, users without hosts, bare codes, no message counts.
    Narrow,
    /// Under 60 (under the 80x24 the dashboard is made for): as narrow, without the state (the
    /// colour and the code say it).
    Tiny,
}

impl Layout {
    /// Parties as users alone and codes without their reason phrase.
    fn bare(self) -> bool {
        matches!(self, Layout::Narrow | Layout::Tiny)
    }
}

/// A party as the calls list shows it: the longer form (with the display name in the wide
/// layout) when it fits its column, else the compact `user@host`, cut with `…` if need be, so
/// the host is never cut to make room for a name.
struct Party {
    /// With the display name (wide layout), else the same as `compact`.
    full: String,
    /// `user@host`, or the user alone in the narrow layout.
    compact: String,
}

impl Party {
    fn of(p: &str, layout: Layout) -> Party {
        let clean = |s: String| inert_string(s.as_bytes());
        let compact = party(p, false);
        // Narrow: the user part alone (the host is in the call view), when there is one.
        let compact = match (layout, compact.split_once('@')) {
            (layout, Some((user, _))) if layout.bare() && !user.is_empty() => user.to_string(),
            _ => compact,
        };
        let full = if layout == Layout::Wide { clean(party(p, true)) } else { clean(compact.clone()) };
        Party { full, compact: clean(compact) }
    }

    /// Columns the longer form takes.
    fn width(&self) -> usize {
        unicode_width::UnicodeWidthStr::width(self.full.as_str())
    }

    /// The form that fits `width` columns, else the compact one cut: an address or a number
    /// in its middle (both ends tell two apart), a bare name at its end.
    fn fitted(&self, width: usize) -> String {
        if self.width() <= width {
            self.full.clone()
        } else if self.compact.contains('@') || self.compact.chars().any(|c| c.is_ascii_digit()) {
            cut_middle(&self.compact, width)
        } else {
            fit(&self.compact, width)
        }
    }
}

/// `s` cut to `n` terminal columns in its middle, with `…`: both ends of an address stay
/// (`alice…0.0.13`), where two parties usually differ (the same user at two hosts, two numbers
/// with one prefix).
fn cut_middle(s: &str, n: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= n {
        return s.to_string();
    }
    let room = n.saturating_sub(1);
    // The end gets the odd column: a host's last digits tell hosts apart.
    let tail_room = room - room / 2;
    let take = |chars: &mut dyn Iterator<Item = char>, room: usize| {
        let mut used = 0;
        chars
            .take_while(|c| {
                used += c.width().unwrap_or(0);
                used <= room
            })
            .collect::<Vec<char>>()
    };
    let head: String = take(&mut s.chars(), room / 2).into_iter().collect();
    let tail: String = take(&mut s.chars().rev(), tail_room).into_iter().rev().collect();
    format!("{head}…{tail}")
}

/// The texts of one row whose length decides the columns' widths.
struct RowText {
    from: Party,
    to: Party,
    /// Final code, with its reason phrase outside the narrow layout.
    code: String,
    /// ` rule +N: summary` of the worst finding, or empty.
    finding: String,
    /// Columns of ` rule +N:`, the part of `finding` never cut when the floors fit.
    rule: usize,
}

impl RowText {
    fn of(r: &crate::tui::model::Row, layout: Layout) -> RowText {
        let s = &r.summary;
        let code = match (s.final_code, layout) {
            (None, _) => String::new(),
            (Some(c), layout) if layout.bare() => c.to_string(),
            (Some(c), _) => inert_string(format!("{c} {}", s.final_reason).as_bytes()),
        };
        let (finding, rule) = r.top.as_ref().map_or((String::new(), 0), |(rule, summary)| {
            let more = if r.finding_count > 1 { format!(" +{}", r.finding_count - 1) } else { String::new() };
            // The rule first: a narrow column cuts the summary, never the rule.
            let head = format!(" {rule}{more}:");
            let rule = unicode_width::UnicodeWidthStr::width(head.as_str());
            (format!("{head} {summary}"), rule)
        });
        RowText { from: Party::of(&s.from, layout), to: Party::of(&s.to, layout), code, finding, rule }
    }
}

/// The columns of `layout`: header and fixed width, `None` for the flexible From, To, (Code,)
/// and Finding.
fn columns(layout: Layout) -> &'static [(&'static str, Option<usize>)] {
    match layout {
        Layout::Wide => &[
            ("Time", Some(12)),
            ("Method", Some(8)),
            ("From", None),
            ("To", None),
            ("State", Some(12)),
            ("Code", None),
            ("PDD", Some(6)),
            ("Dur", Some(6)),
            ("Msgs", Some(5)),
            ("Finding", None),
        ],
        Layout::Medium => &[
            ("Time", Some(12)),
            ("Method", Some(8)),
            ("From", None),
            ("To", None),
            ("State", Some(11)),
            ("Code", None),
            ("Msgs", Some(4)),
            ("Finding", None),
        ],
        Layout::Narrow => &[
            ("Time", Some(8)),
            ("Method", Some(8)),
            ("From", None),
            ("To", None),
            ("State", Some(11)),
            ("Code", Some(4)),
            ("Finding", None),
        ],
        Layout::Tiny => &[
            ("Time", Some(8)),
            ("Method", Some(8)),
            ("From", None),
            ("To", None),
            ("Code", Some(4)),
            ("Finding", None),
        ],
    }
}

/// Widths of the columns of `layout` in a table `width` columns wide, for the rows `texts`.
/// Time, method, state, timings and counts have fixed widths. From, To and the code get the
/// room their longest text shown takes (each at least a floor, none more than 30 % of the
/// room) and the finding the rest: a short column never pads while the one beside it is cut.
/// `longest` keeps the widest texts shown at this width so far (From, To, code, finding, rule):
/// the columns only grow while the list scrolls or fills, and start afresh at another width.
fn column_widths(
    layout: Layout,
    width: usize,
    texts: &[RowText],
    longest: &mut (usize, [usize; 5]),
) -> Vec<usize> {
    let columns = columns(layout);
    let fixed: usize = columns.iter().filter_map(|c| c.1).sum();
    let spacing = usize::from(COLUMN_SPACING) * columns.len().saturating_sub(1);
    let room = width.saturating_sub(fixed + spacing);
    let width_of = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    if longest.0 != width {
        *longest = (width, [0; 5]);
    }
    let mark = 1;
    let on_screen: [&dyn Fn(&RowText) -> usize; 5] = [
        &|t| t.from.width(),
        &|t| t.to.width(),
        &|t| width_of(&t.code),
        &|t| mark + width_of(&t.finding),
        &|t| mark + t.rule + 2,
    ];
    for (kept, f) in longest.1.iter_mut().zip(on_screen) {
        *kept = texts.iter().map(f).max().unwrap_or(0).max(*kept);
    }
    let [from, to, code, finding, rule] = longest.1;
    // What each flexible column wants: its longest text shown, its header at least. The narrow
    // layouts' code is fixed.
    let want = [from.max(4), to.max(2), if layout.bare() { 0 } else { code.max(4) }, finding.max(7)];
    // 1. Every column up to a floor, by weight when even the floors do not fit: the finding's
    // floor is its mark, rule and colon, then room for `…` after a space (at most 40 columns).
    let party_floor = if layout.bare() { 8 } else { 12 };
    let floors =
        [want[0].min(party_floor), want[1].min(party_floor), want[2].min(4), want[3].min(rule.clamp(7, 40))];
    let mut got: [usize; 4] = super::share(room, &floors, &[2, 2, 1, 4]).try_into().unwrap_or([0; 4]);
    let mut left = room - got.iter().sum::<usize>();
    // 2. The parties whole, up to 30 % of the room each: a cut address reads as another.
    let cap = (room * 3 / 10).max(12);
    grow_parties(&mut got, &mut left, [want[0].min(cap), want[1].min(cap)]);
    // 3. A short reason phrase (`403 Forbidden`: 13 columns), then the finding's summary up to
    // 60 columns, before a longer reason phrase (the code says most of it already).
    grow(&mut got, &mut left, 2, want[2].min(13));
    grow(&mut got, &mut left, 3, want[3].min(60));
    // 4. Then the parties beyond 30 %, the reason phrase, the rest of the summary; what is
    // still left goes to the finding.
    grow_parties(&mut got, &mut left, [want[0], want[1]]);
    grow(&mut got, &mut left, 2, want[2].min(cap));
    grow(&mut got, &mut left, 3, want[3]);
    grow(&mut got, &mut left, 2, want[2]);
    got[3] += left;
    columns
        .iter()
        .map(|&(head, fixed)| {
            fixed.unwrap_or(match head {
                "From" => got[0],
                "To" => got[1],
                "Code" => got[2],
                _ => got[3],
            })
        })
        .collect()
}

/// Widens flexible column `i` towards `upto` columns with what is `left`.
fn grow(got: &mut [usize; 4], left: &mut usize, i: usize, upto: usize) {
    let more = upto.saturating_sub(got[i]).min(*left);
    got[i] += more;
    *left -= more;
}

/// Widens From and To (the first two flexible columns) towards `upto`, sharing what is `left`
/// evenly when it is short.
fn grow_parties(got: &mut [usize; 4], left: &mut usize, upto: [usize; 2]) {
    let wanted = [upto[0].saturating_sub(got[0]), upto[1].saturating_sub(got[1])];
    for (i, more) in super::share(*left, &wanted, &[1, 1]).into_iter().enumerate() {
        got[i] += more;
        *left -= more;
    }
}

/// The finding cell, `width` columns wide: the mark, then ` rule +N: summary` cut with `…`.
fn finding_cell<'a>(mark: &'a str, mark_style: Style, text: &str, width: usize) -> Line<'a> {
    if text.is_empty() {
        return Line::default();
    }
    let text = fit(text, width.saturating_sub(unicode_width::UnicodeWidthStr::width(mark)));
    Line::from(vec![Span::styled(mark, mark_style), Span::raw(text)])
}

/// Lines of the newest-findings strip (its title line included), at the least.
const STRIP_LINES: u16 = 3;
/// Lines of the strip at the most, when the list leaves rows empty.
const STRIP_MAX_LINES: u16 = 11;

/// Takes the strip of newest findings off the bottom of the list when there are findings and
/// the list keeps at least 8 rows. Rows the list of `rows` calls leaves empty go to the strip,
/// up to one line per finding and [`STRIP_MAX_LINES`] in all.
fn split_strip(area: Rect, model: &Model, rows: usize) -> (Rect, Option<Rect>) {
    if model.findings.is_empty() || area.height < 8 + 3 + STRIP_LINES {
        return (area, None);
    }
    // The list's borders and header take three lines.
    let list_needs = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(3).max(8 + 3);
    let wanted = u16::try_from(model.findings.len()).unwrap_or(u16::MAX).saturating_add(1);
    let lines = area.height.saturating_sub(list_needs).min(wanted).clamp(STRIP_LINES, STRIP_MAX_LINES);
    let [list, strip] =
        ratatui::layout::Layout::vertical([Constraint::Min(3), Constraint::Length(lines)]).areas(area);
    (list, Some(strip))
}

/// The newest findings, newest first, one line each: time, mark, rule, summary, Call-ID.
fn draw_strip(f: &mut Frame, area: Rect, model: &Model) {
    let block = Block::default().borders(Borders::TOP).title(super::title(
        &format!("Newest findings ({} in all; Tab for the list)", model.findings.len()),
        area.width,
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = inner.width as usize;
    let lines: Vec<Line> = model
        .findings
        .iter()
        .rev()
        .take(inner.height as usize)
        .map(|fi| {
            let (mark, style) = theme::severity(Some(fi.severity));
            let call = match &fi.subject {
                crate::diagnose::Subject::Call(id) => id.clone(),
                crate::diagnose::Subject::Source(ip) => ip.to_string(),
            };
            let text = format!(" {} {}: {} · {}", clock(fi.ts), fi.rule, fi.summary, call);
            Line::from(vec![
                Span::styled(mark, style),
                Span::raw(fit(&inert_string(text.as_bytes()), width.saturating_sub(1))),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::{Layout, Party};

    #[test]
    fn a_party_drops_its_display_name_before_its_host_is_cut() {
        let p = || Party::of("\"Alice\" <sip:alice@127.0.0.10:5060>", Layout::Wide);
        assert_eq!(p().fitted(30), "Alice alice@127.0.0.10");
        // One column short of the name: the address alone, whole.
        assert_eq!(p().fitted(21), "alice@127.0.0.10");
        // Too short even for the address: cut in the middle, with a mark, both ends kept.
        assert_eq!(p().fitted(12), "alice…0.0.10");
        assert_eq!(super::cut_middle("alice@127.0.0.13", 14), "alice@….0.0.13");
        assert_eq!(super::cut_middle("5514540002@200.57.7.195", 16), "5514540…57.7.195");
        assert_eq!(super::cut_middle("北京北京北京", 9), "北京…北京");
        assert_eq!(super::cut_middle("北京北京北京", 7), "北…京");
        assert_eq!(super::cut_middle("abc", 0), "…");
        // A bare name is cut at its end.
        assert_eq!(Party::of("sip:alice@h", Layout::Tiny).fitted(4), "ali…");
        // Narrow: the user alone; medium: no display name.
        assert_eq!(Party::of("Alice <sip:alice@127.0.0.10>", Layout::Narrow).fitted(30), "alice");
        assert_eq!(Party::of("Alice <sip:alice@127.0.0.10>", Layout::Medium).fitted(30), "alice@127.0.0.10");
    }
}
