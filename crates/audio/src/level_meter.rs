//! The settings screen's microphone meter: a capture stream on its own thread, summarised a
//! few times a second as RMS and peak levels.

use std::sync::mpsc::{sync_channel, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::backend::{AudioBackend, AudioStream};
use crate::device_list::check_device;
use crate::error::AudioError;
use crate::types::{DeviceKind, StreamConfig};

/// The rate the meter captures at: plenty for a level.
pub const METER_SAMPLE_RATE: u32 = 16_000;
/// One frame every this many milliseconds.
const TICK: Duration = Duration::from_millis(20);
/// Frames summarised in one reading (100 ms).
const FRAMES_PER_READING: u32 = 5;
/// Most frames drained from a device in one tick (a second's backlog).
const MAX_FRAMES_PER_TICK: u32 = 50;

/// One meter reading, over the last 100 ms of microphone audio.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LevelReading {
    /// Root mean square, 0.0–1.0 of full scale.
    pub rms: f32,
    /// The loudest sample, 0.0–1.0 of full scale.
    pub peak: f32,
}

/// The newest reading, and a signal for whoever waits for one.
type Latest = Arc<(Mutex<Option<LevelReading>>, Condvar)>;

/// A running microphone meter. It captures on its own thread (about ten readings a
/// second); [`LevelMeter::poll`] takes the newest one. Dropping it stops the thread (within
/// one 20 ms tick) and closes the device.
///
/// It opens a stream through [`AudioBackend::open`], so the output device is opened too
/// (and plays silence) while the meter runs.
pub struct LevelMeter {
    latest: Latest,
    /// Dropping this sender tells the thread to stop.
    stop: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LevelMeter {
    /// Starts metering the input device `input` (an id or name from
    /// [`crate::list_devices`]; `None` = the default microphone). Without any microphone
    /// (a machine with no sound card) this is [`AudioError::NoDevice`] for the input.
    pub fn start(backend: &dyn AudioBackend, input: Option<&str>) -> Result<Self, AudioError> {
        check_device(backend, DeviceKind::Input, input)?;
        let mut config = StreamConfig::new(METER_SAMPLE_RATE);
        config.input = input.map(str::to_owned);
        let stream = backend.open(&config)?;
        let latest: Latest = Arc::new((Mutex::new(None), Condvar::new()));
        let (stop, stopped) = sync_channel::<()>(0);
        let shared = latest.clone();
        let thread = std::thread::Builder::new()
            .name("level-meter".to_owned())
            .spawn(move || {
                let mut stream = stream;
                let mut window = Window::default();
                let mut frame = vec![0i16; stream.frame_samples()];
                // Ends when the sender is dropped (nothing is ever sent on it).
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                    meter_tick(&mut stream, &mut window, &mut frame, &shared);
                }
            })
            .map_err(|_| AudioError::InvalidConfig("cannot start the level meter thread"))?;
        Ok(LevelMeter {
            latest,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The newest reading since the last poll, if a new one came.
    pub fn poll(&self) -> Option<LevelReading> {
        let (lock, _) = &*self.latest;
        lock.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    /// Waits up to `timeout` for a new reading and takes it.
    pub fn wait(&self, timeout: Duration) -> Option<LevelReading> {
        let (lock, ready) = &*self.latest;
        let guard = lock.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut guard, _) = ready
            .wait_timeout_while(guard, timeout, |r| r.is_none())
            .unwrap_or_else(PoisonError::into_inner);
        guard.take()
    }
}

impl Drop for LevelMeter {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for LevelMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LevelMeter")
            .field("running", &self.thread.is_some())
            .finish()
    }
}

/// Sums of the frames of the reading being built.
#[derive(Default)]
struct Window {
    frames: u32,
    samples: u64,
    squares: f64,
    peak: i32,
}

/// One tick: read what there is (a device: what it captured; a file or null stream: one
/// frame, as they yield a frame per call) and publish a reading every 100 ms of audio.
fn meter_tick(stream: &mut AudioStream, window: &mut Window, frame: &mut [i16], latest: &Latest) {
    let max = if stream.is_realtime() {
        MAX_FRAMES_PER_TICK
    } else {
        1
    };
    {
        for _ in 0..max {
            if !stream.read_frame(frame) {
                break;
            }
            window.frames += 1;
            window.samples += frame.len() as u64;
            for &s in frame.iter() {
                window.squares += f64::from(s) * f64::from(s);
                window.peak = window.peak.max(i32::from(s).abs());
            }
            if window.frames >= FRAMES_PER_READING {
                let reading = reading_of(window);
                *window = Window::default();
                let (lock, ready) = &**latest;
                *lock.lock().unwrap_or_else(PoisonError::into_inner) = Some(reading);
                ready.notify_all();
            }
        }
    }
}

fn reading_of(w: &Window) -> LevelReading {
    let full = 32_768.0;
    let rms = if w.samples == 0 {
        0.0
    } else {
        (w.squares / w.samples as f64).sqrt() / full
    };
    LevelReading {
        rms: rms.min(1.0) as f32,
        peak: (f64::from(w.peak) / full).min(1.0) as f32,
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::{write_wav_mono, CpalBackend, NullBackend, WavBackend};

    const WAIT: Duration = Duration::from_secs(5);

    #[test]
    fn a_tone_reads_its_level() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("mic.wav");
        // 440 Hz at half of full scale: RMS 0.354, peak 0.5.
        let samples: Vec<i16> = (0..16_000)
            .map(|n| {
                let t = f64::from(n) / 16_000.0;
                (0.5 * 32_767.0 * (std::f64::consts::TAU * 440.0 * t).sin()) as i16
            })
            .collect();
        write_wav_mono(&path, 16_000, &samples).expect("write wav");
        let meter = LevelMeter::start(&WavBackend::new(Some(path), None), None).expect("meter");
        let r = meter.wait(WAIT).expect("a reading");
        assert!((r.rms - 0.354).abs() < 0.02, "{r:?}");
        assert!((r.peak - 0.5).abs() < 0.02, "{r:?}");
        // Taken: the next poll has nothing until the next reading.
        let next = meter.wait(WAIT).expect("another reading");
        assert!(next.rms > 0.3, "{next:?}");
    }

    #[test]
    fn silence_reads_zero_and_drop_stops_promptly() {
        let meter = LevelMeter::start(&NullBackend, Some("ignored")).expect("meter");
        let r = meter.wait(WAIT).expect("a reading");
        assert_eq!(
            r,
            LevelReading {
                rms: 0.0,
                peak: 0.0
            }
        );
        let started = Instant::now();
        drop(meter);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn no_microphone_is_a_clear_error() {
        if CpalBackend::has_default_devices() {
            return; // this machine has a sound card
        }
        match LevelMeter::start(&CpalBackend::new(), None) {
            Err(
                e @ AudioError::NoDevice {
                    kind: DeviceKind::Input,
                },
            ) => {
                assert!(e.to_string().contains("input"), "{e}");
            }
            // A machine with a microphone but no speaker.
            Ok(_) => {}
            Err(other) => panic!("expected NoDevice for the input, got {other:?}"),
        }
    }
}
