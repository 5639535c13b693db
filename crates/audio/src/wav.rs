//! The WAV backend: a WAV file is the microphone and another WAV file records what is heard.
//! No clock of its own: every `read_frame` yields the next frame of the file, every
//! `write_frame` appends to the recording, so the engine's 20 ms tick paces both. This is
//! what headless automation and the end-to-end tests use
//! (`dialtone serve --audio-in FILE --audio-out FILE`).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use hound::WavWriter;

use crate::backend::{AudioBackend, AudioStream, StreamDriver};
use crate::error::AudioError;
use crate::types::{AudioStats, DeviceInfo, EndOfInput, StreamConfig};
use crate::wav_file::{mono_s16_spec, read_wav_mono_i16};

/// Recordings are flushed (header rewritten, data on disk) every this many frames — one
/// second at 20 ms frames — so a process killed mid-call still leaves a readable file.
const FLUSH_EVERY_FRAMES: u64 = 50;

/// Plays one WAV file as the microphone and records playout to another.
///
/// - Input: any rate, any channel count, integer (8–32 bit) or float PCM; downmixed to mono
///   and resampled to the stream rate when the stream opens. At its end it loops or goes
///   silent ([`EndOfInput`]). No input file = silence.
/// - Output: mono 16-bit PCM at the stream's rate (the codec PCM rate), created (truncated)
///   when the stream opens, flushed every second and finalised when the stream is dropped.
///   Each stream opened from the same backend starts the recording afresh.
#[derive(Clone, Debug)]
pub struct WavBackend {
    input: Option<PathBuf>,
    output: Option<PathBuf>,
    end_of_input: EndOfInput,
}

impl WavBackend {
    /// A backend with an optional microphone file and an optional recording file.
    pub fn new(input: Option<PathBuf>, output: Option<PathBuf>) -> Self {
        WavBackend {
            input,
            output,
            end_of_input: EndOfInput::Loop,
        }
    }

    /// What the microphone does when the input file ends (default: loop).
    pub fn with_end_of_input(mut self, end: EndOfInput) -> Self {
        self.end_of_input = end;
        self
    }
}

impl AudioBackend for WavBackend {
    fn open(&self, config: &StreamConfig) -> Result<AudioStream, AudioError> {
        config.validate()?;
        let source = match &self.input {
            Some(path) => read_wav_mono_i16(path, config.sample_rate)?,
            None => Vec::new(),
        };
        let recorder = match &self.output {
            Some(path) => Some(Recorder::create(path, config.sample_rate)?),
            None => None,
        };
        let driver = WavDriver {
            source,
            position: 0,
            end_of_input: self.end_of_input,
            recorder,
            stats: AudioStats::default(),
        };
        Ok(AudioStream::new(Box::new(driver), config))
    }

    fn devices(&self) -> Result<Vec<DeviceInfo>, AudioError> {
        Ok(Vec::new())
    }

    fn name(&self) -> &'static str {
        "wav"
    }
}

struct Recorder {
    path: PathBuf,
    writer: Option<WavWriter<BufWriter<File>>>,
}

impl Recorder {
    fn create(path: &Path, rate: u32) -> Result<Self, AudioError> {
        let mut writer =
            WavWriter::create(path, mono_s16_spec(rate)).map_err(|source| AudioError::Wav {
                path: path.to_path_buf(),
                source,
            })?;
        // Put a valid (empty) file on disk at once.
        writer.flush().map_err(|source| AudioError::Wav {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Recorder {
            path: path.to_path_buf(),
            writer: Some(writer),
        })
    }

    fn write(&mut self, pcm: &[i16], flush: bool) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        let mut result = Ok(());
        {
            let mut i16_writer = writer.get_i16_writer(pcm.len() as u32);
            for &s in pcm {
                i16_writer.write_sample(s);
            }
            if let Err(e) = i16_writer.flush() {
                result = Err(e);
            }
        }
        if result.is_ok() && flush {
            result = writer.flush();
        }
        if let Err(e) = result {
            tracing::warn!(path = %self.path.display(), error = %e, "recording stopped: cannot write");
            self.writer = None;
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            if let Err(e) = writer.finalize() {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot finalise recording");
            }
        }
    }
}

struct WavDriver {
    source: Vec<i16>,
    position: usize,
    end_of_input: EndOfInput,
    recorder: Option<Recorder>,
    stats: AudioStats,
}

impl StreamDriver for WavDriver {
    fn read_frame(&mut self, out: &mut [i16]) -> bool {
        let mut filled = 0;
        // Each pass copies at least one sample or stops, so it ends within out.len() passes.
        while filled < out.len() {
            if self.position >= self.source.len() {
                if self.end_of_input == EndOfInput::Loop && !self.source.is_empty() {
                    self.position = 0;
                } else {
                    out[filled..].fill(0);
                    break;
                }
            }
            let n = (out.len() - filled).min(self.source.len() - self.position);
            out[filled..filled + n].copy_from_slice(&self.source[self.position..self.position + n]);
            filled += n;
            self.position += n;
        }
        self.stats.frames_captured += 1;
        true
    }

    fn write_frame(&mut self, pcm: &[i16]) {
        self.stats.frames_played += 1;
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.write(
                pcm,
                self.stats.frames_played.is_multiple_of(FLUSH_EVERY_FRAMES),
            );
        }
    }

    fn stats(&self) -> AudioStats {
        self.stats
    }

    fn is_realtime(&self) -> bool {
        false
    }
}
