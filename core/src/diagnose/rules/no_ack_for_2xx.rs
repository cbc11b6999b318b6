//! `no-ack-for-2xx`: a 2xx to an INVITE was retransmitted and no ACK reached its sender: the
//! classic NAT / Record-Route failure that ends calls after about 32 seconds. The explanation
//! compares the 2xx's Contact with the address it came from and quotes the Reason of the BYE
//! that tore the call down, when there is one.

use super::*;
use crate::correlate::transaction::uri_hostport;
use from_private_host::{host_ip, is_internal};

/// Rule id.
pub const ID: &str = "no-ack-for-2xx";

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    // Two resends of the 2xx, also when the call ends: a capture that stops half a second after
    // an answer whose ACK it has not seen yet proves nothing.
    let t = call.unacked_2xx(2)?;
    let ok = t.first_success.as_deref()?;
    let summary = format!(
        "call answered by {} but never confirmed: the 2xx was resent {} time(s) and no ACK reached it",
        ok.msg.src, t.success_retransmissions
    );
    let contact = ok.msg.slice(ok.msg.contact_addr().uri);
    let contact_host = uri_hostport(contact);
    let contact_note = match contact_host.and_then(host_ip) {
        Some(ip) if ip != ok.msg.src.ip() && is_internal(ip) => format!(
            " The 2xx asks for the ACK at {} (its Contact), a private address, but it came from {}: the answering device is behind NAT and announces its LAN address, so the caller sends the ACK where it cannot arrive.",
            String::from_utf8_lossy(contact_host.unwrap_or_default()),
            ok.msg.src
        ),
        Some(ip) if ip != ok.msg.src.ip() => format!(
            " The 2xx asks for the ACK at {} (its Contact), not at {} where it came from: check that this address is reachable from the caller, or that a proxy in between Record-Routes.",
            String::from_utf8_lossy(contact_host.unwrap_or_default()),
            ok.msg.src
        ),
        Some(_) => format!(" Its Contact ({}) matches the address it came from, so look for the ACK being lost on the way or sent around a proxy that should have stayed in the path.", ok.msg.src),
        None => String::new(),
    };
    // The BYE that ended the call, and its Reason (e.g. `SIP;cause=408;text="ACK timeout"`).
    let bye = call
        .transactions
        .iter()
        .find(|t| t.method == crate::sip::Method::Bye && t.request_seen && t.first_ts >= ok.ts);
    let bye_note = bye
        .map(|b| {
            let reason = &call.bye_reason[..];
            if reason.is_empty() {
                format!(
                    " {} hung up with a BYE {} ms after answering.",
                    b.src,
                    b.first_ts.millis_since(ok.ts)
                )
            } else {
                format!(
                    " {} hung up with a BYE {} ms after answering, giving Reason: {}.",
                    b.src,
                    b.first_ts.millis_since(ok.ts),
                    crate::diagnose::reason::describe_reason(reason)
                )
            }
        })
        .unwrap_or_default();
    let explanation = format!(
        "After answering, {} kept retransmitting {} because it never got the ACK, so the call was answered but never confirmed (RFC 3261 §13.3.1.4). The answering side gives up after 64*T1 (32 seconds) and hangs up: the call drops about half a minute after being answered, often with one-way or no audio before that.{contact_note}{bye_note} Other causes: a proxy that should have stayed in the path (missing or broken Record-Route), or a firewall dropping the ACK.",
        ok.msg.src,
        status_line(ok)
    );
    let mut evidence = vec![resp_ev(call, ok)];
    if let Some(b) = bye {
        evidence.push(req_ev(call, b));
    }
    Some(call_finding(
        call,
        ID,
        Severity::Error,
        ctx,
        summary,
        explanation,
        &[
            "Compare the Contact of the 2xx with where the ACK is sent: a private Contact behind NAT needs fixing (the device's NAT / public address settings, an SBC, or the proxy's NAT helper).",
            "Check that every proxy that must see the ACK adds Record-Route, and that the route set is honoured.",
            "Check SIP ALG on routers and firewall rules for the ACK's path.",
        ],
        evidence,
    ))
}
