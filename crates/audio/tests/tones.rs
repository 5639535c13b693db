//! Tone generators: cadence and frequencies at any rate and frame size.

#![allow(clippy::unwrap_used)]

use dialtone_audio::{rms, tone_amplitude, ToneGenerator, TonePattern, ToneSegment};

fn render(pattern: TonePattern, rate: u32, ms: u32, frame: usize) -> Vec<i16> {
    let mut g = ToneGenerator::new(pattern, rate);
    let total = (rate as usize) * ms as usize / 1000;
    let mut out = vec![0i16; total];
    for chunk in out.chunks_mut(frame) {
        g.fill(chunk);
    }
    out
}

fn window(s: &[i16], rate: u32, from_ms: u32, to_ms: u32) -> &[i16] {
    let at = |ms: u32| (rate as usize) * ms as usize / 1000;
    &s[at(from_ms)..at(to_ms)]
}

#[test]
fn european_ringback_is_425hz_one_second_on_four_off() {
    let rate = 8000;
    let s = render(TonePattern::ringback_eu(), rate, 11_000, 160);
    for cycle in [0u32, 5000, 10_000] {
        let on = window(&s, rate, cycle + 50, cycle + 950);
        let a = tone_amplitude(on, rate, 425.0);
        assert!(
            (a - 0.25).abs() < 0.01,
            "cycle at {cycle} ms: 425 Hz amplitude {a}"
        );
    }
    for (from, to) in [(1010, 4990), (6010, 9990)] {
        assert_eq!(
            rms(window(&s, rate, from, to)),
            0.0,
            "{from}..{to} ms must be silent"
        );
    }
}

#[test]
fn us_ringback_has_both_frequencies_and_a_six_second_cycle() {
    let rate = 16_000;
    let s = render(TonePattern::ringback_us(), rate, 8500, 320);
    let on = window(&s, rate, 100, 1900);
    for f in [440.0, 480.0] {
        let a = tone_amplitude(on, rate, f);
        assert!((a - 0.125).abs() < 0.01, "{f} Hz amplitude {a}");
    }
    assert!(tone_amplitude(on, rate, 425.0) < 0.03);
    assert_eq!(rms(window(&s, rate, 2010, 5990)), 0.0);
    assert!(rms(window(&s, rate, 6100, 7900)) > 0.1);
}

#[test]
fn ringback_cadence_is_a_parameter() {
    let rate = 48_000;
    let s = render(TonePattern::ringback(&[400.0], 250, 250), rate, 1000, 960);
    for k in 0..2u32 {
        assert!(rms(window(&s, rate, k * 500 + 20, k * 500 + 230)) > 0.1);
        assert_eq!(rms(window(&s, rate, k * 500 + 260, k * 500 + 490)), 0.0);
    }
}

#[test]
fn the_ringtone_plays_its_two_notes() {
    let rate = 16_000;
    let s = render(TonePattern::ringtone(), rate, 1000, 320);
    let first = window(&s, rate, 20, 180);
    let second = window(&s, rate, 270, 530);
    assert!(tone_amplitude(first, rate, 880.0) > 0.2);
    assert!(tone_amplitude(first, rate, 659.25) < 0.03);
    assert!(tone_amplitude(second, rate, 659.25) > 0.2);
    assert!(tone_amplitude(second, rate, 880.0) < 0.03);
    assert_eq!(TonePattern::ringtone().cycle_ms(), 4000);
}

#[test]
fn dtmf_feedback_plays_once_then_reports_finished() {
    let rate = 8000;
    let mut g = ToneGenerator::new(TonePattern::dtmf('5', 100).unwrap(), rate);
    let mut tone = vec![0i16; 800];
    assert!(g.fill(&mut tone));
    assert!(tone_amplitude(&tone, rate, 770.0) > 0.1);
    assert!(tone_amplitude(&tone, rate, 1336.0) > 0.1);
    assert!(tone_amplitude(&tone, rate, 697.0) < 0.03);
    let mut after = vec![1i16; 160];
    assert!(!g.fill(&mut after));
    assert!(g.is_finished());
    assert!(after.iter().all(|&s| s == 0));
    assert!(TonePattern::dtmf('x', 100).is_none());
}

#[test]
fn output_does_not_depend_on_the_frame_size() {
    let a = render(TonePattern::ringtone(), 8000, 2000, 160);
    let b = render(TonePattern::ringtone(), 8000, 2000, 7);
    assert_eq!(a, b);
}

#[test]
fn tones_fade_in_and_out_without_clicks() {
    let rate = 8000;
    let s = render(TonePattern::ringback(&[1000.0], 100, 100), rate, 200, 160);
    // The first and last samples of the tone are near zero; the largest step between
    // samples stays that of the sine itself.
    assert!(
        s[0].abs() < 100 && s[799].abs() < 500,
        "{} {}",
        s[0],
        s[799]
    );
    let peak_step = s
        .windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .max()
        .unwrap();
    assert!(
        peak_step <= (0.25 * 32768.0 * 0.8) as i32,
        "step {peak_step}"
    );
}

#[test]
fn an_empty_pattern_is_silent_and_finished() {
    let pattern = TonePattern {
        segments: vec![ToneSegment::silence(0)],
        repeat: true,
        level: 0.5,
    };
    let mut g = ToneGenerator::new(pattern, 8000);
    let mut out = [5i16; 10];
    assert!(!g.fill(&mut out));
    assert_eq!(out, [0; 10]);
}
