//! `-L [udp:|tcp:]HOST:PORT`: HEP3 collectors. Kamailio (`siptrace`), OpenSIPS, FreeSWITCH,
//! Asterisk and heplify send each SIP message they handle, with its original addresses and
//! capture time. Each listener is a feeder thread of the live capture ([`Live`]): its packets
//! join the interfaces' in one channel to the engine, as packets of link type HEP, which the
//! decoder reads (`decode::hep`; bad HEP is counted there and skipped). Sockets, threads and the
//! wall clock live here, outside the engine. Per agent (sending host) the packets, bytes, refusals
//! and its capture id are counted in [`Agents`].
//!
//! [`Live`]: crate::capture::live::Live

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Read};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::capture::live::{self, FeedPort, Feeder, PacketBatch};
use crate::decode::hep;
use crate::packet::linktype;

/// Largest HEP packet (its length field is 16 bits).
const MAX_PACKET: usize = 65_535;
/// Agents counted one by one; beyond, they are counted together.
pub const MAX_AGENTS: usize = 1024;
/// TCP connections open at once per listener; more are refused and counted.
pub const MAX_CONNECTIONS: usize = 256;
/// A TCP connection with nothing received for this long is closed (agents send keep-alive
/// traffic or reconnect; a dead peer must not hold one of the [`MAX_CONNECTIONS`] slots).
pub const IDLE_CLOSE: Duration = Duration::from_secs(300);
/// How often a listener looks at the stop flag (and hands over a partial batch).
const POLL: Duration = Duration::from_millis(50);
/// A batch goes to the engine after this many packets or this long.
const BATCH_PACKETS: usize = 256;
const BATCH_AGE: Duration = Duration::from_millis(5);

/// Transport of a HEP listener or sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HepTransport {
    /// One HEP3 packet per datagram (the default).
    Udp,
    /// HEP3 packets back to back on a connection.
    Tcp,
}

/// A HEP address as written on the command line: `HOST:PORT`, `udp:HOST:PORT` or `tcp:HOST:PORT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HepAddr {
    /// UDP or TCP.
    pub transport: HepTransport,
    /// Address and port.
    pub addr: SocketAddr,
}

impl FromStr for HepAddr {
    type Err = String;
    fn from_str(s: &str) -> Result<HepAddr, String> {
        let (transport, rest) = match s.split_once(':') {
            Some(("udp", rest)) => (HepTransport::Udp, rest),
            Some(("tcp", rest)) => (HepTransport::Tcp, rest),
            _ => (HepTransport::Udp, s),
        };
        let bad =
            || format!("'{s}' is not [udp:|tcp:]HOST:PORT (e.g. 0.0.0.0:9060, tcp:homer.example.net:9060)");
        // A name is resolved once, here (the first address it has).
        let addr = match rest.parse() {
            Ok(a) => a,
            Err(_) => {
                std::net::ToSocketAddrs::to_socket_addrs(rest).map_err(|_| bad())?.next().ok_or_else(bad)?
            }
        };
        Ok(HepAddr { transport, addr })
    }
}

impl fmt::Display for HepAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.transport {
            HepTransport::Udp => write!(f, "udp:{}", self.addr),
            HepTransport::Tcp => write!(f, "tcp:{}", self.addr),
        }
    }
}

/// An agent: the host it sends from and the capture id in its packets (several agents on one
/// host have their own ids; a packet too broken to read has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentKey {
    /// Sending host.
    pub host: IpAddr,
    /// Capture id of its packets.
    pub capture_id: Option<u32>,
}

impl fmt::Display for AgentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.capture_id {
            Some(id) => write!(f, "{} id {id}", self.host),
            None => write!(f, "{} (no capture id)", self.host),
        }
    }
}

/// What one agent has sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentCounters {
    /// HEP packets received (accepted or not).
    pub packets: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Packets that were not well-formed HEP3 (the decoder counts why).
    pub malformed: u64,
    /// Packets refused for a missing or wrong authentication key (`--listen-key`).
    pub unauthorised: u64,
}

impl AgentCounters {
    fn add(&mut self, o: &AgentCounters) {
        self.packets += o.packets;
        self.bytes += o.bytes;
        self.malformed += o.malformed;
        self.unauthorised += o.unauthorised;
    }
}

/// Counters per agent, shared by every listener of a run (bounded: [`MAX_AGENTS`] agents, the
/// rest together).
#[derive(Debug, Default)]
pub struct Agents {
    inner: Mutex<AgentTable>,
}

#[derive(Debug, Default)]
struct AgentTable {
    by_agent: HashMap<AgentKey, AgentCounters>,
    others: AgentCounters,
}

impl Agents {
    fn record(&self, agent: AgentKey, delta: &AgentCounters) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if t.by_agent.len() < MAX_AGENTS || t.by_agent.contains_key(&agent) {
            t.by_agent.entry(agent).or_default().add(delta);
        } else {
            t.others.add(delta);
        }
    }

    /// Every agent so far, in order; agents beyond [`MAX_AGENTS`] last, as `None`.
    pub fn snapshot(&self) -> Vec<(Option<AgentKey>, AgentCounters)> {
        let t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let mut v: Vec<_> = t.by_agent.iter().map(|(h, c)| (Some(*h), *c)).collect();
        v.sort_by_key(|(h, _)| *h);
        if t.others != AgentCounters::default() {
            v.push((None, t.others));
        }
        v
    }

    /// All agents together.
    pub fn total(&self) -> AgentCounters {
        let mut sum = AgentCounters::default();
        for (_, c) in self.snapshot() {
            sum.add(&c);
        }
        sum
    }
}

/// A bound HEP listener, not yet running: bind before dropping root, start as a feeder.
pub struct HepListener {
    addr: HepAddr,
    socket: Bound,
    agents: Arc<Agents>,
    key: Option<Vec<u8>>,
}

enum Bound {
    Udp(UdpSocket),
    Tcp(TcpListener),
}

impl HepListener {
    /// Binds `addr`. With `key`, packets whose authentication key differs are refused.
    pub fn bind(addr: HepAddr, key: Option<&str>, agents: Arc<Agents>) -> io::Result<HepListener> {
        let socket = match addr.transport {
            HepTransport::Udp => {
                let s = UdpSocket::bind(addr.addr)?;
                grow_receive_buffer(&s);
                s.set_read_timeout(Some(POLL))?;
                Bound::Udp(s)
            }
            HepTransport::Tcp => {
                let l = TcpListener::bind(addr.addr)?;
                l.set_nonblocking(true)?;
                Bound::Tcp(l)
            }
        };
        Ok(HepListener { addr, socket, agents, key: key.map(|k| k.as_bytes().to_vec()) })
    }

    /// The bound address (the port chosen when binding port 0).
    pub fn local_addr(&self) -> io::Result<HepAddr> {
        let addr = match &self.socket {
            Bound::Udp(s) => s.local_addr()?,
            Bound::Tcp(l) => l.local_addr()?,
        };
        Ok(HepAddr { addr, ..self.addr })
    }

    /// The listener as a feeder thread of a live run.
    pub fn into_feeder(self) -> Feeder {
        let name = format!("hep-{}", self.addr);
        let gate = Gate { agents: self.agents, key: self.key };
        let run: Box<dyn FnOnce(FeedPort) + Send> = match self.socket {
            Bound::Udp(s) => Box::new(move |port| udp_loop(s, gate, port)),
            Bound::Tcp(l) => Box::new(move |port| tcp_accept_loop(l, Arc::new(gate), port)),
        };
        Feeder { name, run }
    }
}

/// Counts each packet for its agent and decides whether it goes to the engine.
struct Gate {
    agents: Arc<Agents>,
    key: Option<Vec<u8>>,
}

impl Gate {
    fn admit(&self, host: IpAddr, packet: &[u8]) -> bool {
        let mut c = AgentCounters { packets: 1, bytes: packet.len() as u64, ..Default::default() };
        let mut agent = AgentKey { host, capture_id: None };
        let admitted = match hep::parse(packet) {
            Ok((h, _)) => {
                let ok = self.key.as_deref().is_none_or(|k| h.auth_key == k);
                // An unauthorised sender's claimed capture id is not trusted (no new agent rows).
                if ok {
                    agent.capture_id = Some(h.capture_id);
                }
                c.unauthorised = u64::from(!ok);
                ok
            }
            // Passed on: the decoder counts what was wrong with it.
            Err(_) => {
                c.malformed = 1;
                self.key.is_none()
            }
        };
        self.agents.record(agent, &c);
        admitted
    }
}

/// A batch being filled for the engine.
struct Batcher {
    batch: PacketBatch,
    since: Instant,
    index: usize,
}

impl Batcher {
    fn new(index: usize) -> Batcher {
        Batcher { batch: empty_batch(index), since: Instant::now(), index }
    }

    fn push(&mut self, data: &[u8]) {
        if self.batch.records.is_empty() {
            self.since = Instant::now();
        }
        let off = self.batch.data.len();
        self.batch.data.extend_from_slice(data);
        self.batch.records.push((live::now(), off, data.len(), data.len() as u32));
    }

    /// Hands the batch over when it is full or old enough (`force`: whenever it holds anything).
    fn flush(&mut self, port: &FeedPort, force: bool) {
        let due = self.batch.records.len() >= BATCH_PACKETS || self.since.elapsed() >= BATCH_AGE;
        if !self.batch.records.is_empty() && (force || due) {
            port.send(std::mem::replace(&mut self.batch, empty_batch(self.index)));
        }
    }
}

fn empty_batch(index: usize) -> PacketBatch {
    PacketBatch {
        linktype: linktype::HEP,
        interface: index,
        data: Vec::with_capacity(32 * 1024),
        records: Vec::with_capacity(BATCH_PACKETS),
    }
}

fn udp_loop(socket: UdpSocket, gate: Gate, port: FeedPort) {
    let mut buf = vec![0u8; MAX_PACKET];
    let mut batch = Batcher::new(port.index());
    let mut drops_at = Instant::now();
    while !port.stopping() {
        match socket.recv_from(&mut buf) {
            Ok((n, agent)) => {
                if gate.admit(agent.ip(), &buf[..n]) {
                    batch.push(&buf[..n]);
                }
                batch.flush(&port, false);
            }
            Err(e) if is_timeout(&e) => batch.flush(&port, true),
            Err(e) => {
                batch.flush(&port, true);
                port.failed(format!("HEP listener {}", local(&socket)), e.to_string());
                return;
            }
        }
        if drops_at.elapsed() >= Duration::from_secs(5) {
            drops_at = Instant::now();
            if let Some(d) = socket_drops(&socket) {
                port.counters().kernel_drops.store(d, Ordering::Relaxed);
            }
        }
    }
    batch.flush(&port, true);
    if let Some(d) = socket_drops(&socket) {
        port.counters().kernel_drops.store(d, Ordering::Relaxed);
    }
}

fn local(socket: &UdpSocket) -> String {
    socket.local_addr().map(|a| a.to_string()).unwrap_or_default()
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted)
}

fn tcp_accept_loop(listener: TcpListener, gate: Arc<Gate>, port: FeedPort) {
    let open = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    while !port.stopping() {
        match listener.accept() {
            Ok((stream, agent)) => {
                threads.retain(|t: &std::thread::JoinHandle<()>| !t.is_finished());
                if open.load(Ordering::Relaxed) >= MAX_CONNECTIONS {
                    // Counted as one malformed packet of that agent: it is told by the close.
                    let key = AgentKey { host: agent.ip(), capture_id: None };
                    gate.agents.record(key, &AgentCounters { malformed: 1, ..Default::default() });
                    continue;
                }
                open.fetch_add(1, Ordering::Relaxed);
                let (gate, port, slot) = (gate.clone(), port.clone_port(), open.clone());
                let spawned = std::thread::Builder::new().name(format!("hep-tcp-{agent}")).spawn(move || {
                    tcp_connection(stream, agent.ip(), &gate, &port);
                    slot.fetch_sub(1, Ordering::Relaxed);
                });
                match spawned {
                    Ok(t) => threads.push(t),
                    Err(_) => {
                        open.fetch_sub(1, Ordering::Relaxed);
                    }
                }
            }
            Err(e) if is_timeout(&e) => std::thread::sleep(POLL),
            // Anything else (a connection that failed before it was accepted, out of file
            // descriptors for a moment) is retried: a collector must not stop taking agents.
            Err(_) => std::thread::sleep(POLL),
        }
    }
    for t in threads {
        let _ = t.join();
    }
}

/// Reads HEP3 packets back to back from one connection until it closes, breaks the framing or
/// the run stops. A stream that does not start a packet with `HEP3` cannot be resynchronised
/// safely and is closed (counted as malformed).
fn tcp_connection(mut stream: TcpStream, host: IpAddr, gate: &Gate, port: &FeedPort) {
    if stream.set_nonblocking(false).is_err() || stream.set_read_timeout(Some(POLL)).is_err() {
        return;
    }
    set_keepalive(&stream);
    let mut heard = Instant::now();
    let mut buf = vec![0u8; 2 * MAX_PACKET];
    let mut held = 0usize;
    let mut batch = Batcher::new(port.index());
    while !port.stopping() {
        match stream.read(&mut buf[held..]) {
            Ok(0) => break,
            Ok(n) => {
                held += n;
                heard = Instant::now();
            }
            Err(e) if is_timeout(&e) => {
                batch.flush(port, true);
                // A connection silent this long holds a slot for an agent that is gone (its host
                // lost power, a NAT forgot the flow): closed, the agent connects again.
                if heard.elapsed() >= IDLE_CLOSE {
                    break;
                }
                continue;
            }
            Err(_) => break,
        }
        let mut at = 0;
        let broken = loop {
            match hep::stream_frame(&buf[at..held]) {
                hep::StreamFrame::Packet(total) => {
                    if gate.admit(host, &buf[at..at + total]) {
                        batch.push(&buf[at..at + total]);
                    }
                    at += total;
                }
                hep::StreamFrame::Partial => break false,
                hep::StreamFrame::Broken => {
                    let key = AgentKey { host, capture_id: None };
                    gate.agents.record(key, &AgentCounters { malformed: 1, ..Default::default() });
                    break true;
                }
            }
        };
        if broken {
            break;
        }
        buf.copy_within(at..held, 0);
        held -= at;
        batch.flush(port, false);
    }
    batch.flush(port, true);
}

/// TCP keep-alive on an agent's connection (probes after 60 s idle), so a peer that vanished is
/// noticed by the kernel. Best effort.
fn set_keepalive(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let fd = stream.as_raw_fd();
    for (level, opt, value) in [
        (libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1),
        (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, 60),
        (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, 10),
        (libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3),
    ] {
        let v: libc::c_int = value;
        // SAFETY: setsockopt on a socket we own, with a pointer to a live c_int and its size.
        unsafe {
            libc::setsockopt(
                fd,
                level,
                opt,
                (&v as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
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

/// Datagrams the kernel dropped on this socket (its receive buffer was full): the `drops` column
/// of `/proc/self/net/udp[6]` for the socket's inode. `None` where that is not readable.
fn socket_drops(socket: &UdpSocket) -> Option<u64> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    let inode = std::fs::metadata(format!("/proc/self/fd/{}", socket.as_raw_fd())).ok()?.ino();
    let table =
        if socket.local_addr().ok()?.is_ipv4() { "/proc/self/net/udp" } else { "/proc/self/net/udp6" };
    udp_drops_for_inode(&std::fs::read_to_string(table).ok()?, inode)
}

/// Finds `inode`'s line in a `/proc/net/udp` table and reads its last column (drops).
fn udp_drops_for_inode(table: &str, inode: u64) -> Option<u64> {
    let inode = inode.to_string();
    table.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        (cols.get(9) == Some(&inode.as_str())).then(|| cols.last()?.parse().ok())?
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_name_their_transport() {
        let a: HepAddr = "0.0.0.0:9060".parse().unwrap();
        assert_eq!(a.transport, HepTransport::Udp);
        let t: HepAddr = "tcp:[::1]:9061".parse().unwrap();
        assert_eq!((t.transport, t.addr.port()), (HepTransport::Tcp, 9061));
        assert_eq!(t.to_string(), "tcp:[::1]:9061");
        assert!("tcp:somewhere".parse::<HepAddr>().is_err());
        assert_eq!("tcp:localhost:9060".parse::<HepAddr>().unwrap().addr.port(), 9060);
        assert!("sctp:1.2.3.4:9060".parse::<HepAddr>().is_err());
    }

    #[test]
    fn drops_are_read_from_the_sockets_line() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
   12: 0100007F:2364 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17\n\
   13: 0100007F:2365 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4243 2 0000000000000000 0\n";
        assert_eq!(udp_drops_for_inode(table, 4242), Some(17));
        assert_eq!(udp_drops_for_inode(table, 4243), Some(0));
        assert_eq!(udp_drops_for_inode(table, 1), None);
    }

    #[test]
    fn agents_beyond_the_limit_are_counted_together() {
        let agents = Agents::default();
        let one = AgentCounters { packets: 1, bytes: 10, ..Default::default() };
        for i in 0..(MAX_AGENTS as u32 + 5) {
            agents.record(AgentKey { host: IpAddr::from(i.to_be_bytes()), capture_id: Some(1) }, &one);
        }
        let snap = agents.snapshot();
        assert_eq!(snap.len(), MAX_AGENTS + 1);
        assert_eq!(
            snap.last().unwrap(),
            &(None, AgentCounters { packets: 5, bytes: 50, ..Default::default() })
        );
        assert_eq!(agents.total().packets, MAX_AGENTS as u64 + 5);
    }
}
