//! The metrics endpoint (`--metrics HOST:PORT`): a minimal HTTP/1.1 server on its own thread
//! that answers `GET /metrics` with the latest exposition the metrics sink rendered, `GET /`
//! with a pointer to it, and anything else with 404 or 405. One request per connection, read
//! with a timeout and a size limit; connections are served one at a time (a scraper calls
//! every few seconds). It never touches the engine: it copies a string under a lock.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Longest request head read.
const MAX_REQUEST: usize = 8 * 1024;

/// The running endpoint.
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Binds `addr` (do it before dropping root, for a port under 1024).
    pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
        let l = TcpListener::bind(addr)?;
        l.set_nonblocking(true)?;
        Ok(l)
    }

    /// Serves `page` on `listener` until stopped.
    pub fn start(listener: TcpListener, page: Arc<Mutex<String>>) -> io::Result<MetricsServer> {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new().name("metrics-http".into()).spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let _ = serve(conn, &page);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(50)),
                }
            }
        })?;
        Ok(MetricsServer { addr, stop, thread: Some(thread) })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut conn: TcpStream, page: &Mutex<String>) -> io::Result<()> {
    conn.set_nonblocking(false)?;
    conn.set_read_timeout(Some(Duration::from_secs(2)))?;
    conn.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && !buf.windows(2).any(|w| w == b"\n\n") {
        let n = conn.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_REQUEST {
            respond(
                &mut conn,
                "431 Request Header Fields Too Large",
                "text/plain",
                b"request too large\n",
                false,
            )?;
            return drain_and_close(conn);
        }
    }
    let line = buf.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ');
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let head = method == b"HEAD";
    if method != b"GET" && !head {
        return respond(&mut conn, "405 Method Not Allowed", "text/plain", b"GET /metrics\n", head);
    }
    let path = target.split(|&b| b == b'?').next().unwrap_or_default();
    match path {
        b"/metrics" => {
            let body = page.lock().unwrap_or_else(|e| e.into_inner()).clone();
            respond(&mut conn, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body.as_bytes(), head)
        }
        b"/" => respond(
            &mut conn,
            "200 OK",
            "text/plain; charset=utf-8",
            b"sipscope monitor: Prometheus metrics at /metrics\n",
            head,
        ),
        _ => respond(&mut conn, "404 Not Found", "text/plain", b"not found; metrics are at /metrics\n", head),
    }
}

/// Closes after an early answer without resetting the connection: the client's unread bytes
/// would make the kernel send a reset, which can discard the answer before it is read.
fn drain_and_close(mut conn: TcpStream) -> io::Result<()> {
    conn.shutdown(std::net::Shutdown::Write)?;
    conn.set_read_timeout(Some(Duration::from_millis(500)))?;
    let mut sink = [0u8; 4096];
    let mut left = 1 << 20;
    while left > 0 {
        match conn.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => left -= n.min(left),
        }
    }
    Ok(())
}

fn respond(conn: &mut TcpStream, status: &str, ctype: &str, body: &[u8], head: bool) -> io::Result<()> {
    write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if !head {
        conn.write_all(body)?;
    }
    conn.flush()
}
