//! What a Call-ID is about (its kind) and where it stands (its state).

use crate::sip::Method;

/// What the first request of a Call-ID says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallKind {
    /// An INVITE session.
    Call,
    /// REGISTER.
    Registration,
    /// OPTIONS (keep-alive pings, scanners).
    Options,
    /// SUBSCRIBE, NOTIFY or PUBLISH.
    Subscription,
    /// MESSAGE.
    Message,
    /// Anything else.
    Other,
}

impl CallKind {
    /// Kind of a Call-ID whose dialog-forming method is `m` (see [`dialog_method`]).
    pub fn from_method(m: Method) -> CallKind {
        match m {
            Method::Invite => CallKind::Call,
            Method::Register => CallKind::Registration,
            Method::Options => CallKind::Options,
            Method::Subscribe | Method::Notify | Method::Publish => CallKind::Subscription,
            Method::Message => CallKind::Message,
            _ => CallKind::Other,
        }
    }

    /// Name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            CallKind::Call => "call",
            CallKind::Registration => "registration",
            CallKind::Options => "options",
            CallKind::Subscription => "subscription",
            CallKind::Message => "message",
            CallKind::Other => "other",
        }
    }
}

/// Where a call, registration or other exchange stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallState {
    /// Request sent, no final answer yet (and, for calls, no ringing).
    InProgress,
    /// A call got 180/181/182/183.
    Ringing,
    /// A call got a 2xx.
    Answered,
    /// A call was answered and then ended with BYE.
    Completed,
    /// The caller cancelled (CANCEL, 487).
    Cancelled,
    /// 486 Busy Here or 600 Busy Everywhere.
    Busy,
    /// 603 Decline.
    Declined,
    /// Any other 4xx/5xx/6xx for a call.
    Rejected,
    /// 3xx.
    Redirected,
    /// 408, or no final answer in time (see docs/correlation.md).
    Timeout,
    /// A registration got a 2xx.
    Registered,
    /// The device removed its binding (a REGISTER with expires 0 answered 2xx).
    Unregistered,
    /// A registration was challenged (401/407) and not retried.
    Challenged,
    /// A registration was refused (403, 404, … or a challenge answered with failure).
    Refused,
    /// Another request got a 2xx.
    Ok,
    /// Another request failed.
    Failed,
    /// Only the middle of a dialog was seen (an in-dialog request such as BYE or a re-INVITE
    /// came first): the capture started after the call was set up.
    MidDialog,
    /// A subscription was accepted (2xx to SUBSCRIBE): it stays active until it expires.
    Subscribed,
    /// A call was answered but the answer was never confirmed: the 2xx was retransmitted and
    /// no ACK reached its sender, or the call was torn down for that reason.
    Unconfirmed,
}

impl CallState {
    /// Name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            CallState::InProgress => "in_progress",
            CallState::Ringing => "ringing",
            CallState::Answered => "answered",
            CallState::Completed => "completed",
            CallState::Cancelled => "cancelled",
            CallState::Busy => "busy",
            CallState::Declined => "declined",
            CallState::Rejected => "rejected",
            CallState::Redirected => "redirected",
            CallState::Timeout => "timeout",
            CallState::Registered => "registered",
            CallState::Unregistered => "unregistered",
            CallState::Challenged => "challenged",
            CallState::Refused => "refused",
            CallState::Ok => "ok",
            CallState::Failed => "failed",
            CallState::MidDialog => "mid_dialog",
            CallState::Subscribed => "subscribed",
            CallState::Unconfirmed => "unconfirmed",
        }
    }

    /// Whether the exchange has reached an outcome that later messages rarely change.
    pub fn is_final(self) -> bool {
        !matches!(self, CallState::InProgress | CallState::Ringing | CallState::Answered)
    }

    /// Whether this outcome is a failure (shown in red).
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            CallState::Busy
                | CallState::Declined
                | CallState::Rejected
                | CallState::Timeout
                | CallState::Refused
                | CallState::Failed
                | CallState::Unconfirmed
        )
    }
}

/// The method that formed the dialog an in-dialog request belongs to: INVITE for the requests
/// of an INVITE session (ACK, BYE, re-INVITE, UPDATE, PRACK, INFO, REFER), SUBSCRIBE for
/// SUBSCRIBE and NOTIFY; the method itself otherwise.
pub fn dialog_method(m: Method) -> Method {
    match m {
        Method::Ack
        | Method::Bye
        | Method::Cancel
        | Method::Update
        | Method::Prack
        | Method::Info
        | Method::Refer => Method::Invite,
        Method::Notify => Method::Subscribe,
        other => other,
    }
}
