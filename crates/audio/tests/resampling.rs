//! Resampler quality: tones keep their frequency and level, nothing aliases.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::f64::consts::TAU;

use dialtone_audio::{f32_to_i16, resample_clip, rms, tone_amplitude, StreamResampler};

fn sine(freq: f64, rate: u32, n: usize, amp: f64) -> Vec<f32> {
    (0..n)
        .map(|i| (amp * (TAU * freq * i as f64 / f64::from(rate)).sin()) as f32)
        .collect()
}

/// Stream `input` through a resampler in 20 ms blocks, as the device side does.
fn stream(input: &[f32], from: u32, to: u32) -> Vec<i16> {
    let mut r = StreamResampler::new(from, to).unwrap();
    let mut out = VecDeque::new();
    for block in input.chunks((from / 50) as usize) {
        r.process(block, &mut out).unwrap();
    }
    out.into_iter().map(f32_to_i16).collect()
}

/// Signal-to-residual ratio in dB of a tone at `freq` in `samples`.
fn snr_db(samples: &[i16], rate: u32, freq: f32) -> f64 {
    let a = tone_amplitude(samples, rate, freq);
    let total = rms(samples).powi(2);
    let tone = a * a / 2.0;
    10.0 * (tone / (total - tone).max(1e-12)).log10()
}

#[test]
fn a_1khz_tone_at_48k_keeps_its_frequency_and_level_at_8k() {
    let input = sine(1000.0, 48_000, 48_000, 0.5);
    let out = stream(&input, 48_000, 8_000);
    // One second in, one second out (less at most one 20 ms chunk still buffered).
    assert!(
        (8000 - 160..=8000).contains(&out.len()),
        "{} samples",
        out.len()
    );
    let body = &out[800..7200];
    let a = tone_amplitude(body, 8000, 1000.0);
    assert!((a - 0.5).abs() < 0.01, "amplitude {a}");
    let snr = snr_db(body, 8000, 1000.0);
    assert!(snr > 40.0, "SNR {snr:.1} dB");
}

#[test]
fn frequencies_above_the_new_nyquist_do_not_alias() {
    // 5 kHz at 48 kHz would alias to 3 kHz at 8 kHz without the anti-aliasing filter.
    let input = sine(5000.0, 48_000, 48_000, 0.5);
    let out = stream(&input, 48_000, 8_000);
    let body = &out[800..7200];
    let alias = tone_amplitude(body, 8000, 3000.0);
    assert!(alias < 0.005, "alias at 3 kHz: {alias}");
    assert!(rms(body) < 0.01, "rms {}", rms(body));
}

#[test]
fn upsampling_and_odd_ratios_keep_the_tone() {
    for (from, to, freq) in [
        (8_000u32, 48_000u32, 1000.0),
        (44_100, 16_000, 3000.0),
        (16_000, 44_100, 440.0),
    ] {
        let input = sine(freq, from, from as usize, 0.5);
        let out = stream(&input, from, to);
        let n = out.len();
        assert!(
            n as i64 >= i64::from(to) - i64::from(to) / 25,
            "{from}->{to}: {n} samples"
        );
        let body = &out[n / 10..n * 9 / 10];
        let a = tone_amplitude(body, to, freq as f32);
        assert!((a - 0.5).abs() < 0.01, "{from}->{to}: amplitude {a}");
        assert!(snr_db(body, to, freq as f32) > 40.0, "{from}->{to}");
    }
}

#[test]
fn equal_rates_pass_through_untouched() {
    let input = sine(440.0, 16_000, 1000, 0.5);
    let mut r = StreamResampler::new(16_000, 16_000).unwrap();
    let mut out = VecDeque::new();
    r.process(&input, &mut out).unwrap();
    assert_eq!(out.into_iter().collect::<Vec<_>>(), input);
}

#[test]
fn whole_clips_are_resampled_in_line_with_the_input() {
    let input = sine(1000.0, 48_000, 4800, 0.5);
    let out = resample_clip(&input, 48_000, 8_000).unwrap();
    assert_eq!(out.len(), 800);
    // Aligned: output sample k lines up with input sample 6k, within a fraction of a sample
    // (the FFT resampler's delay is trimmed in whole output samples).
    let offsets = [-0.5f64, -0.25, 0.0, 0.25, 0.5];
    let (best_offset, worst) = offsets
        .iter()
        .map(|&offset| {
            let worst = out[100..700]
                .iter()
                .enumerate()
                .map(|(i, &y)| {
                    let t = (i + 100) as f64 + offset;
                    let want = 0.5 * (TAU * 1000.0 * t / 8000.0).sin();
                    (f64::from(y) - want).abs()
                })
                .fold(0.0f64, f64::max);
            (offset, worst)
        })
        .fold(
            (0.0, f64::MAX),
            |best, c| if c.1 < best.1 { c } else { best },
        );
    eprintln!("best offset {best_offset} samples, worst error {worst}");
    assert!(worst < 0.01, "worst sample error {worst}");
}
