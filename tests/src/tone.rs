//! Test tones in and out: write a WAV of sine tones (and silences) to play into a call, and
//! analyse what a peer recorded: its dominant frequency, how much of its power lies near a
//! given frequency, and where it is audible (RMS per window).
//!
//! Spectra are Welch averages of Hann-windowed FFT segments, so a recording of seconds is
//! analysed in milliseconds and codec noise or a few lost frames do not move the peak.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

/// Amplitude of written tones, as a fraction of full scale (about -10 dBFS: loud, no clipping
/// after codec overshoot).
pub const TONE_AMPLITUDE: f64 = 0.3;

/// Below this frequency spectrum bins count as DC / rumble and are ignored.
const MIN_FREQ_HZ: f64 = 20.0;

/// Welch segment length (samples) for signals long enough; shorter ones use the largest
/// power of two that fits.
const SEGMENT: usize = 8192;

/// One stretch of a written test signal: a sine tone, or silence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// `None` for silence.
    pub freq_hz: Option<f64>,
    pub duration: Duration,
}

impl Segment {
    pub fn tone(freq_hz: f64, duration: Duration) -> Segment {
        Segment {
            freq_hz: Some(freq_hz),
            duration,
        }
    }

    pub fn silence(duration: Duration) -> Segment {
        Segment {
            freq_hz: None,
            duration,
        }
    }
}

/// Writes a mono S16LE WAV holding one sine tone of `freq_hz` for `duration`.
pub fn write_tone(path: &Path, freq_hz: f64, duration: Duration, sample_rate: u32) -> Result<()> {
    write_segments(path, &[Segment::tone(freq_hz, duration)], sample_rate)
}

/// Writes a mono S16LE WAV of `segments` one after the other (phase continuous within a tone).
pub fn write_segments(path: &Path, segments: &[Segment], sample_rate: u32) -> Result<()> {
    if sample_rate == 0 {
        bail!("sample rate must be positive");
    }
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec)
        .with_context(|| format!("creating {}", path.display()))?;
    for seg in segments {
        let n = (seg.duration.as_secs_f64() * f64::from(sample_rate)).round() as u64;
        for i in 0..n {
            let v = match seg.freq_hz {
                Some(f) => {
                    let t = i as f64 / f64::from(sample_rate);
                    TONE_AMPLITUDE * (2.0 * std::f64::consts::PI * f * t).sin()
                }
                None => 0.0,
            };
            w.write_sample((v * f64::from(i16::MAX)).round() as i16)
                .context("writing sample")?;
        }
    }
    w.finalize().context("finalizing WAV")?;
    Ok(())
}

/// Mono audio in `-1.0..=1.0`, as read from a WAV file (channels averaged).
#[derive(Debug, Clone)]
pub struct Audio {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

/// Reads a WAV (16/24/32-bit integer or 32-bit float, any channel count) and mixes it to mono.
/// A finished WAV: its RIFF size field matches the file (writers such as libsndfile and
/// hound fill it in when they close the file) and it holds samples.
pub fn wav_is_complete(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    if bytes.len() < 44 || &bytes[0..4] != b"RIFF" {
        return false;
    }
    let riff = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    riff + 8 == bytes.len() && hound::WavReader::open(path).is_ok_and(|r| r.duration() > 0)
}

pub fn read_mono(path: &Path) -> Result<Audio> {
    let mut r =
        hound::WavReader::open(path).with_context(|| format!("opening {}", path.display()))?;
    let spec = r.spec();
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .with_context(|| format!("reading {}", path.display()))?,
        hound::SampleFormat::Int => {
            let scale = 2f32.powi(i32::from(spec.bits_per_sample.max(1)) - 1);
            r.samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
                .with_context(|| format!("reading {}", path.display()))?
        }
    };
    let samples = interleaved
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / frame.len() as f32)
        .collect();
    Ok(Audio {
        samples,
        sample_rate: spec.sample_rate,
    })
}

/// The frequency (Hz) with the most power in the WAV at `path`; error if it is silent.
pub fn dominant_frequency(path: &Path) -> Result<f64> {
    let audio = read_mono(path)?;
    audio
        .dominant_frequency()
        .with_context(|| format!("{} is silent or too short", path.display()))
}

/// The fraction (0..=1) of the power of the WAV at `path` that lies within `tolerance_hz` of
/// `freq_hz`.
pub fn power_fraction_near(path: &Path, freq_hz: f64, tolerance_hz: f64) -> Result<f64> {
    Ok(read_mono(path)?.power_fraction_near(freq_hz, tolerance_hz))
}

/// Spans `(start_ms, end_ms)` of the WAV at `path` where the RMS over `window_ms` windows is
/// at least `threshold` (fraction of full scale; a tone at [`TONE_AMPLITUDE`] has RMS 0.21,
/// -40 dBFS is 0.01).
pub fn audible_spans(path: &Path, window_ms: u64, threshold: f64) -> Result<Vec<(u64, u64)>> {
    Ok(read_mono(path)?.audible_spans(window_ms, threshold))
}

impl Audio {
    pub fn duration(&self) -> Duration {
        if self.sample_rate == 0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(self.samples.len() as f64 / f64::from(self.sample_rate))
    }

    /// Welch power spectrum: `(bin width in Hz, power per bin)`; `None` if too short.
    pub fn power_spectrum(&self) -> Option<(f64, Vec<f64>)> {
        if self.sample_rate == 0 || self.samples.len() < 256 {
            return None;
        }
        let n = if self.samples.len() >= SEGMENT {
            SEGMENT
        } else {
            // Largest power of two that fits.
            1 << (usize::BITS - 1 - self.samples.len().leading_zeros())
        };
        let window: Vec<f32> = (0..n)
            .map(|i| {
                let x = std::f32::consts::PI * 2.0 * i as f32 / n as f32;
                0.5 - 0.5 * x.cos()
            })
            .collect();
        let fft = FftPlanner::<f32>::new().plan_fft_forward(n);
        let mut power = vec![0f64; n / 2 + 1];
        let mut buf = vec![Complex::new(0f32, 0f32); n];
        let hop = n / 2;
        let mut segments = 0usize;
        let mut start = 0usize;
        while start + n <= self.samples.len() {
            for (slot, (s, w)) in buf
                .iter_mut()
                .zip(self.samples[start..start + n].iter().zip(&window))
            {
                *slot = Complex::new(s * w, 0.0);
            }
            fft.process(&mut buf);
            for (p, c) in power.iter_mut().zip(&buf) {
                *p += f64::from(c.norm_sqr());
            }
            segments += 1;
            start += hop;
        }
        if segments == 0 {
            return None;
        }
        for p in &mut power {
            *p /= segments as f64;
        }
        Some((f64::from(self.sample_rate) / n as f64, power))
    }

    /// The frequency with the most power (parabolic interpolation between bins), ignoring
    /// anything below 20 Hz; `None` for silence or fewer than 256 samples.
    pub fn dominant_frequency(&self) -> Option<f64> {
        let (bin_hz, power) = self.power_spectrum()?;
        let first = (MIN_FREQ_HZ / bin_hz).ceil() as usize;
        let (peak, &max) = power
            .iter()
            .enumerate()
            .skip(first)
            .max_by(|a, b| a.1.total_cmp(b.1))?;
        if max <= 1e-9 {
            return None;
        }
        let offset = if peak > first && peak + 1 < power.len() {
            let (a, b, c) = (power[peak - 1], power[peak], power[peak + 1]);
            let denom = a - 2.0 * b + c;
            if denom.abs() > f64::EPSILON {
                (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
            } else {
                0.0
            }
        } else {
            0.0
        };
        Some((peak as f64 + offset) * bin_hz)
    }

    /// The fraction (0..=1) of the power above 20 Hz that lies within `tolerance_hz` of
    /// `freq_hz`; 0 for silence. A pure tone gives about 0.99 with a tolerance of 30 Hz.
    pub fn power_fraction_near(&self, freq_hz: f64, tolerance_hz: f64) -> f64 {
        let Some((bin_hz, power)) = self.power_spectrum() else {
            return 0.0;
        };
        let mut total = 0.0;
        let mut near = 0.0;
        for (i, p) in power.iter().enumerate() {
            let f = i as f64 * bin_hz;
            if f < MIN_FREQ_HZ {
                continue;
            }
            total += p;
            if (f - freq_hz).abs() <= tolerance_hz {
                near += p;
            }
        }
        if total <= 1e-12 {
            0.0
        } else {
            near / total
        }
    }

    /// RMS (fraction of full scale) of consecutive `window_ms` windows; a last partial window
    /// counts if it holds at least half a window.
    pub fn rms_windows(&self, window_ms: u64) -> Vec<f64> {
        let len = ((u64::from(self.sample_rate) * window_ms) / 1000).max(1) as usize;
        self.samples
            .chunks(len)
            .filter(|c| c.len() * 2 >= len)
            .map(|c| {
                let sum: f64 = c.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
                (sum / c.len() as f64).sqrt()
            })
            .collect()
    }

    /// Spans `(start_ms, end_ms)` of consecutive `window_ms` windows whose RMS is at least
    /// `threshold`.
    pub fn audible_spans(&self, window_ms: u64, threshold: f64) -> Vec<(u64, u64)> {
        let mut spans: Vec<(u64, u64)> = Vec::new();
        let mut open: Option<u64> = None;
        let rms = self.rms_windows(window_ms);
        for (i, r) in rms.iter().enumerate() {
            let t = i as u64 * window_ms;
            match (open, *r >= threshold) {
                (None, true) => open = Some(t),
                (Some(start), false) => {
                    spans.push((start, t));
                    open = None;
                }
                _ => {}
            }
        }
        if let Some(start) = open {
            let end = (self.duration().as_millis() as u64).max(start);
            spans.push((start, end));
        }
        spans
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sine(freq: f64, amp: f64, secs: f64, rate: u32) -> Vec<f32> {
        let n = (secs * f64::from(rate)) as usize;
        (0..n)
            .map(|i| {
                (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    fn audio(samples: Vec<f32>, rate: u32) -> Audio {
        Audio {
            samples,
            sample_rate: rate,
        }
    }

    #[test]
    fn written_tone_reads_back_at_its_frequency() {
        let dir = tempfile::tempdir().unwrap();
        for (freq, rate) in [(440.0, 48000), (1000.0, 8000), (1000.0, 16000)] {
            let path = dir.path().join(format!("t{rate}.wav"));
            write_tone(&path, freq, Duration::from_millis(1500), rate).unwrap();
            let spec = hound::WavReader::open(&path).unwrap().spec();
            assert_eq!(
                (spec.channels, spec.sample_rate, spec.bits_per_sample),
                (1, rate, 16)
            );
            let a = read_mono(&path).unwrap();
            assert_eq!(a.samples.len(), (rate as usize * 3) / 2);
            let f = dominant_frequency(&path).unwrap();
            assert!((f - freq).abs() < 2.0, "{freq} Hz at {rate}: got {f}");
            let frac = power_fraction_near(&path, freq, 30.0).unwrap();
            assert!(frac > 0.98, "{freq} Hz at {rate}: fraction {frac}");
            assert!(power_fraction_near(&path, 3000.0, 30.0).unwrap() < 0.01);
        }
    }

    #[test]
    fn mixture_splits_power_by_amplitude_squared() {
        // 440 Hz at amplitude 0.2 and 1000 Hz at 0.1: power ratio 4:1.
        let rate = 16000;
        let a = sine(440.0, 0.2, 2.0, rate);
        let b = sine(1000.0, 0.1, 2.0, rate);
        let mix = audio(a.iter().zip(&b).map(|(x, y)| x + y).collect(), rate);
        let f = mix.dominant_frequency().unwrap();
        assert!((f - 440.0).abs() < 2.0, "{f}");
        let near440 = mix.power_fraction_near(440.0, 30.0);
        let near1000 = mix.power_fraction_near(1000.0, 30.0);
        assert!((near440 - 0.8).abs() < 0.02, "{near440}");
        assert!((near1000 - 0.2).abs() < 0.02, "{near1000}");
    }

    #[test]
    fn silence_has_no_dominant_frequency() {
        let s = audio(vec![0.0; 16000], 16000);
        assert_eq!(s.dominant_frequency(), None);
        assert_eq!(s.power_fraction_near(440.0, 30.0), 0.0);
        assert!(s.audible_spans(20, 0.01).is_empty());
        assert_eq!(audio(vec![0.1; 100], 8000).dominant_frequency(), None);
    }

    #[test]
    fn dc_offset_does_not_win() {
        let rate = 8000;
        let s: Vec<f32> = sine(700.0, 0.05, 1.0, rate)
            .into_iter()
            .map(|v| v + 0.5)
            .collect();
        let f = audio(s, rate).dominant_frequency().unwrap();
        assert!((f - 700.0).abs() < 2.0, "{f}");
    }

    #[test]
    fn audible_spans_find_a_gap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gap.wav");
        write_segments(
            &path,
            &[
                Segment::tone(440.0, Duration::from_millis(1000)),
                Segment::silence(Duration::from_millis(500)),
                Segment::tone(440.0, Duration::from_millis(700)),
            ],
            8000,
        )
        .unwrap();
        let spans = audible_spans(&path, 20, 0.05).unwrap();
        assert_eq!(spans, vec![(0, 1000), (1500, 2200)]);
        let rms = read_mono(&path).unwrap().rms_windows(100);
        assert_eq!(rms.len(), 22);
        let expected = TONE_AMPLITUDE / 2f64.sqrt();
        assert!((rms[0] - expected).abs() < 0.01, "{}", rms[0]);
        assert!(rms[12] < 1e-6);
    }

    #[test]
    fn stereo_and_float_files_are_mixed_to_mono() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("st.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 48000,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for v in sine(1000.0, 0.4, 0.5, 48000) {
            w.write_sample(v).unwrap();
            w.write_sample(0.0f32).unwrap();
        }
        w.finalize().unwrap();
        let a = read_mono(&path).unwrap();
        assert_eq!(a.samples.len(), 24000);
        assert_eq!(a.duration(), Duration::from_millis(500));
        let peak = a.samples.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!((peak - 0.2).abs() < 0.01, "{peak}");
        assert!((a.dominant_frequency().unwrap() - 1000.0).abs() < 2.0);
    }

    #[test]
    fn missing_file_is_an_error() {
        assert!(read_mono(Path::new("/nonexistent/x.wav")).is_err());
    }
}
