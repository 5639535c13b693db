//! Locally generated call-progress tones: ringback (what the caller hears while the far end
//! rings), the ringtone (an incoming call), and DTMF feedback. Any rate, any frame size.

use std::f64::consts::TAU;

use crate::convert::f32_to_i16;

/// One step of a cadence: a chord of frequencies (empty = silence) for a duration.
#[derive(Clone, Debug, PartialEq)]
pub struct ToneSegment {
    pub duration_ms: u32,
    /// Frequencies in Hz played together; empty for a pause.
    pub frequencies: Vec<f32>,
}

impl ToneSegment {
    /// `frequencies` together for `duration_ms`.
    pub fn tone(duration_ms: u32, frequencies: &[f32]) -> Self {
        ToneSegment {
            duration_ms,
            frequencies: frequencies.to_vec(),
        }
    }

    /// Silence for `duration_ms`.
    pub fn silence(duration_ms: u32) -> Self {
        ToneSegment {
            duration_ms,
            frequencies: Vec::new(),
        }
    }
}

/// A tone cadence: segments played in order, once or repeating.
#[derive(Clone, Debug, PartialEq)]
pub struct TonePattern {
    pub segments: Vec<ToneSegment>,
    /// Start again after the last segment.
    pub repeat: bool,
    /// Peak amplitude of each segment's chord, 0.0..=1.0 of full scale.
    pub level: f32,
}

/// Default peak level: about -12 dBFS, comfortable in a headset.
pub const DEFAULT_TONE_LEVEL: f32 = 0.25;

impl TonePattern {
    /// A repeating `on_ms` tone / `off_ms` pause cadence of `frequencies`.
    pub fn ringback(frequencies: &[f32], on_ms: u32, off_ms: u32) -> Self {
        TonePattern {
            segments: vec![
                ToneSegment::tone(on_ms, frequencies),
                ToneSegment::silence(off_ms),
            ],
            repeat: true,
            level: DEFAULT_TONE_LEVEL,
        }
    }

    /// North American ringback: 440 + 480 Hz, 2 s on, 4 s off.
    pub fn ringback_us() -> Self {
        Self::ringback(&[440.0, 480.0], 2000, 4000)
    }

    /// European (ETSI) ringback: 425 Hz, 1 s on, 4 s off.
    pub fn ringback_eu() -> Self {
        Self::ringback(&[425.0], 1000, 4000)
    }

    /// UK ringback: 400 + 450 Hz, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off.
    pub fn ringback_uk() -> Self {
        TonePattern {
            segments: vec![
                ToneSegment::tone(400, &[400.0, 450.0]),
                ToneSegment::silence(200),
                ToneSegment::tone(400, &[400.0, 450.0]),
                ToneSegment::silence(2000),
            ],
            repeat: true,
            level: DEFAULT_TONE_LEVEL,
        }
    }

    /// The incoming-call ringtone: a soft two-note chime (A5, E5) twice, then a pause; a
    /// 4-second cycle.
    pub fn ringtone() -> Self {
        const A5: f32 = 880.0;
        const E5: f32 = 659.25;
        TonePattern {
            segments: vec![
                ToneSegment::tone(200, &[A5]),
                ToneSegment::silence(50),
                ToneSegment::tone(300, &[E5]),
                ToneSegment::silence(400),
                ToneSegment::tone(200, &[A5]),
                ToneSegment::silence(50),
                ToneSegment::tone(300, &[E5]),
                ToneSegment::silence(2500),
            ],
            repeat: true,
            level: DEFAULT_TONE_LEVEL,
        }
    }

    /// One DTMF digit (0-9, *, #, A-D) for `duration_ms`, played once (local key feedback).
    pub fn dtmf(digit: char, duration_ms: u32) -> Option<Self> {
        let (low, high) = dtmf_frequencies(digit)?;
        Some(TonePattern {
            segments: vec![ToneSegment::tone(duration_ms, &[low, high])],
            repeat: false,
            level: DEFAULT_TONE_LEVEL,
        })
    }

    /// The same pattern at another peak level.
    pub fn with_level(mut self, level: f32) -> Self {
        self.level = level.clamp(0.0, 1.0);
        self
    }

    /// Length of one pass through the segments.
    pub fn cycle_ms(&self) -> u64 {
        self.segments.iter().map(|s| u64::from(s.duration_ms)).sum()
    }
}

/// The (row, column) frequencies of a DTMF key.
pub fn dtmf_frequencies(digit: char) -> Option<(f32, f32)> {
    const ROWS: [f32; 4] = [697.0, 770.0, 852.0, 941.0];
    const COLS: [f32; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
    let (r, c) = match digit.to_ascii_uppercase() {
        '1' => (0, 0),
        '2' => (0, 1),
        '3' => (0, 2),
        'A' => (0, 3),
        '4' => (1, 0),
        '5' => (1, 1),
        '6' => (1, 2),
        'B' => (1, 3),
        '7' => (2, 0),
        '8' => (2, 1),
        '9' => (2, 2),
        'C' => (2, 3),
        '*' => (3, 0),
        '0' => (3, 1),
        '#' => (3, 2),
        'D' => (3, 3),
        _ => return None,
    };
    Some((ROWS[r], COLS[c]))
}

/// Fade length at each edge of a tone segment, so tones start and stop without clicks.
const RAMP_MS: u32 = 5;

/// Produces a [`TonePattern`] as mono i16 frames at a given rate.
#[derive(Clone, Debug)]
pub struct ToneGenerator {
    pattern: TonePattern,
    rate: u32,
    segment: usize,
    /// Position inside the current segment, in samples.
    position: u64,
    phases: Vec<f64>,
    finished: bool,
}

impl ToneGenerator {
    /// A generator for `pattern` at `sample_rate` Hz, at the pattern's start.
    pub fn new(pattern: TonePattern, sample_rate: u32) -> Self {
        let finished = pattern.cycle_ms() == 0;
        ToneGenerator {
            phases: Vec::new(),
            pattern,
            rate: sample_rate.max(1),
            segment: 0,
            position: 0,
            finished,
        }
    }

    /// Back to the start of the pattern.
    pub fn reset(&mut self) {
        self.segment = 0;
        self.position = 0;
        self.phases.clear();
        self.finished = self.pattern.cycle_ms() == 0;
    }

    /// True once a non-repeating pattern has played to its end.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn segment_len(&self, index: usize) -> u64 {
        self.pattern
            .segments
            .get(index)
            .map(|s| u64::from(s.duration_ms) * u64::from(self.rate) / 1000)
            .unwrap_or(0)
    }

    /// Move to the next segment with samples in it; false when a one-shot pattern is over.
    fn advance(&mut self) -> bool {
        // At most one pass over the segments finds a non-empty one (the pattern is not empty:
        // checked in `new`), plus one wrap.
        for _ in 0..=self.pattern.segments.len() {
            self.segment += 1;
            self.position = 0;
            self.phases.clear();
            if self.segment >= self.pattern.segments.len() {
                if !self.pattern.repeat {
                    self.finished = true;
                    return false;
                }
                self.segment = 0;
            }
            if self.segment_len(self.segment) > 0 {
                return true;
            }
        }
        self.finished = true;
        false
    }

    /// Fill `out` with the next samples (silence once a one-shot pattern is over). Returns
    /// false if the pattern had already finished before this frame.
    pub fn fill(&mut self, out: &mut [i16]) -> bool {
        if self.finished {
            out.fill(0);
            return false;
        }
        let ramp = u64::from(RAMP_MS) * u64::from(self.rate) / 1000;
        for sample in out.iter_mut() {
            let mut len = self.segment_len(self.segment);
            if self.position >= len {
                if !self.advance() {
                    *sample = 0;
                    continue;
                }
                len = self.segment_len(self.segment);
            }
            let freqs = &self.pattern.segments[self.segment].frequencies;
            if freqs.is_empty() {
                *sample = 0;
            } else {
                if self.phases.len() != freqs.len() {
                    self.phases = vec![0.0; freqs.len()];
                }
                let mut value = 0.0f64;
                for (phase, &f) in self.phases.iter_mut().zip(freqs.iter()) {
                    value += phase.sin();
                    *phase = (*phase + TAU * f64::from(f) / f64::from(self.rate)) % TAU;
                }
                let edge = ramp.min(len / 2).max(1);
                let from_edge = self.position.min(len - 1 - self.position);
                let envelope = if from_edge < edge {
                    from_edge as f64 / edge as f64
                } else {
                    1.0
                };
                let amplitude = f64::from(self.pattern.level) / freqs.len() as f64;
                *sample = f32_to_i16((value * amplitude * envelope) as f32);
            }
            self.position += 1;
        }
        if !self.finished && self.position >= self.segment_len(self.segment) {
            // Step over the boundary now, so a pattern that ended exactly at the end of this
            // frame reports finished before the next one.
            self.advance();
        }
        true
    }
}
