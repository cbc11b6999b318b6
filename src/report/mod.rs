//! Views that write text: the per-message listing (text and NDJSON) and capture summaries.
//! Everything from the network is written through [`crate::sanitize`] or JSON escaping.

pub mod json;
pub mod messages;
pub mod summary;
