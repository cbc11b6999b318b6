//! Call rules: one file per rule, each a pure function of a call at a moment of capture time.

mod asymmetric_rtp;
mod auth_failed;
mod cancel_not_propagated;
mod codec_not_negotiated;
pub(crate) mod decline_from_server;
mod decline_not_honoured;
mod decline_should_be_busy;
mod forbidden_403;
pub(crate) mod from_private_host;
mod loop_or_hops;
mod media_after_bye;
pub(crate) mod media_facts;
mod media_nat;
mod media_quality;
mod media_rejected;
mod media_to_unannounced;
mod no_ack_for_2xx;
mod no_cancel_487;
mod no_final_response;
mod no_media;
mod one_way_media;
mod server_failure;
mod subscription_lost;
mod transfer_failed;

use std::collections::HashMap;
use std::net::IpAddr;

use super::reason::{describe_reason, describe_warning};
use super::{Evidence, Finding, Moment, Severity, Subject};
use crate::correlate::transaction::{with_addr_text, Response, Transaction};
use crate::correlate::Call;
use crate::sip::scan::find_header;

/// What a call rule can see besides the call.
pub struct Context<'a> {
    /// When it runs.
    pub at: Moment,
    /// 403 responses seen so far per server address.
    pub servers_403: &'a HashMap<IpAddr, u32>,
    /// Roles of addresses and registrations of users seen so far.
    pub roles: &'a crate::diagnose::roles::Roles,
    /// Pairs of hosts (lower address first) between which this capture has seen RTP attached to
    /// a call (bounded): media between them crosses the capture point.
    pub media_pairs: &'a std::collections::HashSet<(IpAddr, IpAddr)>,
}

/// A call rule.
pub struct CallRule {
    /// Stable id.
    pub id: &'static str,
    /// Returns a finding when the evidence is complete.
    pub check: fn(&Call, &Context<'_>) -> Option<Finding>,
    /// Whether the evidence can complete with the passing of capture time alone (a grace
    /// period or a timer), so the rule must also run on ticks; the others only change their
    /// answer when a message arrives or the call ends.
    pub timed: bool,
    /// Whether the rule judges only a call that has left memory (the media rules: streams are
    /// complete only then); it is not run on every message.
    pub at_end_only: bool,
    /// The [`facts`] of which the call must have one before the rule can find anything: the
    /// first test the rule makes, done once for all rules (debug builds run a skipped rule
    /// anyway and check that it finds nothing).
    pub needs: u32,
}

/// Facts about a call that rules start from, as bits (see [`facts_of`]).
pub mod facts {
    /// A transaction's first final response was 401 or 407.
    pub const F401_407: u32 = 1 << 0;
    /// … was 403.
    pub const F403: u32 = 1 << 1;
    /// … was 404.
    pub const F404: u32 = 1 << 2;
    /// … was 408.
    pub const F408: u32 = 1 << 3;
    /// … was 481.
    pub const F481: u32 = 1 << 4;
    /// … was 482 or 483.
    pub const F482_483: u32 = 1 << 5;
    /// … was 487.
    pub const F487: u32 = 1 << 6;
    /// … was 488 or 606.
    pub const F488_606: u32 = 1 << 7;
    /// … was a 5xx.
    pub const F5XX: u32 = 1 << 8;
    /// … was 603.
    pub const F603: u32 = 1 << 9;
    /// … was a 6xx.
    pub const F6XX: u32 = 1 << 10;
    /// A transaction was cancelled.
    pub const CANCEL: u32 = 1 << 11;
    /// The call timed out.
    pub const TIMED_OUT: u32 = 1 << 12;
    /// A 2xx was resent at least twice.
    pub const RESENT_2XX: u32 = 1 << 13;
    /// A REFER or NOTIFY was seen.
    pub const REFER_NOTIFY: u32 = 1 << 14;
    /// A request arrived with Max-Forwards 0.
    pub const MAX_FORWARDS_0: u32 = 1 << 15;
    /// Always run.
    pub const ANY: u32 = u32::MAX;
}

/// The [`facts`] of a call: one pass over its transactions.
pub fn facts_of(call: &Call) -> u32 {
    let mut f = 0;
    for t in &call.transactions {
        if let Some(code) = t.final_code {
            f |= match code {
                401 | 407 => facts::F401_407,
                403 => facts::F403,
                404 => facts::F404,
                408 => facts::F408,
                481 => facts::F481,
                482 | 483 => facts::F482_483,
                487 => facts::F487,
                488 | 606 => facts::F488_606,
                500..=599 => facts::F5XX,
                _ => 0,
            };
            if code >= 600 {
                f |= facts::F6XX | if code == 603 { facts::F603 } else { 0 };
            }
        }
        if t.cancel_ts.is_some() {
            f |= facts::CANCEL;
        }
        if t.success_retransmissions >= 2 {
            f |= facts::RESENT_2XX;
        }
    }
    if call.timed_out {
        f |= facts::TIMED_OUT;
    }
    if call.has_refer_or_notify {
        f |= facts::REFER_NOTIFY;
    }
    if call.max_forwards_zero.is_some() {
        f |= facts::MAX_FORWARDS_0;
    }
    f
}

/// Every call rule, in the order they are checked.
pub const CALL_RULES: &[CallRule] = &[
    CallRule {
        id: forbidden_403::ID,
        check: forbidden_403::check,
        timed: false,
        at_end_only: false,
        needs: facts::F403,
    },
    CallRule {
        id: auth_failed::ID,
        check: auth_failed::check,
        timed: false,
        at_end_only: false,
        needs: facts::F401_407 | facts::F403,
    },
    CallRule {
        id: from_private_host::ID,
        check: from_private_host::check,
        timed: false,
        at_end_only: false,
        needs: facts::F401_407 | facts::F403 | facts::F404,
    },
    CallRule {
        id: decline_should_be_busy::ID,
        check: decline_should_be_busy::check,
        timed: false,
        at_end_only: false,
        needs: facts::F603,
    },
    CallRule {
        id: decline_from_server::ID,
        check: decline_from_server::check,
        timed: false,
        at_end_only: false,
        needs: facts::F603,
    },
    CallRule {
        id: decline_not_honoured::ID,
        check: decline_not_honoured::check,
        timed: true,
        at_end_only: false,
        needs: facts::F6XX,
    },
    CallRule {
        id: cancel_not_propagated::ID,
        check: cancel_not_propagated::check,
        timed: true,
        at_end_only: false,
        needs: facts::CANCEL,
    },
    CallRule {
        id: no_cancel_487::ID,
        check: no_cancel_487::check,
        timed: true,
        at_end_only: false,
        needs: facts::F487,
    },
    CallRule {
        id: no_final_response::ID,
        check: no_final_response::check,
        timed: true,
        at_end_only: false,
        needs: facts::TIMED_OUT | facts::F408,
    },
    CallRule {
        id: no_ack_for_2xx::ID,
        check: no_ack_for_2xx::check,
        timed: false,
        at_end_only: false,
        needs: facts::RESENT_2XX,
    },
    CallRule {
        id: loop_or_hops::ID,
        check: loop_or_hops::check,
        timed: false,
        at_end_only: false,
        needs: facts::F482_483 | facts::MAX_FORWARDS_0,
    },
    CallRule {
        id: media_rejected::ID,
        check: media_rejected::check,
        timed: false,
        at_end_only: false,
        needs: facts::F488_606,
    },
    CallRule {
        id: server_failure::ID,
        check: server_failure::check,
        timed: false,
        at_end_only: false,
        needs: facts::F5XX,
    },
    CallRule {
        id: subscription_lost::ID,
        check: subscription_lost::check,
        timed: false,
        at_end_only: false,
        needs: facts::F481,
    },
    CallRule {
        id: transfer_failed::ID,
        check: transfer_failed::check,
        timed: false,
        at_end_only: false,
        needs: facts::REFER_NOTIFY,
    },
    CallRule {
        id: one_way_media::ID,
        check: one_way_media::check,
        timed: false,
        at_end_only: true,
        needs: facts::ANY,
    },
    CallRule { id: no_media::ID, check: no_media::check, timed: false, at_end_only: true, needs: facts::ANY },
    CallRule {
        id: media_nat::ID,
        check: media_nat::check,
        timed: false,
        at_end_only: true,
        needs: facts::ANY,
    },
    CallRule {
        id: media_to_unannounced::ID,
        check: media_to_unannounced::check,
        timed: false,
        at_end_only: true,
        needs: facts::ANY,
    },
    CallRule {
        id: asymmetric_rtp::ID,
        check: asymmetric_rtp::check,
        timed: false,
        at_end_only: true,
        needs: facts::ANY,
    },
    CallRule {
        id: codec_not_negotiated::ID,
        check: codec_not_negotiated::check,
        timed: false,
        at_end_only: true,
        needs: facts::ANY,
    },
    CallRule {
        id: media_quality::ID,
        check: media_quality::check,
        timed: false,
        at_end_only: true,
        needs: facts::ANY,
    },
    CallRule {
        id: media_after_bye::ID,
        check: media_after_bye::check,
        timed: false,
        at_end_only: true,
        needs: facts::ANY,
    },
];

/// Which rules of [`CALL_RULES`] may run (bit `i` for rule `i`), worked out once from what each
/// needs, so that a check visits only the rules that can find something instead of testing
/// every rule's needs on every message.
struct RuleMasks {
    /// Rules that always run (`needs` is [`facts::ANY`]).
    any: u32,
    /// For each fact bit, the rules that need it.
    by_fact: [u32; 32],
    /// Rules that run on ticks too.
    timed: u32,
    /// Rules that run only once the call has ended.
    at_end_only: u32,
}

const _: () = assert!(CALL_RULES.len() <= 32, "rule sets are kept as bits of a u32");

const fn rule_masks() -> RuleMasks {
    let mut m = RuleMasks { any: 0, by_fact: [0; 32], timed: 0, at_end_only: 0 };
    let mut i = 0;
    while i < CALL_RULES.len() {
        let rule = &CALL_RULES[i];
        let bit = 1u32 << i;
        if rule.needs == facts::ANY {
            m.any |= bit;
        } else {
            let mut b = 0;
            while b < 32 {
                if rule.needs & (1 << b) != 0 {
                    m.by_fact[b] |= bit;
                }
                b += 1;
            }
        }
        if rule.timed {
            m.timed |= bit;
        }
        if rule.at_end_only {
            m.at_end_only |= bit;
        }
        i += 1;
    }
    m
}

static MASKS: RuleMasks = rule_masks();

/// The rules the moment allows (on a tick only the timed ones; the end-only ones once the call
/// has ended), whatever the call's facts.
pub fn allowed(timed_only: bool, ended: bool) -> u32 {
    let all = if CALL_RULES.len() == 32 { u32::MAX } else { (1u32 << CALL_RULES.len()) - 1 };
    let mut set = all;
    if timed_only {
        set &= MASKS.timed;
    }
    if !ended {
        set &= !MASKS.at_end_only;
    }
    set
}

/// The rules to run for a call with `facts` (see [`facts_of`]) at this moment: those
/// [`allowed`] that need nothing in particular or need a fact the call has, as bits in the
/// order of [`CALL_RULES`].
pub fn to_run(facts: u32, timed_only: bool, ended: bool) -> u32 {
    let mut set = MASKS.any;
    let mut f = facts;
    while f != 0 {
        set |= MASKS.by_fact[f.trailing_zeros() as usize];
        f &= f - 1;
    }
    set & allowed(timed_only, ended)
}

/// The facts at least one timed rule needs: a call with none of them holds nothing that time
/// alone can complete, so the rules' tick need not look at it.
pub const TIMED_FACTS: u32 = {
    let mut f = 0;
    let mut i = 0;
    while i < CALL_RULES.len() {
        if CALL_RULES[i].timed {
            f |= CALL_RULES[i].needs;
        }
        i += 1;
    }
    f
};

/// Whether a call with these [`facts`] needs the rules' tick: some timed rule can still find
/// something with them (a timed rule that needs nothing in particular would need every call).
pub fn wants_tick(facts: u32) -> bool {
    TIMED_FACTS == facts::ANY || facts & TIMED_FACTS != 0
}

/// How long a proxy may take to CANCEL the other branches before we say it did not.
pub const GRACE_MS: i64 = 1_000;

/// Whether any transaction of the call got a first final response with a code matching `f`.
pub(crate) fn any_final(call: &Call, f: impl Fn(u16) -> bool) -> bool {
    call.transactions.iter().any(|t| t.final_code.is_some_and(&f))
}

/// The caller's hop and the proxy legs of the current attempt.
pub(crate) fn hops(call: &Call) -> (Option<&Transaction>, Vec<&Transaction>) {
    let mut it = call.attempt();
    let caller = it.next();
    (caller, it.collect())
}

/// Evidence pointing at a response.
pub(crate) fn resp_ev(call: &Call, r: &Response) -> Evidence {
    Evidence { call_id: call_id(call), index: r.index, what: status_line(r) }
}

/// Evidence pointing at the request of a transaction. When the request itself was not
/// captured, it points at the response the transaction is known from, and says so.
pub(crate) fn req_ev(call: &Call, t: &Transaction) -> Evidence {
    Evidence { call_id: call_id(call), index: t.index, what: request_text(t) }
}

/// `INVITE 192.0.2.1:5060 -> 192.0.2.2:5060`, or `the INVITE … itself was not captured`. Put
/// together piece by piece: `format!` with two addresses cost more than the rest of a finding,
/// and a refusing server can cause a finding for every call.
fn request_text(t: &Transaction) -> String {
    let mut what = String::with_capacity(80);
    if !t.request_seen {
        what.push_str("the ");
    }
    what.push_str(t.method.as_str());
    what.push(' ');
    push_addr(&mut what, t.src);
    what.push_str(" -> ");
    push_addr(&mut what, t.dst);
    if !t.request_seen {
        what.push_str(" itself was not captured");
    }
    what
}

/// Appends `addr` as its `Display` would (`a.b.c.d:port`, `[v6]:port`), without `format!`.
pub(crate) fn push_addr(s: &mut String, addr: std::net::SocketAddr) {
    with_addr_text(addr, |text| s.push_str(text));
}

/// `603 Decline` as sent.
pub(crate) fn status_line(r: &Response) -> String {
    status_text(r.code, r.msg.reason_phrase())
}

/// A status code and its reason phrase (invalid UTF-8 shown as U+FFFD), one space between.
fn status_text(code: u16, reason: &[u8]) -> String {
    let reason = String::from_utf8_lossy(reason);
    let mut s = String::with_capacity(6 + reason.len());
    push_number(&mut s, code.into());
    s.push(' ');
    s.push_str(&reason);
    s
}

/// Appends the decimal digits of `n`.
pub(crate) fn push_number(s: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let digits = crate::packet::decimal_digits(n, &mut digits);
    s.push_str(std::str::from_utf8(digits).expect("decimal digits are ASCII"));
}

pub(crate) fn call_id(call: &Call) -> String {
    String::from_utf8_lossy(&call.call_id).into_owned()
}

/// What the Reason and Warning headers of a response say, as a sentence to append.
pub(crate) fn reason_and_warning(r: &Response) -> String {
    let h = &r.msg.headers;
    let mut s = String::new();
    if !h.reason.is_empty() {
        s.push_str(&format!(" The response carries Reason: {}.", describe_reason(r.msg.slice(h.reason))));
    }
    if !h.warning.is_empty() {
        s.push_str(&format!(" It also carries Warning: {}.", describe_warning(r.msg.slice(h.warning))));
    }
    s
}

/// The value of a header of a response, if present.
pub(crate) fn header(r: &Response, name: &str) -> Option<String> {
    let span = find_header(&r.msg.raw, r.msg.headers.body.start as usize, name.as_bytes())?;
    Some(String::from_utf8_lossy(r.msg.slice(span)).into_owned())
}

/// Builds a call finding.
#[allow(clippy::too_many_arguments)]
pub(crate) fn call_finding(
    call: &Call,
    rule: &'static str,
    severity: Severity,
    ctx: &Context<'_>,
    summary: String,
    explanation: String,
    next_steps: &[&str],
    mut evidence: Vec<Evidence>,
) -> Finding {
    // One entry per captured message: a request known only from its response shares the
    // response's index, and is said after it.
    let mut merged: Vec<Evidence> = Vec::with_capacity(evidence.len());
    for e in evidence.drain(..) {
        match merged.iter_mut().find(|m| m.index == e.index) {
            Some(m) if e.what.ends_with("not captured") => m.what = format!("{}; {}", m.what, e.what),
            Some(m) if m.what.ends_with("not captured") => m.what = format!("{}; {}", e.what, m.what),
            Some(_) => {}
            None => merged.push(e),
        }
    }
    let evidence = merged;
    Finding {
        rule,
        severity,
        subject: Subject::Call(call_id(call)),
        ts: ctx.at.now,
        summary,
        explanation: explanation.into(),
        next_steps: next_steps.iter().map(|s| (*s).into()).collect(),
        evidence,
    }
}

#[cfg(test)]
mod text_tests {
    use super::*;
    use crate::sip::Method;
    use crate::time::Timestamp;

    /// The texts put together by hand read as `format!` would write them.
    #[test]
    fn request_status_and_number_texts_match_the_formatting_machinery() {
        let pairs = [("192.0.2.1:5060", "198.51.100.7:5080"), ("[2001:db8::1]:5061", "0.0.0.0:0")];
        for (src, dst) in pairs {
            let ends = (src.parse().unwrap(), dst.parse().unwrap());
            let mut t = Transaction::new(Method::Invite, 1, 0, ends, Timestamp(0), 3);
            for seen in [true, false] {
                t.request_seen = seen;
                let want = if seen {
                    format!("INVITE {} -> {}", ends.0, ends.1)
                } else {
                    format!("the INVITE {} -> {} itself was not captured", ends.0, ends.1)
                };
                assert_eq!(request_text(&t), want);
            }
        }
        for n in [0u64, 7, 100, 403, 65_535, u64::MAX] {
            let mut s = String::from("x");
            push_number(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
        let reasons: [&[u8]; 4] = [b"Decline", b"", b"Busy \xff Here", "Occup\u{e9}".as_bytes()];
        for code in [100u16, 603, 65_535] {
            for reason in reasons {
                let want = format!("{} {}", code, String::from_utf8_lossy(reason));
                assert_eq!(status_text(code, reason), want);
            }
        }
    }
}

#[cfg(test)]
mod mask_tests {
    use super::*;

    /// The rules to run are exactly those the plain test of each rule picks, for every set of
    /// facts, on messages, ticks and at the end.
    #[test]
    fn rules_to_run_are_those_each_rule_asks_for() {
        for facts in (0..1u32 << 16).chain([u32::MAX, 1 << 31, 1 << 20 | facts::F403]) {
            for (timed_only, ended) in [(false, false), (true, false), (false, true), (true, true)] {
                let mut want = 0u32;
                for (i, rule) in CALL_RULES.iter().enumerate() {
                    let moment = (!timed_only || rule.timed) && (!rule.at_end_only || ended);
                    let can = rule.needs == facts::ANY || facts & rule.needs != 0;
                    if moment && can {
                        want |= 1 << i;
                    }
                }
                assert_eq!(to_run(facts, timed_only, ended), want, "facts {facts:#x} {timed_only} {ended}");
                assert_eq!(to_run(facts, timed_only, ended) & !allowed(timed_only, ended), 0);
            }
        }
    }
}
