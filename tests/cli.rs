//! The real `sipscope` binary: golden text output, NDJSON against its JSON schema, the stderr
//! summary, and what it does with broken, truncated and non-capture files.

mod common;

use std::process::{Command, Output};

use common::{pcap, pcap_file, temp_file};

/// Runs the binary for a 100-column terminal (text reports fit `COLUMNS`).
fn sipscope(args: &[&str]) -> Output {
    sipscope_at(args, 100)
}

fn sipscope_at(args: &[&str], columns: usize) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .env("COLUMNS", columns.to_string())
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Compares with `tests/golden/NAME`, or rewrites it when `UPDATE_GOLDEN=1`.
fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing golden {path:?}; run with UPDATE_GOLDEN=1"));
    assert_eq!(actual, want, "output differs from {path:?}");
}

#[test]
fn messages_text_golden_outputs() {
    for file in ["lab-fork-603-then-200.pcap", "lab-tcp-coalesced-split.pcap", "lab-basic-udp-ipv6.pcap"] {
        let o = sipscope(&["messages", "-r", pcap(file).to_str().unwrap()]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        golden(&format!("messages-{}.txt", file.trim_end_matches(".pcap")), &stdout(&o));
    }
}

/// Every bundled capture has a reviewed report, text and JSON (`tests/golden/reports/`): what a
/// VoIP engineer reads about it. A change to any explanation, state or count shows up here and
/// must be read again before the golden is rewritten (`UPDATE_GOLDEN=1`).
#[test]
fn every_capture_has_a_reviewed_golden_report() {
    for path in common::captures() {
        let name = path.file_name().unwrap().to_str().unwrap().trim_end_matches(".pcap").to_string();
        for (format, ext) in [("text", "text"), ("json", "json")] {
            let o = sipscope(&["report", "-r", path.to_str().unwrap(), "--format", format]);
            assert!(o.status.success(), "{name}: {}", stderr(&o));
            golden(&format!("reports/{name}.{ext}"), &stdout(&o));
        }
    }
}

#[test]
fn summary_line_on_stderr() {
    let o = sipscope(&["messages", "-r", pcap("lab-tcp-coalesced-split.pcap").to_str().unwrap()]);
    assert_eq!(
        stderr(&o).trim(),
        "sipscope: 39 packets, 16 SIP messages, 0 non-SIP payloads, 0 decode errors, 0 reassembled IP datagrams, 2 TCP streams, 2 keep-alives"
    );
    let o = sipscope(&["messages", "-r", pcap("lab-ip-fragmented-invite.pcap").to_str().unwrap()]);
    assert!(
        stderr(&o).contains(
            "12 packets, 7 SIP messages, 0 non-SIP payloads, 0 decode errors, 2 reassembled IP datagrams"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_ndjson_line_of_every_capture_matches_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../docs/schema/message.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut lines = 0;
    for path in common::captures() {
        let o = sipscope(&["messages", "-r", path.to_str().unwrap(), "--format", "ndjson"]);
        assert!(o.status.success());
        for line in stdout(&o).lines() {
            let v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{path:?}: {e}: {line}"));
            if let Err(e) = validator.validate(&v) {
                panic!("{path:?}: {e}: {line}");
            }
            lines += 1;
        }
    }
    assert!(lines > 250, "{lines}");
}

#[test]
fn standard_input_is_read_with_dash() {
    let data = std::fs::read(pcap("lab-basic-udp.pcap")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .args(["messages", "-r", "-", "--format", "ndjson"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().count(), 7);
}

#[test]
fn truncated_capture_reports_where_and_keeps_what_came_before() {
    let data = std::fs::read(pcap("lab-basic-udp.pcap")).unwrap();
    // Cut in the middle of the 5th record.
    let fifth = sipscope::capture::file::locate_record(pcap("lab-basic-udp.pcap").to_str().unwrap(), 4)
        .unwrap() as usize;
    let cut = temp_file("truncated.pcap", &data[..fifth + 40]);
    let o = sipscope(&["messages", "-r", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 4, "the four complete records are still shown");
    let err = stderr(&o);
    assert!(err.contains(&format!("capture broken at record 5 (byte offset {fifth})")), "{err}");
    assert!(err.contains("4 packets, 4 SIP messages"), "summary of what was read: {err}");
}

#[test]
fn garbage_after_valid_records_and_oversized_records() {
    let mut data = std::fs::read(pcap("lab-busy-486.pcap")).unwrap();
    let valid_len = data.len();
    data.extend_from_slice(&[0xff; 40]);
    let p = temp_file("garbage-after.pcap", &data);
    let o = sipscope(&["messages", "-r", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4));
    assert_eq!(stdout(&o).lines().count(), 4);
    assert!(stderr(&o).contains(&format!("record 5 (byte offset {valid_len})")), "{}", stderr(&o));

    // A record header announcing more than the snapshot length.
    let mut f = pcap_file(101, &[vec![0x45; 20]]);
    f[16..20].copy_from_slice(&100u32.to_le_bytes()); // snaplen 100
    f.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
    f.extend_from_slice(&5000u32.to_le_bytes());
    f.extend_from_slice(&5000u32.to_le_bytes());
    let p = temp_file("oversized.pcap", &f);
    let o = sipscope(&["messages", "-r", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("record 2"), "{}", stderr(&o));
}

#[test]
fn not_a_capture_missing_file_and_directory() {
    let p = temp_file("not-a-capture.pcap", b"this is a text file, not a capture\n");
    let o = sipscope(&["messages", "-r", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.starts_with(&format!("sipscope: {}: cannot read capture: ", p.display())), "{err}");
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
    let o = sipscope(&["messages", "-r", "/nonexistent/x.pcap"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/x.pcap: cannot read capture"));
    let o = sipscope(&["messages", "-r", "/tmp"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is a directory"));
    let empty = temp_file("empty.pcap", b"");
    let o = sipscope(&["messages", "-r", empty.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn bad_ports_argument_is_a_usage_error() {
    let o = sipscope(&["messages", "-r", "x", "--ports", "5060-abc"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--ports"));
}

#[test]
fn ports_option_narrows_the_listing() {
    let f = pcap("lab-basic-udp-ipv6.pcap");
    let o = sipscope(&["messages", "-r", f.to_str().unwrap(), "--ports", "5070"]);
    assert_eq!(stdout(&o).lines().count(), 7);
    let o = sipscope(&["messages", "-r", f.to_str().unwrap(), "--ports", "5080,6000-6010"]);
    assert_eq!(stdout(&o).lines().count(), 0);
    assert!(stderr(&o).contains("7 payloads outside --ports"), "{}", stderr(&o));
}

#[test]
fn terminal_escapes_in_sip_never_reach_text_output() {
    let hostile = b"INVITE sip:bob@x SIP/2.0\r\nCall-ID: \x1b]0;pwned\x07\x1b[2J\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n".to_vec();
    let frame = common::ip_udp(common::addr("192.0.2.1:5060"), common::addr("192.0.2.2:5060"), &hostile);
    let p = temp_file("escapes.pcap", &pcap_file(101, &[frame]));
    for format in ["text", "ndjson"] {
        let o = sipscope(&["messages", "-r", p.to_str().unwrap(), "--format", format]);
        assert!(o.status.success());
        assert!(!o.stdout.iter().any(|&b| b == 0x1b || b == 0x07), "{format}: {:?}", stdout(&o));
        assert!(stdout(&o).contains("pwned"));
    }
}

#[test]
fn truncated_pcapng_reports_the_block_offset() {
    let path = pcap("lab-basic-tcp.pcapng");
    let data = std::fs::read(&path).unwrap();
    let tenth = sipscope::capture::file::locate_record(path.to_str().unwrap(), 9).unwrap() as usize;
    // The block of record 10 starts with type 6 (Enhanced Packet Block).
    assert_eq!(&data[tenth..tenth + 4], &6u32.to_le_bytes());
    let cut = temp_file("truncated.pcapng", &data[..tenth + 30]);
    let o = sipscope(&["messages", "-r", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!("record 10 (byte offset {tenth})")), "{}", stderr(&o));
}

/// The report is the same bytes on every run: calls that end on the same tick of capture time
/// come out in one order, whatever order the correlator's hash map holds them in (its keys are
/// random per process, so this test failed before the order was fixed).
#[test]
fn report_is_identical_from_run_to_run_and_matches_the_golden_output() {
    let demo = pcap("demo.pcap");
    for format in ["json", "text"] {
        let runs: Vec<String> = (0..3)
            .map(|_| {
                let o = sipscope(&["report", "--format", format, "-r", demo.to_str().unwrap()]);
                assert!(o.status.success(), "{}", stderr(&o));
                stdout(&o)
            })
            .collect();
        assert!(runs.windows(2).all(|w| w[0] == w[1]), "{format} report differs between runs");
        golden(&format!("report-demo.{format}"), &runs[0]);
    }
}

/// The text report fits the width it is given (`COLUMNS`): no line longer, at 60, 80, 100 and
/// 200 columns, on every bundled capture; each call is one line (as many as the JSON report
/// has calls), listed by start time as its header says, with its details indented under it.
#[test]
fn text_report_fits_the_width_one_call_a_line_by_start_time() {
    for path in common::captures() {
        let p = path.to_str().unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&sipscope(&["report", "-r", p, "--format", "json"]).stdout).unwrap();
        let mut starts: Vec<String> = json["calls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["start"].as_str().unwrap().to_string())
            .collect();
        starts.sort();
        for columns in [60, 80, 100, 200] {
            let o = sipscope_at(&["report", "-r", p], columns);
            assert!(o.status.success(), "{p}: {}", stderr(&o));
            let text = stdout(&o);
            for line in text.lines() {
                assert!(line.chars().count() <= columns, "{p} at {columns}: {line:?}");
            }
            let lines: Vec<&str> = text.lines().collect();
            // Call lines: a time of day after two spaces; the date lines before them.
            let mut listed = Vec::new();
            let mut day = String::new();
            for (i, l) in lines.iter().enumerate() {
                let b = l.as_bytes();
                if l.len() == 12 && b[2].is_ascii_digit() && b[6] == b'-' {
                    day = l.trim().to_string();
                } else if l.len() > 14
                    && b[2].is_ascii_digit()
                    && b[4] == b':'
                    && b[7] == b':'
                    && b[10] == b'.'
                {
                    listed.push(format!("{day}T{}", &l[2..14]));
                    // Its details follow, indented further.
                    assert!(lines[i + 1].starts_with("      "), "{p}: {}", lines[i + 1]);
                }
            }
            assert_eq!(listed.len(), starts.len(), "{p} at {columns}: one line per call");
            let mut sorted = listed.clone();
            sorted.sort();
            assert_eq!(listed, sorted, "{p} at {columns}: listed by start time");
            let millis: Vec<String> = starts.iter().map(|s| s[..23].to_string()).collect();
            assert_eq!(listed, millis, "{p} at {columns}: the calls of the JSON report, by start time");
        }
    }
}

/// On standard input (a pipe from tcpdump, or live) someone is watching: calls are written as
/// they end, and the header says so; the same calls as the file's start-ordered report.
#[test]
fn text_report_on_standard_input_lists_calls_as_they_end() {
    let path = pcap("demo.pcap");
    let from_file = stdout(&sipscope(&["report", "-r", path.to_str().unwrap()]));
    let o = Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .env("COLUMNS", "100")
        .args(["report", "-r", "-"])
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let piped = stdout(&o);
    assert!(piped.starts_with("Calls in the order they ended (UTC)"), "{piped}");
    assert!(from_file.starts_with("Calls by start time (UTC)"), "{from_file}");
    let calls = |t: &str| {
        let mut v: Vec<String> =
            t.lines().filter(|l| l.starts_with("      ") && l.contains(" | ")).map(String::from).collect();
        v.sort();
        v
    };
    assert_eq!(calls(&piped), calls(&from_file), "the same calls either way");
}
