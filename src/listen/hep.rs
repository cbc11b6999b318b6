//! `-L HOST:PORT`: a HEP3 collector on UDP. Kamailio (`siptrace`), OpenSIPS, FreeSWITCH, Asterisk
//! and heplify send each SIP message they handle, with its original addresses and capture time;
//! every datagram goes to the engine as one packet of link type HEP, which the decoder reads
//! (`decode::hep`). Bad HEP is counted there and skipped. The socket and the wall clock live here,
//! outside the engine.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::packet::{linktype, Pull, RawPacket, Source, SourceError};
use crate::time::Timestamp;

/// Largest HEP datagram read (a HEP3 packet's length field is 16 bits).
const MAX_DATAGRAM: usize = 65_535;

/// A HEP3 listener on UDP, as a driver source.
pub struct HepListener {
    socket: UdpSocket,
    buf: Vec<u8>,
    until: Option<Instant>,
}

impl HepListener {
    /// Binds `addr` (e.g. `0.0.0.0:9060`); stops after `duration` if given, or on SIGINT/SIGTERM.
    pub fn bind(addr: SocketAddr, duration: Option<Duration>) -> io::Result<HepListener> {
        let socket = UdpSocket::bind(addr)?;
        grow_receive_buffer(&socket);
        // Wake up often enough to let time run (timers fire on an idle link) and to stop at once.
        socket.set_read_timeout(Some(Duration::from_millis(50)))?;
        Ok(HepListener { socket, buf: vec![0; MAX_DATAGRAM], until: duration.map(|d| Instant::now() + d) })
    }

    /// The bound address (the port chosen when binding port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}

/// Asks for an 8 MiB receive buffer (as root beyond the system's `rmem_max`): agents send in
/// bursts, and a datagram the buffer cannot hold is lost before we see it. Best effort.
fn grow_receive_buffer(socket: &UdpSocket) {
    use std::os::fd::AsRawFd;
    let size: libc::c_int = 8 << 20;
    for opt in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
        // SAFETY: setsockopt on a socket we own, with a pointer to a live c_int and its size.
        let r = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                opt,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r == 0 {
            return;
        }
    }
}

fn now() -> Timestamp {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_parts(d.as_secs() as i64, d.subsec_nanos())
}

impl Source for HepListener {
    fn pull(&mut self) -> Result<Pull<'_>, SourceError> {
        if crate::signals::stop_requested() || self.until.is_some_and(|u| Instant::now() >= u) {
            return Ok(Pull::End);
        }
        match self.socket.recv_from(&mut self.buf) {
            Ok((n, _agent)) => {
                let data = &self.buf[..n];
                Ok(Pull::Packet(RawPacket { ts: now(), linktype: linktype::HEP, data, orig_len: n as u32 }))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
                ) =>
            {
                Ok(Pull::Idle(now()))
            }
            Err(e) => Err(SourceError { message: format!("HEP listener: {e}"), corrupt: false }),
        }
    }
}
