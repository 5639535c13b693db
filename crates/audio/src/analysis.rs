//! Small signal measurements for tests and diagnostics: level and the strength of one
//! frequency (Goertzel).

use std::f64::consts::TAU;

/// RMS level of `samples` as a fraction of full scale (a full-scale sine is about 0.707).
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples
        .iter()
        .map(|&s| {
            let x = f64::from(s) / 32768.0;
            x * x
        })
        .sum();
    (sum / samples.len() as f64).sqrt()
}

/// Estimated peak amplitude (fraction of full scale) of the `freq` Hz component of
/// `samples` at `rate`, by the Goertzel algorithm. A pure full-scale sine at `freq` gives
/// about 1.0; other frequencies give little, the more so the longer the block.
pub fn tone_amplitude(samples: &[i16], rate: u32, freq: f32) -> f64 {
    if samples.is_empty() || rate == 0 {
        return 0.0;
    }
    let w = TAU * f64::from(freq) / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in samples {
        let s0 = f64::from(x) / 32768.0 + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0);
    2.0 * power.sqrt() / samples.len() as f64
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: u32, n: usize, amp: f64) -> Vec<i16> {
        (0..n)
            .map(|i| (amp * 32767.0 * (TAU * freq * i as f64 / f64::from(rate)).sin()) as i16)
            .collect()
    }

    #[test]
    fn goertzel_finds_the_tone_and_not_its_neighbours() {
        let s = sine(1000.0, 8000, 800, 0.5);
        let a = tone_amplitude(&s, 8000, 1000.0);
        assert!((a - 0.5).abs() < 0.02, "{a}");
        assert!(tone_amplitude(&s, 8000, 1500.0) < 0.01);
        assert!((rms(&s) - 0.5 / 2f64.sqrt()).abs() < 0.01);
        assert_eq!(rms(&[]), 0.0);
    }
}
