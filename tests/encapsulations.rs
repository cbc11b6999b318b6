//! Issue 12 item 11, "never silently zero": SIP inside PPPoE sessions, PPP in enhanced GRE
//! (PPTP) and GTP-U is decoded; what carries no SIP is counted by kind; capture formats libpcap
//! cannot read get an error naming the format and the conversion. Captures made by
//! `scripts/make-encap-captures.py` (tshark's facts in `pcaps/ENCAP.md`).

mod common;

use common::{pcap, run_file};
use sipscope::decode::encap::Undecoded;

#[test]
fn sip_inside_access_and_mobile_encapsulations() {
    for (file, undecoded) in [
        ("encap-pppoe.pcap", &[(Undecoded::PppoeDiscovery, 4), (Undecoded::PppControl, 2)][..]),
        ("encap-pppoe-ipv6.pcap", &[(Undecoded::PppoeDiscovery, 4), (Undecoded::PppControl, 2)][..]),
        ("encap-gre-ppp.pcap", &[][..]),
        ("encap-gtpu.pcap", &[(Undecoded::GtpSignalling, 4)][..]),
        ("encap-gtpu-ipv6.pcap", &[(Undecoded::GtpSignalling, 4)][..]),
    ] {
        let run = run_file(&pcap(file)).unwrap();
        assert_eq!(run.messages.len(), 7, "{file}: INVITE 100 180 200 ACK BYE 200");
        let s = run.stats;
        assert_eq!(s.decode.errors, 0, "{file}");
        let counted: Vec<(Undecoded, u64)> = s.decode.undecoded.nonzero().collect();
        assert_eq!(counted, undecoded, "{file}: every packet without SIP is accounted for");
        let sip_packets = s.decode.packets - counted.iter().map(|(_, n)| n).sum::<u64>();
        assert_eq!(sip_packets, 7, "{file}");
    }
}

#[test]
fn summary_names_what_was_not_decoded() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sipscope"))
        .args(["messages", "-r", pcap("encap-pppoe.pcap").to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4 packets of PPPoE discovery"), "{err}");
    assert!(err.contains("2 packets of PPP control frames"), "{err}");
}

#[test]
fn foreign_capture_formats_are_named_with_their_conversion() {
    for (file, format) in [
        ("format-snoop.snoop", "snoop"),
        ("format-netmon2.cap", "Network Monitor 2.x"),
        ("format-netmon1.cap", "Network Monitor 1.x"),
        ("format-sniffer.enc", "Sniffer (DOS)"),
        ("format-erf.erf", "Endace ERF"),
    ] {
        let path = pcap(file);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sipscope"))
            .args(["report", "-r", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(format), "{file}: {err}");
        assert!(err.contains(&format!("editcap -F pcap {}", path.display())), "{file}: {err}");
    }
    // Near miss: a real pcap opens; an empty file is not named as anything.
    assert!(sipscope::capture::file::sniff_format(pcap("lab-basic-udp.pcap").to_str().unwrap()).is_none());
}
