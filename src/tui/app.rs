//! Dashboard state and key handling: which view, what is selected, filters, sort, follow, pause.
//! Pure: no terminal, no clock; the shell feeds it keys and draws it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::keys::{action_for, Action};
use super::model::{Counters, Model, Row};
use crate::correlate::CallKind;

/// The views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The calls table (home).
    Calls,
    /// One call: ladder, findings, raw message.
    Call,
    /// Every finding.
    Findings,
    /// Response codes, rates, metrics, counters.
    Stats,
    /// Every RTP stream, worst quality first.
    Streams,
    /// Every registering device, by status.
    Registrations,
    /// Two messages of a call side by side, their differences marked.
    Compare,
}

/// Columns the calls table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// First message time.
    Time,
    /// Method of the first request.
    Method,
    /// From.
    From,
    /// To.
    To,
    /// State.
    State,
    /// Final code.
    Code,
    /// Post-dial delay.
    Pdd,
    /// Talk time.
    Duration,
    /// Message count.
    Messages,
    /// Worst finding first (severity, then rule).
    Finding,
}

impl SortKey {
    /// Every column, in the order `o` walks them.
    pub const ALL: &'static [SortKey] = &[
        SortKey::Time,
        SortKey::Method,
        SortKey::From,
        SortKey::To,
        SortKey::State,
        SortKey::Code,
        SortKey::Pdd,
        SortKey::Duration,
        SortKey::Messages,
        SortKey::Finding,
    ];
    /// The columns of the medium layout (no timings).
    pub const MEDIUM: &'static [SortKey] = &[
        SortKey::Time,
        SortKey::Method,
        SortKey::From,
        SortKey::To,
        SortKey::State,
        SortKey::Code,
        SortKey::Messages,
        SortKey::Finding,
    ];
    /// The columns of the narrow layout (no timings, no message count).
    pub const NARROW: &'static [SortKey] = &[
        SortKey::Time,
        SortKey::Method,
        SortKey::From,
        SortKey::To,
        SortKey::State,
        SortKey::Code,
        SortKey::Finding,
    ];

    /// The columns of the tiny layout (under 60 columns: no state either).
    pub const TINY: &'static [SortKey] =
        &[SortKey::Time, SortKey::Method, SortKey::From, SortKey::To, SortKey::Code, SortKey::Finding];

    /// The next column among `shown` (the columns on screen).
    pub fn next_of(self, shown: &[SortKey]) -> SortKey {
        let mut k = self.next();
        for _ in 0..SortKey::ALL.len() {
            if shown.contains(&k) {
                return k;
            }
            k = k.next();
        }
        self.next()
    }

    /// The next column.
    pub fn next(self) -> SortKey {
        use SortKey::*;
        match self {
            Time => Method,
            Method => From,
            From => To,
            To => State,
            State => Code,
            Code => Pdd,
            Pdd => Duration,
            Duration => Messages,
            Messages => Finding,
            Finding => Time,
        }
    }

    /// Column title.
    pub fn title(self) -> &'static str {
        match self {
            SortKey::Time => "time",
            SortKey::Method => "method",
            SortKey::From => "from",
            SortKey::To => "to",
            SortKey::State => "state",
            SortKey::Code => "code",
            SortKey::Pdd => "pdd",
            SortKey::Duration => "duration",
            SortKey::Messages => "msgs",
            SortKey::Finding => "finding",
        }
    }
}

/// The sort key of a party: its compact `user@host`, case-insensitive, with runs of digits
/// compared as numbers (`load2` before `load10`, extension 99 before 100).
fn party_key(p: &str) -> Vec<(u8, u64, String)> {
    natural_key(&crate::tui::views::party(p, false).to_lowercase())
}

/// Text cut into digit runs (compared by value, then by their text so `007` and `7` differ)
/// and other runs (compared as text).
pub fn natural_key(s: &str) -> Vec<(u8, u64, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let digit = c.is_ascii_digit();
        let end = rest.find(|ch: char| ch.is_ascii_digit() != digit).unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        out.push(if digit {
            (0, run.parse::<u64>().unwrap_or(u64::MAX), run.to_string())
        } else {
            (1, 0, run.to_string())
        });
        rest = tail;
    }
    out
}

/// What the shell must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Save the messages of this row to a pcap file.
    Save(usize),
}

/// Two messages chosen for comparison (Space on one, Space on another).
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The message marked first.
    pub left: crate::sip::SipMessage,
    /// The message marked second.
    pub right: crate::sip::SipMessage,
    /// Their numbers in the call (`#` as the ladder and the raw pane show them).
    pub numbers: (u32, u32),
}

/// A frozen view (pause).
#[derive(Debug, Clone)]
pub struct Frozen {
    /// Rows shown.
    pub rows: usize,
    /// Findings shown.
    pub findings: usize,
    /// Counters shown.
    pub counters: Counters,
}

/// The dashboard state.
#[derive(Debug)]
pub struct App {
    /// Current view.
    pub view: View,
    /// View to return to from the call view.
    pub back_to: View,
    /// The findings view was opened from the call view (Tab): Esc goes back to that call.
    pub findings_from_call: bool,
    /// Selected line of the calls table (index into `visible`).
    pub selected: usize,
    /// Row opened in the call view.
    pub open_row: Option<usize>,
    /// Selected message in the call view.
    pub message: usize,
    /// Selected finding (newest first).
    pub finding: usize,
    /// Selected stream in the streams view (worst first).
    pub stream: usize,
    /// Selected row of the registrations view.
    pub registration: usize,
    /// Lines the raw message pane is scrolled down (back to 0 when another message is chosen).
    pub raw_scroll: u16,
    /// The message the scroll belongs to.
    pub raw_scroll_of: usize,
    /// Columns the raw pane's text was wrapped to when `raw_scroll` was set (0 before the first
    /// frame): a resize rewraps it and moves the scroll to keep the same text at the top.
    pub raw_scroll_width: u16,
    /// Applied filter text.
    pub filter: String,
    /// Filter being typed, if the filter bar is open.
    pub typing: Option<String>,
    /// Quick filters.
    pub failures_only: bool,
    /// Quick filter: calls with findings.
    pub findings_only: bool,
    /// Quick filter: INVITE calls.
    pub calls_only: bool,
    /// Calls from one source address (Enter on a finding about a source sets it; Esc clears it).
    pub source_only: Option<std::net::IpAddr>,
    /// Sort column.
    pub sort: SortKey,
    /// Reversed sort.
    pub reverse: bool,
    /// Keep the newest call selected.
    pub follow: bool,
    /// Frozen view, when paused.
    pub paused: Option<Frozen>,
    /// Help overlay shown.
    pub help: bool,
    /// First line of the help drawn (it scrolls when the terminal is shorter than the list).
    pub help_offset: usize,
    /// Quit requested.
    pub quit: bool,
    /// A message for the status bar.
    pub status: Option<String>,
    /// What is being watched (status bar).
    pub source: String,
    /// Rows of the calls table after filter and sort.
    pub visible: Vec<usize>,
    /// Failed calls and calls with findings among the calls the list shows (after filters).
    pub totals: (usize, usize),
    /// The newest rejection (row), emphasised for a moment after it happens.
    pub newest_rejection: Option<usize>,
    /// Lines per page in the last drawn list.
    pub page: usize,
    /// First line drawn of the calls table.
    pub offset: usize,
    /// First line drawn of the ladder.
    pub ladder_offset: usize,
    /// First line drawn of the findings list.
    pub findings_offset: usize,
    /// First line drawn of the streams list.
    pub streams_offset: usize,
    /// First row drawn in the registrations view.
    pub registrations_offset: usize,
    /// Messages per second of wall time, measured by the shell.
    pub rate: f64,
    /// The columns the calls list shows at its width (set when drawn): `o` walks these.
    pub sort_columns: &'static [SortKey],
    /// The calls list's width and the widest From, To, code, finding and rule it has shown at
    /// that width: its columns grow to fit them and do not shrink back while it scrolls.
    pub calls_longest: (usize, [usize; 5]),
    /// Lines the findings view's explanation is scrolled down (J/K).
    pub finding_scroll: u16,
    /// The finding the scroll belongs to.
    pub finding_scroll_of: usize,
    /// Text searched for in the open call's messages (empty: no search).
    pub search: String,
    /// Search text being typed in the call view, if the search bar is open.
    pub search_typing: Option<String>,
    /// The raw pane must scroll to the first match of the search (set when a search moves the
    /// cursor; the drawing knows the wrapped line positions).
    pub search_jump: bool,
    /// The message marked with Space for comparison (its position in the call view's list).
    pub marked: Option<usize>,
    /// The comparison shown in the compare view.
    pub compare: Option<Comparison>,
    /// First line drawn in the compare view.
    pub compare_offset: usize,
    cache_key: Option<ListKey>,
}

/// What the visible rows were computed from: model version, filter, quick filters, sort, limit.
type ListKey = (u64, String, bool, bool, bool, SortKey, bool, Option<usize>, Option<std::net::IpAddr>);

impl App {
    /// A new dashboard state for a source.
    pub fn new(source: String) -> App {
        App {
            view: View::Calls,
            back_to: View::Calls,
            findings_from_call: false,
            selected: 0,
            open_row: None,
            message: 0,
            finding: 0,
            stream: 0,
            registration: 0,
            raw_scroll: 0,
            raw_scroll_of: 0,
            raw_scroll_width: 0,
            filter: String::new(),
            typing: None,
            failures_only: false,
            findings_only: false,
            calls_only: false,
            source_only: None,
            sort: SortKey::Time,
            reverse: false,
            follow: true,
            paused: None,
            help: false,
            help_offset: 0,
            quit: false,
            status: None,
            source,
            visible: Vec::new(),
            totals: (0, 0),
            newest_rejection: None,
            page: 20,
            offset: 0,
            ladder_offset: 0,
            findings_offset: 0,
            streams_offset: 0,
            registrations_offset: 0,
            rate: 0.0,
            sort_columns: SortKey::ALL,
            calls_longest: (0, [0; 5]),
            finding_scroll: 0,
            finding_scroll_of: 0,
            search: String::new(),
            search_typing: None,
            search_jump: false,
            marked: None,
            compare: None,
            compare_offset: 0,
            cache_key: None,
        }
    }

    /// Rows the views may show (all, or those that existed when paused).
    pub fn row_limit(&self, model: &Model) -> usize {
        self.paused.as_ref().map_or(model.rows.len(), |f| f.rows.min(model.rows.len()))
    }

    /// Counters the views show (frozen when paused).
    pub fn counters<'a>(&'a self, model: &'a Model) -> &'a Counters {
        self.paused.as_ref().map_or(&model.counters, |f| &f.counters)
    }

    fn matches(&self, row: &Row) -> bool {
        let s = &row.summary;
        if self.failures_only && !s.state.is_failure() {
            return false;
        }
        if self.findings_only && s.findings.is_empty() {
            return false;
        }
        if self.calls_only && s.kind != CallKind::Call {
            return false;
        }
        if let Some(ip) = self.source_only {
            // `src` is `ip:port` (`[ip]:port` for IPv6).
            let host = s.src.rsplit_once(':').map_or(s.src.as_str(), |(h, _)| h);
            if host.trim_start_matches('[').trim_end_matches(']').parse() != Ok(ip) {
                return false;
            }
        }
        if self.filter.is_empty() {
            return true;
        }
        let needle = self.filter.as_bytes();
        if let Some(c) = s.final_code.filter(|c| (100..1000).contains(c)) {
            let digits = [b'0' + (c / 100) as u8, b'0' + (c / 10 % 10) as u8, b'0' + (c % 10) as u8];
            if contains_ignore_case(&digits, needle) {
                return true;
            }
        }
        [s.call_id.as_bytes(), s.from.as_bytes(), s.to.as_bytes(), s.src.as_bytes(), s.dst.as_bytes()]
            .into_iter()
            .chain([
                s.final_reason.as_bytes(),
                s.state.as_str().as_bytes(),
                s.kind.as_str().as_bytes(),
                s.method.as_bytes(),
            ])
            .chain(s.findings.iter().map(|f| f.as_bytes()))
            .any(|hay| contains_ignore_case(hay, needle))
    }

    /// Recomputes the visible rows (and the totals) when the model, filter or sort changed;
    /// applies follow.
    pub fn refresh(&mut self, model: &Model) {
        let limit = self.row_limit(model);
        let version = if self.paused.is_some() { 0 } else { model.version };
        let key = (
            version,
            self.filter.clone(),
            self.failures_only,
            self.findings_only,
            self.calls_only,
            self.sort,
            self.reverse,
            Some(limit),
            self.source_only,
        );
        // Typing more characters only narrows the result: refine the rows already shown.
        let refine = match &self.cache_key {
            Some(old) => {
                let same_rest = (old.0, old.2, old.3, old.4, old.5, old.6, old.7, old.8)
                    == (key.0, key.2, key.3, key.4, key.5, key.6, key.7, key.8);
                same_rest && key.1.contains(old.1.as_str()) && old.1 != key.1
            }
            None => false,
        };
        // The call under the cursor stays under it when the rows are sorted, filtered or
        // joined by new calls (not the row number, which would land on another call).
        let was = self.selected_row();
        let recomputed = refine || self.cache_key.as_ref() != Some(&key);
        if refine {
            let kept: Vec<usize> =
                self.visible.iter().copied().filter(|&i| self.matches(&model.rows[i])).collect();
            self.visible = kept;
            self.cache_key = Some(key);
        } else if self.cache_key.as_ref() != Some(&key) {
            let mut v: Vec<usize> = (0..limit).filter(|&i| self.matches(&model.rows[i])).collect();
            let rows = &model.rows;
            match self.sort {
                // Stable sorts: ties keep the order calls appeared in.
                SortKey::Time => v.sort_by_key(|i| rows[*i].summary.first_ts),
                SortKey::Method => v.sort_by_key(|i| rows[*i].summary.method),
                // As the column shows them (user@host), not by display name.
                SortKey::From => v.sort_by_cached_key(|i| party_key(&rows[*i].summary.from)),
                SortKey::To => v.sort_by_cached_key(|i| party_key(&rows[*i].summary.to)),
                SortKey::State => v.sort_by_key(|i| rows[*i].summary.state.as_str()),
                // Calls without a value (still ringing, never answered) after those with one.
                SortKey::Code => v.sort_by_key(|i| last_if_none(rows[*i].summary.final_code)),
                SortKey::Pdd => v.sort_by_key(|i| last_if_none(rows[*i].summary.pdd_ms)),
                SortKey::Duration => v.sort_by_key(|i| last_if_none(rows[*i].summary.duration_ms)),
                SortKey::Messages => v.sort_by_key(|i| rows[*i].summary.messages),
                SortKey::Finding => v.sort_by_key(|i| {
                    let r = &rows[*i];
                    (std::cmp::Reverse(r.worst), r.top.as_ref().map(|t| t.0))
                }),
            }
            if self.reverse {
                v.reverse();
                // Reversed, calls without a code, PDD, talk time or finding still come after
                // the others.
                let missing = |i: &usize| {
                    let c = &rows[*i].summary;
                    match self.sort {
                        SortKey::Code => c.final_code.is_none(),
                        SortKey::Pdd => c.pdd_ms.is_none(),
                        SortKey::Duration => c.duration_ms.is_none(),
                        SortKey::Finding => rows[*i].worst.is_none(),
                        _ => false,
                    }
                };
                let lead = v.iter().take_while(|i| missing(i)).count();
                v.rotate_left(lead);
            }
            self.visible = v;
            let rows = &model.rows[..limit];
            // Emphasise the newest rejection while it is fresh (the last ~2 s of batches).
            self.newest_rejection = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| r.summary.state.is_failure() && r.changed + 60 >= model.version)
                .max_by_key(|(_, r)| (r.changed, r.summary.last_ts))
                .map(|(i, _)| i);
            self.cache_key = Some(key);
        }
        if recomputed {
            // Counted over the calls shown, so the title's counts are of the list under it.
            let shown = self.visible.iter().map(|&i| &model.rows[i]);
            self.totals = (
                shown.clone().filter(|r| r.summary.state.is_failure()).count(),
                shown.filter(|r| !r.summary.findings.is_empty()).count(),
            );
        }
        if self.follow && self.paused.is_none() && !self.visible.is_empty() {
            // The newest call: last in time order (first reversed); under another sort, the
            // call that arrived last (rows are kept in arrival order).
            self.selected = match (self.sort, self.reverse) {
                (SortKey::Time, false) => self.visible.len() - 1,
                (SortKey::Time, true) => 0,
                _ => self.visible.iter().enumerate().max_by_key(|(_, &i)| i).map_or(0, |(at, _)| at),
            };
        } else if let Some(at) =
            was.filter(|_| recomputed).and_then(|row| self.visible.iter().position(|&i| i == row))
        {
            self.selected = at;
        }
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    /// The row selected in the calls table.
    pub fn selected_row(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    /// Handles a mouse event (the wheel scrolls).
    pub fn on_mouse(&mut self, ev: MouseEvent, model: &Model) {
        let action = match ev.kind {
            MouseEventKind::ScrollUp => Action::Up,
            MouseEventKind::ScrollDown => Action::Down,
            _ => return,
        };
        for _ in 0..3 {
            self.act(action, model);
        }
    }

    /// Handles a key; returns what the shell must do, if anything.
    pub fn on_key(&mut self, ev: KeyEvent, model: &Model) -> Option<Command> {
        if let Some(text) = self.search_typing.as_mut() {
            match ev.code {
                KeyCode::Enter => {
                    self.search = self.search_typing.take().unwrap_or_default();
                    self.find(model, Direction::Here);
                }
                KeyCode::Esc => self.search_typing = None,
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char('c') if ev.modifiers == KeyModifiers::CONTROL => self.quit = true,
                KeyCode::Char(ch) if !ch.is_control() => text.push(ch),
                _ => {}
            }
            return None;
        }
        if let Some(text) = self.typing.as_mut() {
            match ev.code {
                KeyCode::Enter => self.filter = self.typing.take().unwrap_or_default(),
                KeyCode::Esc => {
                    self.typing = None;
                    self.filter.clear();
                }
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char('c') if ev.modifiers == KeyModifiers::CONTROL => self.quit = true,
                KeyCode::Char(ch) if !ch.is_control() => text.push(ch),
                _ => {}
            }
            return None;
        }
        let action = action_for(&ev)?;
        self.act(action, model)
    }

    fn len(&self, model: &Model) -> usize {
        match self.view {
            View::Calls => self.visible.len(),
            View::Call => self.open_row.and_then(|r| model.rows.get(r)).map_or(0, |r| r.messages.len()),
            View::Findings => self.paused.as_ref().map_or(model.findings.len(), |f| f.findings),
            View::Stats => 0,
            View::Streams => model.rows.iter().map(|r| r.summary.streams.len()).sum(),
            View::Registrations => model.registrations.rows.len(),
            View::Compare => usize::MAX,
        }
    }

    fn cursor(&mut self) -> &mut usize {
        match self.view {
            View::Calls | View::Stats => &mut self.selected,
            View::Call => &mut self.message,
            View::Findings => &mut self.finding,
            View::Streams => &mut self.stream,
            View::Registrations => &mut self.registration,
            View::Compare => &mut self.compare_offset,
        }
    }

    fn act(&mut self, action: Action, model: &Model) -> Option<Command> {
        if self.help && !matches!(action, Action::Help | Action::Quit | Action::Back) {
            // The help scrolls on a short terminal; other keys wait until it is closed.
            let o = &mut self.help_offset;
            match action {
                Action::Up => *o = o.saturating_sub(1),
                Action::Down => *o = o.saturating_add(1),
                Action::PageUp => *o = o.saturating_sub(self.page.max(1)),
                Action::PageDown => *o = o.saturating_add(self.page.max(1)),
                Action::Home => *o = 0,
                Action::End => *o = usize::MAX / 2,
                _ => {}
            }
            return None;
        }
        let len = self.len(model);
        let page = self.page.max(1);
        let moving =
            matches!(action, Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Home);
        if moving && self.view == View::Calls {
            self.follow = false;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.help = !self.help;
                self.help_offset = 0;
            }
            Action::Up => *self.cursor() = self.cursor().saturating_sub(1),
            Action::Down => {
                let c = self.cursor();
                *c = (*c + 1).min(len.saturating_sub(1));
            }
            Action::PageUp => *self.cursor() = self.cursor().saturating_sub(page),
            Action::PageDown => {
                let c = self.cursor();
                *c = (*c + page).min(len.saturating_sub(1));
            }
            Action::Home => *self.cursor() = 0,
            Action::End => {
                *self.cursor() = len.saturating_sub(1);
                if self.view == View::Calls && !self.reverse {
                    self.follow = true;
                }
            }
            Action::Open => match self.view {
                View::Calls => {
                    if let Some(r) = self.selected_row() {
                        self.open(r, View::Calls);
                    }
                }
                View::Streams => {
                    let row = crate::tui::model::streams_by_quality(model).get(self.stream).map(|(r, _)| *r);
                    if let Some(r) = row {
                        self.open(r, View::Streams);
                    }
                }
                View::Registrations => {
                    let id = model.registrations.rows.get(self.registration).map(|r| r.call_id.as_str());
                    if let Some(r) = id.and_then(|id| model.row(id)) {
                        self.open(r, View::Registrations);
                    }
                }
                View::Findings => {
                    let n = model.findings.len();
                    let f = n.checked_sub(1 + self.finding).and_then(|i| model.findings.get(i));
                    match f.map(|f| &f.subject) {
                        Some(crate::diagnose::Subject::Call(id)) => {
                            if let Some(r) = model.row(id) {
                                self.open(r, View::Findings);
                            }
                        }
                        // A finding about a source (a scanner, toll fraud) has no one call: the
                        // calls list shows that source's calls.
                        Some(crate::diagnose::Subject::Source(ip)) => {
                            self.source_only = Some(*ip);
                            self.view = View::Calls;
                            self.follow = false;
                            self.status = Some(format!("calls from {ip} (Esc shows all)"));
                        }
                        None => {}
                    }
                }
                _ => {}
            },
            Action::Back => {
                if self.help {
                    self.help = false;
                } else if self.view == View::Compare {
                    self.view = View::Call;
                    self.compare = None;
                } else if self.view == View::Call && !self.search.is_empty() {
                    self.search.clear();
                    self.status = None;
                } else if self.view == View::Call && self.marked.is_some() {
                    self.marked = None;
                } else if self.view == View::Call {
                    self.view = self.back_to;
                } else if self.view == View::Findings && self.findings_from_call {
                    self.view = View::Call;
                    self.findings_from_call = false;
                } else if self.view == View::Calls {
                    self.filter.clear();
                    self.failures_only = false;
                    self.findings_only = false;
                    self.calls_only = false;
                    self.source_only = None;
                } else {
                    self.view = View::Calls;
                }
            }
            Action::NextView | Action::PrevView if self.view == View::Compare => {}
            Action::NextView if self.view == View::Call => {
                // From a call, the findings view opens at this call's newest finding.
                if let Some(id) = self.open_row.and_then(|r| model.rows.get(r)).map(|r| &r.summary.call_id) {
                    let n = model.findings.len();
                    let mine = |f: &crate::diagnose::Finding| matches!(&f.subject, crate::diagnose::Subject::Call(c) if c == id);
                    if let Some(pos) = model.findings.iter().rposition(mine) {
                        self.finding = n - 1 - pos;
                    }
                }
                self.view = View::Findings;
                self.findings_from_call = true;
            }
            Action::NextView | Action::PrevView => {
                self.findings_from_call = false;
                let order = [View::Calls, View::Findings, View::Streams, View::Registrations, View::Stats];
                let at = order.iter().position(|v| *v == self.view).unwrap_or(0);
                let step = if action == Action::NextView { 1 } else { order.len() - 1 };
                self.view = order[(at + step) % order.len()];
            }
            Action::Filter => match self.view {
                View::Calls => self.typing = Some(self.filter.clone()),
                // A new search each time (Esc had cleared the last; n and N repeat it).
                View::Call => self.search_typing = Some(String::new()),
                _ => {}
            },
            Action::SearchNext if self.view == View::Call => self.find(model, Direction::Forward),
            Action::SearchPrev if self.view == View::Call => self.find(model, Direction::Backward),
            Action::SearchNext | Action::SearchPrev => {}
            Action::Mark if self.view == View::Call => self.mark(model),
            Action::Mark => {}
            Action::Follow => {
                self.follow = !self.follow;
            }
            Action::Pause => {
                self.paused = match self.paused {
                    Some(_) => None,
                    None => Some(Frozen {
                        rows: model.rows.len(),
                        findings: model.findings.len(),
                        counters: model.counters.clone(),
                    }),
                };
            }
            Action::Save => {
                let row = match self.view {
                    View::Call => self.open_row,
                    View::Calls => self.selected_row(),
                    _ => None,
                };
                return row.map(Command::Save);
            }
            Action::SortNext => self.sort = self.sort.next_of(self.sort_columns),
            Action::SortReverse => self.reverse = !self.reverse,
            Action::RawDown if self.view == View::Call => self.raw_scroll = self.raw_scroll.saturating_add(3),
            Action::RawUp if self.view == View::Call => self.raw_scroll = self.raw_scroll.saturating_sub(3),
            Action::RawDown if self.view == View::Findings => {
                self.finding_scroll = self.finding_scroll.saturating_add(3)
            }
            Action::RawUp if self.view == View::Findings => {
                self.finding_scroll = self.finding_scroll.saturating_sub(3)
            }
            Action::RawDown | Action::RawUp => {}
            Action::FailuresOnly => self.failures_only = !self.failures_only,
            Action::FindingsOnly => self.findings_only = !self.findings_only,
            Action::CallsOnly => self.calls_only = !self.calls_only,
        }
        None
    }

    fn open(&mut self, row: usize, from: View) {
        self.findings_from_call = false;
        self.open_row = Some(row);
        self.back_to = from;
        self.view = View::Call;
        self.message = 0;
        self.marked = None;
        self.search.clear();
    }

    /// Space in the call view: marks the selected message; on a second message, opens the
    /// comparison of the two; on the marked one again, unmarks it.
    fn mark(&mut self, model: &Model) {
        let Some(row) = self.open_row.filter(|r| *r < model.rows.len()) else { return };
        let msgs = crate::tui::views::call::messages(model, row);
        let here = self.message.min(msgs.len().saturating_sub(1));
        match self.marked {
            None if !msgs.is_empty() => {
                self.marked = Some(here);
                let n = msgs[here].added.map_or(here as u32, |a| a.index);
                self.status = Some(format!("#{n} marked: Space on another compares them"));
            }
            Some(m) if m == here => {
                self.marked = None;
                self.status = None;
            }
            Some(m) => {
                let (Some(a), Some(b)) = (msgs.get(m), msgs.get(here)) else { return };
                // Earlier message on the left, as the ladder reads.
                let (l, r) = if m < here { (a, b) } else { (b, a) };
                let number = |s: &crate::tui::model::Shown, at: usize| s.added.map_or(at as u32, |a| a.index);
                let numbers = (number(l, m.min(here)), number(r, m.max(here)));
                self.compare = Some(Comparison { left: l.msg.clone(), right: r.msg.clone(), numbers });
                self.compare_offset = 0;
                self.marked = None;
                self.status = None;
                self.view = View::Compare;
            }
            None => {}
        }
    }

    /// Moves the call view's cursor to a message containing the search text: the selected one
    /// or the next (`Here`), the next after it, or the one before it, wrapping around. Says on
    /// the status bar how many messages hold it.
    fn find(&mut self, model: &Model, dir: Direction) {
        if self.search.is_empty() {
            self.status = None;
            return;
        }
        let Some(row) = self.open_row.filter(|r| *r < model.rows.len()) else { return };
        let msgs = crate::tui::views::call::messages(model, row);
        let needle = self.search.as_bytes();
        let hits: Vec<usize> = msgs
            .iter()
            .enumerate()
            .filter(|(_, m)| contains_ignore_case(&m.msg.raw, needle))
            .map(|(i, _)| i)
            .collect();
        let text = crate::sanitize::inert_string(needle);
        if hits.is_empty() {
            self.status = Some(format!("\"{text}\" is in none of this call's {} messages", msgs.len()));
            return;
        }
        let at = self.message;
        let next = match dir {
            Direction::Here => hits.iter().copied().find(|&i| i >= at),
            Direction::Forward => hits.iter().copied().find(|&i| i > at),
            Direction::Backward => hits.iter().rev().copied().find(|&i| i < at),
        };
        let wrapped = next.is_none();
        let to = next.unwrap_or(if dir == Direction::Backward { hits[hits.len() - 1] } else { hits[0] });
        self.message = to;
        self.search_jump = true;
        let nth = hits.iter().position(|&i| i == to).map_or(0, |p| p + 1);
        // Short: it must fit an 80-column status bar (the search bar names the keys).
        self.status = Some(format!(
            "\"{text}\": {nth} of {} messages{}",
            hits.len(),
            if wrapped { " (wrapped)" } else { "" }
        ));
    }
}

/// Which way a search moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// The selected message if it holds the text, else the next one.
    Here,
    /// The next one after the selected.
    Forward,
    /// The one before the selected.
    Backward,
}

/// A sort key that puts `None` after every value.
fn last_if_none<T: Ord>(v: Option<T>) -> (bool, Option<T>) {
    (v.is_none(), v)
}

/// ASCII case-insensitive substring search, without allocating.
pub fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() {
        return true;
    }
    if needle.len() > hay.len() {
        return false;
    }
    let first = needle[0].to_ascii_lowercase();
    let upper = needle[0].to_ascii_uppercase();
    let mut i = 0;
    while let Some(p) = memchr::memchr2(first, upper, &hay[i..=hay.len() - needle.len()]) {
        let at = i + p;
        if hay[at..at + needle.len()].eq_ignore_ascii_case(needle) {
            return true;
        }
        i = at + 1;
        if i > hay.len() - needle.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::contains_ignore_case;

    #[test]
    fn natural_order_compares_numbers_by_value() {
        use super::natural_key as k;
        let mut v = vec!["load10@x", "load2@x", "load1@x", "alice@x", "load1@y", "100@h", "99@h"];
        v.sort_by_key(|s| k(s));
        assert_eq!(v, ["99@h", "100@h", "alice@x", "load1@x", "load1@y", "load2@x", "load10@x"]);
        assert!(k("7") < k("007") || k("7") > k("007"), "equal values of different text still order");
    }

    #[test]
    fn case_insensitive_search() {
        assert!(contains_ignore_case(b"Alice <sip:ALICE@x>", b"alice@"));
        assert!(contains_ignore_case(b"abc", b"ABC"));
        assert!(contains_ignore_case(b"xxabx abc", b"abc"));
        assert!(!contains_ignore_case(b"ab", b"abc"));
        assert!(contains_ignore_case(b"", b""));
        assert!(!contains_ignore_case(b"", b"a"));
        assert!(contains_ignore_case("Zoë 603".as_bytes(), b"603"));
    }
}
