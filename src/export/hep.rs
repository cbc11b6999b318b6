//! `--hep HOST:PORT`: every SIP message sent on as HEP3 over UDP to a collector (Homer's
//! heplify-server, Kamailio's `sipcapture`, another sipscope with `-L`), with its original
//! addresses, ports and capture time, beside any other output. The socket never blocks the run:
//! a datagram the kernel will not take now is dropped and counted.

use std::io;
use std::net::{SocketAddr, UdpSocket};

use crate::correlate::Added;
use crate::decode::hep::{self, Hep};
use crate::driver::Sink;
use crate::sip::{SipMessage, Transport};

/// Counters of the HEP output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HepOutStats {
    /// Packets sent.
    pub sent: u64,
    /// Packets dropped: the socket's buffer was full, or the message too large for HEP3.
    pub dropped: u64,
    /// Send errors (the collector unreachable…), each also a drop.
    pub errors: u64,
    /// Duplicate packets not sent on.
    pub skipped_duplicates: u64,
}

/// The HEP3 sender, as a driver sink.
pub struct HepSender {
    socket: UdpSocket,
    capture_id: u32,
    auth_key: Vec<u8>,
    buf: Vec<u8>,
    /// Counters so far.
    pub stats: HepOutStats,
}

impl HepSender {
    /// A sender to `collector` with the agent id `capture_id` and an optional key.
    pub fn connect(collector: SocketAddr, capture_id: u32, auth_key: Option<&str>) -> io::Result<HepSender> {
        let local: SocketAddr =
            if collector.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().expect("address");
        let socket = UdpSocket::bind(local)?;
        socket.connect(collector)?;
        socket.set_nonblocking(true)?;
        Ok(HepSender {
            socket,
            capture_id,
            auth_key: auth_key.unwrap_or_default().as_bytes().to_vec(),
            buf: Vec::with_capacity(2048),
            stats: HepOutStats::default(),
        })
    }

    /// The counters as one line for standard error.
    pub fn summary(&self) -> String {
        let s = self.stats;
        format!(
            "HEP out: {} handed to the network, {} dropped ({} send errors), {} duplicates not sent",
            s.sent, s.dropped, s.errors, s.skipped_duplicates
        )
    }
}

impl Sink for HepSender {
    fn message(&mut self, msg: &SipMessage, added: Option<Added>) -> io::Result<()> {
        // A second copy of a packet (two agents, or our own HEP coming back) is not sent on:
        // that also breaks a loop between two collectors pointed at each other.
        if added.is_some_and(|a| a.duplicate) {
            self.stats.skipped_duplicates += 1;
            return Ok(());
        }
        let h = Hep {
            src: msg.src,
            dst: msg.dst,
            ip_proto: match msg.transport {
                Transport::Udp => 17,
                Transport::Tcp | Transport::Ws => 6,
                Transport::Sctp => 132,
            },
            ts_sec: msg.ts.secs().clamp(0, i64::from(u32::MAX)) as u32,
            ts_usec: msg.ts.subsec_nanos() / 1000,
            proto_type: hep::proto::SIP,
            capture_id: self.capture_id,
            auth_key: &self.auth_key,
            correlation_id: b"",
            payload: &msg.raw,
        };
        if !hep::encode(&h, &mut self.buf) {
            self.stats.dropped += 1;
            return Ok(());
        }
        match self.socket.send(&self.buf) {
            Ok(_) => self.stats.sent += 1,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.stats.dropped += 1,
            Err(e) => {
                if self.stats.errors == 0 {
                    eprintln!("sipscope: --hep: {e} (further send errors are counted, not shown)");
                }
                self.stats.dropped += 1;
                self.stats.errors += 1;
            }
        }
        Ok(())
    }
}
