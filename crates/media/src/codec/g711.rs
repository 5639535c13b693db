//! G.711 µ-law (PCMU, RFC 3551 payload type 0) and A-law (PCMA, payload type 8), with the
//! shared pitch-repeating waveform concealment (`plc.rs`).

use std::marker::PhantomData;

use super::plc::Concealer;
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

pub const PCMA: CodecInfo = CodecInfo {
    name: "PCMA",
    clock_rate: 8000,
    channels: None,
    static_payload_type: Some(8),
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

/// Encodes one linear sample to A-law (ITU-T G.711): 13-bit magnitude, segment and
/// 4-bit mantissa, even bits inverted (the 0x55 mask).
pub fn alaw_encode(sample: i16) -> u8 {
    let mut s = i32::from(sample) >> 3;
    let mask = if s >= 0 {
        0xd5
    } else {
        s = -s - 1;
        0x55
    };
    // The segment is the position of the highest set bit above the 5 lowest.
    let segment = (0..8).find(|seg| s < 0x20 << seg);
    let code = match segment {
        None => 0x7f,
        Some(0) => (s >> 1) & 0x0f,
        Some(seg) => (seg << 4) | ((s >> seg) & 0x0f),
    };
    (code as u8) ^ mask
}

/// Decodes one A-law byte to a linear sample.
pub fn alaw_decode(byte: u8) -> i16 {
    let a = byte ^ 0x55;
    let mantissa = i32::from(a & 0x0f) << 4;
    let segment = i32::from((a & 0x70) >> 4);
    let magnitude = match segment {
        0 => mantissa + 8,
        seg => (mantissa + 0x108) << (seg - 1),
    };
    if a & 0x80 != 0 {
        magnitude as i16
    } else {
        -magnitude as i16
    }
}

/// One G.711 companding law.
pub trait Law: Send + 'static {
    const INFO: &'static CodecInfo;
    fn encode(sample: i16) -> u8;
    fn decode(byte: u8) -> i16;
}

/// µ-law, as PCMU.
#[derive(Debug)]
pub enum MuLaw {}

/// A-law, as PCMA.
#[derive(Debug)]
pub enum ALaw {}

impl Law for MuLaw {
    const INFO: &'static CodecInfo = &PCMU;
    fn encode(sample: i16) -> u8 {
        ulaw_encode(sample)
    }
    fn decode(byte: u8) -> i16 {
        ulaw_decode(byte)
    }
}

impl Law for ALaw {
    const INFO: &'static CodecInfo = &PCMA;
    fn encode(sample: i16) -> u8 {
        alaw_encode(sample)
    }
    fn decode(byte: u8) -> i16 {
        alaw_decode(byte)
    }
}

/// A G.711 codec: one byte per 8 kHz sample, with pitch-repeating concealment.
#[derive(Debug)]
pub struct G711<L: Law> {
    plc: Concealer,
    law: PhantomData<L>,
}

pub type Pcmu = G711<MuLaw>;
pub type Pcma = G711<ALaw>;

impl<L: Law> G711<L> {
    pub fn new() -> Self {
        G711 {
            plc: Concealer::new(L::INFO.sample_rate),
            law: PhantomData,
        }
    }
}

impl<L: Law> Default for G711<L> {
    fn default() -> Self {
        Self::new()
    }
}

impl<L: Law> AudioCodec for G711<L> {
    fn info(&self) -> &CodecInfo {
        L::INFO
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), MediaError> {
        out.extend(pcm.iter().map(|&s| L::encode(s)));
        Ok(())
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError> {
        let start = out.len();
        out.extend(payload.iter().map(|&b| L::decode(b)));
        self.plc.decoded(&mut out[start..]);
        Ok(())
    }

    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) -> Result<(), MediaError> {
        self.plc.conceal(samples, out);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn close(s: i16, back: i16) -> bool {
        let err = (i32::from(s) - i32::from(back)).abs();
        err <= (i32::from(s).abs() / 16).max(16)
    }

    #[test]
    fn ulaw_round_trip_is_close() {
        for s in [-32768i16, -1000, -1, 0, 1, 100, 1000, 8000, 32767] {
            let back = ulaw_decode(ulaw_encode(s));
            assert!(close(s, back), "{s} -> {back}");
        }
    }

    #[test]
    fn ulaw_silence_is_0xff() {
        assert_eq!(ulaw_encode(0), 0xff);
    }

    #[test]
    fn alaw_round_trip_is_close_over_the_whole_range() {
        for s in (i16::MIN..=i16::MAX).step_by(7) {
            let back = alaw_decode(alaw_encode(s));
            assert!(close(s, back), "{s} -> {back}");
        }
    }

    #[test]
    fn alaw_known_code_words() {
        // Silence is 0xd5 (positive zero with the even bits inverted); full scale is 0xaa/0x2a.
        assert_eq!(alaw_encode(0), 0xd5);
        assert_eq!(alaw_encode(i16::MAX), 0xaa);
        assert_eq!(alaw_encode(i16::MIN), 0x2a);
        assert_eq!(alaw_decode(0xd5), 8);
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xaa), 32256);
    }

    #[test]
    fn every_alaw_code_decodes_and_re_encodes_to_itself() {
        for code in 0..=255u8 {
            assert_eq!(alaw_encode(alaw_decode(code)), code, "code {code:#04x}");
        }
    }

    #[test]
    fn pcma_codec_is_one_byte_per_sample_and_conceals() {
        let mut codec = Pcma::new();
        assert_eq!(codec.info().static_payload_type, Some(8));
        let pcm: Vec<i16> = (0..160).map(|i| ((i % 20) * 500 - 5000) as i16).collect();
        let mut payload = Vec::new();
        codec.encode(&pcm, &mut payload).unwrap();
        assert_eq!(payload.len(), 160);
        let mut out = Vec::new();
        codec.decode(&payload, &mut out).unwrap();
        codec.conceal(160, &mut out).unwrap();
        assert_eq!(out.len(), 320);
        assert!(
            out[160..].iter().any(|&s| s.unsigned_abs() > 2000),
            "not silent"
        );
    }
}
