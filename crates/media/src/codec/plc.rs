//! Packet loss concealment for the waveform codecs (G.711 µ/A-law, G.722), after the idea of
//! ITU-T G.711 Appendix I: repeat the last pitch period of the decoded signal, phase
//! continuous, at full level for the first 10 ms of a loss, then fading by a fifth every
//! 10 ms to silence after 60 ms; and cross-fade back into the first good frame.

/// Pitch periods searched: 2.5 ms .. 15 ms (400 Hz down to 66 Hz).
const MIN_PITCH_US: u32 = 2_500;
const MAX_PITCH_US: u32 = 15_000;
/// How much decoded signal is kept for the pitch search.
const HISTORY_MS: u32 = 40;
/// Full level this long into a loss, then a linear fade to silence by `SILENT_AFTER_MS`.
const HOLD_MS: u32 = 10;
const SILENT_AFTER_MS: u32 = 60;
/// The cross-fade from the made-up signal into the first good frame.
const CROSSFADE_MS: u32 = 4;

/// Waveform concealment state for one decoder.
#[derive(Debug, Clone)]
pub struct Concealer {
    sample_rate: u32,
    /// The most recent decoded samples, oldest first.
    history: Vec<i16>,
    /// One pitch period frozen at the start of the current loss.
    period: Vec<i16>,
    /// Samples made up so far in the current loss (0: not in a loss).
    lost: usize,
}

impl Concealer {
    pub fn new(sample_rate: u32) -> Self {
        Concealer {
            sample_rate,
            history: Vec::with_capacity(ms_to_samples(sample_rate, HISTORY_MS)),
            period: Vec::new(),
            lost: 0,
        }
    }

    /// Takes note of freshly decoded samples (and smooths the join if they end a loss).
    pub fn decoded(&mut self, pcm: &mut [i16]) {
        if self.lost > 0 && !self.period.is_empty() {
            let fade = ms_to_samples(self.sample_rate, CROSSFADE_MS).min(pcm.len());
            for (j, sample) in pcm.iter_mut().take(fade).enumerate() {
                let w = (j + 1) as f32 / (fade + 1) as f32;
                let made_up = self.synthetic(self.lost + j);
                *sample = (made_up * (1.0 - w) + f32::from(*sample) * w) as i16;
            }
        }
        self.lost = 0;
        let cap = ms_to_samples(self.sample_rate, HISTORY_MS);
        if pcm.len() >= cap {
            self.history.clear();
            self.history.extend_from_slice(&pcm[pcm.len() - cap..]);
        } else {
            let excess = (self.history.len() + pcm.len()).saturating_sub(cap);
            self.history.drain(..excess);
            self.history.extend_from_slice(pcm);
        }
    }

    /// Appends `samples` of made-up signal to `out`.
    pub fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) {
        if self.lost == 0 {
            self.period = self.pitch_period();
        }
        if self.period.is_empty() {
            out.resize(out.len() + samples, 0);
        } else {
            out.extend((0..samples).map(|i| self.synthetic(self.lost + i) as i16));
        }
        self.lost += samples;
    }

    /// The made-up sample `k` samples into the loss, with the fade applied.
    fn synthetic(&self, k: usize) -> f32 {
        let Some(&s) = self.period.get(k % self.period.len().max(1)) else {
            return 0.0;
        };
        let hold = ms_to_samples(self.sample_rate, HOLD_MS);
        let silent = ms_to_samples(self.sample_rate, SILENT_AFTER_MS);
        let gain = if k < hold {
            1.0
        } else if k >= silent {
            0.0
        } else {
            1.0 - (k - hold) as f32 / (silent - hold) as f32
        };
        f32::from(s) * gain
    }

    /// The last pitch period of the history (its length found by normalised
    /// autocorrelation), or empty when there is no history to repeat.
    fn pitch_period(&self) -> Vec<i16> {
        let h = &self.history;
        let min_p = us_to_samples(self.sample_rate, MIN_PITCH_US).max(1);
        let max_p = us_to_samples(self.sample_rate, MAX_PITCH_US);
        if h.is_empty() {
            return Vec::new();
        }
        // The window compared with itself one period back.
        let window = max_p.min(h.len() / 2);
        let max_p = max_p.min(h.len() - window);
        let mut best = (f64::MIN, max_p.max(1).min(h.len()));
        if window > 0 && min_p <= max_p {
            let tail = &h[h.len() - window..];
            for p in min_p..=max_p {
                let back = &h[h.len() - window - p..h.len() - p];
                let (mut xy, mut yy) = (0.0f64, 0.0f64);
                for (&x, &y) in tail.iter().zip(back) {
                    xy += f64::from(x) * f64::from(y);
                    yy += f64::from(y) * f64::from(y);
                }
                let score = if yy > 0.0 { xy / yy.sqrt() } else { 0.0 };
                if score > best.0 {
                    best = (score, p);
                }
            }
        }
        h[h.len() - best.1..].to_vec()
    }
}

fn ms_to_samples(sample_rate: u32, ms: u32) -> usize {
    us_to_samples(sample_rate, ms * 1000)
}

fn us_to_samples(sample_rate: u32, us: u32) -> usize {
    (u64::from(sample_rate) * u64::from(us) / 1_000_000) as usize
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: u32, from: usize, n: usize) -> Vec<i16> {
        (from..from + n)
            .map(|i| {
                (10000.0 * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                    as i16
            })
            .collect()
    }

    #[test]
    fn a_lost_frame_continues_the_waveform_in_phase() {
        let mut plc = Concealer::new(8000);
        let mut frame = sine(400.0, 8000, 0, 160);
        plc.decoded(&mut frame);
        let mut made_up = Vec::new();
        plc.conceal(80, &mut made_up);
        // 400 Hz at 8 kHz is a 20-sample period: the first 10 ms repeat it exactly.
        let expected = sine(400.0, 8000, 160, 80);
        let err = made_up
            .iter()
            .zip(&expected)
            .map(|(&a, &b)| (i32::from(a) - i32::from(b)).abs())
            .max()
            .unwrap_or(i32::MAX);
        assert!(err <= 2, "max error {err}");
    }

    #[test]
    fn a_long_loss_fades_to_silence() {
        let mut plc = Concealer::new(16000);
        let mut frame = sine(1000.0, 16000, 0, 320);
        plc.decoded(&mut frame);
        let mut made_up = Vec::new();
        for _ in 0..4 {
            plc.conceal(320, &mut made_up);
        }
        let peak = |s: &[i16]| s.iter().map(|x| x.unsigned_abs()).max().unwrap_or(0);
        assert!(peak(&made_up[..160]) > 9000, "full level at first");
        assert!(peak(&made_up[320..640]) < peak(&made_up[..320]), "fading");
        assert_eq!(peak(&made_up[960..]), 0, "silent after 60 ms");
    }

    #[test]
    fn nothing_decoded_yet_conceals_with_silence() {
        let mut plc = Concealer::new(8000);
        let mut out = vec![7];
        plc.conceal(160, &mut out);
        assert_eq!(out.len(), 161);
        assert!(out[1..].iter().all(|&s| s == 0));
    }
}
