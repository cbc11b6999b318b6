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

use std::collections::HashMap;
use std::net::SocketAddr;

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

/// Which call announced each media address.
#[derive(Default)]
pub struct MediaTable {
    config: MediaConfig,
    owners: HashMap<SocketAddr, Box<[u8]>>,
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

    /// Records that `call_id` announced `addr` (the newest announcement of an address wins:
    /// ports are reused from call to call).
    pub fn announce(&mut self, call_id: &[u8], addr: SocketAddr, media: &mut CallMedia) {
        if !media.endpoints.contains(&addr) {
            if media.endpoints.len() >= call::MAX_ENDPOINTS {
                self.stats.endpoints_refused += 1;
                return;
            }
            media.endpoints.push(addr);
        }
        let full = self.owners.len() >= self.config.max_endpoints;
        match self.owners.get_mut(&addr) {
            Some(owner) if &owner[..] != call_id => *owner = call_id.into(),
            Some(_) => {}
            None if !full => {
                self.owners.insert(addr, call_id.into());
            }
            None => self.stats.endpoints_refused += 1,
        }
    }

    /// The call a datagram between `src` and `dst` belongs to: the one that announced its
    /// destination, else its source.
    pub fn owner(&self, src: SocketAddr, dst: SocketAddr) -> Option<&[u8]> {
        if self.owners.is_empty() {
            return None;
        }
        self.owners.get(&dst).or_else(|| self.owners.get(&src)).map(|b| &b[..])
    }

    /// Counts a media packet attached, or one that matched no call.
    pub fn count(&mut self, packet: &MediaPacket, attached: bool) {
        match (attached, packet) {
            (false, _) => self.stats.unmatched += 1,
            (true, MediaPacket::Rtp(_)) => self.stats.rtp_packets += 1,
            (true, MediaPacket::Rtcp) => self.stats.rtcp_packets += 1,
        }
    }

    /// Forgets the addresses a call announced, unless a newer call announced them since.
    pub fn forget(&mut self, call_id: &[u8], media: &CallMedia) {
        for a in &media.endpoints {
            if self.owners.get(a).is_some_and(|o| &o[..] == call_id) {
                self.owners.remove(a);
            }
        }
    }
}
