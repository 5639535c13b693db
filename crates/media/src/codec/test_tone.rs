//! Tones and their measurement, for the codec tests.

/// `n` samples of a sine of `amplitude` at `freq` Hz.
pub fn sine(freq: f64, sample_rate: u32, amplitude: f64, n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(sample_rate);
            (amplitude * (2.0 * std::f64::consts::PI * freq * t).sin()) as i16
        })
        .collect()
}

/// The power of `pcm` at `freq` (Goertzel), scaled to be comparable with [`total_power`]:
/// a pure tone at `freq` gives (nearly) its total power.
pub fn goertzel_power(pcm: &[i16], freq: f64, sample_rate: u32) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / f64::from(sample_rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &x in pcm {
        let s0 = f64::from(x) + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power / (pcm.len() as f64).powi(2)
}

/// The mean square of `pcm`.
pub fn total_power(pcm: &[i16]) -> f64 {
    pcm.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>() / pcm.len().max(1) as f64
}
