//! `--hep [tcp:]HOST:PORT`: every SIP message sent on as HEP3 to a collector (Homer's
//! heplify-server, Kamailio's `sipcapture`, another sipscope with `-L`), with its original
//! addresses, ports and capture time, beside any other output. The engine thread only encodes
//! and queues; a sender thread owns the socket. The queue is bounded ([`QUEUE_PACKETS`]): live,
//! a packet that does not fit is dropped and counted (the capture never waits for a slow
//! collector); reading a file, the run waits instead, so nothing is lost. Over TCP a lost
//! connection is made again with a growing pause (0.5 s to 30 s); what is queued meanwhile waits,
//! and what no longer fits is dropped and counted.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::correlate::Added;
use crate::decode::hep::{self, Hep};
use crate::driver::Sink;
use crate::listen::hep::{HepAddr, HepTransport};
use crate::sip::{SipMessage, Transport};

/// Packets queued for the sender thread at most.
pub const QUEUE_PACKETS: usize = 16_384;
/// Longest wait between two attempts to connect over TCP.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// At the end of a run, how long queued packets may take to leave.
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// Counters of the HEP output (shared with the sender thread).
#[derive(Debug, Default)]
pub struct HepOutCounters {
    /// Packets handed to the network.
    pub sent: AtomicU64,
    /// Packets dropped: the queue was full, the message too large for HEP3, or sending failed.
    pub dropped: AtomicU64,
    /// Send or connect errors.
    pub errors: AtomicU64,
    /// TCP connections made after the first.
    pub reconnects: AtomicU64,
    /// Duplicate packets not sent on.
    pub skipped_duplicates: AtomicU64,
    /// Whether the collector is reachable now (UDP: always; TCP: connected).
    pub connected: AtomicBool,
}

impl HepOutCounters {
    fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }

    /// A counter's value.
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

/// The HEP3 sender, as a driver sink.
pub struct HepSender {
    collector: HepAddr,
    capture_id: u32,
    auth_key: Vec<u8>,
    wait_when_full: bool,
    tx: Option<SyncSender<Vec<u8>>>,
    thread: Option<JoinHandle<()>>,
    closing: Arc<AtomicBool>,
    /// Counters so far.
    pub counters: Arc<HepOutCounters>,
}

impl HepSender {
    /// A sender to `collector` with the agent id `capture_id` and an optional key. With
    /// `wait_when_full` (reading a file) a full queue makes the run wait instead of dropping.
    /// A UDP socket is made at once (its errors are returned); a TCP connection is made by the
    /// sender thread, and made again whenever it is lost.
    pub fn start(
        collector: HepAddr,
        capture_id: u32,
        auth_key: Option<&str>,
        wait_when_full: bool,
    ) -> io::Result<HepSender> {
        let counters = Arc::new(HepOutCounters::default());
        let (tx, rx) = sync_channel::<Vec<u8>>(QUEUE_PACKETS);
        let c = counters.clone();
        let closing = Arc::new(AtomicBool::new(false));
        let flag = closing.clone();
        let thread = match collector.transport {
            HepTransport::Udp => {
                let local: SocketAddr =
                    if collector.addr.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }.parse().expect("address");
                let socket = UdpSocket::bind(local)?;
                socket.connect(collector.addr)?;
                counters.connected.store(true, Ordering::Relaxed);
                std::thread::Builder::new().name("hep-out".into()).spawn(move || send_udp(socket, rx, &c))?
            }
            HepTransport::Tcp => {
                let addr = collector.addr;
                std::thread::Builder::new()
                    .name("hep-out".into())
                    .spawn(move || send_tcp(addr, rx, &c, &flag))?
            }
        };
        Ok(HepSender {
            collector,
            capture_id,
            auth_key: auth_key.unwrap_or_default().as_bytes().to_vec(),
            wait_when_full,
            tx: Some(tx),
            thread: Some(thread),
            closing,
            counters,
        })
    }

    /// Lets the queue drain (at most [`DRAIN_TIME`]) and stops the sender thread.
    pub fn close(&mut self) {
        self.closing.store(true, Ordering::Relaxed);
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// The counters as one line for standard error.
    pub fn summary(&self) -> String {
        let c = &*self.counters;
        let g = HepOutCounters::get;
        let mut s = format!(
            "HEP out to {}: {} handed to the network, {} dropped ({} send errors), {} duplicates not sent",
            self.collector,
            g(&c.sent),
            g(&c.dropped),
            g(&c.errors),
            g(&c.skipped_duplicates)
        );
        if self.collector.transport == HepTransport::Tcp {
            s += &format!(", {} reconnections", g(&c.reconnects));
        }
        s
    }
}

impl Drop for HepSender {
    fn drop(&mut self) {
        self.close();
    }
}

impl Sink for HepSender {
    fn message(&mut self, msg: &SipMessage, added: Option<Added>) -> io::Result<()> {
        // A second copy of a packet (two agents, or our own HEP coming back) is not sent on:
        // that also breaks a loop between two collectors pointed at each other.
        if added.is_some_and(|a| a.duplicate) {
            HepOutCounters::add(&self.counters.skipped_duplicates, 1);
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
        let mut packet = Vec::with_capacity(msg.raw.len() + 128);
        if !hep::encode(&h, &mut packet) {
            HepOutCounters::add(&self.counters.dropped, 1);
            return Ok(());
        }
        let Some(tx) = &self.tx else { return Ok(()) };
        let queued = if self.wait_when_full {
            // Reading a file: wait while the collector takes packets; a collector that is
            // unreachable would make the wait endless, so then packets are dropped and counted.
            let mut packet = packet;
            loop {
                match tx.try_send(packet) {
                    Ok(()) => break true,
                    Err(TrySendError::Disconnected(_)) => break false,
                    Err(TrySendError::Full(p)) if self.counters.connected.load(Ordering::Relaxed) => {
                        packet = p;
                        std::thread::sleep(std::time::Duration::from_micros(200));
                    }
                    Err(TrySendError::Full(_)) => break false,
                }
            }
        } else {
            match tx.try_send(packet) {
                Ok(()) => true,
                Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
            }
        };
        if !queued {
            HepOutCounters::add(&self.counters.dropped, 1);
        }
        Ok(())
    }
}

fn send_udp(socket: UdpSocket, rx: Receiver<Vec<u8>>, c: &HepOutCounters) {
    let mut reported = false;
    for packet in rx.iter() {
        match socket.send(&packet) {
            Ok(_) => HepOutCounters::add(&c.sent, 1),
            Err(e) => {
                if !reported {
                    eprintln!("sipscope: --hep: {e} (further send errors are counted, not shown)");
                    reported = true;
                }
                HepOutCounters::add(&c.dropped, 1);
                HepOutCounters::add(&c.errors, 1);
            }
        }
    }
}

/// Keeps a connection to `addr` and writes every queued packet on it. A packet whose write
/// failed is dropped (a collector cannot tell how much of it arrived); connecting is retried with
/// a doubling pause. Once `closing` is set, what is queued has [`DRAIN_TIME`] to leave; what is
/// left then is counted as dropped.
fn send_tcp(addr: SocketAddr, rx: Receiver<Vec<u8>>, c: &HepOutCounters, closing: &AtomicBool) {
    let mut conn: Option<TcpStream> = None;
    let mut connected_once = false;
    let mut backoff = Duration::from_millis(500);
    let mut retry_at = Instant::now();
    let mut deadline: Option<Instant> = None;
    let mut reported = false;
    loop {
        if closing.load(Ordering::Relaxed)
            && Instant::now() >= *deadline.get_or_insert(Instant::now() + DRAIN_TIME)
        {
            break;
        }
        if conn.is_none() && Instant::now() >= retry_at {
            match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
                    if connected_once {
                        HepOutCounters::add(&c.reconnects, 1);
                    }
                    connected_once = true;
                    backoff = Duration::from_millis(500);
                    conn = Some(s);
                    c.connected.store(true, Ordering::Relaxed);
                }
                Err(e) => {
                    HepOutCounters::add(&c.errors, 1);
                    if !reported {
                        eprintln!(
                            "sipscope: --hep tcp:{addr}: {e} (trying again; further errors are counted)"
                        );
                        reported = true;
                    }
                    retry_at = Instant::now() + backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        // Not connected: packets wait in the queue (the sink drops what no longer fits).
        let Some(stream) = conn.as_mut() else {
            std::thread::sleep(
                Duration::from_millis(50).min(retry_at.saturating_duration_since(Instant::now())),
            );
            continue;
        };
        let packet = match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(p) => p,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        match stream.write_all(&packet) {
            Ok(()) => HepOutCounters::add(&c.sent, 1),
            Err(e) => {
                HepOutCounters::add(&c.errors, 1);
                HepOutCounters::add(&c.dropped, 1);
                if !reported {
                    eprintln!("sipscope: --hep tcp:{addr}: {e} (connecting again)");
                    reported = true;
                }
                conn = None;
                c.connected.store(false, Ordering::Relaxed);
                retry_at = Instant::now();
            }
        }
    }
    HepOutCounters::add(&c.dropped, rx.try_iter().count() as u64);
    if let Some(mut s) = conn {
        let _ = s.flush();
    }
}
