//! Media stage: session descriptions (SDP) in SIP bodies, and the RTP and RTCP they set up.
//!
//! [`sdp`] reads descriptions; every address a call announces goes into the [`MediaTable`], so a
//! UDP datagram that is not SIP but is RTP or RTCP ([`rtp::classify`]) to or from one of those
//! addresses is attached to that call (to or from: a sender behind NAT is matched by where it
//! sends, the answer to it by where it comes from, as symmetric RTP latching works). Per call,
//! [`call::CallMedia`] holds the descriptions, the [`stream::RtpStream`]s with their loss and
//! jitter, and what RTCP ([`rtcp`]) receivers reported; [`quality`] turns them into an
//! estimated MOS. Memory is bounded by the endpoint table's size and the caps per call.

pub mod call;
pub mod codec;
pub mod quality;
pub mod rtcp;
pub mod rtp;
pub mod sdp;
pub mod stream;

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

pub use call::{CallMedia, RtcpSummary, SdpRecord};
pub use rtp::MediaPacket;
pub use sdp::{Direction, MediaDesc, Sdp};
pub use stream::RtpStream;

/// Settings of the media stage.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// Most announced media addresses held at once.
    pub max_endpoints: usize,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig { max_endpoints: 262_144 }
    }
}

/// Counters of the media stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MediaStats {
    /// Session descriptions read.
    pub sdp: u64,
    /// RTP packets attached to a call.
    pub rtp_packets: u64,
    /// RTCP packets attached to a call.
    pub rtcp_packets: u64,
    /// Datagrams that looked like RTP or RTCP but went to and came from no announced address.
    pub unmatched: u64,
    /// Media addresses not recorded because the table was full.
    pub endpoints_refused: u64,
    /// Media addresses held now.
    pub endpoints: u64,
}

/// Most calls remembered as announcing one address at once (newest first): a B2BUA that passes
/// SDP through unchanged puts the same address in both its legs.
pub const MAX_CLAIMS: usize = 4;

/// What kind of media an announced address carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// `m=audio`.
    #[default]
    Audio,
    /// `m=video`.
    Video,
    /// Anything else carried over RTP.
    Other,
}

impl Kind {
    /// Of an `m=` section's media type.
    pub fn of(desc: &MediaDesc) -> Kind {
        match desc.kind.as_bytes() {
            k if k.eq_ignore_ascii_case(b"audio") => Kind::Audio,
            k if k.eq_ignore_ascii_case(b"video") => Kind::Video,
            _ => Kind::Other,
        }
    }

    /// Name in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Audio => "audio",
            Kind::Video => "video",
            Kind::Other => "other",
        }
    }
}

/// One call's claim on an address.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The call (its Call-ID).
    pub call_id: Arc<[u8]>,
    /// The correlator's key of that Call-ID, so that a packet finds its call without hashing
    /// the Call-ID again.
    pub call_key: u64,
    /// The media of the section that announced it.
    pub kind: Kind,
    /// Announced as such (an `m=` port or `a=rtcp`), not only implied (RTCP on the port above
    /// RTP): an implied claim never takes packets from an announced one.
    pub explicit: bool,
    /// When the call last announced it.
    pub at: crate::time::Timestamp,
}

/// Claims made this close to the newest one (ms) are taken as legs of one B2BUA passing the
/// same SDP through, and all get the packets; older ones (a call whose BYE was not captured,
/// on a port reused since) do not.
pub const SAME_SESSION_MS: i64 = 10_000;

/// The claims on one address: nearly always one, held inline; more only in B2BUA and
/// port-reuse cases.
#[derive(Debug)]
enum Claims {
    One(Claim),
    Many(Vec<Claim>),
}

impl Claims {
    fn as_slice(&self) -> &[Claim] {
        match self {
            Claims::One(c) => std::slice::from_ref(c),
            Claims::Many(v) => v,
        }
    }

    /// Puts `claim` first (replacing the same call's), keeping at most [`MAX_CLAIMS`].
    fn put_first(&mut self, claim: Claim) {
        let mut v = match std::mem::replace(self, Claims::Many(Vec::new())) {
            Claims::One(c) if c.call_id[..] == claim.call_id[..] => {
                let explicit = c.explicit || claim.explicit;
                *self = Claims::One(Claim { explicit, ..claim });
                return;
            }
            Claims::One(c) => vec![c],
            Claims::Many(v) => v,
        };
        let mut claim = claim;
        if let Some(i) = v.iter().position(|c| c.call_id[..] == claim.call_id[..]) {
            claim.explicit |= v.remove(i).explicit;
        }
        v.insert(0, claim);
        v.truncate(MAX_CLAIMS);
        *self = if v.len() == 1 { Claims::One(v.pop().expect("one claim")) } else { Claims::Many(v) };
    }

    /// Drops a call's claim; returns whether none is left.
    fn drop_call(&mut self, call_id: &[u8]) -> bool {
        match self {
            Claims::One(c) => c.call_id[..] == *call_id,
            Claims::Many(v) => {
                v.retain(|c| c.call_id[..] != *call_id);
                v.is_empty()
            }
        }
    }
}

/// A media address as the table's key: hashed as one or two words (family, address, port) with
/// the map's keyed hash, instead of field by field; equal exactly when the addresses are. An IPv6
/// address's flow label and scope are left out of the hash on purpose (equal addresses still
/// hash equal; the rare ones differing only there share a bucket). Every RTP packet is looked
/// up by its addresses, so this hash runs once or twice a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AddrKey(SocketAddr);

impl std::hash::Hash for AddrKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // One or two words made in registers: an IPv4 address is one word of the hash instead
        // of 19 bytes (three words) laid out in a buffer and read back.
        match self.0 {
            SocketAddr::V4(a) => {
                let ip = u64::from(a.ip().to_bits());
                state.write_u64(4 | ip << 8 | u64::from(a.port()) << 40);
            }
            SocketAddr::V6(a) => {
                state.write_u128(a.ip().to_bits());
                state.write_u32(6 | u32::from(a.port()) << 8);
            }
        }
    }
}

/// Which calls announced each media address.
#[derive(Default)]
pub struct MediaTable {
    config: MediaConfig,
    owners: HashMap<AddrKey, Claims>,
    stats: MediaStats,
}

impl MediaTable {
    /// An empty table.
    pub fn new(config: MediaConfig) -> Self {
        MediaTable { config, owners: HashMap::new(), stats: MediaStats::default() }
    }

    /// Counters so far.
    pub fn stats(&self) -> MediaStats {
        MediaStats { endpoints: self.owners.len() as u64, ..self.stats }
    }

    /// Counts one description read.
    pub fn note_sdp(&mut self) {
        self.stats.sdp += 1;
    }

    /// Records that a call announced `addr`. The newest claim comes first (ports are reused
    /// from call to call); older live claims stay, up to [`MAX_CLAIMS`].
    #[allow(clippy::too_many_arguments)]
    pub fn announce(
        &mut self,
        call_id: &Arc<[u8]>,
        call_key: u64,
        addr: SocketAddr,
        kind: Kind,
        explicit: bool,
        at: crate::time::Timestamp,
        media: &mut CallMedia,
    ) {
        if !media.endpoints.contains(&addr) {
            if media.endpoints.len() >= call::MAX_ENDPOINTS {
                self.stats.endpoints_refused += 1;
                return;
            }
            media.endpoints.push(addr);
        }
        let claim = Claim { call_id: call_id.clone(), call_key, kind, explicit, at };
        let full = self.owners.len() >= self.config.max_endpoints;
        if full {
            // A lookup only: an entry would reserve room, and the table may not grow now.
            match self.owners.get_mut(&AddrKey(addr)) {
                Some(claims) => claims.put_first(claim),
                None => self.stats.endpoints_refused += 1,
            }
        } else {
            // One lookup whether the address is claimed already or not.
            match self.owners.entry(AddrKey(addr)) {
                Entry::Occupied(claims) => claims.into_mut().put_first(claim),
                Entry::Vacant(place) => {
                    place.insert(Claims::One(claim));
                }
            }
        }
    }

    /// The calls a datagram between `src` and `dst` may belong to: the claims on its
    /// destination, else on its source; announced claims only, when there are any.
    pub fn claims(&self, src: SocketAddr, dst: SocketAddr) -> impl Iterator<Item = &Claim> {
        let found = if self.owners.is_empty() {
            None
        } else {
            self.owners.get(&AddrKey(dst)).or_else(|| self.owners.get(&AddrKey(src)))
        };
        let list: &[Claim] = found.map_or(&[], Claims::as_slice);
        let any_explicit = list.iter().any(|c| c.explicit);
        list.iter().filter(move |c| c.explicit || !any_explicit)
    }

    /// Counts a media packet attached, or one that matched no call.
    pub fn count(&mut self, packet: &MediaPacket, attached: bool) {
        match (attached, packet) {
            (false, _) => self.stats.unmatched += 1,
            (true, MediaPacket::Rtp(_)) => self.stats.rtp_packets += 1,
            (true, MediaPacket::Rtcp) => self.stats.rtcp_packets += 1,
        }
    }

    /// Forgets a call's claims on the addresses it announced, except `keep` (the addresses the
    /// Call-ID's next part, already live, announced again).
    pub fn forget(&mut self, call_id: &[u8], media: &CallMedia, keep: &[SocketAddr]) {
        for a in media.endpoints.iter().filter(|a| !keep.contains(a)) {
            let key = AddrKey(*a);
            if self.owners.get_mut(&key).is_some_and(|claims| claims.drop_call(call_id)) {
                self.owners.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: crate::time::Timestamp = crate::time::Timestamp(0);

    fn ids(t: &MediaTable, dst: &str) -> Vec<String> {
        let a: SocketAddr = "203.0.113.1:9".parse().unwrap();
        t.claims(a, dst.parse().unwrap()).map(|c| String::from_utf8_lossy(&c.call_id).into_owned()).collect()
    }

    #[test]
    fn claims_newest_first_bounded_and_forgotten_per_call() {
        let mut t = MediaTable::new(MediaConfig::default());
        let (mut m1, mut m2) = (CallMedia::default(), CallMedia::default());
        let (k1, k2): (Arc<[u8]>, Arc<[u8]>) = (Arc::from(&b"L1"[..]), Arc::from(&b"L2"[..]));
        let a: SocketAddr = "10.0.0.1:4000".parse().unwrap();
        t.announce(&k1, 0, a, Kind::Audio, true, T0, &mut m1);
        t.announce(&k2, 0, a, Kind::Audio, true, T0, &mut m2);
        t.announce(&k1, 0, a, Kind::Audio, true, T0, &mut m1);
        assert_eq!(ids(&t, "10.0.0.1:4000"), ["L1", "L2"]);
        t.forget(b"L1", &m1, &[]);
        assert_eq!(ids(&t, "10.0.0.1:4000"), ["L2"]);
        t.forget(b"L2", &m2, &[]);
        assert!(ids(&t, "10.0.0.1:4000").is_empty());
        assert_eq!(t.stats().endpoints, 0);
        for i in 0..10u8 {
            let k: Arc<[u8]> = Arc::from(&[i][..]);
            t.announce(&k, 0, a, Kind::Audio, true, T0, &mut CallMedia::default());
        }
        assert_eq!(ids(&t, "10.0.0.1:4000").len(), MAX_CLAIMS);
    }

    #[test]
    fn an_implied_rtcp_port_never_takes_an_announced_rtp_port() {
        let mut t = MediaTable::new(MediaConfig::default());
        let (k1, k2): (Arc<[u8]>, Arc<[u8]>) = (Arc::from(&b"C1"[..]), Arc::from(&b"C2"[..]));
        let x: SocketAddr = "10.0.0.9:10001".parse().unwrap();
        t.announce(&k2, 0, x, Kind::Audio, true, T0, &mut CallMedia::default());
        t.announce(&k1, 0, x, Kind::Audio, false, T0, &mut CallMedia::default());
        assert_eq!(ids(&t, "10.0.0.9:10001"), ["C2"]);
    }

    #[test]
    fn the_table_is_bounded_and_counts_what_it_refuses() {
        let mut t = MediaTable::new(MediaConfig { max_endpoints: 2 });
        let k: Arc<[u8]> = Arc::from(&b"C"[..]);
        let mut m = CallMedia::default();
        for p in 1..=3u16 {
            t.announce(&k, 0, SocketAddr::from(([10, 0, 0, 1], p)), Kind::Audio, true, T0, &mut m);
        }
        assert_eq!(t.stats().endpoints, 2);
        assert_eq!(t.stats().endpoints_refused, 1);
    }
}
