//! Reason (RFC 3326) and Warning (RFC 3261 §20.43) headers, with the ITU-T Q.850 cause names.

use std::fmt::Write;

/// Q.850 cause names (ITU-T Q.850 Table 1).
const Q850: &[(u16, &str)] = &[
    (1, "Unallocated (unassigned) number"),
    (2, "No route to specified transit network"),
    (3, "No route to destination"),
    (6, "Channel unacceptable"),
    (16, "Normal call clearing"),
    (17, "User busy"),
    (18, "No user responding"),
    (19, "No answer from user (user alerted)"),
    (20, "Subscriber absent"),
    (21, "Call rejected"),
    (22, "Number changed"),
    (23, "Redirection to new destination"),
    (25, "Exchange routing error"),
    (26, "Non-selected user clearing"),
    (27, "Destination out of order"),
    (28, "Invalid number format (address incomplete)"),
    (29, "Facility rejected"),
    (31, "Normal, unspecified"),
    (34, "No circuit/channel available"),
    (38, "Network out of order"),
    (41, "Temporary failure"),
    (42, "Switching equipment congestion"),
    (43, "Access information discarded"),
    (44, "Requested circuit/channel not available"),
    (47, "Resource unavailable, unspecified"),
    (50, "Requested facility not subscribed"),
    (55, "Incoming calls barred within CUG"),
    (57, "Bearer capability not authorized"),
    (58, "Bearer capability not presently available"),
    (63, "Service or option not available, unspecified"),
    (65, "Bearer capability not implemented"),
    (66, "Channel type not implemented"),
    (69, "Requested facility not implemented"),
    (79, "Service or option not implemented, unspecified"),
    (81, "Invalid call reference value"),
    (87, "User not member of CUG"),
    (88, "Incompatible destination"),
    (95, "Invalid message, unspecified"),
    (96, "Mandatory information element is missing"),
    (97, "Message type non-existent or not implemented"),
    (98, "Message not compatible with call state"),
    (99, "Information element non-existent or not implemented"),
    (100, "Invalid information element contents"),
    (101, "Message not compatible with call state"),
    (102, "Recovery on timer expiry"),
    (111, "Protocol error, unspecified"),
    (127, "Interworking, unspecified"),
];

/// The Q.850 name of a cause value.
pub fn q850_cause(cause: u16) -> Option<&'static str> {
    Q850.iter().find(|(c, _)| *c == cause).map(|(_, t)| *t)
}

/// The first Q.850 cause in a Reason header value (`Q.850;cause=21;text="…"`), if any.
pub fn q850_cause_of(value: &[u8]) -> Option<u16> {
    let value = String::from_utf8_lossy(value);
    split_top_level(&value).into_iter().find_map(|part| {
        let fields = split_params(part);
        let mut it = fields.iter().map(|f| f.trim());
        if !it.next()?.eq_ignore_ascii_case("Q.850") {
            return None;
        }
        it.find_map(|f| {
            let (k, v) = f.split_once('=')?;
            k.trim().eq_ignore_ascii_case("cause").then(|| v.trim().parse().ok()).flatten()
        })
    })
}

/// Renders a Reason header value for people: each `protocol;cause=N;text="…"` becomes
/// `Q.850 cause 21 (Call rejected) "text"`, joined by `; `. Unknown parts are kept as written.
pub fn describe_reason(value: &[u8]) -> String {
    let value = String::from_utf8_lossy(value);
    let mut out = String::new();
    for part in split_top_level(&value) {
        let fields_v = split_params(part);
        let mut fields = fields_v.iter().map(|f| f.trim());
        let protocol = fields.next().unwrap_or("");
        let mut cause: Option<u16> = None;
        let mut text: Option<String> = None;
        for f in fields {
            let (k, v) = f.split_once('=').unwrap_or((f, ""));
            match k.trim().to_ascii_lowercase().as_str() {
                "cause" => cause = v.trim().parse().ok(),
                "text" => text = Some(v.trim().trim_matches('"').to_string()),
                _ => {}
            }
        }
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(protocol);
        if let Some(c) = cause {
            let _ = write!(out, " cause {c}");
            let name = if protocol.eq_ignore_ascii_case("Q.850") {
                q850_cause(c)
            } else if protocol.eq_ignore_ascii_case("SIP") {
                super::codes::lookup(c).map(|i| i.reason)
            } else {
                None
            };
            if let Some(n) = name {
                let _ = write!(out, " ({n})");
            }
        }
        if let Some(t) = text.filter(|t| !t.is_empty()) {
            let _ = write!(out, " \"{t}\"");
        }
    }
    out
}

/// Renders a Warning header value `399 host "text"` as `399 host: text`.
pub fn describe_warning(value: &[u8]) -> String {
    let value = String::from_utf8_lossy(value);
    let mut out = String::new();
    for part in split_top_level(&value) {
        let mut it = part.splitn(3, ' ');
        let (code, agent, text) = (it.next().unwrap_or(""), it.next().unwrap_or(""), it.next().unwrap_or(""));
        if !out.is_empty() {
            out.push_str("; ");
        }
        let _ = write!(out, "{code} {agent}: {}", text.trim().trim_matches('"'));
    }
    out
}

/// Splits `proto;a=b;text="x;y"` on semicolons outside quoted strings.
fn split_params(v: &str) -> Vec<&str> {
    split_outside_quotes(v, ';')
}

/// Splits a header value on commas outside quoted strings, dropping empty parts.
fn split_top_level(v: &str) -> Vec<&str> {
    split_outside_quotes(v, ',').into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// Splits `v` on `sep` where it is not inside a quoted string (backslash escapes honoured).
fn split_outside_quotes(v: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, ch) in v.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match ch {
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(&v[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&v[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_headers() {
        assert_eq!(
            describe_reason(b"Q.850;cause=21;text=\"Call rejected\""),
            "Q.850 cause 21 (Call rejected) \"Call rejected\""
        );
        assert_eq!(
            describe_reason(b"SIP;cause=200;text=\"Call completed elsewhere\", Q.850;cause=16"),
            "SIP cause 200 (OK) \"Call completed elsewhere\"; Q.850 cause 16 (Normal call clearing)"
        );
        assert_eq!(describe_reason(b"X-Vendor;cause=7"), "X-Vendor cause 7");
        assert_eq!(describe_reason(b"Q.850;text=\"a, b\""), "Q.850 \"a, b\"");
        assert_eq!(
            describe_reason(b"Q.850;cause=16;text=\"a;b\""),
            "Q.850 cause 16 (Normal call clearing) \"a;b\""
        );
    }

    #[test]
    fn warning_headers() {
        assert_eq!(
            describe_warning(b"399 pbx.example.com \"IP not in allowlist\""),
            "399 pbx.example.com: IP not in allowlist"
        );
    }
}
