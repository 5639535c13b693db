//! The cpal backend on whatever machine runs the tests. On the headless CI machine (no sound
//! card) every call must fail cleanly or come back empty, never panic; on a machine with
//! devices, a stream opens and moves frames.

#![allow(clippy::unwrap_used)]

use dialtone_audio::{
    backend_from_choice, AudioBackend, AudioChoice, AudioError, CpalBackend, DeviceKind,
    StreamConfig,
};

#[test]
fn listing_devices_never_panics() {
    match CpalBackend::new().devices() {
        Ok(devices) => {
            eprintln!("{} devices: {devices:?}", devices.len());
            for kind in [DeviceKind::Input, DeviceKind::Output] {
                assert!(
                    devices
                        .iter()
                        .filter(|d| d.kind == kind && d.is_default)
                        .count()
                        <= 1
                );
            }
        }
        Err(e) => {
            eprintln!("listing failed cleanly: {e}");
            assert!(matches!(e, AudioError::Enumerate(_)));
        }
    }
}

#[test]
fn opening_the_default_devices_fails_cleanly_or_works() {
    let backend = CpalBackend::new();
    let config = StreamConfig::new(8000);
    let usable = CpalBackend::has_default_devices();
    match backend.open(&config) {
        Ok(mut stream) => {
            assert!(usable, "opened although the probe found no usable device");
            assert!(stream.is_realtime());
            let mut frame = vec![0i16; 160];
            stream.write_frame(&frame.clone());
            // Capture may or may not have a frame yet; it must not panic.
            let _ = stream.read_frame(&mut frame);
        }
        Err(e) => {
            eprintln!("open failed cleanly: {e}");
            assert!(!usable, "probe said usable but open failed: {e}");
            assert!(
                matches!(
                    e,
                    AudioError::NoDevice { .. }
                        | AudioError::NoUsableFormat { .. }
                        | AudioError::Device { .. }
                        | AudioError::Enumerate(_)
                ),
                "unexpected error kind: {e:?}"
            );
            assert!(!e.to_string().is_empty());
        }
    }
}

#[test]
fn a_device_name_that_does_not_exist_is_not_found() {
    let mut config = StreamConfig::new(16_000);
    config.input = Some("No Such Microphone 3000".into());
    let err = CpalBackend::new().open(&config).unwrap_err();
    assert!(
        matches!(
            err,
            AudioError::DeviceNotFound { kind: DeviceKind::Input, ref name } if name == "No Such Microphone 3000"
        ) || matches!(err, AudioError::Enumerate(_)),
        "{err:?}"
    );
}

#[test]
fn auto_falls_back_to_silence_without_devices() {
    let backend = backend_from_choice(&AudioChoice::Auto);
    if CpalBackend::has_default_devices() {
        assert_eq!(backend.name(), "cpal");
        return;
    }
    assert_eq!(backend.name(), "null");
    // And the fallback gives a working, silent call.
    let mut stream = backend.open(&StreamConfig::new(48_000)).unwrap();
    let mut frame = vec![1i16; 960];
    assert!(stream.read_frame(&mut frame));
    assert!(frame.iter().all(|&s| s == 0));
    stream.write_frame(&frame);
}

#[test]
fn explicit_choices_give_the_named_backend() {
    assert_eq!(backend_from_choice(&AudioChoice::Null).name(), "null");
    assert_eq!(backend_from_choice(&AudioChoice::Cpal).name(), "cpal");
    let wav = AudioChoice::Wav {
        input: None,
        output: None,
        end_of_input: Default::default(),
    };
    assert_eq!(backend_from_choice(&wav).name(), "wav");
}

/// ALSA's "null" device (present even without a sound card) runs real cpal streams with real
/// callbacks: capture produces zeros in real time and playout is consumed. This exercises the
/// ring/resample path end to end where it exists; elsewhere the test has nothing to do.
#[test]
fn real_callbacks_move_frames_through_the_alsa_null_device() {
    let Ok(devices) = CpalBackend::new().devices() else {
        return;
    };
    let has = |kind| {
        devices
            .iter()
            .any(|d| d.kind == kind && d.id == "alsa:null")
    };
    if !(has(DeviceKind::Input) && has(DeviceKind::Output)) {
        eprintln!("no ALSA null device here; skipping");
        return;
    }
    let mut config = StreamConfig::new(16_000);
    config.input = Some("alsa:null".into());
    config.output = Some("alsa:null".into());
    let mut stream = CpalBackend::new().open(&config).unwrap();
    assert!(stream.is_realtime());

    let mut frame = vec![1i16; 320];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut frames = 0;
    // Poll (bounded) until the capture callback has delivered ten frames' worth.
    while frames < 10 && std::time::Instant::now() < deadline {
        stream.write_frame(&[0i16; 320]);
        while frames < 10 && stream.read_frame(&mut frame) {
            frames += 1;
            assert!(
                frame.iter().all(|&s| s == 0),
                "the null device captures silence"
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(frames, 10, "capture delivered {frames} frames in 5 s");
    let stats = stream.stats();
    assert_eq!(stats.frames_captured, 10);
    assert!(stats.frames_played > 0);
    assert_eq!(stream.poll_event(), None);
}
