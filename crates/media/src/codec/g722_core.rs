//! ITU-T G.722 sub-band ADPCM at 64 kbit/s (mode 1), written from the Recommendation's
//! block diagrams: a 24-tap QMF splits 16 kHz PCM into a lower and an upper 8 kHz band, the
//! lower band is coded with 6 bits of ADPCM and the upper band with 2, one byte per pair of
//! input samples (`ihigh << 6 | ilow`, the RFC 3551 octet order).
//!
//! Integer arithmetic follows the Recommendation's fixed-point blocks so that the bit stream
//! matches other implementations exactly (checked against spandsp's libg722).

/// The QMF coefficients h0..h11 (the filter is symmetric: h23-i = h i).
const QMF: [i32; 12] = [3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11];

/// Lower band quantizer decision levels (block 1L, 6-bit), in units of the scale factor.
const Q6: [i32; 32] = [
    0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
    1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
];
/// Lower band code words for a negative / positive difference, by decision interval.
const ILN: [i32; 32] = [
    0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11,
    10, 9, 8, 7, 6, 5, 4, 0,
];
const ILP: [i32; 32] = [
    0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39,
    38, 37, 36, 35, 34, 33, 32, 0,
];
/// Lower band log scale factor multipliers (block 3L) and the 4-bit code to their index.
const WL: [i32; 8] = [-60, -30, 58, 172, 334, 538, 1198, 3042];
const RL42: [i32; 16] = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
/// The inverse-log table shared by both bands' scale factor adaptation.
const ILB: [i32; 32] = [
    2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
    2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];
/// Lower band 4-bit inverse quantizer (the predictor's view of the difference).
const QM4: [i32; 16] = [
    0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
    1200, 0,
];
/// Lower band 6-bit inverse quantizer (what the decoder reconstructs in mode 1).
const QM6: [i32; 64] = [
    -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232,
    -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
    -2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280,
    11192, 10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776,
    2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136,
];
/// Upper band: 2-bit inverse quantizer, code words, log scale multipliers and their index.
const QM2: [i32; 4] = [-7408, -1616, 7408, 1616];
const IHN: [i32; 3] = [0, 1, 0];
const IHP: [i32; 3] = [0, 3, 2];
const WH: [i32; 3] = [0, -214, 798];
const RH2: [i32; 4] = [2, 1, 2, 1];

fn sat16(x: i32) -> i32 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX))
}

/// The adaptive predictor and scale factor of one sub-band (blocks 3 and 4).
#[derive(Debug, Clone, Default)]
struct Band {
    /// Signal estimate (pole + zero sections) and the zero section alone.
    s: i32,
    sz: i32,
    /// Reconstructed signal r, partial reconstruction p, pole coefficients a (index 1..=2).
    r: [i32; 3],
    p: [i32; 3],
    a: [i32; 3],
    /// Quantized differences d and zero coefficients b (index 1..=6).
    d: [i32; 7],
    b: [i32; 7],
    /// Log scale factor and linear scale factor.
    nb: i32,
    det: i32,
}

impl Band {
    fn new(det: i32) -> Self {
        Band {
            det,
            ..Band::default()
        }
    }

    /// Block 3: log scale factor adaptation, then its conversion to the linear scale
    /// factor. `limit` and `shift` differ between the bands (18432/8 low, 22528/10 high).
    fn adapt_scale(&mut self, w: i32, limit: i32, shift: i32) {
        self.nb = (((self.nb * 127) >> 7) + w).clamp(0, limit);
        let mantissa = ILB[((self.nb >> 6) & 31) as usize];
        let exp = shift - (self.nb >> 11);
        let linear = if exp < 0 {
            mantissa << -exp
        } else {
            mantissa >> exp
        };
        self.det = linear << 2;
    }

    /// Block 4: reconstruct, adapt the pole and zero predictor coefficients, predict.
    /// Index 0 of the delay lines is the current sample, index i the one i samples ago
    /// until the shift (DELAYA) at the end moves everything one step along.
    fn update(&mut self, d: i32) {
        self.d[0] = d;
        self.r[0] = sat16(self.s + d);
        self.p[0] = sat16(self.sz + d);

        // Second pole coefficient (UPPOL2).
        let sg0 = self.p[0] >> 15;
        let sg1 = self.p[1] >> 15;
        let sg2 = self.p[2] >> 15;
        let wd1 = sat16(self.a[1] << 2);
        let wd2 = if sg0 == sg1 { -wd1 } else { wd1 }.min(32767);
        let a2 = ((wd2 >> 7) + if sg0 == sg2 { 128 } else { -128 } + ((self.a[2] * 32512) >> 15))
            .clamp(-12288, 12288);

        // First pole coefficient (UPPOL1), limited by the new second one.
        let wd1 = if sg0 == sg1 { 192 } else { -192 };
        let lim = sat16(15360 - a2);
        let a1 = sat16(wd1 + ((self.a[1] * 32640) >> 15)).clamp(-lim, lim);

        // Zero coefficients (UPZERO).
        let step = if d == 0 { 0 } else { 128 };
        let sgd = d >> 15;
        let mut bp = [0i32; 7];
        for ((bp, &d), &b) in bp.iter_mut().zip(&self.d).zip(&self.b).skip(1) {
            let wd2 = if d >> 15 == sgd { step } else { -step };
            *bp = sat16(wd2 + ((b * 32640) >> 15));
        }

        // Delay lines (DELAYA).
        for i in (1..7).rev() {
            self.d[i] = self.d[i - 1];
            self.b[i] = bp[i];
        }
        for i in (1..3).rev() {
            self.r[i] = self.r[i - 1];
            self.p[i] = self.p[i - 1];
        }
        self.a[1] = a1;
        self.a[2] = a2;

        // Pole section (FILTEP), zero section (FILTEZ), estimate (PREDIC).
        let sp = sat16(
            ((self.a[1] * sat16(self.r[1] + self.r[1])) >> 15)
                + ((self.a[2] * sat16(self.r[2] + self.r[2])) >> 15),
        );
        let mut sz = 0;
        for i in (1..7).rev() {
            sz += (self.b[i] * sat16(self.d[i] + self.d[i])) >> 15;
        }
        self.sz = sat16(sz);
        self.s = sat16(sp + self.sz);
    }
}

/// The lower band's adaptation common to encoder and decoder, from the 4 most significant
/// bits of the 6-bit code.
fn lower_adapt(band: &mut Band, ilow: i32) {
    let ril = (ilow >> 2) as usize;
    let dlow = (band.det * QM4[ril]) >> 15;
    band.adapt_scale(WL[RL42[ril] as usize], 18432, 8);
    band.update(dlow);
}

/// The upper band's adaptation common to encoder and decoder; returns the quantized
/// difference (the decoder adds it to the estimate).
fn upper_adapt(band: &mut Band, ihigh: i32) -> i32 {
    let dhigh = (band.det * QM2[ihigh as usize]) >> 15;
    band.adapt_scale(WH[RH2[ihigh as usize] as usize], 22528, 10);
    band.update(dhigh);
    dhigh
}

/// A G.722 64 kbit/s encoder: 16 kHz PCM in, one byte per two samples out.
#[derive(Debug, Clone)]
pub struct Encoder {
    x: [i32; 24],
    low: Band,
    high: Band,
    /// An odd sample left over from the previous call.
    carry: Option<i16>,
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder {
    pub fn new() -> Self {
        Encoder {
            x: [0; 24],
            low: Band::new(32),
            high: Band::new(8),
            carry: None,
        }
    }

    /// Encodes `pcm`, appending one byte per pair of samples to `out`. An odd trailing
    /// sample is kept for the next call.
    pub fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) {
        let mut samples = pcm.iter().copied();
        if let Some(first) = self.carry.take() {
            match samples.next() {
                Some(second) => out.push(self.encode_pair(first, second)),
                None => {
                    self.carry = Some(first);
                    return;
                }
            }
        }
        loop {
            match (samples.next(), samples.next()) {
                (Some(a), Some(b)) => out.push(self.encode_pair(a, b)),
                (Some(a), None) => {
                    self.carry = Some(a);
                    return;
                }
                _ => return,
            }
        }
    }

    fn encode_pair(&mut self, a: i16, b: i16) -> u8 {
        // Transmit QMF: split into the two bands.
        self.x.copy_within(2.., 0);
        self.x[22] = i32::from(a);
        self.x[23] = i32::from(b);
        let mut sum_odd = 0;
        let mut sum_even = 0;
        for i in 0..12 {
            sum_odd += self.x[2 * i] * QMF[i];
            sum_even += self.x[2 * i + 1] * QMF[11 - i];
        }
        let xlow = (sum_even + sum_odd) >> 14;
        let xhigh = (sum_even - sum_odd) >> 14;

        // Lower band: 6-bit quantizer (block 1L).
        let el = sat16(xlow - self.low.s);
        let mag = if el >= 0 { el } else { -(el + 1) };
        let level = (1..30)
            .find(|&i| mag < (Q6[i] * self.low.det) >> 12)
            .unwrap_or(30);
        let ilow = if el < 0 { ILN[level] } else { ILP[level] };
        lower_adapt(&mut self.low, ilow);

        // Upper band: 2-bit quantizer (block 1H).
        let eh = sat16(xhigh - self.high.s);
        let mag = if eh >= 0 { eh } else { -(eh + 1) };
        let mih = if mag >= (564 * self.high.det) >> 12 {
            2
        } else {
            1
        };
        let ihigh = if eh < 0 { IHN[mih] } else { IHP[mih] };
        upper_adapt(&mut self.high, ihigh);

        ((ihigh << 6) | ilow) as u8
    }
}

/// A G.722 64 kbit/s decoder: one byte in, two 16 kHz samples out.
#[derive(Debug, Clone)]
pub struct Decoder {
    x: [i32; 24],
    low: Band,
    high: Band,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    pub fn new() -> Self {
        Decoder {
            x: [0; 24],
            low: Band::new(32),
            high: Band::new(8),
        }
    }

    /// Decodes `data`, appending two samples per byte to `out`.
    pub fn decode(&mut self, data: &[u8], out: &mut Vec<i16>) {
        out.reserve(data.len() * 2);
        for &code in data {
            let ilow = i32::from(code & 0x3f);
            let ihigh = i32::from(code >> 6);

            // Lower band: 6-bit inverse quantizer, reconstruction, limiter (blocks 5L, 6L).
            let rlow =
                (self.low.s + ((self.low.det * QM6[ilow as usize]) >> 15)).clamp(-16384, 16383);
            lower_adapt(&mut self.low, ilow);

            // Upper band.
            let s = self.high.s;
            let dhigh = upper_adapt(&mut self.high, ihigh);
            let rhigh = (dhigh + s).clamp(-16384, 16383);

            // Receive QMF: recombine the bands into two output samples.
            self.x.copy_within(2.., 0);
            self.x[22] = rlow + rhigh;
            self.x[23] = rlow - rhigh;
            let mut out1 = 0;
            let mut out2 = 0;
            for i in 0..12 {
                out2 += self.x[2 * i] * QMF[i];
                out1 += self.x[2 * i + 1] * QMF[11 - i];
            }
            out.push(sat16(out1 >> 11) as i16);
            out.push(sat16(out2 >> 11) as i16);
        }
    }
}
