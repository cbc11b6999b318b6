//! Live capture with libpcap: one thread per interface, packets handed over in batches through a
//! bounded channel. The capture threads never wait for the engine: a batch that does not fit in
//! the channel is dropped and counted. Kernel and interface drops come from `pcap_stats`.
//!
//! The kernel ring is opened in libpcap's buffered mode (TPACKET_V3 on Linux: packets packed
//! by their real size into blocks, handed over when a block fills or after [`BLOCK_TIMEOUT_MS`]),
//! not immediate mode: immediate mode gives every packet a slot as large as the interface's MTU,
//! 64 KiB on `lo` and `any`, so a 128 MiB buffer held about a thousand packets (10 ms at
//! 100,000 packets/s). The handle is non-blocking and the thread waits in `poll(2)` itself, so a
//! batch is handed over as soon as the ring is empty (nothing waits for a next packet on a
//! quiet link) and a stop is seen within [`IDLE_POLL_MS`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use crate::packet::Drops;
use crate::packet::{PortSet, Pull, RawPacket, Source, SourceError};
use crate::time::Timestamp;

/// How to capture.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Interfaces (`any` for all of them on Linux).
    pub interfaces: Vec<String>,
    /// A BPF expression replacing the default filter.
    pub filter: Option<String>,
    /// Ports of the default filter.
    pub ports: PortSet,
    /// UDP ports where the default filter also admits RTP and RTCP (`None`: signalling only).
    pub rtp_ports: Option<PortSet>,
    /// Kernel buffer per interface, in MiB.
    pub buffer_mib: usize,
}

/// The default ports: 5060-5061 and 5080.
pub fn default_ports() -> PortSet {
    PortSet::parse("5060-5061,5080").expect("valid default ports")
}

/// The default BPF filter: SIP ports over UDP, TCP and SCTP, plus every IP fragment (a
/// port-only filter would drop every fragment after the first, which has no ports), plus, when
/// `rtp_ports` is given, UDP on those ports whose first payload byte says RTP/RTCP version 2
/// (`10xxxxxx`): media without capturing all UDP. libpcap's `udp[]` reads IPv4 only, so IPv6 is
/// tested at its fixed offset (40-byte header, 8-byte UDP header: byte 48).
pub fn default_filter(ports: &PortSet, rtp_ports: Option<&PortSet>) -> String {
    let ranges =
        |p: &PortSet, prefix: &str| -> String {
            let v: Vec<String> =
                p.ranges()
                    .iter()
                    .map(|&(a, b)| {
                        if a == b {
                            format!("{prefix}port {a}")
                        } else {
                            format!("{prefix}portrange {a}-{b}")
                        }
                    })
                    .collect();
            v.join(" or ")
        };
    let sip = ranges(ports, "");
    let frag = "(ip and ip[6:2] & 0x3fff != 0)";
    match rtp_ports {
        None => format!("({sip}) or {frag} or (ip6 and ip6[6] == 44) or (vlan and (({sip}) or {frag}))"),
        Some(rtp) => {
            let rtp_ports = ranges(rtp, "udp ");
            let v4 = format!("(ip and ({rtp_ports}) and udp[8] & 0xc0 == 0x80)");
            let v6 = format!("(ip6 and ip6[6] == 17 and ({rtp_ports}) and ip6[48] & 0xc0 == 0x80)");
            format!(
                "({sip}) or {frag} or (ip6 and ip6[6] == 44) or {v4} or {v6} or (vlan and (({sip}) or {frag} or {v4} or {v6}))"
            )
        }
    }
}

/// The default media ports: every unprivileged UDP port (RTP uses dynamic ports).
pub fn default_rtp_ports() -> PortSet {
    PortSet::parse("1024-65535").expect("valid default ports")
}

/// Counters of one input (an interface or a HEP listener), as its thread last read them.
#[derive(Debug, Default)]
pub struct InputCounters {
    /// Packets the kernel handed over (pcap_stats `ps_recv`).
    pub received: AtomicU64,
    /// Packets the kernel dropped for lack of buffer space (`ps_drop`; a listener's socket
    /// drops).
    pub kernel_drops: AtomicU64,
    /// Packets the interface or driver dropped (`ps_ifdrop`).
    pub interface_drops: AtomicU64,
}

/// Counters shared by the capture threads and feeders.
#[derive(Debug, Default)]
pub struct LiveCounters {
    /// Per input, in the order they were started (interfaces, then feeders).
    pub inputs: Vec<InputCounters>,
    /// Packets we dropped because the engine was behind (queue full).
    pub queue_drops: AtomicU64,
}

/// Batch of packets from one interface: captured bytes back to back.
#[derive(Debug, Default)]
pub struct PacketBatch {
    /// Link type of the interface.
    pub linktype: i32,
    /// Index of the interface in [`LiveOptions::interfaces`].
    pub interface: usize,
    /// Bytes of all packets.
    pub data: Vec<u8>,
    /// (capture time, offset, length, length on the wire) per packet.
    pub records: Vec<(Timestamp, usize, usize, u32)>,
}

/// What the capture threads report.
#[derive(Debug)]
pub enum LiveEvent {
    /// Packets.
    Packets(PacketBatch),
    /// An interface stopped delivering (down, removed, error).
    Failed {
        /// Interface name.
        interface: String,
        /// What libpcap said.
        message: String,
    },
}

/// Opening an interface failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// No permission to capture.
    Permission(String),
    /// Any other failure (no such device, bad filter…).
    Other(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Permission(iface) => write!(
                f,
                "no permission to capture on {iface}: run with sudo, or let the binary capture without root: sudo setcap cap_net_raw,cap_net_admin=eip $(command -v sipscope)"
            ),
            OpenError::Other(m) => f.write_str(m),
        }
    }
}

/// Interfaces opened and ready to start.
#[derive(Default)]
pub struct Opened {
    captures: Vec<(String, pcap::Capture<pcap::Active>)>,
}

impl Opened {
    /// No interface (a run fed by HEP listeners only).
    pub fn none() -> Opened {
        Opened::default()
    }

    /// Link types of the opened interfaces.
    pub fn linktypes(&self) -> Vec<i32> {
        self.captures.iter().map(|(_, c)| c.get_datalink().0).collect()
    }
}

/// Opens every interface with the filter (do this before dropping privileges).
pub fn open(opts: &LiveOptions) -> Result<Opened, OpenError> {
    let filter = opts.filter.clone().unwrap_or_else(|| default_filter(&opts.ports, opts.rtp_ports.as_ref()));
    let mut captures = Vec::new();
    for name in &opts.interfaces {
        let classify = |e: pcap::Error| {
            let m = e.to_string();
            let lower = m.to_lowercase();
            if lower.contains("permission") || lower.contains("not permitted") {
                OpenError::Permission(name.clone())
            } else {
                OpenError::Other(format!("cannot capture on {name}: {m}"))
            }
        };
        let cap = pcap::Capture::from_device(name.as_str())
            .map_err(classify)?
            .immediate_mode(false)
            .snaplen(262_144)
            .buffer_size((opts.buffer_mib.clamp(1, 4096) << 20) as i32)
            .timeout(BLOCK_TIMEOUT_MS)
            .open()
            .map_err(classify)?
            .setnonblock()
            .map_err(classify)?;
        let mut cap = cap;
        cap.filter(&filter, true)
            .map_err(|e| OpenError::Other(format!("bad capture filter \"{filter}\": {e}")))?;
        captures.push((name.clone(), cap));
    }
    Ok(Opened { captures })
}

/// Running capture threads (one per interface) and any other feeders (HEP listeners).
pub struct Live {
    /// Events from the capture threads.
    pub rx: Receiver<LiveEvent>,
    /// Shared counters.
    pub counters: Arc<LiveCounters>,
    stop: Arc<AtomicBool>,
    breakers: Vec<pcap::BreakLoop>,
    threads: Vec<JoinHandle<()>>,
}

/// What a feeder thread that is not a libpcap capture (a HEP listener) is given: the channel to
/// the engine, the shared counters and the stop flag, which it must look at every 100 ms or so.
pub struct FeedPort {
    tx: SyncSender<LiveEvent>,
    counters: Arc<LiveCounters>,
    stop: Arc<AtomicBool>,
    index: usize,
}

impl FeedPort {
    /// Hands a batch to the engine; when the engine is behind the batch is dropped and its
    /// packets counted as queue drops (a feeder never waits for the engine).
    pub fn send(&self, batch: PacketBatch) {
        let n = batch.records.len() as u64;
        if let Err(TrySendError::Full(_)) = self.tx.try_send(LiveEvent::Packets(batch)) {
            self.counters.queue_drops.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Reports that this feeder stopped for good.
    pub fn failed(&self, input: String, message: String) {
        let _ = self.tx.send(LiveEvent::Failed { interface: input, message });
    }

    /// Whether the run is stopping.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// A second port for another thread of the same feeder (a connection of a TCP listener).
    pub fn clone_port(&self) -> FeedPort {
        FeedPort {
            tx: self.tx.clone(),
            counters: self.counters.clone(),
            stop: self.stop.clone(),
            index: self.index,
        }
    }

    /// This input's place in [`PacketBatch::interface`] and [`LiveCounters::inputs`].
    pub fn index(&self) -> usize {
        self.index
    }

    /// This input's counters (a listener sets its socket's drops here).
    pub fn counters(&self) -> &InputCounters {
        &self.counters.inputs[self.index]
    }
}

/// A feeder thread's body, started by [`Live::start`] with its port.
pub struct Feeder {
    /// Thread name.
    pub name: String,
    /// What the thread runs.
    pub run: Box<dyn FnOnce(FeedPort) + Send>,
}

impl Live {
    /// Starts one thread per opened interface and one per feeder, all into one channel.
    pub fn start(opened: Opened, feeders: Vec<Feeder>) -> Live {
        let (tx, rx) = sync_channel(1024);
        let inputs = opened.captures.len() + feeders.len();
        let counters = Arc::new(LiveCounters {
            inputs: (0..inputs).map(|_| InputCounters::default()).collect(),
            queue_drops: AtomicU64::new(0),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let mut breakers = Vec::new();
        let mut threads = Vec::new();
        let interfaces = opened.captures.len();
        for (i, (name, mut cap)) in opened.captures.into_iter().enumerate() {
            breakers.push(cap.breakloop_handle());
            let (tx, counters, stop) = (tx.clone(), counters.clone(), stop.clone());
            threads.push(
                std::thread::Builder::new()
                    .name(format!("capture-{name}"))
                    .spawn(move || capture_loop(i, name, cap, tx, counters, stop))
                    .expect("spawn capture thread"),
            );
        }
        for (i, f) in feeders.into_iter().enumerate() {
            let port = FeedPort {
                tx: tx.clone(),
                counters: counters.clone(),
                stop: stop.clone(),
                index: interfaces + i,
            };
            let run = f.run;
            threads.push(
                std::thread::Builder::new()
                    .name(f.name)
                    .spawn(move || run(port))
                    .expect("spawn feeder thread"),
            );
        }
        Live { rx, counters, stop, breakers, threads }
    }

    /// Stops the capture threads at once and waits for them.
    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for b in &self.breakers {
            b.breakloop();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }

    /// Drop counters so far.
    pub fn drops(&self) -> Drops {
        self.counters.drops()
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Longest a captured packet waits in a partly filled kernel block (the dashboard's latency).
pub const BLOCK_TIMEOUT_MS: i32 = 20;
/// How long the capture thread sleeps in `poll(2)` on a quiet link before it looks at its stop
/// flag and counters again.
pub const IDLE_POLL_MS: i32 = 100;

/// Waits until `fd` is readable or `ms` milliseconds passed.
fn wait_readable(fd: std::os::unix::io::RawFd, ms: i32) {
    let mut p = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    // SAFETY: `p` is one valid pollfd that outlives the call; poll only writes its `revents`.
    unsafe {
        libc::poll(&mut p, 1, ms);
    }
}

fn capture_loop(
    index: usize,
    name: String,
    mut cap: pcap::Capture<pcap::Active>,
    tx: SyncSender<LiveEvent>,
    counters: Arc<LiveCounters>,
    stop: Arc<AtomicBool>,
) {
    let linktype = cap.get_datalink().0;
    let new_batch = || PacketBatch {
        linktype,
        interface: index,
        data: Vec::with_capacity(64 * 1024),
        records: Vec::with_capacity(256),
    };
    let mut batch = new_batch();
    let mut sent_at = Instant::now();
    let mut stats_at = Instant::now();
    let send = |batch: PacketBatch, counters: &LiveCounters| {
        let n = batch.records.len() as u64;
        if let Err(TrySendError::Full(_)) = tx.try_send(LiveEvent::Packets(batch)) {
            counters.queue_drops.fetch_add(n, Ordering::Relaxed);
        }
    };
    let fd = std::os::unix::io::AsRawFd::as_raw_fd(&cap);
    while !stop.load(Ordering::Relaxed) {
        match cap.next_packet() {
            Ok(p) => {
                #[allow(clippy::unnecessary_cast)]
                let ts = Timestamp::from_parts(
                    p.header.ts.tv_sec as i64,
                    (p.header.ts.tv_usec as u32).saturating_mul(1000),
                );
                let off = batch.data.len();
                batch.data.extend_from_slice(p.data);
                batch.records.push((ts, off, p.data.len(), p.header.len));
            }
            Err(pcap::Error::TimeoutExpired) => {
                // The ring is empty: hand over what was read, then wait for the kernel.
                if !batch.records.is_empty() {
                    send(std::mem::replace(&mut batch, new_batch()), &counters);
                    sent_at = Instant::now();
                }
                wait_readable(fd, IDLE_POLL_MS);
            }
            Err(e) => {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if !batch.records.is_empty() {
                    send(std::mem::replace(&mut batch, new_batch()), &counters);
                }
                let _ = tx.send(LiveEvent::Failed { interface: name.clone(), message: e.to_string() });
                return;
            }
        }
        if !batch.records.is_empty()
            && (batch.records.len() >= 256 || sent_at.elapsed() >= Duration::from_millis(5))
        {
            send(std::mem::replace(&mut batch, new_batch()), &counters);
            sent_at = Instant::now();
        }
        if stats_at.elapsed() >= Duration::from_millis(500) {
            stats_at = Instant::now();
            read_stats(&mut cap, &counters.inputs[index]);
        }
    }
    if !batch.records.is_empty() {
        send(batch, &counters);
    }
    read_stats(&mut cap, &counters.inputs[index]);
}

/// Copies libpcap's counters of one interface into its [`InputCounters`].
fn read_stats(cap: &mut pcap::Capture<pcap::Active>, into: &InputCounters) {
    if let Ok(s) = cap.stats() {
        into.received.store(s.received as u64, Ordering::Relaxed);
        into.kernel_drops.store(s.dropped as u64, Ordering::Relaxed);
        into.interface_drops.store(s.if_dropped as u64, Ordering::Relaxed);
    }
}

/// The interfaces libpcap can capture on, with their descriptions.
pub fn list_interfaces() -> Result<Vec<(String, String)>, String> {
    pcap::Device::list()
        .map(|v| v.into_iter().map(|d| (d.name, d.desc.unwrap_or_default())).collect())
        .map_err(|e| e.to_string())
}

/// Gives up root: switches to `user` (and its group, with no supplementary groups). Does nothing
/// when not running as root. Call after the capture handles are open.
pub fn drop_privileges(user: &str) -> Result<bool, String> {
    // SAFETY: plain libc calls; getpwnam's result is read before any other call that may reuse it.
    unsafe {
        if libc::geteuid() != 0 {
            return Ok(false);
        }
        let name = std::ffi::CString::new(user).map_err(|_| format!("bad user name {user:?}"))?;
        let pw = libc::getpwnam(name.as_ptr());
        if pw.is_null() {
            return Err(format!("no such user {user:?} to switch to (--user)"));
        }
        let (uid, gid) = ((*pw).pw_uid, (*pw).pw_gid);
        if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(gid) != 0 || libc::setuid(uid) != 0 {
            return Err(format!("could not switch to user {user:?}: {}", std::io::Error::last_os_error()));
        }
        if libc::setuid(0) == 0 {
            return Err("root could be regained after switching users; refusing to continue".into());
        }
    }
    Ok(true)
}

/// The current time as a capture timestamp (live mode ticks).
pub fn now() -> Timestamp {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_parts(d.as_secs() as i64, d.subsec_nanos())
}

/// Live interfaces as a [`Source`]: packets as the capture threads deliver them, an idle tick
/// (wall-clock capture time) when nothing arrived for `tick`, a notice when an interface stops,
/// and the end when `stop_when` says so, the duration is over or every interface failed; the
/// packets already queued are still delivered after the stop.
pub struct LiveSource {
    live: Live,
    interfaces: usize,
    failed: usize,
    batch: Option<PacketBatch>,
    pos: usize,
    until: Option<std::time::Instant>,
    stop_when: Box<dyn Fn() -> bool + Send>,
    tick: std::time::Duration,
    stopping: bool,
}

impl LiveSource {
    /// Wraps running capture threads of `interfaces` interfaces.
    pub fn new(
        live: Live,
        interfaces: usize,
        duration: Option<std::time::Duration>,
        stop_when: Box<dyn Fn() -> bool + Send>,
        tick: std::time::Duration,
    ) -> LiveSource {
        let until = duration.map(|d| std::time::Instant::now() + d);
        LiveSource {
            live,
            interfaces,
            failed: 0,
            batch: None,
            pos: 0,
            until,
            stop_when,
            tick,
            stopping: false,
        }
    }

    /// How long to wait for packets before an idle tick (and a look at the stop conditions).
    pub fn with_tick(mut self, tick: std::time::Duration) -> Self {
        self.tick = tick;
        self
    }

    fn stop_now(&self) -> bool {
        (self.stop_when)()
            || self.until.is_some_and(|u| std::time::Instant::now() >= u)
            || self.failed >= self.interfaces
    }
}

impl Source for LiveSource {
    fn pull(&mut self) -> Result<Pull<'_>, SourceError> {
        use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
        while self.batch.as_ref().is_none_or(|b| self.pos >= b.records.len()) {
            self.batch = None;
            if !self.stopping && self.stop_now() {
                self.stopping = true;
                self.live.stop();
            }
            let ev = if self.stopping {
                match self.live.rx.try_recv() {
                    Ok(ev) => ev,
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => return Ok(Pull::End),
                }
            } else {
                match self.live.rx.recv_timeout(self.tick) {
                    Ok(ev) => ev,
                    Err(RecvTimeoutError::Timeout) => return Ok(Pull::Idle(now())),
                    Err(RecvTimeoutError::Disconnected) => return Ok(Pull::End),
                }
            };
            match ev {
                LiveEvent::Packets(b) => {
                    self.batch = Some(b);
                    self.pos = 0;
                }
                LiveEvent::Failed { interface, message } => {
                    self.failed += 1;
                    return Ok(Pull::Notice(format!("capture on {interface} stopped: {message}")));
                }
            }
        }
        let b = self.batch.as_ref().expect("a batch with records left");
        let (ts, off, len, orig_len) = b.records[self.pos];
        self.pos += 1;
        Ok(Pull::Packet(RawPacket { ts, linktype: b.linktype, data: &b.data[off..off + len], orig_len }))
    }

    fn drops(&self) -> Drops {
        self.live.drops()
    }
}

impl LiveSource {
    /// Whether the run ended because every input failed (not a signal or the duration).
    pub fn all_failed(&self) -> bool {
        self.interfaces > 0 && self.failed >= self.interfaces
    }

    /// The capture's shared counters (drops), readable from another place while it runs.
    pub fn counters(&self) -> Arc<LiveCounters> {
        self.live.counters.clone()
    }
}

impl LiveCounters {
    /// Drops counted so far.
    pub fn drops(&self) -> Drops {
        let sum = |f: fn(&InputCounters) -> &AtomicU64| {
            self.inputs.iter().map(|i| f(i).load(Ordering::Relaxed)).sum::<u64>()
        };
        Drops {
            kernel: sum(|i| &i.kernel_drops),
            interface: sum(|i| &i.interface_drops),
            queue: self.queue_drops.load(Ordering::Relaxed),
        }
    }
}
