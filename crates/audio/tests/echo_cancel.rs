//! Echo cancellation on the capture path, through a simulated room: what the stream plays
//! comes back into the microphone, delayed and quieter.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;

use dialtone_audio::{rms, AudioError, AudioStats, AudioStream, StreamConfig, StreamDriver};

/// A loudspeaker and microphone in one room: the microphone hears the far end's audio
/// `delay` samples later at `gain`, plus the near-end talker's own signal.
struct Room {
    echo_path: VecDeque<i16>,
    gain: f32,
    near_end: Box<dyn FnMut(usize) -> i16 + Send>,
    t: usize,
}

impl Room {
    fn new(delay: usize, gain: f32, near_end: Box<dyn FnMut(usize) -> i16 + Send>) -> Self {
        Room {
            echo_path: std::iter::repeat_n(0, delay).collect(),
            gain,
            near_end,
            t: 0,
        }
    }
}

impl StreamDriver for Room {
    fn read_frame(&mut self, out: &mut [i16]) -> bool {
        if self.echo_path.len() < out.len() {
            return false;
        }
        for o in out.iter_mut() {
            let echo = f32::from(self.echo_path.pop_front().unwrap_or(0)) * self.gain;
            let near = f32::from((self.near_end)(self.t));
            *o = (echo + near).clamp(-32768.0, 32767.0) as i16;
            self.t += 1;
        }
        true
    }
    fn write_frame(&mut self, pcm: &[i16]) {
        self.echo_path.extend(pcm.iter().copied());
    }
    fn stats(&self) -> AudioStats {
        AudioStats::default()
    }
    fn is_realtime(&self) -> bool {
        false
    }
}

/// Deterministic speech-band noise (the far-end talker).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> i16 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as i32 % 12000) as i16
    }
}

/// Run `seconds` of a call; return what the microphone frames looked like after processing.
fn call(stream: &mut AudioStream, seconds: usize) -> Vec<i16> {
    let n = stream.frame_samples();
    let mut far = Noise(7);
    let mut captured = Vec::new();
    let mut frame = vec![0i16; n];
    for _ in 0..seconds * 50 {
        let far_frame: Vec<i16> = (0..n).map(|_| far.next()).collect();
        stream.write_frame(&far_frame);
        assert!(stream.read_frame(&mut frame));
        captured.extend_from_slice(&frame);
    }
    captured
}

#[test]
fn the_canceller_removes_most_of_the_echo() {
    let config = StreamConfig::new(16_000);
    let room = || Box::new(Room::new(16 * 30, 0.5, Box::new(|_| 0)));

    let mut plain = AudioStream::new(room(), &config);
    assert!(!plain.echo_cancel());
    let echo = call(&mut plain, 4);

    let mut cancelled = AudioStream::new(room(), &config);
    cancelled.set_echo_cancel(true).unwrap();
    assert!(cancelled.echo_cancel());
    let residual = call(&mut cancelled, 4);

    let last_second = |s: &[i16]| s[s.len() - 16_000..].to_vec();
    let before = rms(&last_second(&echo));
    let after = rms(&last_second(&residual));
    let erle_db = 20.0 * (before / after.max(1e-9)).log10();
    eprintln!("echo rms {before:.4}, residual rms {after:.6}, ERLE {erle_db:.1} dB");
    assert!(before > 0.05, "the room must produce echo");
    assert!(erle_db > 20.0, "echo only reduced by {erle_db:.1} dB");
}

/// Speech-like near-end signal: 300 + 700 Hz "syllables" with a 4 Hz envelope (the noise
/// suppressor rightly removes *steady* tones, so the test talker must not be one).
fn talker(t: usize) -> i16 {
    let s = t as f64 / 16_000.0;
    let envelope = (std::f64::consts::TAU * 2.0 * s).sin().max(0.0);
    let voice =
        (std::f64::consts::TAU * 300.0 * s).sin() + 0.5 * (std::f64::consts::TAU * 700.0 * s).sin();
    (5000.0 * envelope * voice) as i16
}

#[test]
fn near_end_speech_survives_the_canceller() {
    let config = StreamConfig::new(16_000);
    let mut stream = AudioStream::new(Box::new(Room::new(16 * 30, 0.5, Box::new(talker))), &config);
    stream.set_echo_cancel(true).unwrap();
    let out = call(&mut stream, 4);
    let tail = &out[out.len() - 16_000..];
    let sent: Vec<i16> = (out.len() - 16_000..out.len()).map(talker).collect();
    let kept = dialtone_audio::tone_amplitude(tail, 16_000, 300.0)
        / dialtone_audio::tone_amplitude(&sent, 16_000, 300.0);
    eprintln!(
        "near-end 300 Hz kept at {:.0}% through double talk",
        kept * 100.0
    );
    assert!(
        kept > 0.5,
        "near-end speech was suppressed to {:.0}%",
        kept * 100.0
    );
}

#[test]
fn echo_cancel_can_be_switched_off_and_needs_10ms_blocks() {
    let mut config = StreamConfig::new(16_000);
    let mut stream = AudioStream::new(Box::new(Room::new(0, 0.0, Box::new(|_| 1000))), &config);
    stream.set_echo_cancel(true).unwrap();
    stream.set_echo_cancel(false).unwrap();
    assert!(!stream.echo_cancel());
    let mut frame = vec![0i16; 320];
    stream.write_frame(&frame.clone());
    assert!(stream.read_frame(&mut frame));
    assert!(frame.iter().all(|&s| s == 1000), "pass-through when off");

    config.frame_samples = 400; // 25 ms
    let mut odd = AudioStream::new(Box::new(Room::new(0, 0.0, Box::new(|_| 0))), &config);
    assert!(matches!(
        odd.set_echo_cancel(true),
        Err(AudioError::InvalidConfig(_))
    ));
    assert!(!odd.echo_cancel());
}
