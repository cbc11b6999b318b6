//! Whole capture files through the file reader and the engine: whatever the file says, reading
//! stops with an error or at the end, never a crash. Plain Ethernet pcap files, which sipscope
//! reads itself, must read exactly as libpcap reads them: the same records, times, lengths and
//! error (differential check).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipscope_core::capture::file::FileSource;
use sipscope_core::capture::pcap_file::PcapFile;
use sipscope_core::engine::{Engine, EngineConfig};

/// Records as (seconds, sub-second, bytes, wire length), then the error, if any.
type Records = (Vec<(i64, u32, Vec<u8>, u32)>, Option<String>);

fn ours(path: &str) -> Option<Records> {
    let mut f = PcapFile::open(path).ok()??;
    let mut out = Vec::new();
    loop {
        match f.next_packet() {
            Ok(Some(p)) => out.push((p.ts.secs(), p.ts.subsec_nanos(), p.data.to_vec(), p.orig_len)),
            Ok(None) => return Some((out, None)),
            Err(e) => return Some((out, Some(e))),
        }
    }
}

fn libpcap(path: &str) -> Records {
    let mut cap = pcap::Capture::from_file_with_precision(path, pcap::Precision::Nano).expect("libpcap opens it");
    let mut out = Vec::new();
    loop {
        match cap.next_packet() {
            Ok(p) => {
                let ts = sipscope_core::time::Timestamp::from_parts(p.header.ts.tv_sec, p.header.ts.tv_usec as u32);
                out.push((ts.secs(), ts.subsec_nanos(), p.data.to_vec(), p.header.len));
            }
            Err(pcap::Error::NoMorePackets) => return (out, None),
            Err(pcap::Error::PcapError(e)) => return (out, Some(e)),
            Err(e) => return (out, Some(e.to_string())),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        std::path::PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("sipscope-fuzz-{}.pcap", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let path = path.to_str().unwrap();
    if let Some(records) = ours(path) {
        assert_eq!(records, libpcap(path), "the plain pcap reader and libpcap disagree");
    }
    let Ok(mut src) = FileSource::open(path) else { return };
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    while let Ok(Some(p)) = src.next_packet() {
        engine.ingest(&p).for_each(drop);
    }
    engine.finish().for_each(drop);
    engine.drain_finished_calls().for_each(drop);
    engine.drain_findings().for_each(drop);
});
