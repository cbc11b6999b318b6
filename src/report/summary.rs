//! The one-line capture summary printed on standard error after a headless run.

use std::fmt;

use crate::engine::EngineStats;

/// Display adapter for the summary line.
pub struct Summary<'a>(pub &'a EngineStats);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        write!(
            f,
            "{} packets, {} SIP messages, {} non-SIP payloads, {} decode errors, {} reassembled IP datagrams, {} TCP streams",
            s.decode.packets,
            s.sip_messages,
            s.non_sip_payloads(),
            s.decode.errors,
            s.decode.defrag.reassembled,
            s.tcp.streams
        )?;
        let extra = [
            (s.tcp.retransmissions, "TCP retransmissions"),
            (s.tcp.gaps, "TCP gaps"),
            (s.keepalive_datagrams + s.stream.keepalives, "keep-alives"),
            (s.decode.defrag.expired + s.decode.defrag.dropped_over_limit, "IP fragments lost"),
            (s.truncated_messages, "truncated SIP messages"),
            (s.bad_content_length, "SIP messages with an invalid Content-Length"),
            (s.stream.tls_streams, "TCP directions carrying TLS (unreadable)"),
            (s.stream.invalid_messages, "invalid SIP messages on streams"),
            (s.filtered, "payloads outside --ports"),
            (s.clock.jumps, "capture clock steps (later times shifted to keep order)"),
        ];
        for (n, what) in extra {
            if n > 0 {
                write!(f, ", {n} {what}")?;
            }
        }
        for (kind, n) in s.decode.undecoded.nonzero().filter(|(k, _)| !k.is_background()) {
            write!(f, ", {n} packets of {}", kind.describe())?;
        }
        Ok(())
    }
}
