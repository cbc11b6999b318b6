//! The response-code catalogue: for every status code we know, its standard reason phrase, what
//! it means, whether it stops one branch or all of them, whether retrying can help, and the usual
//! next step. One table, used by every view.

/// How far a failure reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// 1xx: progress, not an answer.
    Provisional,
    /// 2xx: accepted.
    Success,
    /// 3xx: try somewhere else.
    Redirect,
    /// 4xx: this destination or this request failed; other branches may still succeed.
    Local,
    /// 5xx: the server failed; another server may succeed.
    Server,
    /// 6xx: no destination will accept it; a forking proxy must stop every branch.
    Global,
}

impl Scope {
    /// The scope of a status code by its class.
    pub fn of(code: u16) -> Scope {
        match code {
            100..=199 => Scope::Provisional,
            200..=299 => Scope::Success,
            300..=399 => Scope::Redirect,
            500..=599 => Scope::Server,
            600..=699 => Scope::Global,
            _ => Scope::Local,
        }
    }

    /// Name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Provisional => "provisional",
            Scope::Success => "success",
            Scope::Redirect => "redirection",
            Scope::Local => "local failure",
            Scope::Server => "server failure",
            Scope::Global => "global failure",
        }
    }
}

/// Whether sending the request again can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Not a failure.
    NotApplicable,
    /// Send it again with credentials (401/407): this is a challenge, not a refusal.
    WithCredentials,
    /// Send a corrected request (missing extension, unacceptable media, interval too short…).
    Corrected,
    /// Try again later (overload, temporary unavailability).
    Later,
    /// Try another destination or server.
    Elsewhere,
    /// No retry will help until something is changed on the server side or in the configuration.
    No,
}

impl Retry {
    /// Short phrase for views.
    pub fn as_str(self) -> &'static str {
        match self {
            Retry::NotApplicable => "-",
            Retry::WithCredentials => "retry with credentials",
            Retry::Corrected => "retry with a corrected request",
            Retry::Later => "retry later",
            Retry::Elsewhere => "try another destination",
            Retry::No => "no retry will help",
        }
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    /// Status code.
    pub code: u16,
    /// Standard reason phrase.
    pub reason: &'static str,
    /// What it means, in one sentence.
    pub meaning: &'static str,
    /// Whether a retry can help.
    pub retry: Retry,
    /// The usual next step for whoever investigates.
    pub next_step: &'static str,
}

impl CodeInfo {
    /// Whether it stops one branch or all of them.
    pub fn scope(&self) -> Scope {
        Scope::of(self.code)
    }
}

macro_rules! c {
    ($code:expr, $reason:expr, $retry:ident, $meaning:expr, $next:expr) => {
        CodeInfo { code: $code, reason: $reason, meaning: $meaning, retry: Retry::$retry, next_step: $next }
    };
}

/// The catalogue, sorted by code.
pub const CODES: &[CodeInfo] = &[
    c!(
        100,
        "Trying",
        NotApplicable,
        "The next hop got the request and is working on it; this only stops retransmissions.",
        "Nothing to do; wait for the real answer."
    ),
    c!(
        180,
        "Ringing",
        NotApplicable,
        "A device is alerting the user.",
        "Nothing to do; the call is ringing."
    ),
    c!(
        181,
        "Call Is Being Forwarded",
        NotApplicable,
        "The call is being sent on to another destination.",
        "Nothing to do; follow the forwarded leg."
    ),
    c!(
        182,
        "Queued",
        NotApplicable,
        "The callee is busy and the call waits in a queue.",
        "Nothing to do unless queues are unexpected here."
    ),
    c!(
        183,
        "Session Progress",
        NotApplicable,
        "Call progress, usually with early media (ringback tone or announcement).",
        "If the caller hears nothing, check the early-media SDP and RTP."
    ),
    c!(
        199,
        "Early Dialog Terminated",
        NotApplicable,
        "A forking proxy tells the caller that one early dialog has ended.",
        "Nothing to do; other branches may still answer."
    ),
    c!(
        200,
        "OK",
        NotApplicable,
        "The request succeeded; for an INVITE the call is answered.",
        "Check that an ACK follows a 2xx to INVITE."
    ),
    c!(
        202,
        "Accepted",
        NotApplicable,
        "The request was accepted for processing (REFER, SUBSCRIBE…).",
        "Watch the NOTIFYs for the final outcome."
    ),
    c!(
        204,
        "No Notification",
        NotApplicable,
        "A subscription was accepted, but no NOTIFY will follow.",
        "Nothing to do."
    ),
    c!(
        300,
        "Multiple Choices",
        Elsewhere,
        "Several destinations are offered in Contact.",
        "Let the client or proxy pick one of the Contact addresses."
    ),
    c!(
        301,
        "Moved Permanently",
        Elsewhere,
        "The user is permanently at the address in Contact.",
        "Update the dial plan or address book to the new address."
    ),
    c!(
        302,
        "Moved Temporarily",
        Elsewhere,
        "Call forwarding: try the address in Contact.",
        "Check that the client or proxy follows the redirect."
    ),
    c!(
        305,
        "Use Proxy",
        Elsewhere,
        "The request must go through the proxy named in Contact.",
        "Route via that proxy."
    ),
    c!(
        380,
        "Alternative Service",
        Elsewhere,
        "The call failed, but an alternative service is described in the body.",
        "Read the body for the alternative."
    ),
    c!(
        400,
        "Bad Request",
        Corrected,
        "The request was malformed: a syntax error or a missing mandatory header.",
        "Compare the request with RFC 3261 syntax; the Warning header often names the fault."
    ),
    c!(
        401,
        "Unauthorized",
        WithCredentials,
        "An authentication challenge from a registrar or user agent: resend with credentials.",
        "Normal on the first attempt; a problem only if the resent request fails again."
    ),
    c!(
        402,
        "Payment Required",
        No,
        "Reserved; some providers use it for an empty balance.",
        "Check the account balance with the provider."
    ),
    c!(
        403,
        "Forbidden",
        No,
        "The server understood the request and refuses it as a policy decision; this is not a challenge.",
        "Fix the policy: IP allowlist, bans, account state, allowed routes, From domain."
    ),
    c!(
        404,
        "Not Found",
        Elsewhere,
        "The user does not exist in the domain of the Request-URI.",
        "Check the dialled number or user and the domain in the Request-URI."
    ),
    c!(
        405,
        "Method Not Allowed",
        Corrected,
        "The method is known but not allowed for this address; Allow lists what is.",
        "Check the Allow header and the client's feature settings."
    ),
    c!(
        406,
        "Not Acceptable",
        Corrected,
        "The response cannot be produced in a form the request accepts.",
        "Check the Accept headers of the request."
    ),
    c!(
        407,
        "Proxy Authentication Required",
        WithCredentials,
        "A proxy challenges the request: resend with proxy credentials.",
        "Normal on the first attempt; a problem only if the resent request fails again."
    ),
    c!(
        408,
        "Request Timeout",
        Later,
        "No final answer came in time (the callee or the next hop did not respond).",
        "Check reachability of the next hop, NAT bindings and firewall timeouts."
    ),
    c!(
        410,
        "Gone",
        Elsewhere,
        "The user existed but is no longer available here.",
        "Update the number or address."
    ),
    c!(
        412,
        "Conditional Request Failed",
        Corrected,
        "A PUBLISH referred to an entity tag the server no longer has.",
        "Let the client publish again without the condition."
    ),
    c!(
        413,
        "Request Entity Too Large",
        Corrected,
        "The body is larger than the server accepts.",
        "Reduce the body (fewer codecs or ICE candidates) or use TCP."
    ),
    c!(
        414,
        "Request-URI Too Long",
        Corrected,
        "The Request-URI is longer than the server accepts.",
        "Shorten the Request-URI."
    ),
    c!(
        415,
        "Unsupported Media Type",
        Corrected,
        "The body's type or encoding is not supported.",
        "Check Content-Type against the server's Accept header."
    ),
    c!(
        416,
        "Unsupported URI Scheme",
        Corrected,
        "The URI scheme (sip, sips, tel…) is not supported.",
        "Use a scheme the server supports."
    ),
    c!(
        417,
        "Unknown Resource-Priority",
        Corrected,
        "The Resource-Priority namespace or value is not understood.",
        "Remove or correct the Resource-Priority header."
    ),
    c!(
        420,
        "Bad Extension",
        Corrected,
        "A Proxy-Require or Require option is not supported.",
        "Check the Unsupported header and drop that requirement."
    ),
    c!(
        421,
        "Extension Required",
        Corrected,
        "The server needs an extension the client did not list (often 100rel or timer).",
        "Enable the extension named in Require on the client."
    ),
    c!(
        422,
        "Session Interval Too Small",
        Corrected,
        "The session timer is below the server's minimum (Min-SE).",
        "Raise Session-Expires to at least Min-SE."
    ),
    c!(
        423,
        "Interval Too Brief",
        Corrected,
        "The registration or subscription expiry is below the server's minimum (Min-Expires).",
        "Raise the expiry to at least Min-Expires."
    ),
    c!(
        424,
        "Bad Location Information",
        Corrected,
        "The location information in the request is malformed or unusable.",
        "Check the Geolocation header and body."
    ),
    c!(
        428,
        "Use Identity Header",
        Corrected,
        "The server requires an Identity header (STIR/SHAKEN).",
        "Sign the call or route it through a signing service."
    ),
    c!(
        429,
        "Provide Referrer Identity",
        Corrected,
        "A REFER target requires a Referred-By token.",
        "Add a Referred-By header with a valid token."
    ),
    c!(
        430,
        "Flow Failed",
        Later,
        "A specific outbound flow to the user agent failed (RFC 5626).",
        "Let the client register a new flow."
    ),
    c!(
        433,
        "Anonymity Disallowed",
        Corrected,
        "The callee refuses anonymous calls.",
        "Send the call with the caller identity shown."
    ),
    c!(
        436,
        "Bad Identity Info",
        Corrected,
        "The Identity-Info reference could not be fetched or used.",
        "Check the certificate URL in the Identity header."
    ),
    c!(
        437,
        "Unsupported Credential",
        No,
        "The certificate behind the Identity signature is not accepted.",
        "Check the signing certificate and its chain."
    ),
    c!(
        438,
        "Invalid Identity Header",
        No,
        "The Identity signature did not verify.",
        "Check the STIR/SHAKEN signing and that headers are not altered in transit."
    ),
    c!(
        439,
        "First Hop Lacks Outbound Support",
        Corrected,
        "The registrar supports outbound, but the first proxy does not.",
        "Register without outbound or fix the edge proxy."
    ),
    c!(
        440,
        "Max-Breadth Exceeded",
        Corrected,
        "Forking ran out of Max-Breadth: too many parallel branches.",
        "Reduce the forking fan-out."
    ),
    c!(
        469,
        "Bad Info Package",
        Corrected,
        "The INFO package is not one the peer accepts.",
        "Align the INFO packages (DTMF method) on both sides."
    ),
    c!(
        470,
        "Consent Needed",
        No,
        "The target has not consented to receive requests from this sender.",
        "Obtain consent (RFC 5360) for this relay."
    ),
    c!(
        480,
        "Temporarily Unavailable",
        Later,
        "The callee is known but not reachable now (not registered, DND, no answer).",
        "Check the callee's registration and do-not-disturb settings."
    ),
    c!(
        481,
        "Call/Transaction Does Not Exist",
        No,
        "The request refers to a dialog or transaction the receiver does not know.",
        "Look for a lost dialog: an earlier BYE, a restart, or a mismatched tag or Call-ID."
    ),
    c!(
        482,
        "Loop Detected",
        No,
        "The request came back to a server it already passed through.",
        "Check the routing between the servers: they send the request to each other."
    ),
    c!(
        483,
        "Too Many Hops",
        No,
        "Max-Forwards reached 0 before the request arrived.",
        "Look for a routing loop or an over-long proxy chain."
    ),
    c!(
        484,
        "Address Incomplete",
        Corrected,
        "The dialled number is incomplete.",
        "Check the dial plan and overlap dialling."
    ),
    c!(
        485,
        "Ambiguous",
        Corrected,
        "The Request-URI matches several users.",
        "Dial a more specific address."
    ),
    c!(
        486,
        "Busy Here",
        Elsewhere,
        "This device is busy; the user may be reachable elsewhere.",
        "Nothing to fix: the callee was busy."
    ),
    c!(
        487,
        "Request Terminated",
        NotApplicable,
        "The INVITE was ended by a CANCEL (or a BYE) before an answer.",
        "Normal after a CANCEL; look for who cancelled."
    ),
    c!(
        488,
        "Not Acceptable Here",
        Corrected,
        "The session description was refused: no common codec, transport or media.",
        "Compare the offered codecs, crypto and transport with what the callee supports."
    ),
    c!(
        489,
        "Bad Event",
        Corrected,
        "The event package of a SUBSCRIBE or NOTIFY is not supported.",
        "Check the Event header and the server's Allow-Events."
    ),
    c!(
        491,
        "Request Pending",
        Later,
        "A request crossed another one in the same dialog (glare).",
        "Normal if rare: the sender retries after a random delay."
    ),
    c!(
        493,
        "Undecipherable",
        Corrected,
        "An S/MIME body could not be decrypted.",
        "Check the certificates used for body encryption."
    ),
    c!(
        494,
        "Security Agreement Required",
        Corrected,
        "A security mechanism must be negotiated first (RFC 3329).",
        "Enable the Security-Client negotiation on the client."
    ),
    c!(
        500,
        "Server Internal Error",
        Later,
        "The server hit an unexpected condition.",
        "Read the server's logs around this time."
    ),
    c!(
        501,
        "Not Implemented",
        Elsewhere,
        "The server does not support the method.",
        "Check that the method is expected by this server."
    ),
    c!(
        502,
        "Bad Gateway",
        Elsewhere,
        "A gateway or proxy got an invalid answer from the next hop.",
        "Look at the next hop behind this server."
    ),
    c!(
        503,
        "Service Unavailable",
        Later,
        "The server is overloaded or in maintenance; Retry-After may say for how long.",
        "Check the server's load, licences, trunk capacity and maintenance state."
    ),
    c!(
        504,
        "Server Time-out",
        Later,
        "The server did not get a timely answer from a server it asked.",
        "Look at the next hop behind this server (DNS, trunk, peer)."
    ),
    c!(
        505,
        "Version Not Supported",
        Corrected,
        "The SIP version in the request is not supported.",
        "Use SIP/2.0."
    ),
    c!(
        513,
        "Message Too Large",
        Corrected,
        "The message is too large for the server (often over UDP).",
        "Switch to TCP or shrink the message."
    ),
    c!(
        555,
        "Push Notification Service Not Supported",
        Corrected,
        "The push notification service named in the request is not supported.",
        "Register with a supported push service."
    ),
    c!(
        580,
        "Precondition Failure",
        Corrected,
        "The media preconditions (QoS) could not be met.",
        "Check the precondition and QoS reservation settings."
    ),
    c!(
        600,
        "Busy Everywhere",
        No,
        "The user is busy on every device; no branch should be tried.",
        "Nothing to fix: the user is busy."
    ),
    c!(
        603,
        "Decline",
        No,
        "The user refused the call everywhere; a forking proxy must cancel every other branch.",
        "If it was automatic (DND, one device busy), configure the device to send 486 instead."
    ),
    c!(
        604,
        "Does Not Exist Anywhere",
        No,
        "The user does not exist anywhere.",
        "Check the dialled number or address."
    ),
    c!(
        606,
        "Not Acceptable",
        Corrected,
        "No device of the user accepts this kind of session.",
        "Offer media the callee supports (codecs, video, crypto)."
    ),
    c!(
        607,
        "Unwanted",
        No,
        "The callee marked the call as unwanted (spam).",
        "Check the caller's reputation and signing."
    ),
    c!(
        608,
        "Rejected",
        No,
        "An intermediary (call analytics) rejected the call.",
        "Check the caller's reputation; the response may carry contact details for appeal."
    ),
];

/// The catalogue entry for `code`, if known.
pub fn lookup(code: u16) -> Option<&'static CodeInfo> {
    CODES.binary_search_by_key(&code, |c| c.code).ok().map(|i| &CODES[i])
}

/// The standard reason phrase, or the class name for an unknown code.
pub fn reason(code: u16) -> &'static str {
    match lookup(code) {
        Some(c) => c.reason,
        None => match code {
            100..=199 => "Provisional",
            200..=299 => "Success",
            300..=399 => "Redirection",
            400..=499 => "Client Failure",
            500..=599 => "Server Failure",
            _ => "Global Failure",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_covering_the_issue_list() {
        assert!(CODES.windows(2).all(|w| w[0].code < w[1].code));
        let required = [
            100, 180, 181, 182, 183, 199, 200, 202, 204, 300, 301, 302, 305, 380, 400, 401, 402, 403, 404,
            405, 406, 407, 408, 410, 412, 413, 414, 415, 416, 417, 420, 421, 422, 423, 428, 429, 430, 433,
            436, 437, 438, 439, 440, 469, 470, 480, 481, 482, 483, 484, 485, 486, 487, 488, 489, 491, 493,
            494, 500, 501, 502, 503, 504, 505, 513, 555, 580, 600, 603, 604, 606, 607, 608,
        ];
        for code in required {
            assert!(lookup(code).is_some(), "{code} missing");
        }
    }

    #[test]
    fn scope_and_retry_of_the_codes_that_matter() {
        assert_eq!(lookup(403).unwrap().retry, Retry::No);
        assert_eq!(lookup(401).unwrap().retry, Retry::WithCredentials);
        assert_eq!(lookup(407).unwrap().retry, Retry::WithCredentials);
        assert_eq!(lookup(603).unwrap().scope(), Scope::Global);
        assert_eq!(lookup(486).unwrap().scope(), Scope::Local);
        assert_eq!(reason(499), "Client Failure");
    }
}
