//! Whole capture files through libpcap and the engine: whatever the file says, reading stops
//! with an error or at the end, never a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sipscope_core::capture::file::FileSource;
use sipscope_core::engine::{Engine, EngineConfig};

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
    let Ok(mut src) = FileSource::open(path.to_str().unwrap()) else { return };
    let mut engine = Engine::new(EngineConfig { correlate: Some(Default::default()), ..Default::default() });
    while let Ok(Some(p)) = src.next_packet() {
        engine.ingest(&p).for_each(drop);
    }
    engine.finish().for_each(drop);
    engine.drain_finished_calls().for_each(drop);
    engine.drain_findings().for_each(drop);
});
