//! The WAV backend end to end: files in, frames out; frames in, files out.

#![allow(clippy::unwrap_used)]

use std::f64::consts::TAU;
use std::path::Path;

use dialtone_audio::{
    read_wav_mono_i16, rms, tone_amplitude, AudioBackend, AudioError, EndOfInput, StreamConfig,
    WavBackend,
};

fn sine(freq: f64, rate: u32, n: usize, amp: f64) -> Vec<f64> {
    (0..n)
        .map(|i| amp * (TAU * freq * i as f64 / f64::from(rate)).sin())
        .collect()
}

/// A stereo 16-bit WAV with `freq` on both channels.
fn write_stereo_tone(path: &Path, rate: u32, freq: f64, seconds: f64) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for x in sine(freq, rate, (f64::from(rate) * seconds) as usize, 0.5) {
        let s = (x * 32767.0) as i16;
        w.write_sample(s).unwrap();
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn a_tone_file_becomes_frames_with_that_tone_at_every_codec_rate() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("tone.wav");
    write_stereo_tone(&input, 44_100, 1000.0, 1.0);
    let backend = WavBackend::new(Some(input), None);

    for rate in [8_000u32, 16_000, 48_000] {
        let config = StreamConfig::new(rate);
        let mut stream = backend.open(&config).unwrap();
        assert!(!stream.is_realtime());
        let mut frame = vec![0i16; config.frame_samples];
        let mut all = Vec::new();
        for _ in 0..40 {
            assert!(stream.read_frame(&mut frame));
            all.extend_from_slice(&frame);
        }
        // Skip the first frames (the resampler's edge), measure 0.5 s in the middle.
        let middle = &all[config.frame_samples * 5..config.frame_samples * 30];
        let at_tone = tone_amplitude(middle, rate, 1000.0);
        assert!(
            (at_tone - 0.5).abs() < 0.03,
            "{rate} Hz: 1 kHz amplitude {at_tone}"
        );
        assert!(
            tone_amplitude(middle, rate, 1500.0) < 0.02,
            "{rate} Hz: energy off the tone"
        );
        assert!(
            tone_amplitude(middle, rate, 700.0) < 0.02,
            "{rate} Hz: energy off the tone"
        );
        assert_eq!(stream.stats().frames_captured, 40);
    }
}

#[test]
fn the_input_loops_or_goes_silent_at_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ramp.wav");
    // 240 samples at 8 kHz (30 ms): no resampling, so samples come out exactly.
    let ramp: Vec<i16> = (0..240).map(|i| i as i16 * 10 + 1).collect();
    dialtone_audio::write_wav_mono(&input, 8000, &ramp).unwrap();

    let mut frame = vec![0i16; 160];
    let mut looping = WavBackend::new(Some(input.clone()), None)
        .open(&StreamConfig::new(8000))
        .unwrap();
    assert!(looping.read_frame(&mut frame));
    assert_eq!(frame[..], ramp[..160]);
    assert!(looping.read_frame(&mut frame));
    assert_eq!(frame[..80], ramp[160..]);
    assert_eq!(frame[80..], ramp[..80]);
    assert!(looping.read_frame(&mut frame));
    assert_eq!(frame[..], ramp[80..]);

    let mut once = WavBackend::new(Some(input), None)
        .with_end_of_input(EndOfInput::Silence)
        .open(&StreamConfig::new(8000))
        .unwrap();
    assert!(once.read_frame(&mut frame));
    assert!(once.read_frame(&mut frame));
    assert_eq!(frame[..80], ramp[160..]);
    assert!(frame[80..].iter().all(|&s| s == 0));
    assert!(once.read_frame(&mut frame));
    assert!(frame.iter().all(|&s| s == 0));
}

#[test]
fn no_input_file_means_silence() {
    let mut stream = WavBackend::new(None, None)
        .open(&StreamConfig::new(16_000))
        .unwrap();
    let mut frame = vec![1i16; 320];
    assert!(stream.read_frame(&mut frame));
    assert!(frame.iter().all(|&s| s == 0));
}

#[test]
fn played_frames_are_recorded_as_mono_s16_at_the_stream_rate() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("heard.wav");
    let backend = WavBackend::new(None, Some(output.clone()));
    let config = StreamConfig::new(16_000);
    let tone: Vec<i16> = sine(440.0, 16_000, 320 * 25, 0.3)
        .into_iter()
        .map(|x| (x * 32767.0) as i16)
        .collect();
    {
        let mut stream = backend.open(&config).unwrap();
        for frame in tone.chunks(320) {
            stream.write_frame(frame);
        }
        assert_eq!(stream.stats().frames_played, 25);
    } // dropped: finalised

    let mut reader = hound::WavReader::open(&output).unwrap();
    let spec = reader.spec();
    assert_eq!(spec.channels, 1);
    assert_eq!(spec.sample_rate, 16_000);
    assert_eq!(spec.bits_per_sample, 16);
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    assert_eq!(samples, tone);
    assert!((tone_amplitude(&samples, 16_000, 440.0) - 0.3).abs() < 0.02);
}

#[test]
fn a_recording_is_readable_even_if_the_stream_is_never_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("crash.wav");
    let backend = WavBackend::new(None, Some(output.clone()));
    let mut stream = backend.open(&StreamConfig::new(8000)).unwrap();
    for i in 0..120 {
        stream.write_frame(&[i as i16; 160]);
    }
    // Simulate a process that dies mid-call: no Drop, no finalise.
    std::mem::forget(stream);

    let mut reader = hound::WavReader::open(&output).unwrap();
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    // Flushed every 50 frames: at least the first 100 frames are there, intact.
    assert!(samples.len() >= 100 * 160, "only {} samples", samples.len());
    assert_eq!(samples.len() % 160, 0);
    for (i, frame) in samples.chunks(160).enumerate() {
        assert!(frame.iter().all(|&s| s == i as i16), "frame {i} corrupted");
    }
}

#[test]
fn an_empty_call_still_leaves_a_valid_file() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("empty.wav");
    drop(
        WavBackend::new(None, Some(output.clone()))
            .open(&StreamConfig::new(48_000))
            .unwrap(),
    );
    let reader = hound::WavReader::open(&output).unwrap();
    assert_eq!(reader.len(), 0);
    assert_eq!(reader.spec().sample_rate, 48_000);
}

#[test]
fn float_and_8_bit_inputs_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let float_path = dir.path().join("float.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(&float_path, spec).unwrap();
    for x in sine(500.0, 16_000, 16_000, 0.4) {
        w.write_sample(x as f32).unwrap();
    }
    w.finalize().unwrap();
    let pcm = read_wav_mono_i16(&float_path, 8000).unwrap();
    assert!((pcm.len() as i64 - 8000).abs() <= 1, "{}", pcm.len());
    assert!((tone_amplitude(&pcm[800..7200], 8000, 500.0) - 0.4).abs() < 0.02);

    let byte_path = dir.path().join("u8.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 8,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&byte_path, spec).unwrap();
    for x in sine(500.0, 8000, 8000, 0.4) {
        w.write_sample((x * 127.0) as i8).unwrap();
    }
    w.finalize().unwrap();
    let pcm = read_wav_mono_i16(&byte_path, 8000).unwrap();
    assert!((tone_amplitude(&pcm, 8000, 500.0) - 0.4).abs() < 0.02);
    assert!(rms(&pcm) > 0.25);
}

#[test]
fn a_missing_or_broken_input_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.wav");
    let err = WavBackend::new(Some(missing.clone()), None)
        .open(&StreamConfig::new(8000))
        .unwrap_err();
    assert!(matches!(err, AudioError::Wav { ref path, .. } if *path == missing));
    assert!(err.to_string().contains("nope.wav"));

    let junk = dir.path().join("junk.wav");
    std::fs::write(&junk, b"this is not a wav file").unwrap();
    assert!(matches!(
        WavBackend::new(Some(junk), None).open(&StreamConfig::new(8000)),
        Err(AudioError::Wav { .. })
    ));
}
