//! Payload types: the static assignments of RFC 3551 and the names and clock rates an SDP
//! `a=rtpmap` gives to dynamic ones.

/// Name and clock rate (Hz) of a static payload type (RFC 3551 tables 4 and 5), if assigned.
pub fn static_type(pt: u8) -> Option<(&'static str, u32)> {
    Some(match pt {
        0 => ("PCMU", 8000),
        3 => ("GSM", 8000),
        4 => ("G723", 8000),
        5 => ("DVI4", 8000),
        6 => ("DVI4", 16000),
        7 => ("LPC", 8000),
        8 => ("PCMA", 8000),
        9 => ("G722", 8000),
        10 | 11 => ("L16", 44100),
        12 => ("QCELP", 8000),
        13 => ("CN", 8000),
        14 => ("MPA", 90000),
        15 => ("G728", 8000),
        16 => ("DVI4", 11025),
        17 => ("DVI4", 22050),
        18 => ("G729", 8000),
        19 => ("CN", 8000),
        25 => ("CelB", 90000),
        26 => ("JPEG", 90000),
        28 => ("nv", 90000),
        31 => ("H261", 90000),
        32 => ("MPV", 90000),
        33 => ("MP2T", 90000),
        34 => ("H263", 90000),
        _ => return None,
    })
}

/// Whether `pt` carries comfort noise (RFC 3389), whose packets are not part of the voice
/// timing.
pub fn is_comfort_noise(pt: u8) -> bool {
    pt == 13 || pt == 19
}

/// Most payload type mappings a call remembers from its SDP.
pub const MAX_MAPPINGS: usize = 24;

/// One `a=rtpmap` line: payload type, encoding name and clock rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// Payload type number.
    pub pt: u8,
    /// Encoding name, as written (up to 23 bytes kept).
    pub name: ShortName,
    /// Clock rate in Hz.
    pub rate: u32,
}

/// A short ASCII name held inline (no allocation per packet or per mapping).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct ShortName {
    len: u8,
    bytes: [u8; 23],
}

impl ShortName {
    /// Keeps the first 23 bytes of `s` that are printable ASCII.
    pub fn new(s: &[u8]) -> ShortName {
        let mut n = ShortName::default();
        for &b in s.iter().filter(|b| b.is_ascii_graphic()).take(23) {
            n.bytes[n.len as usize] = b;
            n.len += 1;
        }
        n
    }

    /// The name's bytes (printable ASCII), without the UTF-8 check of [`ShortName::as_str`].
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("")
    }

    /// Whether the name starts with `prefix`, ignoring ASCII case.
    pub fn starts_with_ignore_case(&self, prefix: &str) -> bool {
        let s = &self.bytes[..self.len as usize];
        s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    }
}

impl std::fmt::Display for ShortName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for ShortName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// A payload type's name, held without allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// RFC 3551's name.
    Static(&'static str),
    /// An `a=rtpmap` name.
    Mapped(ShortName),
    /// Unknown: shown as `PTn`.
    Number(u8),
}

impl std::fmt::Display for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Label::Static(s) => f.write_str(s),
            Label::Mapped(n) => f.write_str(n.as_str()),
            Label::Number(pt) => write!(f, "PT{pt}"),
        }
    }
}

/// The payload type mappings of a call, newest SDP first in precedence.
#[derive(Debug, Clone, Default)]
pub struct Codecs {
    /// One mapping inline (a call usually settles on one dynamic codec).
    maps: crate::one_or_many::OneOrMany<Mapping>,
}

impl Codecs {
    /// Adds or replaces the mapping of a payload type (bounded: beyond
    /// [`MAX_MAPPINGS`] distinct types, new ones are ignored).
    pub fn set(&mut self, m: Mapping) {
        if let Some(old) = self.maps.iter_mut().find(|o| o.pt == m.pt) {
            *old = m;
        } else if self.maps.len() < MAX_MAPPINGS {
            self.maps.push(m);
        }
    }

    /// The mapping of a payload type from SDP, if any.
    pub fn get(&self, pt: u8) -> Option<&Mapping> {
        self.maps.iter().find(|m| m.pt == pt)
    }

    /// Name of a payload type without allocating: from SDP for dynamic types, from RFC 3551 for
    /// static ones, else `PTn`.
    pub fn label(&self, pt: u8) -> Label {
        if pt >= 96 {
            if let Some(m) = self.get(pt) {
                return Label::Mapped(m.name);
            }
        }
        match static_type(pt) {
            Some((n, _)) => Label::Static(n),
            None => self.get(pt).map_or(Label::Number(pt), |m| Label::Mapped(m.name)),
        }
    }

    /// Name of a payload type: from SDP for dynamic types, from RFC 3551 for static ones.
    pub fn name(&self, pt: u8) -> String {
        if pt >= 96 {
            if let Some(m) = self.get(pt) {
                return m.name.as_str().to_string();
            }
        }
        match static_type(pt) {
            Some((n, _)) => n.to_string(),
            None => self.get(pt).map(|m| m.name.as_str().to_string()).unwrap_or_else(|| format!("PT{pt}")),
        }
    }

    /// Whether `pt` is an RFC 4733 telephone-event type in this call's SDP.
    pub fn is_telephone_event(&self, pt: u8) -> bool {
        pt >= 96 && self.get(pt).is_some_and(|m| m.name.starts_with_ignore_case("telephone-event"))
    }

    /// Clock rate to time packets of `pt` by: RFC 3551 for static types, the SDP's rate for
    /// dynamic ones. `None` when unknown, and for telephone events, whose timestamp stays at the
    /// start of the event (RFC 4733 §2.2.1) and says nothing about arrival timing.
    pub fn timing_rate(&self, pt: u8) -> Option<u32> {
        if pt < 96 {
            return static_type(pt).map(|(_, r)| r);
        }
        let m = self.get(pt)?;
        if m.name.starts_with_ignore_case("telephone-event") {
            return None;
        }
        (m.rate != 0).then_some(m.rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_and_dynamic_types_are_named_and_timed() {
        let mut c = Codecs::default();
        c.set(Mapping { pt: 101, name: ShortName::new(b"telephone-event"), rate: 8000 });
        c.set(Mapping { pt: 111, name: ShortName::new(b"opus"), rate: 48000 });
        assert_eq!(c.name(0), "PCMU");
        assert_eq!(c.name(8), "PCMA");
        assert_eq!(c.name(101), "telephone-event");
        assert_eq!(c.name(99), "PT99");
        assert_eq!(c.timing_rate(0), Some(8000));
        assert_eq!(c.timing_rate(111), Some(48000));
        assert_eq!(c.timing_rate(101), None);
        assert!(c.is_telephone_event(101));
        assert!(!c.is_telephone_event(0));
    }

    #[test]
    fn mappings_are_bounded() {
        let mut c = Codecs::default();
        for pt in 96..128 {
            c.set(Mapping { pt, name: ShortName::new(b"x"), rate: 8000 });
        }
        assert_eq!(c.maps.len(), MAX_MAPPINGS);
    }
}
