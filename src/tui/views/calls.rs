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
        quick.push("failures");
    }
    if app.findings_only {
        quick.push("findings");
    }
    if app.calls_only {
        quick.push("calls");
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
    let layout = if width >= 150 {
        Layout::Wide
    } else if width >= 110 {
        Layout::Medium
    } else if width >= 60 {
        Layout::Narrow
    } else {
        Layout::Tiny
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
                    "State" => Cell::from(fit(s.state.as_str(), w)),
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

    /// The form that fits `width` columns.
    fn fitted(&self, width: usize) -> String {
        if self.width() <= width {
            self.full.clone()
        } else {
            fit(&self.compact, width)
        }
    }
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
    // What each flexible column wants: its longest text on screen, its header at least; the
    // parties and the code at most 30 % of the room each. The narrow layout's code is fixed.
    let cap = (room * 3 / 10).max(12);
    let from = from.max(4).min(cap);
    let to = to.max(2).min(cap);
    let code = if layout.bare() { 0 } else { code.max(4).min(cap) };
    let finding = finding.max(7);
    // 1. Every column up to a floor, by weight when even the floors do not fit: the finding's
    // floor is its mark, rule and colon, then room for `…` after a space (at most 40 columns).
    let party_floor = if layout.bare() { 8 } else { 12 };
    let rule = rule.clamp(7, 40);
    let floors = [from.min(party_floor), to.min(party_floor), code.min(13), finding.min(rule)];
    let mut got = super::share(room, &floors, &[2, 2, 1, 4]);
    let mut left = room - got.iter().sum::<usize>();
    // 2. The parties whole: a cut address reads as another.
    let extra = super::share(left, &[from - got[0], to - got[1]], &[1, 1]);
    for (g, e) in got.iter_mut().zip(extra) {
        *g += e;
        left -= e;
    }
    // 3. The finding's summary before the code's reason phrase (the code says it already),
    // and what is left to the finding.
    let summary = (finding - got[3]).min(left);
    let reason = (code - got[2]).min(left - summary);
    got[2] += reason;
    got[3] += left - reason;
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
    let block = Block::default()
        .borders(Borders::TOP)
        .title(format!(" Newest findings ({} in all; Tab for the list) ", model.findings.len()));
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
        // Too short even for the address: cut with a mark.
        assert_eq!(p().fitted(12), "alice@127.0…");
        // Narrow: the user alone; medium: no display name.
        assert_eq!(Party::of("Alice <sip:alice@127.0.0.10>", Layout::Narrow).fitted(30), "alice");
        assert_eq!(Party::of("Alice <sip:alice@127.0.0.10>", Layout::Medium).fitted(30), "alice@127.0.0.10");
    }
}
