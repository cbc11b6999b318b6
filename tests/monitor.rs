//! `sipscope monitor`: the Prometheus endpoint and metrics file pass `promtool check metrics` and
//! count exactly the calls SIPp made (live on loopback, root); the findings stream and the
//! SIGHUP reopen (HEP input, any user); the HTTP endpoint's answers; usage errors.

mod common;

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::sipp::{is_root, scenario, sipp, Proc, WaitRef};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sipscope")
}

/// `GET path` on the endpoint: (status line, body).
fn get(addr: &str, path: &str) -> (String, String) {
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    write!(c, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut s = String::new();
    c.read_to_string(&mut s).unwrap();
    let (head, body) = s.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

/// Waits until the endpoint serves a page: by then the inputs are open (the socket accepts
/// connections as soon as it is bound, but its thread answers only once the monitor runs).
fn wait_up(addr: &str) {
    let t = Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(t.elapsed() < Duration::from_secs(10), "metrics endpoint did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(get(addr, "/metrics").0, "HTTP/1.1 200 OK");
}

/// The value of one sample (`name{labels}`), or 0 when absent.
fn sample(page: &str, series: &str) -> f64 {
    page.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
        .map_or(0.0, |v| v.parse().unwrap())
}

fn promtool_ok(page: &str) {
    let mut p = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus) is installed by `make test`");
    p.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
    let out = p.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool: {}{}\n{page}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Live on loopback while SIPp makes 5 answered calls and 3 refused with 486: the endpoint
/// scraped mid-run and the metrics file written at exit pass promtool, and the counters are the
/// calls SIPp made (requests and responses by method and code at once; ended calls by state
/// once they are handed out, at the latest when the monitor stops).
#[test]
fn metrics_pass_promtool_and_count_what_sipp_did() {
    if !is_root() {
        eprintln!("live monitor test needs root (CI runs as root); not run here");
        return;
    }
    let port = 21_000 + (std::process::id() % 10_000) as u16;
    let addr = format!("127.0.0.1:{port}");
    let file = std::env::temp_dir().join(format!("sipscope-metrics-{}.prom", std::process::id()));
    let mon = Command::new(bin())
        .args(["monitor", "-i", "lo", "-f", "net 127.0.0.160/29", "--metrics", &addr])
        .args(["--metrics-file", file.to_str().unwrap(), "--duration", "25s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = mon.id() as i32;
    let mut mon = Proc(mon);
    wait_up(&addr);
    std::thread::sleep(Duration::from_millis(300));
    let (ok, busy) = (5u32, 3u32);
    for (uas_sc, uac_sc, n, uas_ip, uac_ip, extra) in [
        ("uas_basic.xml", "uac_basic.xml", ok, "127.0.0.161", "127.0.0.162", &[][..]),
        (
            "uas_reject_486.xml",
            "uac_reject.xml",
            busy,
            "127.0.0.163",
            "127.0.0.164",
            &["-key", "server", "m-busy"][..],
        ),
    ] {
        let n = n.to_string();
        let mut uas_args = vec!["-sf".to_string(), scenario(uas_sc), "-i".into(), uas_ip.into(), "-p".into()];
        uas_args.extend(["5060".into(), "-m".into(), n.clone()]);
        uas_args.extend(extra.iter().map(|s| s.to_string()));
        let uas = Proc(sipp(&uas_args.iter().map(String::as_str).collect::<Vec<_>>()).spawn().unwrap());
        std::thread::sleep(Duration::from_millis(300));
        let (target, sc) = (format!("{uas_ip}:5060"), scenario(uac_sc));
        let uac = [&target, "-sf", &sc, "-i", uac_ip, "-p", "5060", "-s", "bob", "-m", &n, "-r", "10"];
        let status = sipp(&uac).status().unwrap();
        assert!(status.success(), "SIPp UAC {uac_sc}: {status}");
        drop(uas);
    }
    std::thread::sleep(Duration::from_millis(1500));
    let (status, page) = get(&addr, "/metrics");
    assert_eq!(status, "HTTP/1.1 200 OK");
    promtool_ok(&page);
    let total = f64::from(ok + busy);
    assert_eq!(sample(&page, "sipscope_sip_requests_total{method=\"INVITE\"}"), total, "{page}");
    assert_eq!(sample(&page, "sipscope_sip_requests_total{method=\"BYE\"}"), f64::from(ok));
    assert_eq!(sample(&page, "sipscope_sip_responses_total{method=\"INVITE\",code=\"200\"}"), f64::from(ok));
    assert_eq!(
        sample(&page, "sipscope_sip_responses_total{method=\"INVITE\",code=\"486\"}"),
        f64::from(busy)
    );
    assert_eq!(sample(&page, "sipscope_capture_drops_total{stage=\"kernel\"}"), 0.0);
    assert!(sample(&page, "sipscope_process_resident_memory_bytes") > 0.0);
    // SIGTERM, as systemd stops it: every call is handed out and the file has the final counts.
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let out = mon.0.wait_with_output_ref();
    let stderr = String::from_utf8_lossy(&out.1);
    assert!(stderr.contains("monitor stopped"), "{stderr}");
    let last = std::fs::read_to_string(&file).unwrap();
    promtool_ok(&last);
    assert_eq!(
        sample(&last, "sipscope_calls_total{kind=\"call\",state=\"completed\"}"),
        f64::from(ok),
        "{last}"
    );
    assert_eq!(
        sample(&last, "sipscope_calls_total{kind=\"call\",state=\"busy\"}"),
        f64::from(busy),
        "{last}"
    );
    assert_eq!(sample(&last, "sipscope_invites_total"), total);
    assert_eq!(sample(&last, "sipscope_session_establishment_ratio"), f64::from(ok) / total);
    assert_eq!(sample(&last, "sipscope_post_dial_delay_seconds_count"), total);
    assert_eq!(sample(&last, "sipscope_calls_active"), 0.0);
    std::fs::remove_file(&file).unwrap();
}

/// Findings as NDJSON to a file; after the file is moved away and SIGHUP sent, new findings go
/// to a new file at the same path, the old one keeps what it had. Fed over HEP (no root needed).
#[test]
fn findings_stream_and_sighup_reopen() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("sipscope-monitor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Started as root, the monitor runs as nobody: the directory must be writable by it to make
    // the file again after rotation (as a logs directory owned by the service user is).
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let path = dir.join("findings.ndjson");
    let port = 31_000 + (std::process::id() % 10_000) as u16;
    let listen = format!("127.0.0.1:{port}");
    let metrics = format!("127.0.0.1:{}", port + 1);
    let log = dir.join("stderr");
    let mon = Command::new(bin())
        .args(["monitor", "-L", &listen, "--metrics", &metrics, "--findings", path.to_str().unwrap()])
        .args(["--duration", "20s"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let pid = mon.id() as i32;
    let mut mon = Proc(mon);
    wait_up(&metrics);
    let send = |capture: &str| {
        let o = Command::new(bin())
            .args(["report", "-r", common::pcap(capture).to_str().unwrap(), "--hep", &listen])
            .output()
            .unwrap();
        assert!(o.status.success());
    };
    let lines = |p: &std::path::Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let wait_lines = |p: &std::path::Path, n: usize| {
        let t = Instant::now();
        while lines(p).len() < n {
            let err = std::fs::read_to_string(&log).unwrap_or_default();
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "{n} findings expected in {p:?}; monitor said: {err}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // The 403 capture: one forbidden-403 finding, raised as soon as the 403 is read.
    send("lab-invite-403-plain.pcap");
    wait_lines(&path, 1);
    let first = lines(&path);
    assert!(first
        .iter()
        .all(|f| f["rule"].is_string() && f["severity"].is_string() && f["summary"].is_string()));
    // SIGHUP with the file still in place: nothing is truncated, writing goes on.
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(lines(&path), first, "a file not moved away is kept as it is");
    let rotated = dir.join("findings.ndjson.1");
    std::fs::rename(&path, &rotated).unwrap();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    std::thread::sleep(Duration::from_millis(300));
    send("lab-busy-486.pcap");
    send("lab-fork-603-nocancel.pcap");
    wait_lines(&path, 1);
    assert_eq!(lines(&rotated), first, "the moved file keeps what it had");
    let rules: Vec<String> = lines(&path).iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    assert!(rules.iter().any(|r| r == "decline-not-honoured"), "{rules:?}");
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let _ = mon.0.wait();
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(stderr.contains("SIGHUP: output files opened again"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn endpoint_answers_metrics_only() {
    let port = 41_000 + (std::process::id() % 10_000) as u16;
    let metrics = format!("127.0.0.1:{port}");
    let mon = Command::new(bin())
        .args([
            "monitor",
            "-L",
            &format!("127.0.0.1:{}", port + 1),
            "--metrics",
            &metrics,
            "--duration",
            "10s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _mon = Proc(mon);
    wait_up(&metrics);
    assert_eq!(get(&metrics, "/nope").0, "HTTP/1.1 404 Not Found");
    assert_eq!(get(&metrics, "/").0, "HTTP/1.1 200 OK");
    let (status, page) = get(&metrics, "/metrics?x=1");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(page.contains("# TYPE sipscope_sip_requests_total counter"), "{page}");
    let mut c = std::net::TcpStream::connect(&metrics).unwrap();
    c.write_all(b"POST /metrics HTTP/1.1\r\n\r\n").unwrap();
    let mut s = String::new();
    c.read_to_string(&mut s).unwrap();
    assert!(s.starts_with("HTTP/1.1 405"), "{s}");
    // Junk without an end of head is cut off at 8 KiB; the endpoint goes on serving.
    let mut c = std::net::TcpStream::connect(&metrics).unwrap();
    c.write_all(&[b'\x1b'; 10_000]).unwrap();
    let mut s = String::new();
    c.read_to_string(&mut s).unwrap();
    assert!(s.starts_with("HTTP/1.1 431"), "{s}");
    assert_eq!(get(&metrics, "/metrics").0, "HTTP/1.1 200 OK");
}

#[test]
fn monitor_needs_an_input() {
    let o = Command::new(bin()).args(["monitor", "--metrics", "127.0.0.1:0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("-i"));
    let o = Command::new(bin()).args(["monitor", "-r", "x.pcap"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "monitor reads live inputs only");
}

/// The short soak (scripts/soak.sh 90 100; `make soak` runs the long one): 9,000 calls at 100
/// calls/s through a live monitor; once calls leave memory the live tables stay flat, memory
/// grows by no more than the remembered Call-IDs explain, nothing is dropped, every call is
/// counted once.
#[test]
fn soak_short_keeps_tables_and_memory_flat() {
    if !is_root() || Command::new("sipp").arg("-v").output().is_err() {
        eprintln!("the soak needs root and SIPp (CI has both); not run here");
        return;
    }
    let dir = std::env::temp_dir().join(format!("sipscope-soak-{}", std::process::id()));
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/soak.sh"))
        .args(["90", "100", dir.to_str().unwrap()])
        .env("SIPSCOPE", bin())
        .env("SOAK_METRICS_PORT", (22_000 + std::process::id() % 10_000).to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("RESULT: PASS"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}
