//! The RTP and RTCP of a call, read back from its capture file for a saved call (`s` on the
//! dashboard): the dashboard keeps a call's SIP messages but not its media packets, so they are
//! fetched again from the file, by the streams' addresses and time span, and re-framed like the
//! messages.

use std::io;
use std::net::SocketAddr;

use crate::capture::file::FileSource;
use crate::decode::{Decoder, Segment};
use crate::time::Timestamp;

/// One stream to fetch: sender, receiver, and the capture times of its first and last packets.
pub type Wanted = (SocketAddr, SocketAddr, Timestamp, Timestamp);

/// The UDP datagrams of the wanted streams in `path`, as (capture time, frame) pairs re-framed
/// by [`super::pcap::frame`]. RTCP travels between the same hosts on the next ports up (or the
/// same ports when multiplexed) and comes along. Stops at the first unreadable packet, keeping
/// what was read.
pub fn frames(path: &str, wanted: &[Wanted]) -> io::Result<Vec<(i64, Vec<u8>)>> {
    let found = read(path, wanted, true)?;
    if found.is_empty() && !wanted.is_empty() {
        // The engine's times differ from the file's after a clock step it absorbed: match on
        // the addresses alone.
        return read(path, wanted, false);
    }
    Ok(found)
}

fn read(path: &str, wanted: &[Wanted], by_time: bool) -> io::Result<Vec<(i64, Vec<u8>)>> {
    let mut src = FileSource::open(path).map_err(|e| io::Error::other(e.to_string()))?;
    let mut decoder = Decoder::default();
    let mut out = Vec::new();
    let matches = |s: SocketAddr, d: SocketAddr, ts: Timestamp| {
        wanted.iter().any(|&(ws, wd, from, to)| {
            let rtcp = |a: SocketAddr, b: SocketAddr| {
                a.ip() == b.ip() && (a.port() == b.port() || Some(a.port()) == b.port().checked_add(1))
            };
            let pair = (rtcp(s, ws) && rtcp(d, wd)) || (rtcp(s, wd) && rtcp(d, ws));
            pair && (!by_time || (ts >= from.plus_millis(-1_000) && ts <= to.plus_millis(10_000)))
        })
    };
    while let Ok(Some(pkt)) = src.next_packet() {
        decoder.decode(&pkt, &mut |d| {
            if let Segment::Udp(payload) = d.segment {
                if matches(d.src, d.dst, d.ts) {
                    if let Some(f) = super::pcap::frame(d.src, d.dst, None, payload) {
                        out.push((d.ts.0, f));
                    }
                }
            }
        });
    }
    Ok(out)
}
