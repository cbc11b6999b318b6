//! The real binary in a real terminal (tmux): open lab-fork-603-nocancel.pcap, see the call and
//! its finding, open it, see the ladder with the 603 and the later 200, go back, filter, quit,
//! and check that the shell is usable afterwards (terminal restored).

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::sipp::{is_root, scenario, sipp, Proc};

struct Session(String);

impl Session {
    fn tmux(&self, args: &[&str]) -> String {
        let o = Command::new("tmux").args(args).output().expect("tmux is installed by `make test`");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.0];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }
    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", &self.0])
    }
    /// Waits until the screen no longer contains `text` (or fails after a few seconds).
    fn wait_gone(&self, text: &str) {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if !s.contains(text) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "timed out waiting for {text:?} to go; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    /// Waits until the screen contains `text` (or fails after a few seconds).
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "timed out waiting for {text:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.0]).output();
    }
}

#[test]
fn operator_walkthrough_in_tmux() {
    let name = format!("sipscope-test-{}", std::process::id());
    let bin = env!("CARGO_BIN_EXE_sipscope");
    let pcap = concat!(env!("CARGO_MANIFEST_DIR"), "/pcaps/lab-fork-603-nocancel.pcap");
    let st = Command::new("tmux")
        .args(["new-session", "-d", "-s", &name, "-x", "160", "-y", "45", "sh"])
        .env("TERM", "xterm-256color")
        .status()
        .expect("tmux is installed by `make test`");
    assert!(st.success());
    let s = Session(name);
    s.keys(&[&format!("{bin} -r {pcap}"), "Enter"]);
    // The call and its finding marker.
    let screen = s.wait_for("1 with findings");
    assert!(screen.contains("completed") && screen.contains("200 OK") && screen.contains('✖'), "{screen}");
    // Open it: the ladder shows the 603 and, later, the 200.
    s.keys(&["Enter"]);
    let ladder = s.wait_for("lab-fork-nocancel-1@127.0.0.10 · 28 messages");
    let at_603 = ladder.find("603 Decline").unwrap();
    let later_200 = ladder[at_603..].find("200 OK").is_some();
    assert!(later_200, "a 200 after the 603 in the ladder:\n{ladder}");
    assert!(ladder.contains("decline-not-honoured"), "{ladder}");
    // Back, filter, quit.
    s.keys(&["Escape"]);
    s.wait_for("Calls 1 shown of 1");
    s.keys(&["/", "n", "o", "m", "a", "t", "c", "h", "Enter"]);
    s.wait_for("Calls 0 shown of 1");
    s.keys(&["Escape"]);
    s.wait_for("Calls 1 shown of 1");
    s.keys(&["q"]);
    // The shell is usable again: a command runs and prints where the dashboard was.
    s.keys(&["echo shell-$((40+2))-ok", "Enter"]);
    let after = s.wait_for("shell-42-ok");
    assert!(!after.contains("Calls 1 shown"), "alternate screen left:\n{after}");
}

/// Media in a real terminal: the one-way call shows its finding, its call view shows the one
/// stream and both descriptions, and the streams view lists it.
#[test]
fn one_way_audio_in_tmux() {
    let name = format!("sipscope-media-{}", std::process::id());
    let bin = env!("CARGO_BIN_EXE_sipscope");
    let pcap = concat!(env!("CARGO_MANIFEST_DIR"), "/pcaps/media-one-way.pcap");
    let st = Command::new("tmux")
        .args(["new-session", "-d", "-s", &name, "-x", "160", "-y", "45", "sh"])
        .env("TERM", "xterm-256color")
        .status()
        .expect("tmux is installed by `make test`");
    assert!(st.success());
    let s = Session(name);
    s.keys(&[&format!("{bin} -r {pcap}"), "Enter"]);
    s.wait_for("1 with findings");
    s.keys(&["Enter"]);
    let call = s.wait_for("media: 1 streams");
    assert!(call.contains("INVITE (SDP)") && call.contains("200 OK (SDP)"), "{call}");
    assert!(call.contains("caller PCMU") && call.contains("127.0.0.11:16200 → 127.0.0.12:26200"), "{call}");
    assert!(call.contains("SDP #0 INVITE caller 127.0.0.11:16200 sendrecv"), "{call}");
    assert!(call.contains("one-way-media") && call.contains("One-way audio: the callee"), "{call}");
    // One key at a time, each once the screen has answered the last: an Escape that reaches
    // the terminal in the same read as the next key is read as Alt and that key.
    s.keys(&["Escape"]);
    s.wait_gone("media: 1 streams");
    s.keys(&["Tab"]);
    s.wait_for("Findings 1 ·");
    s.keys(&["Tab"]);
    let streams = s.wait_for("RTP streams 1");
    assert!(streams.contains("media-one-way-1@127.0.0.11"), "{streams}");
    s.keys(&["q"]);
}

/// The dashboard live on loopback (root): a call appears within a second of its INVITE, and `q`
/// exits at once on an idle link. The test sends the INVITE itself (and the ACK), so the second
/// is timed from the moment the INVITE left, whatever the load on the machine; SIPp answers as
/// the phone.
#[test]
fn live_dashboard_shows_calls_within_a_second_and_quits_at_once() {
    if !is_root() {
        eprintln!("live dashboard test needs root (CI runs as root); not run here");
        return;
    }
    let name = format!("sipscope-live-{}", std::process::id());
    let bin = env!("CARGO_BIN_EXE_sipscope");
    assert!(Command::new("tmux")
        .args(["new-session", "-d", "-s", &name, "-x", "160", "-y", "45", "sh"])
        .status()
        .unwrap()
        .success());
    let s = Session(name);
    s.keys(&[&format!("{bin} -i lo -f 'net 127.0.0.128/27'"), "Enter"]);
    s.wait_for("live lo");
    let mut uas = Proc(
        sipp(&["-sf", &scenario("uas_ring_decline.xml"), "-i", "127.0.0.131", "-m", "1", "-p", "5060"])
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(300));
    let phone = "127.0.0.131:5060";
    let sock = std::net::UdpSocket::bind("127.0.0.130:5060").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let call_id = format!("tmux-live-{}@127.0.0.130", std::process::id());
    let head = |method: &str, to: &str| {
        format!(
            "{method} sip:bob@{phone} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.130:5060;branch=z9hG4bK-tmux-live\r\nFrom: <sip:alice@127.0.0.130:5060>;tag=tmux\r\n{to}\r\nCall-ID: {call_id}\r\nCSeq: 1 {method}\r\nContact: <sip:alice@127.0.0.130:5060>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
        )
    };
    sock.send_to(head("INVITE", &format!("To: <sip:bob@{phone}>")).as_bytes(), phone).unwrap();
    let sent = Instant::now();
    // On screen ringing within a second of the INVITE, and before the 603 (a second after the
    // 180): not first shown declined.
    let ringing = s.wait_for("ringing");
    assert!(sent.elapsed() < Duration::from_millis(1000), "call shown after {:?}", sent.elapsed());
    assert!(!ringing.contains("declined"), "the call was first shown declined:\n{ringing}");
    // The 603 comes; it is acknowledged as a caller would, with the phone's To tag.
    let mut buf = [0u8; 4096];
    let to = loop {
        let (n, _) = sock.recv_from(&mut buf).expect("the phone answers 603");
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        if text.starts_with("SIP/2.0 603") {
            break text.lines().find(|l| l.starts_with("To:")).expect("a To header").to_string();
        }
    };
    sock.send_to(head("ACK", &to).as_bytes(), phone).unwrap();
    s.wait_for("declined");
    assert!(uas.0.wait().unwrap().success());
    // Idle link now: q ends at once and the shell is back.
    std::thread::sleep(Duration::from_millis(500));
    let t = Instant::now();
    s.keys(&["q"]);
    s.keys(&["echo live-$((40+2))-done", "Enter"]);
    s.wait_for("live-42-done");
    assert!(t.elapsed() < Duration::from_millis(1500), "quit took {:?}", t.elapsed());
}

/// The dashboard as a HEP3 collector: `sipscope -L` shows the call agents send, and `q` quits.
#[test]
fn dashboard_listening_for_hep_shows_the_call_agents_send() {
    let port = 30_000 + (std::process::id() % 20_000) as u16;
    let listen = format!("127.0.0.1:{port}");
    let name = format!("sipscope-hep-{}", std::process::id());
    let bin = env!("CARGO_BIN_EXE_sipscope");
    let st = Command::new("tmux")
        .args(["new-session", "-d", "-s", &name, "-x", "160", "-y", "45", "sh"])
        .env("TERM", "xterm-256color")
        .status()
        .expect("tmux is installed by `make test`");
    assert!(st.success());
    let s = Session(name);
    s.keys(&[&format!("{bin} -L {listen}"), "Enter"]);
    s.wait_for(&format!("HEP udp:{listen}"));
    // The messages of a lab call, sent as an agent would.
    let mut src = sipscope::capture::file::FileSource::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/pcaps/lab-basic-udp.pcap"
    ))
    .unwrap();
    let mut engine = sipscope::engine::Engine::new(Default::default());
    let mut msgs = Vec::new();
    while let Some(p) = src.next_packet().unwrap() {
        msgs.extend(engine.ingest(&p));
    }
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as u32;
    for (i, m) in msgs.iter().enumerate() {
        let out = common::hep_packet(m, 7, now, (i as u32) * 1000);
        sock.send_to(&out, &listen).unwrap();
    }
    // The row appears with the INVITE; wait until the whole call has arrived.
    let screen = s.wait_for("completed");
    assert!(
        screen.contains("Calls 1 shown of 1")
            && screen.contains("completed")
            && screen.contains("200 OK")
            && screen.contains("bob@127.0.0.11"),
        "{screen}"
    );
    s.keys(&["q"]);
    // The shell comes back (keys typed before it does would go to the closing dashboard).
    let start = Instant::now();
    while s.screen().contains("Calls 1 shown of 1") {
        assert!(start.elapsed() < Duration::from_secs(5), "q did not quit:\n{}", s.screen());
        std::thread::sleep(Duration::from_millis(50));
    }
    s.keys(&["echo hep-done-$((40+2))", "Enter"]);
    s.wait_for("hep-done-42");
}
