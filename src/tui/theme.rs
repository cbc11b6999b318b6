//! Colours with a meaning: failures red, findings bold and marked, challenges yellow, answered
//! green, in progress plain.

use ratatui::style::{Color, Modifier, Style};

use crate::correlate::CallState;
use crate::diagnose::Severity;

/// Style of a call's state.
pub fn state(s: CallState) -> Style {
    match s {
        CallState::Answered
        | CallState::Completed
        | CallState::Registered
        | CallState::Subscribed
        | CallState::Ok => Style::new().fg(Color::Green),
        CallState::Challenged => Style::new().fg(Color::Yellow),
        CallState::Cancelled | CallState::Redirected => Style::new().fg(Color::Cyan),
        CallState::Busy
        | CallState::Declined
        | CallState::Rejected
        | CallState::Timeout
        | CallState::Refused
        | CallState::Failed
        | CallState::Unconfirmed => Style::new().fg(Color::Red),
        CallState::InProgress | CallState::Ringing | CallState::MidDialog | CallState::Unregistered => {
            Style::new()
        }
    }
}

/// Marker and style of a finding severity.
pub fn severity(s: Option<Severity>) -> (&'static str, Style) {
    match s {
        Some(Severity::Error) => ("✖", Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)),
        Some(Severity::Warning) => ("▲", Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)),
        Some(Severity::Info) => ("•", Style::new().fg(Color::Blue)),
        None => (" ", Style::new()),
    }
}

/// The selected line.
pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

/// Titles and headers.
pub fn header() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// Secondary text.
pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// The newest rejection, for a moment.
pub fn fresh() -> Style {
    Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
}
