//! Key bindings: one table drives the key handler, the help overlay and `docs/tui.md` (a test
//! checks the docs against this table).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Quit.
    Quit,
    /// Move the selection up one line.
    Up,
    /// Move the selection down one line.
    Down,
    /// Up one page.
    PageUp,
    /// Down one page.
    PageDown,
    /// First line.
    Home,
    /// Last line.
    End,
    /// Open the selected call (or jump to a finding's call).
    Open,
    /// Back to the previous view (clears the filter on the calls view).
    Back,
    /// Next view.
    NextView,
    /// Previous view.
    PrevView,
    /// Start typing a filter.
    Filter,
    /// Follow the newest call.
    Follow,
    /// Freeze the view (capture continues).
    Pause,
    /// Save the selected call's messages to a pcap file.
    Save,
    /// Show or hide the help.
    Help,
    /// Sort by the next column.
    SortNext,
    /// Reverse the sort order.
    SortReverse,
    /// Scroll the raw message down.
    RawDown,
    /// Scroll the raw message up.
    RawUp,
    /// Show failures only (toggle).
    FailuresOnly,
    /// Show calls with findings only (toggle).
    FindingsOnly,
    /// Show INVITE calls only (toggle).
    CallsOnly,
    /// Next message holding the search text.
    SearchNext,
    /// Previous message holding the search text.
    SearchPrev,
    /// Mark a message for comparison; on a second one, compare them.
    Mark,
}

/// One binding: the keys as shown to people, where it applies, what it does.
pub struct Binding {
    /// Keys, as written in the help and docs.
    pub keys: &'static str,
    /// Views where it works.
    pub scope: &'static str,
    /// What it does.
    pub help: &'static str,
    /// The action.
    pub action: Action,
    /// Key codes that trigger it (with their required modifiers).
    pub codes: &'static [(KeyCode, KeyModifiers)],
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;

/// Every binding.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: "q, Ctrl-C",
        scope: "all",
        help: "quit",
        action: Action::Quit,
        codes: &[(KeyCode::Char('q'), NONE), (KeyCode::Char('c'), CTRL)],
    },
    Binding {
        keys: "Up, k",
        scope: "all",
        help: "move up",
        action: Action::Up,
        codes: &[(KeyCode::Up, NONE), (KeyCode::Char('k'), NONE)],
    },
    Binding {
        keys: "Down, j",
        scope: "all",
        help: "move down",
        action: Action::Down,
        codes: &[(KeyCode::Down, NONE), (KeyCode::Char('j'), NONE)],
    },
    Binding {
        keys: "PgUp",
        scope: "all",
        help: "page up",
        action: Action::PageUp,
        codes: &[(KeyCode::PageUp, NONE)],
    },
    Binding {
        keys: "PgDn",
        scope: "all",
        help: "page down",
        action: Action::PageDown,
        codes: &[(KeyCode::PageDown, NONE)],
    },
    Binding {
        keys: "Home, g",
        scope: "all",
        help: "first line",
        action: Action::Home,
        codes: &[(KeyCode::Home, NONE), (KeyCode::Char('g'), NONE)],
    },
    Binding {
        keys: "End, G",
        scope: "all",
        help: "last line",
        action: Action::End,
        codes: &[(KeyCode::End, NONE), (KeyCode::Char('G'), SHIFT), (KeyCode::Char('G'), NONE)],
    },
    Binding {
        keys: "Enter",
        scope: "lists",
        help: "open the call (ladder, findings, raw message); on a finding about a source, list its calls",
        action: Action::Open,
        codes: &[(KeyCode::Enter, NONE)],
    },
    Binding {
        keys: "Esc, Backspace",
        scope: "all",
        help: "back (first clears the calls filter, or the search and mark in a call)",
        action: Action::Back,
        codes: &[(KeyCode::Esc, NONE), (KeyCode::Backspace, NONE)],
    },
    Binding {
        keys: "Tab",
        scope: "all",
        help: "next view: calls, findings, streams, registrations, stats",
        action: Action::NextView,
        codes: &[(KeyCode::Tab, NONE)],
    },
    Binding {
        keys: "Shift-Tab",
        scope: "all",
        help: "previous view",
        action: Action::PrevView,
        codes: &[(KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)],
    },
    Binding {
        keys: "/",
        scope: "calls, call",
        help: "filter the calls (Call-ID, user, address, code, state); in a call: find text in its messages",
        action: Action::Filter,
        codes: &[(KeyCode::Char('/'), NONE)],
    },
    Binding {
        keys: "n",
        scope: "call",
        help: "next message holding the text found with /",
        action: Action::SearchNext,
        codes: &[(KeyCode::Char('n'), NONE)],
    },
    Binding {
        keys: "N",
        scope: "call",
        help: "previous message holding the text found with /",
        action: Action::SearchPrev,
        codes: &[(KeyCode::Char('N'), SHIFT), (KeyCode::Char('N'), NONE)],
    },
    Binding {
        keys: "Space",
        scope: "call",
        help: "mark a message; Space on a second one compares the two side by side",
        action: Action::Mark,
        codes: &[(KeyCode::Char(' '), NONE)],
    },
    Binding {
        keys: "f",
        scope: "calls",
        help: "follow the newest call (toggle)",
        action: Action::Follow,
        codes: &[(KeyCode::Char('f'), NONE)],
    },
    Binding {
        keys: "F",
        scope: "calls",
        help: "failures only (toggle)",
        action: Action::FailuresOnly,
        codes: &[(KeyCode::Char('F'), SHIFT), (KeyCode::Char('F'), NONE)],
    },
    Binding {
        keys: "!",
        scope: "calls",
        help: "calls with findings only (toggle)",
        action: Action::FindingsOnly,
        codes: &[(KeyCode::Char('!'), SHIFT), (KeyCode::Char('!'), NONE)],
    },
    Binding {
        keys: "c",
        scope: "calls",
        help: "INVITE calls only, no registrations or OPTIONS (toggle)",
        action: Action::CallsOnly,
        codes: &[(KeyCode::Char('c'), NONE)],
    },
    Binding {
        keys: "o",
        scope: "calls",
        help: "sort by the next column",
        action: Action::SortNext,
        codes: &[(KeyCode::Char('o'), NONE)],
    },
    Binding {
        keys: "r",
        scope: "calls",
        help: "reverse the sort order",
        action: Action::SortReverse,
        codes: &[(KeyCode::Char('r'), NONE)],
    },
    Binding {
        keys: "p",
        scope: "all",
        help: "pause: freeze the view, capture continues (toggle)",
        action: Action::Pause,
        codes: &[(KeyCode::Char('p'), NONE)],
    },
    Binding {
        keys: "J",
        scope: "call, findings",
        help: "scroll the raw message (or the finding's explanation) down",
        action: Action::RawDown,
        codes: &[(KeyCode::Char('J'), SHIFT), (KeyCode::Char('J'), NONE)],
    },
    Binding {
        keys: "K",
        scope: "call, findings",
        help: "scroll the raw message (or the finding's explanation) up",
        action: Action::RawUp,
        codes: &[(KeyCode::Char('K'), SHIFT), (KeyCode::Char('K'), NONE)],
    },
    Binding {
        keys: "s",
        scope: "calls, call",
        help: "save the selected call's messages to a pcap file",
        action: Action::Save,
        codes: &[(KeyCode::Char('s'), NONE)],
    },
    Binding {
        keys: "?",
        scope: "all",
        help: "show or hide this help",
        action: Action::Help,
        codes: &[(KeyCode::Char('?'), SHIFT), (KeyCode::Char('?'), NONE)],
    },
];

/// The action bound to a key event, if any.
pub fn action_for(ev: &KeyEvent) -> Option<Action> {
    BINDINGS
        .iter()
        .find(|b| b.codes.iter().any(|(code, m)| *code == ev.code && ev.modifiers == *m))
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_binding_resolves_to_its_own_action_and_keys_are_unique() {
        let mut seen = Vec::new();
        for b in BINDINGS {
            for (code, m) in b.codes {
                assert!(!seen.contains(&(*code, *m)), "{code:?} bound twice");
                seen.push((*code, *m));
                assert_eq!(action_for(&KeyEvent::new(*code, *m)), Some(b.action));
            }
        }
        assert_eq!(action_for(&KeyEvent::new(KeyCode::Char('z'), NONE)), None);
    }
}
