//! G.711 µ-law (PCMU, RFC 3551 payload type 0).

use super::{AudioCodec, CodecInfo};
use crate::MediaError;

pub const PCMU: CodecInfo = CodecInfo {
    name: "PCMU",
    clock_rate: 8000,
    channels: None,
    static_payload_type: Some(0),
    sample_rate: 8000,
    fmtp: None,
};

const BIAS: i32 = 0x84;
const CLIP: i32 = 32635;

/// Encodes one linear sample to µ-law (ITU-T G.711).
pub fn ulaw_encode(sample: i16) -> u8 {
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    s = s.min(CLIP) + BIAS;
    let exponent = (0..8).rev().find(|e| s & (0x80 << e) != 0).unwrap_or(0);
    let mantissa = (s >> (exponent + 3)) & 0x0f;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

/// Decodes one µ-law byte to a linear sample.
pub fn ulaw_decode(byte: u8) -> i16 {
    let u = !byte;
    let sign = u & 0x80;
    let exponent = i32::from((u >> 4) & 0x07);
    let mantissa = i32::from(u & 0x0f);
    let magnitude = (((mantissa << 3) + BIAS) << exponent) - BIAS;
    if sign != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

/// PCMU with a simple concealment: repeat the last frame, fading out.
pub struct Pcmu {
    last: Vec<i16>,
    fade: f32,
}

impl Pcmu {
    pub fn new() -> Self {
        Pcmu {
            last: Vec::new(),
            fade: 1.0,
        }
    }
}

impl Default for Pcmu {
    fn default() -> Self {
        Self::new()
    }
}

impl AudioCodec for Pcmu {
    fn info(&self) -> &CodecInfo {
        &PCMU
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), MediaError> {
        out.extend(pcm.iter().map(|&s| ulaw_encode(s)));
        Ok(())
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError> {
        let start = out.len();
        out.extend(payload.iter().map(|&b| ulaw_decode(b)));
        self.last.clear();
        self.last.extend_from_slice(&out[start..]);
        self.fade = 1.0;
        Ok(())
    }

    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) -> Result<(), MediaError> {
        self.fade *= 0.5;
        for i in 0..samples {
            let s = self
                .last
                .get(i % self.last.len().max(1))
                .copied()
                .unwrap_or(0);
            out.push((f32::from(s) * self.fade) as i16);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulaw_round_trip_is_close() {
        for s in [-32768i16, -1000, -1, 0, 1, 100, 1000, 8000, 32767] {
            let back = ulaw_decode(ulaw_encode(s));
            let err = (i32::from(s) - i32::from(back)).abs();
            assert!(err <= (i32::from(s).abs() / 16).max(8), "{s} -> {back}");
        }
    }

    #[test]
    fn ulaw_silence_is_0xff() {
        assert_eq!(ulaw_encode(0), 0xff);
    }
}
