//! The floor of any capture reader: libpcap reading every record of a file and touching its
//! bytes, nothing else. `scripts/bench.sh` compares sipscope against it.
//!
//! cargo run --release --example pcap_floor -- FILE

fn main() {
    let path = std::env::args().nth(1).expect("usage: pcap_floor FILE");
    let mut cap = pcap::Capture::from_file(&path).expect("open capture");
    let (mut packets, mut bytes, mut check) = (0u64, 0u64, 0u64);
    while let Ok(p) = cap.next_packet() {
        packets += 1;
        bytes += p.data.len() as u64;
        check = check.wrapping_add(*p.data.last().unwrap_or(&0) as u64);
    }
    println!("{packets} packets, {bytes} bytes (checksum {check})");
}
