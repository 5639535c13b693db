//! The one interface the engine uses: an [`AudioBackend`] opens an [`AudioStream`] per call.

use crate::error::AudioError;
use crate::processing::{CaptureProcessor, EchoCanceller};
use crate::types::{AudioEvent, AudioStats, DeviceInfo, StreamConfig};

/// A source of audio streams: real devices (cpal), WAV files, or nothing (null).
pub trait AudioBackend: Send + Sync {
    /// Open capture and playout for one call. Frames are mono i16 at `config.sample_rate`.
    fn open(&self, config: &StreamConfig) -> Result<AudioStream, AudioError>;

    /// The devices this backend can open (empty for file and null backends).
    fn devices(&self) -> Result<Vec<DeviceInfo>, AudioError>;

    /// A short name for logs: "cpal", "wav" or "null".
    fn name(&self) -> &'static str;
}

/// The per-backend half of a stream. Implement it to plug a new kind of audio into
/// [`AudioStream::new`] (for example a test double); the engine itself only sees
/// [`AudioStream`].
pub trait StreamDriver: Send {
    /// Fill `out` with the next captured samples if that many are available.
    fn read_frame(&mut self, out: &mut [i16]) -> bool;
    /// Queue `pcm` for playout.
    fn write_frame(&mut self, pcm: &[i16]);
    /// Counters so far.
    fn stats(&self) -> AudioStats;
    /// The next device event, if any.
    fn poll_event(&mut self) -> Option<AudioEvent> {
        None
    }
    /// True if capture fills at the pace of a real clock (a device); false if every
    /// `read_frame` call yields a frame (files, null).
    fn is_realtime(&self) -> bool;
    /// Estimated time from `write_frame` to the same audio reaching `read_frame` through the
    /// room (playout + capture buffering), for the echo canceller.
    fn echo_delay_ms(&self) -> u32 {
        0
    }
}

/// One call's audio: capture frames to send, playout frames heard. Dropping it closes the
/// devices (and finalises a WAV recording).
pub struct AudioStream {
    driver: Box<dyn StreamDriver>,
    sample_rate: u32,
    frame_samples: usize,
    processor: Option<Box<dyn CaptureProcessor>>,
}

impl AudioStream {
    /// Wrap a driver that produces and consumes frames as `config` describes.
    pub fn new(driver: Box<dyn StreamDriver>, config: &StreamConfig) -> Self {
        AudioStream {
            driver,
            sample_rate: config.sample_rate,
            frame_samples: config.frame_samples,
            processor: None,
        }
    }

    /// The PCM rate of the frames.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Samples per frame, as configured.
    pub fn frame_samples(&self) -> usize {
        self.frame_samples
    }

    /// Capture: fill `out` (normally `frame_samples` long) with the next frame and return
    /// true, or return false if a whole frame is not available yet. Device streams fill in
    /// real time, so call it every 20 ms and repeat while it returns true to drain; file and
    /// null streams return a frame on every call (see [`AudioStream::is_realtime`]).
    pub fn read_frame(&mut self, out: &mut [i16]) -> bool {
        if !self.driver.read_frame(out) {
            return false;
        }
        if let Some(processor) = self.processor.as_mut() {
            processor.process_capture(out, self.driver.echo_delay_ms());
        }
        true
    }

    /// Playout: queue one frame of what the far end said.
    pub fn write_frame(&mut self, pcm: &[i16]) {
        if let Some(processor) = self.processor.as_mut() {
            processor.analyze_render(pcm);
        }
        self.driver.write_frame(pcm);
    }

    /// Counters since the stream was opened.
    pub fn stats(&self) -> AudioStats {
        self.driver.stats()
    }

    /// The next device event (device lost, device changed), if any.
    pub fn poll_event(&mut self) -> Option<AudioEvent> {
        self.driver.poll_event()
    }

    /// True if capture is paced by a real device clock; false if `read_frame` yields a frame
    /// on every call (WAV and null), so the caller must pace it (one frame per 20 ms tick).
    pub fn is_realtime(&self) -> bool {
        self.driver.is_realtime()
    }

    /// Switch echo cancellation and noise suppression on the capture path on or off. The
    /// far-end reference is what `write_frame` played. Fails (leaving it off) if the stream's
    /// rate or frame size does not suit the canceller (frames must be whole 10 ms blocks).
    pub fn set_echo_cancel(&mut self, on: bool) -> Result<(), AudioError> {
        if !on {
            self.processor = None;
            return Ok(());
        }
        if self.processor.is_none() {
            let canceller = EchoCanceller::new(self.sample_rate, self.frame_samples)?;
            self.processor = Some(Box::new(canceller));
        }
        Ok(())
    }

    /// Install any capture processor (replacing the echo canceller); `None` = pass-through.
    pub fn set_capture_processor(&mut self, processor: Option<Box<dyn CaptureProcessor>>) {
        self.processor = processor;
    }

    /// True if a capture processor (echo cancellation) is active.
    pub fn echo_cancel(&self) -> bool {
        self.processor.is_some()
    }
}

impl std::fmt::Debug for AudioStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioStream")
            .field("sample_rate", &self.sample_rate)
            .field("frame_samples", &self.frame_samples)
            .field("realtime", &self.driver.is_realtime())
            .field("echo_cancel", &self.processor.is_some())
            .finish()
    }
}
