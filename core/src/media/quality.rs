//! A listening-quality estimate from what a capture can see: the E-model of ITU-T G.107 with
//! the codec impairments of G.113 Appendix I, simplified. It is an estimate: the real mouth-to-
//! ear delay, the jitter buffer and the concealment of the endpoints are unknown, so the delay
//! is taken as half the RTCP round trip (when known) plus a jitter buffer of twice the mean
//! jitter plus one 20 ms packet.

/// Equipment impairment `Ie` and packet-loss robustness `Bpl` of a codec (G.113 Appendix I;
/// G.711 with packet loss concealment). Codecs not in the table are rated like G.711.
fn impairment(codec: &str) -> (f64, f64) {
    let c = codec.to_ascii_uppercase();
    if c.starts_with("G729") {
        (11.0, 19.0)
    } else if c.starts_with("G723") {
        (15.0, 16.1)
    } else if c.starts_with("GSM") {
        (20.0, 10.0)
    } else if c.starts_with("ILBC") {
        (10.0, 32.0)
    } else {
        (0.0, 25.1)
    }
}

/// The R factor (0-100) of a stream with `loss_pct` percent of its packets lost, a mean
/// interarrival jitter of `jitter_ms`, and a round-trip time `rtt_ms` when RTCP gave one.
pub fn r_factor(codec: &str, loss_pct: f64, jitter_ms: f64, rtt_ms: Option<f64>) -> f64 {
    let (ie, bpl) = impairment(codec);
    let ppl = loss_pct.clamp(0.0, 100.0);
    let ta = rtt_ms.unwrap_or(0.0).max(0.0) / 2.0 + 2.0 * jitter_ms.max(0.0) + 20.0;
    let id = 0.024 * ta + if ta > 177.3 { 0.11 * (ta - 177.3) } else { 0.0 };
    let ie_eff = ie + (95.0 - ie) * ppl / (ppl + bpl);
    (93.2 - id - ie_eff).clamp(0.0, 100.0)
}

/// Mean opinion score (1.0-4.5) from an R factor (G.107 Annex B).
pub fn mos(r: f64) -> f64 {
    if r <= 0.0 {
        1.0
    } else if r >= 100.0 {
        4.5
    } else {
        1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_g711_is_toll_quality_and_loss_lowers_it() {
        let clean = mos(r_factor("PCMU", 0.0, 0.5, None));
        assert!((4.3..=4.45).contains(&clean), "{clean}");
        let lossy = mos(r_factor("PCMU", 5.0, 0.5, None));
        assert!(lossy < 4.0 && lossy > 3.0, "{lossy}");
        let bad = mos(r_factor("PCMU", 20.0, 60.0, Some(600.0)));
        assert!(bad < 2.5, "{bad}");
        assert!(mos(r_factor("G729", 0.0, 0.5, None)) < clean);
    }

    #[test]
    fn extremes_stay_in_range() {
        assert_eq!(mos(-5.0), 1.0);
        assert_eq!(mos(120.0), 4.5);
        assert!(r_factor("PCMA", 1000.0, 1e9, Some(1e9)) >= 0.0);
    }
}
