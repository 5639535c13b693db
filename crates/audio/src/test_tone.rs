//! The settings screen's "test speakers" button: about a second of 440 Hz.

use std::time::{Duration, Instant};

use crate::backend::AudioBackend;
use crate::device_list::check_device;
use crate::error::AudioError;
use crate::tones::{ToneGenerator, TonePattern, ToneSegment, DEFAULT_TONE_LEVEL};
use crate::types::{DeviceKind, StreamConfig};

/// The test tone's pitch, Hz.
pub const TEST_TONE_HZ: f32 = 440.0;
/// The test tone's length, ms.
pub const TEST_TONE_MS: u32 = 1000;
/// The rate it is generated at.
const TONE_RATE: u32 = 48_000;
/// Frames written ahead of the device clock, so it never runs dry.
const FRAMES_AHEAD: u32 = 3;
/// How long a device stream is kept open after the last frame, so the tail is heard.
const DRAIN: Duration = Duration::from_millis(250);

/// Plays [`TEST_TONE_MS`] of [`TEST_TONE_HZ`] at a moderate level (about -12 dBFS) on the
/// output device `output` (id or name; `None` = the default), and returns when it has been
/// played. On a device this blocks for about 1.3 s: call it off the UI thread. File and
/// null backends take it at once. Without any speaker (no sound card) this is
/// [`AudioError::NoDevice`] for the output.
///
/// It opens a stream through [`AudioBackend::open`], so the input device is opened too.
pub fn play_test_tone(backend: &dyn AudioBackend, output: Option<&str>) -> Result<(), AudioError> {
    check_device(backend, DeviceKind::Output, output)?;
    let mut config = StreamConfig::new(TONE_RATE);
    config.output = output.map(str::to_owned);
    let mut stream = backend.open(&config)?;
    let pattern = TonePattern {
        segments: vec![ToneSegment::tone(TEST_TONE_MS, &[TEST_TONE_HZ])],
        repeat: false,
        level: DEFAULT_TONE_LEVEL,
    };
    let mut tone = ToneGenerator::new(pattern, TONE_RATE);
    let mut frame = vec![0i16; config.frame_samples];
    let frame_time = Duration::from_millis(20);
    let started = Instant::now();
    for n in 0..TEST_TONE_MS / 20 {
        tone.fill(&mut frame);
        stream.write_frame(&frame);
        if stream.is_realtime() {
            // Keep a few frames ahead of the device's clock; no more, or its ring overflows.
            let due = started + frame_time * n.saturating_sub(FRAMES_AHEAD);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
    }
    if stream.is_realtime() {
        let end = started + frame_time * (TEST_TONE_MS / 20) + DRAIN;
        std::thread::sleep(end.saturating_duration_since(Instant::now()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_wav_mono_i16, tone_amplitude, CpalBackend, NullBackend, WavBackend};

    #[test]
    fn a_second_of_440_hz_is_recorded() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("heard.wav");
        play_test_tone(&WavBackend::new(None, Some(path.clone())), None).expect("tone");
        let heard = read_wav_mono_i16(&path, TONE_RATE).expect("read wav");
        assert_eq!(
            heard.len(),
            TONE_RATE as usize * TEST_TONE_MS as usize / 1000
        );
        let middle = &heard[TONE_RATE as usize / 4..TONE_RATE as usize * 3 / 4];
        let at_440 = tone_amplitude(middle, TONE_RATE, 440.0);
        let at_1000 = tone_amplitude(middle, TONE_RATE, 1000.0);
        // DEFAULT_TONE_LEVEL of full scale, give or take.
        assert!(
            (at_440 - f64::from(DEFAULT_TONE_LEVEL)).abs() < 0.03,
            "{at_440}"
        );
        assert!(at_1000 < at_440 / 20.0, "{at_1000} vs {at_440}");
    }

    #[test]
    fn null_backend_takes_it_at_once() {
        let started = Instant::now();
        play_test_tone(&NullBackend, None).expect("tone");
        assert!(started.elapsed() < Duration::from_millis(500));
    }

    #[test]
    fn no_speaker_is_a_clear_error() {
        if CpalBackend::has_default_devices() {
            return; // this machine has a sound card
        }
        match play_test_tone(&CpalBackend::new(), None) {
            Err(AudioError::NoDevice {
                kind: DeviceKind::Output,
            }) => {}
            // A machine with a speaker but no microphone.
            Ok(()) => {}
            Err(other) => panic!("expected NoDevice for the output, got {other:?}"),
        }
    }
}
