//! Call quality: counters from RTP/RTCP and an estimated MOS from a simplified E-model
//! (ITU-T G.107): R = 93.2 − Id − Ie,eff, with
//!
//! * Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3), d the one-way delay in ms (RTT/2 plus the
//!   jitter buffer delay), and
//! * Ie,eff = Ie + (95 − Ie)·Ppl / (Ppl + Bpl) (random loss, BurstR = 1),
//!
//! then MOS = 1 + 0.035·R + 7·10⁻⁶·R·(R − 60)·(100 − R), clamped to 1.0–4.5. Everything is
//! on the narrowband scale, so wideband codecs are not rated above G.711; what changes
//! between codecs is how well they hide loss (Bpl).

/// What one call's media looks like now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallQuality {
    /// `PCMU/8000`, `opus/48000/2`; empty before negotiation.
    pub codec: String,
    pub packets_sent: u64,
    pub packets_received: u64,
    /// Packets we expected from the peer but never got (RFC 3550 cumulative loss).
    pub packets_lost: u64,
    /// Of the packets we expected, the share lost, in percent.
    pub loss_percent: f64,
    /// The share of OUR packets the peer lost, from its last report block, in percent.
    pub remote_loss_percent: Option<f64>,
    /// Interarrival jitter of what we receive, in ms (RFC 3550 A.8).
    pub jitter_ms: f64,
    /// The jitter the peer measures on our stream, in ms.
    pub remote_jitter_ms: Option<f64>,
    /// Round-trip time from RTCP LSR/DLSR, in ms; `None` until a report came back.
    pub rtt_ms: Option<f64>,
    /// The playout delay the jitter buffer adds, in ms.
    pub jitter_buffer_ms: f64,
    /// Frames the decoder had to make up.
    pub concealed_frames: u64,
    /// RTP packets dropped because they came from another address than the peer's.
    pub ignored_packets: u64,
    /// Estimated MOS (1.0–4.5).
    pub mos: f64,
}

/// A codec's equipment impairment and packet-loss robustness (G.113 Appendix I style).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecImpairment {
    pub ie: f64,
    pub bpl: f64,
}

/// Values per codec encoding name. G.711 with concealment: Ie 0, Bpl 25.1 (G.113 I). G.722
/// and Opus have no narrowband-scale values in G.113: these are approximations (Opus's
/// concealment and in-band FEC hide loss better than G.711's).
pub fn impairment(codec_name: &str) -> CodecImpairment {
    let name = codec_name.split('/').next().unwrap_or_default();
    match name.to_ascii_uppercase().as_str() {
        "PCMU" | "PCMA" => CodecImpairment { ie: 0.0, bpl: 25.1 },
        "G722" => CodecImpairment { ie: 0.0, bpl: 25.1 },
        "OPUS" => CodecImpairment { ie: 0.0, bpl: 35.0 },
        _ => CodecImpairment {
            ie: 11.0,
            bpl: 19.0,
        },
    }
}

/// The G.107 delay impairment for a one-way delay in ms.
fn delay_impairment(d: f64) -> f64 {
    let d = d.max(0.0);
    0.024 * d + if d > 177.3 { 0.11 * (d - 177.3) } else { 0.0 }
}

/// The transmission rating R for a codec, a loss share in percent and a one-way delay.
pub fn r_factor(codec_name: &str, loss_percent: f64, one_way_delay_ms: f64) -> f64 {
    let CodecImpairment { ie, bpl } = impairment(codec_name);
    let ppl = loss_percent.clamp(0.0, 100.0);
    let ie_eff = ie + (95.0 - ie) * ppl / (ppl + bpl);
    93.2 - delay_impairment(one_way_delay_ms) - ie_eff
}

/// MOS from R (G.107 Annex B), clamped to 1.0–4.5.
pub fn mos_from_r(r: f64) -> f64 {
    let mos = if r <= 0.0 {
        1.0
    } else if r >= 100.0 {
        4.5
    } else {
        1.0 + 0.035 * r + 7.0e-6 * r * (r - 60.0) * (100.0 - r)
    };
    mos.clamp(1.0, 4.5)
}

/// Estimated MOS: one-way delay = RTT/2 (0 while unknown) + jitter buffer delay.
pub fn estimate_mos(
    codec_name: &str,
    loss_percent: f64,
    rtt_ms: Option<f64>,
    jitter_buffer_ms: f64,
) -> f64 {
    let delay = rtt_ms.unwrap_or(0.0) / 2.0 + jitter_buffer_ms;
    mos_from_r(r_factor(codec_name, loss_percent, delay))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_g711_rates_about_4_4() {
        let mos = estimate_mos("PCMU/8000", 0.0, Some(40.0), 40.0);
        assert!((4.3..=4.42).contains(&mos), "{mos}");
    }

    #[test]
    fn loss_lowers_the_score() {
        let clean = estimate_mos("PCMU/8000", 0.0, Some(40.0), 40.0);
        let lossy = estimate_mos("PCMU/8000", 5.0, Some(40.0), 40.0);
        assert!(lossy < clean - 0.4, "{clean} {lossy}");
        assert!(lossy > 3.0, "5% with concealment is still usable: {lossy}");
        let opus = estimate_mos("opus/48000/2", 5.0, Some(40.0), 40.0);
        assert!(opus > lossy, "opus hides loss better: {opus} vs {lossy}");
    }

    #[test]
    fn long_delay_lowers_the_score() {
        let near = estimate_mos("G722/8000", 0.0, Some(20.0), 40.0);
        let far = estimate_mos("G722/8000", 0.0, Some(600.0), 100.0);
        assert!(far < near - 0.5, "{near} {far}");
    }

    #[test]
    fn score_is_clamped() {
        assert_eq!(mos_from_r(-20.0), 1.0);
        assert_eq!(mos_from_r(120.0), 4.5);
        let worst = estimate_mos("unknown", 100.0, Some(5000.0), 500.0);
        assert_eq!(worst, 1.0);
    }
}
