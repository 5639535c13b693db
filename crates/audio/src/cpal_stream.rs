//! One call's streams on real devices. The cpal callbacks only move samples through the
//! rings (see `ring`); this side, called from `read_frame`/`write_frame` on the engine's task,
//! resamples, bounds the latency, and replaces a device that went away.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};
use cpal::{BufferSize, ErrorKind, FromSample, SampleFormat, SizedSample};
use ringbuf::traits::{Consumer, Observer, Producer, Split};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use crate::alsa_quiet::quietly;
use crate::backend::StreamDriver;
use crate::convert::{f32_to_i16, i16_to_f32};
use crate::cpal_backend::{choose_format, device_name, find_device};
use crate::error::AudioError;
use crate::resample::StreamResampler;
use crate::ring::{capture_push, playout_pull, DropCounters, PlayoutGate};
use crate::types::{AudioEvent, AudioStats, DeviceKind, StreamConfig};

/// Ring capacity, in time at the device rate.
const RING_MS: u32 = 500;
/// Playout starts (and restarts after an underrun) once this much is queued.
const PLAYOUT_PREBUFFER_MS: u32 = 60;
/// Playout queued beyond this is dropped rather than letting latency grow.
const PLAYOUT_MAX_QUEUED_MS: u32 = 200;
/// Captured frames waiting beyond this many are dropped (oldest first).
const CAPTURE_MAX_BACKLOG_FRAMES: usize = 5;
/// How often to try reopening a device that went away.
const REOPEN_INTERVAL: Duration = Duration::from_secs(2);

fn samples_for_ms(rate: u32, ms: u32) -> usize {
    (u64::from(rate) * u64::from(ms) / 1000).max(1) as usize
}

/// A fatal device error, reported by cpal's error callback and read by the stream.
#[derive(Debug, Default)]
pub(crate) struct Fault {
    code: AtomicU8,
}

impl Fault {
    const NONE: u8 = 0;
    const NOT_AVAILABLE: u8 = 1;
    const INVALIDATED: u8 = 2;

    /// Called from cpal's error callback: only a flag store.
    pub(crate) fn report(&self, kind: ErrorKind) {
        let code = match kind {
            ErrorKind::DeviceNotAvailable => Self::NOT_AVAILABLE,
            ErrorKind::StreamInvalidated => Self::INVALIDATED,
            // Xruns are counted by the rings; reroutes need no action; the rest is transient.
            _ => return,
        };
        self.code.store(code, Ordering::Release);
    }

    /// The fault, if one was reported.
    pub(crate) fn get(&self) -> Option<ErrorKind> {
        match self.code.load(Ordering::Acquire) {
            Self::NOT_AVAILABLE => Some(ErrorKind::DeviceNotAvailable),
            Self::INVALIDATED => Some(ErrorKind::StreamInvalidated),
            Self::NONE => None,
            _ => None,
        }
    }
}

struct InputSide {
    _stream: cpal::Stream,
    ring: HeapCons<f32>,
    resampler: StreamResampler,
    name: String,
    fault: Arc<Fault>,
}

struct OutputSide {
    _stream: cpal::Stream,
    ring: HeapProd<f32>,
    resampler: StreamResampler,
    name: String,
    fault: Arc<Fault>,
    max_queued: usize,
}

trait DeviceSide {
    fn name(&self) -> &str;
    fn fault(&self) -> &Fault;
}

impl DeviceSide for InputSide {
    fn name(&self) -> &str {
        &self.name
    }
    fn fault(&self) -> &Fault {
        &self.fault
    }
}

impl DeviceSide for OutputSide {
    fn name(&self) -> &str {
        &self.name
    }
    fn fault(&self) -> &Fault {
        &self.fault
    }
}

/// A direction's state: working, or lost and waiting to retry.
enum Side<T> {
    Open(T),
    Lost {
        name: String,
        reason: String,
        retry_at: Instant,
        reported: bool,
    },
}

fn device_error<'a>(
    kind: DeviceKind,
    name: &'a str,
    what: &'static str,
) -> impl FnOnce(cpal::Error) -> AudioError + 'a {
    move |source| AudioError::Device {
        kind,
        name: name.to_string(),
        what,
        source,
    }
}

fn build_input<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut ring: HeapProd<f32>,
    counters: Arc<DropCounters>,
    fault: Arc<Fault>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels);
    device.build_input_stream::<T, _, _>(
        config,
        move |data: &[T], _| capture_push(&mut ring, data, channels, &counters),
        move |err| fault.report(err.kind()),
        None,
    )
}

fn build_output<T>(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    mut ring: HeapCons<f32>,
    mut gate: PlayoutGate,
    counters: Arc<DropCounters>,
    fault: Arc<Fault>,
) -> Result<cpal::Stream, cpal::Error>
where
    T: SizedSample + FromSample<f32>,
{
    let channels = usize::from(config.channels);
    device.build_output_stream::<T, _, _>(
        config,
        move |data: &mut [T], _| playout_pull(&mut ring, data, channels, &mut gate, &counters),
        move |err| fault.report(err.kind()),
        None,
    )
}

fn open_input(
    name: Option<&str>,
    stream_rate: u32,
    counters: &Arc<DropCounters>,
) -> Result<InputSide, AudioError> {
    let kind = DeviceKind::Input;
    let device = find_device(kind, name)?;
    let name = device_name(&device);
    let format = choose_format(&device, kind)?;
    let mut config = format.config();
    config.buffer_size = BufferSize::Default;
    let resampler = StreamResampler::new(config.sample_rate, stream_rate)?;
    let (prod, cons) = HeapRb::<f32>::new(samples_for_ms(config.sample_rate, RING_MS)).split();
    let fault = Arc::new(Fault::default());
    let (c, f) = (counters.clone(), fault.clone());
    let stream = match format.sample_format() {
        SampleFormat::F32 => build_input::<f32>(&device, config, prod, c, f),
        SampleFormat::I16 => build_input::<i16>(&device, config, prod, c, f),
        SampleFormat::I32 => build_input::<i32>(&device, config, prod, c, f),
        SampleFormat::U16 => build_input::<u16>(&device, config, prod, c, f),
        _ => return Err(AudioError::NoUsableFormat { kind, name }),
    }
    .map_err(device_error(kind, &name, "opening the input stream"))?;
    stream
        .play()
        .map_err(device_error(kind, &name, "starting the input stream"))?;
    tracing::info!(device = %name, rate = config.sample_rate, channels = config.channels,
        format = ?format.sample_format(), "audio input open");
    Ok(InputSide {
        _stream: stream,
        ring: cons,
        resampler,
        name,
        fault,
    })
}

fn open_output(
    name: Option<&str>,
    stream_rate: u32,
    counters: &Arc<DropCounters>,
) -> Result<OutputSide, AudioError> {
    let kind = DeviceKind::Output;
    let device = find_device(kind, name)?;
    let name = device_name(&device);
    let format = choose_format(&device, kind)?;
    let mut config = format.config();
    config.buffer_size = BufferSize::Default;
    let rate = config.sample_rate;
    let resampler = StreamResampler::new(stream_rate, rate)?;
    let (prod, cons) = HeapRb::<f32>::new(samples_for_ms(rate, RING_MS)).split();
    let gate = PlayoutGate::new(samples_for_ms(rate, PLAYOUT_PREBUFFER_MS));
    let fault = Arc::new(Fault::default());
    let (c, f) = (counters.clone(), fault.clone());
    let stream = match format.sample_format() {
        SampleFormat::F32 => build_output::<f32>(&device, config, cons, gate, c, f),
        SampleFormat::I16 => build_output::<i16>(&device, config, cons, gate, c, f),
        SampleFormat::I32 => build_output::<i32>(&device, config, cons, gate, c, f),
        SampleFormat::U16 => build_output::<u16>(&device, config, cons, gate, c, f),
        _ => return Err(AudioError::NoUsableFormat { kind, name }),
    }
    .map_err(device_error(kind, &name, "opening the output stream"))?;
    stream
        .play()
        .map_err(device_error(kind, &name, "starting the output stream"))?;
    tracing::info!(device = %name, rate, channels = config.channels,
        format = ?format.sample_format(), "audio output open");
    Ok(OutputSide {
        _stream: stream,
        ring: prod,
        resampler,
        name,
        fault,
        max_queued: samples_for_ms(rate, PLAYOUT_MAX_QUEUED_MS),
    })
}

/// If the side reported a fatal fault, mark it lost; if it is lost and due, try to reopen
/// the default device, reporting the outcome as an event.
fn recover<T: DeviceSide>(
    side: &mut Side<T>,
    kind: DeviceKind,
    reopen: impl FnOnce() -> Result<T, AudioError>,
    events: &mut VecDeque<AudioEvent>,
    stats: &mut AudioStats,
) -> bool {
    if let Side::Open(open) = side {
        let Some(fault) = open.fault().get() else {
            return false;
        };
        *side = Side::Lost {
            name: open.name().to_string(),
            reason: fault.to_string(),
            retry_at: Instant::now(),
            reported: false,
        };
    }
    let Side::Lost {
        name,
        reason,
        retry_at,
        reported,
    } = side
    else {
        return false;
    };
    let now = Instant::now();
    if now < *retry_at {
        return false;
    }
    match reopen() {
        Ok(new) => {
            tracing::warn!(%kind, from = %name, to = %new.name(), %reason, "audio device replaced");
            events.push_back(AudioEvent::DeviceChanged {
                kind,
                from: name.clone(),
                to: new.name().to_string(),
                reason: reason.clone(),
            });
            stats.device_changes += 1;
            *side = Side::Open(new);
            true
        }
        Err(e) => {
            if !*reported {
                tracing::warn!(%kind, device = %name, %reason, error = %e, "audio device lost; will retry");
                events.push_back(AudioEvent::DeviceLost {
                    kind,
                    name: name.clone(),
                    reason: reason.clone(),
                });
                *reported = true;
            }
            *retry_at = now + REOPEN_INTERVAL;
            false
        }
    }
}

/// The cpal stream driver behind [`crate::CpalBackend`].
pub(crate) struct CpalDriver {
    stream_rate: u32,
    frame_samples: usize,
    counters: Arc<DropCounters>,
    input: Side<InputSide>,
    output: Side<OutputSide>,
    /// Captured audio at the stream rate, waiting for `read_frame`.
    captured: VecDeque<f32>,
    /// Scratch for draining the capture ring (ring-sized, so one pop empties it).
    capture_scratch: Vec<f32>,
    /// Scratch for playout: the engine's frame as f32, then resampled to the device rate.
    play_in: Vec<f32>,
    play_out: VecDeque<f32>,
    events: VecDeque<AudioEvent>,
    stats: AudioStats,
    resample_warned: bool,
}

impl CpalDriver {
    pub(crate) fn open(config: &StreamConfig) -> Result<Self, AudioError> {
        let counters = Arc::new(DropCounters::default());
        let input = open_input(config.input.as_deref(), config.sample_rate, &counters)?;
        let output = open_output(config.output.as_deref(), config.sample_rate, &counters)?;
        let scratch = input.ring.capacity().get();
        Ok(CpalDriver {
            stream_rate: config.sample_rate,
            frame_samples: config.frame_samples,
            counters,
            input: Side::Open(input),
            output: Side::Open(output),
            captured: VecDeque::with_capacity(
                config.frame_samples * (CAPTURE_MAX_BACKLOG_FRAMES + 2),
            ),
            capture_scratch: vec![0.0; scratch],
            play_in: Vec::with_capacity(config.frame_samples),
            play_out: VecDeque::new(),
            events: VecDeque::new(),
            stats: AudioStats::default(),
            resample_warned: false,
        })
    }

    fn warn_resample(&mut self, e: &AudioError) {
        if !self.resample_warned {
            tracing::warn!(error = %e, "audio resampling failed");
            self.resample_warned = true;
        }
    }
}

impl StreamDriver for CpalDriver {
    fn read_frame(&mut self, out: &mut [i16]) -> bool {
        let (rate, counters) = (self.stream_rate, self.counters.clone());
        if recover(
            &mut self.input,
            DeviceKind::Input,
            || quietly(|| open_input(None, rate, &counters)),
            &mut self.events,
            &mut self.stats,
        ) {
            self.captured.clear();
            self.capture_scratch.resize(
                match &self.input {
                    Side::Open(side) => side.ring.capacity().get(),
                    Side::Lost { .. } => 0,
                },
                0.0,
            );
        }
        let Side::Open(input) = &mut self.input else {
            return false;
        };
        let n = input.ring.pop_slice(&mut self.capture_scratch);
        if n > 0 {
            if let Err(e) = input
                .resampler
                .process(&self.capture_scratch[..n], &mut self.captured)
            {
                self.warn_resample(&e);
            }
        }
        let max_backlog = self.frame_samples * CAPTURE_MAX_BACKLOG_FRAMES;
        if self.captured.len() > max_backlog {
            let excess = self.captured.len() - max_backlog;
            self.captured.drain(..excess);
            self.stats.capture_overruns += 1;
            self.stats.capture_dropped_samples += excess as u64;
        }
        if self.captured.len() < out.len() {
            return false;
        }
        let n = out.len();
        for (o, s) in out.iter_mut().zip(self.captured.drain(..n)) {
            *o = f32_to_i16(s);
        }
        self.stats.frames_captured += 1;
        true
    }

    fn write_frame(&mut self, pcm: &[i16]) {
        self.stats.frames_played += 1;
        let (rate, counters) = (self.stream_rate, self.counters.clone());
        recover(
            &mut self.output,
            DeviceKind::Output,
            || quietly(|| open_output(None, rate, &counters)),
            &mut self.events,
            &mut self.stats,
        );
        let Side::Open(output) = &mut self.output else {
            return;
        };
        self.play_in.clear();
        self.play_in.extend(pcm.iter().copied().map(i16_to_f32));
        self.play_out.clear();
        if let Err(e) = output.resampler.process(&self.play_in, &mut self.play_out) {
            self.warn_resample(&e);
            return;
        }
        let room = output
            .max_queued
            .saturating_sub(output.ring.occupied_len())
            .min(output.ring.vacant_len());
        let (a, b) = self.play_out.as_slices();
        let mut pushed = output.ring.push_slice(&a[..a.len().min(room)]);
        if pushed == a.len() {
            pushed += output.ring.push_slice(&b[..b.len().min(room - pushed)]);
        }
        self.stats.playout_dropped_samples += (self.play_out.len() - pushed) as u64;
    }

    fn stats(&self) -> AudioStats {
        let c = &self.counters;
        AudioStats {
            capture_overruns: self.stats.capture_overruns + DropCounters::get(&c.capture_overruns),
            capture_dropped_samples: self.stats.capture_dropped_samples
                + DropCounters::get(&c.capture_dropped_samples),
            playout_underruns: DropCounters::get(&c.playout_underruns),
            playout_missing_samples: DropCounters::get(&c.playout_missing_samples),
            ..self.stats
        }
    }

    fn poll_event(&mut self) -> Option<AudioEvent> {
        self.events.pop_front()
    }

    fn is_realtime(&self) -> bool {
        true
    }

    fn echo_delay_ms(&self) -> u32 {
        let mut samples_ms = 0u64;
        if let Side::Open(output) = &self.output {
            let rate = u64::from(output.resampler.to_rate().max(1));
            samples_ms += output.ring.occupied_len() as u64 * 1000 / rate;
        }
        if let Side::Open(input) = &self.input {
            let rate = u64::from(input.resampler.from_rate().max(1));
            samples_ms += input.ring.occupied_len() as u64 * 1000 / rate;
        }
        samples_ms += self.captured.len() as u64 * 1000 / u64::from(self.stream_rate.max(1));
        u32::try_from(samples_ms).unwrap_or(u32::MAX)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    struct FakeSide {
        name: String,
        fault: Fault,
    }

    impl DeviceSide for FakeSide {
        fn name(&self) -> &str {
            &self.name
        }
        fn fault(&self) -> &Fault {
            &self.fault
        }
    }

    fn fake(name: &str) -> FakeSide {
        FakeSide {
            name: name.to_string(),
            fault: Fault::default(),
        }
    }

    #[test]
    fn only_fatal_errors_mark_a_fault() {
        let fault = Fault::default();
        fault.report(ErrorKind::Xrun);
        fault.report(ErrorKind::DeviceChanged);
        assert_eq!(fault.get(), None);
        fault.report(ErrorKind::DeviceNotAvailable);
        assert_eq!(fault.get(), Some(ErrorKind::DeviceNotAvailable));
    }

    #[test]
    fn a_lost_device_is_replaced_and_reported() {
        let mut events = VecDeque::new();
        let mut stats = AudioStats::default();
        let mut side = Side::Open(fake("USB headset"));
        // Healthy: nothing happens, reopen is not called.
        assert!(!recover(
            &mut side,
            DeviceKind::Input,
            || -> Result<FakeSide, AudioError> { unreachable!("healthy side must not reopen") },
            &mut events,
            &mut stats
        ));

        if let Side::Open(s) = &side {
            s.fault.report(ErrorKind::DeviceNotAvailable);
        }
        assert!(recover(
            &mut side,
            DeviceKind::Input,
            || Ok(fake("Built-in mic")),
            &mut events,
            &mut stats
        ));
        match events.pop_front() {
            Some(AudioEvent::DeviceChanged {
                kind,
                from,
                to,
                reason,
            }) => {
                assert_eq!(kind, DeviceKind::Input);
                assert_eq!(from, "USB headset");
                assert_eq!(to, "Built-in mic");
                assert!(reason.contains("not available"), "{reason}");
            }
            other => panic!("expected DeviceChanged, got {other:?}"),
        }
        assert_eq!(stats.device_changes, 1);
        assert!(matches!(&side, Side::Open(s) if s.name == "Built-in mic"));
    }

    #[test]
    fn a_device_that_cannot_be_replaced_is_reported_lost_once_and_retried_later() {
        let mut events = VecDeque::new();
        let mut stats = AudioStats::default();
        let mut side = Side::Open(fake("USB speaker"));
        if let Side::Open(s) = &side {
            s.fault.report(ErrorKind::StreamInvalidated);
        }
        let fail = || {
            Err(AudioError::NoDevice {
                kind: DeviceKind::Output,
            })
        };
        assert!(!recover(
            &mut side,
            DeviceKind::Output,
            fail,
            &mut events,
            &mut stats
        ));
        assert!(matches!(
            events.pop_front(),
            Some(AudioEvent::DeviceLost { kind: DeviceKind::Output, ref name, .. }) if name == "USB speaker"
        ));
        // The next attempt waits for the retry interval: reopen is not called yet.
        assert!(!recover(
            &mut side,
            DeviceKind::Output,
            || -> Result<FakeSide, AudioError> { unreachable!("retry must wait") },
            &mut events,
            &mut stats
        ));
        assert!(events.is_empty());
        assert_eq!(stats.device_changes, 0);
    }
}
