//! `from-private-host`: a request refused by a server on a public address carried a private,
//! loopback or link-local IP as its From host. Providers check the From domain; a private
//! address there usually means the PBX is not configured with its public identity.

use std::net::IpAddr;

use super::*;
use crate::correlate::transaction::uri_hostport;

/// Rule id.
pub const ID: &str = "from-private-host";

/// Whether an address is not reachable from the internet.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            v6.is_loopback() || v6.is_unspecified() || (s[0] & 0xffc0) == 0xfe80 || (s[0] & 0xfe00) == 0xfc00
        }
    }
}

/// The IP address in a `host[:port]` (IPv6 in brackets), if the host is an IP literal.
pub fn host_ip(hostport: &[u8]) -> Option<IpAddr> {
    let s = std::str::from_utf8(hostport).ok()?;
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    s.split(':').next()?.parse().ok()
}

pub fn check(call: &Call, ctx: &Context<'_>) -> Option<Finding> {
    let tx = call.caller_hop()?;
    // A challenge (401/407) is a refusal only if no retry succeeded by the time the call ends.
    let r = tx
        .decisive()
        .filter(|r| matches!(r.code, 403 | 404) || (matches!(r.code, 401 | 407) && ctx.at.ended))?;
    let first = &call.first;
    let from_uri = first.slice(first.from_addr().uri);
    let from_ip = host_ip(uri_hostport(from_uri)?)?;
    // The request crossed into another network: the server is on a public address, or the
    // messages themselves show NAT (whatever the addresses of this capture).
    if !is_internal(from_ip) {
        return None;
    }
    let nat = crate::diagnose::nat::evidence(call);
    if is_internal(tx.dst.ip()) && nat.is_none() {
        return None;
    }
    let summary = format!(
        "From host is the internal address {from_ip}, sent to {} and refused with {}",
        tx.dst, r.code
    );
    let crossing = match &nat {
        Some(n) => format!("The request crossed a NAT on its way to {}. {}", tx.dst, n.sentence()),
        None => format!("The request left for {}, a server on a public address.", tx.dst),
    };
    let explanation = format!(
        "{crossing} Its From URI names {from_ip}, an address that only exists inside a private network. Providers and SBCs match the From domain against the account; a private address there is a common reason for a refusal ({}). The PBX or phone is announcing its LAN identity instead of the account's domain or its public address.{}",
        status_line(r),
        reason_and_warning(r)
    );
    Some(call_finding(
        call,
        ID,
        Severity::Warning,
        ctx,
        summary,
        explanation,
        &[
            "Set the trunk's From domain (or 'from host') to the provider's domain or the account's registered domain.",
            "Configure the PBX's external/public address and local networks so it rewrites headers behind NAT.",
            "Disable SIP ALG on the router if it rewrites headers inconsistently.",
        ],
        vec![req_ev(call, tx), resp_ev(call, r)],
    ))
}
