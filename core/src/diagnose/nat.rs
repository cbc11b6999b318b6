//! NAT evidence read from the messages themselves, whatever the addresses of the capture point
//! or the server: a request whose Via sent-by or Contact names a private address while its
//! packet came from another address, or whose response's Via says the server saw it arrive
//! from elsewhere (`received` / `rport`, RFC 3261 §18.2.1, RFC 3581).

use std::net::{IpAddr, SocketAddr};

use crate::correlate::transaction::uri_hostport;
use crate::correlate::Call;
use crate::diagnose::rules::from_private_host::{host_ip, is_internal};
use crate::sip::fields::{find_param, split_first_value};
use crate::sip::SipMessage;

/// A private address a device announced, and the address it was really seen from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NatEvidence {
    /// The private `host[:port]` announced.
    pub announced: String,
    /// Where it was announced (`Via sent-by`, `Contact`).
    pub header: &'static str,
    /// The address the traffic really came from.
    pub seen_from: String,
    /// How that address is known (`packet source`, or the server's `received`/`rport`).
    pub how: &'static str,
}

impl NatEvidence {
    /// One sentence for explanations.
    pub fn sentence(&self) -> String {
        format!(
            "The device announced the private address {} in its {}, but {} shows it at {}: it sits behind NAT.",
            self.announced, self.header, self.how, self.seen_from
        )
    }
}

/// `received` and `rport` of a message's top Via.
fn received(msg: &SipMessage) -> Option<String> {
    let via = msg.headers.via;
    if via.is_empty() {
        return None;
    }
    let (s, e) = (via.start as usize, via.end as usize);
    let (_, first_end) = split_first_value(&msg.raw, s, e);
    let rcv = find_param(&msg.raw, s, first_end, b"received");
    if rcv.is_empty() {
        return None;
    }
    let ip = String::from_utf8_lossy(msg.slice(rcv)).into_owned();
    let rport = find_param(&msg.raw, s, first_end, b"rport");
    Some(if rport.is_empty() { ip } else { format!("{ip}:{}", String::from_utf8_lossy(msg.slice(rport))) })
}

/// Whether `bytes` may hold a LAN IP literal: a cheap look for the first octets of the private,
/// shared and link-local ranges (and `[f` for IPv6 unique-local and link-local) before parsing.
fn may_hold_lan_ip(bytes: &[u8]) -> bool {
    const PREFIXES: &[&[u8]] = &[b"10.", b"192.168.", b"172.", b"100.", b"169.254.", b"[f", b"[F"];
    // Jump from one candidate first byte to the next (this runs on every call's first request).
    memchr::memchr2_iter(b'1', b'[', bytes).any(|i| {
        (i == 0 || matches!(bytes[i - 1], b':' | b'@' | b' ' | b'<'))
            && PREFIXES.iter().any(|p| bytes[i..].starts_with(p))
    })
}

/// A LAN address (private, shared, link-local, unique-local) other than `seen`. Loopback and
/// unspecified addresses announced by a remote host are a bogus or forged header (scanners
/// send `Via: … 127.0.0.1`), not a device behind NAT.
fn private_other_than(hostport: &[u8], seen: IpAddr) -> Option<String> {
    let ip = host_ip(hostport)?;
    let lan = is_internal(ip) && !ip.is_loopback() && !ip.is_unspecified();
    (lan && ip != seen).then(|| String::from_utf8_lossy(hostport).into_owned())
}

/// NAT evidence for the call: the caller's side first (its first request), then the answering
/// side (the Contact of the deciding response against the address it came from).
pub fn evidence(call: &Call) -> Option<NatEvidence> {
    caller_side(call).or_else(|| answering_side(call))
}

fn caller_side(call: &Call) -> Option<NatEvidence> {
    let req = &call.first;
    if !req.is_request() {
        return None;
    }
    let src: SocketAddr = req.src;
    if !may_hold_lan_ip(req.slice(req.headers.via)) && !may_hold_lan_ip(req.slice(req.headers.contact)) {
        return None;
    }
    let via = req.headers.top_via(&req.raw);
    let contact = uri_hostport(req.slice(req.contact_addr().uri));
    let (announced, header) = private_other_than(req.slice(via.sent_by), src.ip())
        .map(|a| (a, "Via sent-by"))
        .or_else(|| contact.and_then(|c| private_other_than(c, src.ip())).map(|a| (a, "Contact")))?;
    // The server's own account of where the request came from outranks the packet's source
    // (a capture replayed or taken elsewhere): if it saw the announced address, there is no NAT.
    let received = call.caller_hop().and_then(|t| t.decisive()).and_then(|r| received(&r.msg));
    let (seen_from, how) = match received {
        Some(r) => {
            let announced_ip = host_ip(announced.as_bytes());
            let seen_ip = host_ip(r.as_bytes());
            if announced_ip.is_some() && announced_ip == seen_ip {
                return None;
            }
            (r, "the server's Via received/rport")
        }
        None => (src.to_string(), "the packet's source address"),
    };
    Some(NatEvidence { announced, header, seen_from, how })
}

fn answering_side(call: &Call) -> Option<NatEvidence> {
    // Only the answer to an INVITE carries the answerer's own Contact (a 2xx to REGISTER lists
    // the caller's bindings).
    if call.kind != crate::correlate::CallKind::Call {
        return None;
    }
    let r = call.decisive()?;
    if !may_hold_lan_ip(r.msg.slice(r.msg.headers.contact)) {
        return None;
    }
    let contact = uri_hostport(r.msg.slice(r.msg.contact_addr().uri))?;
    let announced = private_other_than(contact, r.msg.src.ip())?;
    Some(NatEvidence {
        announced,
        header: "Contact of the answer",
        seen_from: r.msg.src.to_string(),
        how: "the answer's source address",
    })
}
