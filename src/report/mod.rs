//! Views that write text: the per-message listing (text and NDJSON), the call report (text and
//! JSON) and capture summaries.
//! Everything from the network is written through [`crate::sanitize`] or JSON escaping.

pub mod json;
pub mod messages;
pub mod report_json;
pub mod report_text;
pub mod summary;
