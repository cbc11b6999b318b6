//! No input panics: every bundled capture with bits flipped, bytes overwritten and cuts made,
//! both as whole files (through libpcap) and as frames (straight into the engine).

mod common;

use common::{captures, temp_file};
use sipscope::capture::file::FileSource;
use sipscope::capture::RawPacket;
use sipscope::engine::Engine;

/// xorshift64*: a small deterministic generator so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    match rng.below(4) {
        0 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
        }
        1 => {
            let i = rng.below(data.len());
            let n = rng.below(16).min(data.len() - i);
            for b in &mut data[i..i + n] {
                *b = rng.next() as u8;
            }
        }
        2 => {
            let keep = rng.below(data.len());
            data.truncate(keep.max(1));
        }
        _ => {
            let i = rng.below(data.len());
            let interesting: &[&[u8]] =
                &[b"\r\n\r\n", b"\x00", b"Content-Length: 4294967295\r\n", b"\xff\xff", b",", b"<", b"\""];
            let ins = interesting[rng.below(interesting.len())];
            data.splice(i..i, ins.iter().copied());
        }
    }
}

#[test]
fn mutated_frames_never_panic_the_engine() {
    let mut rng = Rng(0x5eed_0001);
    let mut frames = 0u64;
    for path in captures() {
        let mut src = FileSource::open(path.to_str().unwrap()).unwrap();
        let lt = src.linktype();
        let mut packets = Vec::new();
        while let Ok(Some(p)) = src.next_packet() {
            packets.push((p.ts, p.data.to_vec()));
        }
        for round in 0..40 {
            let mut engine = Engine::default();
            for (ts, data) in &packets {
                let mut d = data.clone();
                if !d.is_empty() && rng.below(3) == 0 {
                    mutate(&mut rng, &mut d);
                }
                // Occasionally replay a frame under another link type.
                let linktype = if round % 10 == 9 { [0, 1, 101, 113, 276][rng.below(5)] } else { lt };
                let pkt = RawPacket { ts: *ts, linktype, data: &d, orig_len: d.len() as u32 };
                engine.ingest(&pkt).for_each(drop);
                frames += 1;
            }
            engine.finish().for_each(drop);
        }
    }
    assert!(frames > 10_000);
}

#[test]
fn mutated_and_truncated_files_never_panic_and_keep_earlier_records() {
    let mut rng = Rng(0x5eed_0002);
    for path in captures() {
        let original = std::fs::read(&path).unwrap();
        for round in 0..12 {
            let mut data = original.clone();
            mutate(&mut rng, &mut data);
            let p = temp_file(&format!("mut-{round}-{}", path.file_name().unwrap().to_string_lossy()), &data);
            let Ok(mut src) = FileSource::open(p.to_str().unwrap()) else { continue };
            let mut engine = Engine::default();
            loop {
                match src.next_packet() {
                    Ok(Some(pkt)) => engine.ingest(&pkt).for_each(drop),
                    Ok(None) => break,
                    Err(e) => {
                        assert_eq!(e.to_string().matches(" records before it were read").count(), 1, "{e}");
                        break;
                    }
                }
            }
            engine.finish().for_each(drop);
            assert_eq!(engine.stats().decode.packets, src.records());
        }
    }
}
