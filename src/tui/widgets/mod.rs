//! Widgets of the dashboard.

pub mod ladder;
