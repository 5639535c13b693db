//! Audio devices behind one [`AudioBackend`] trait: cpal (real devices), WAV files (tests,
//! automation) and null. Real-time callbacks only move samples through lock-free ring buffers;
//! resampling, echo cancellation and device recovery run on the caller's side.
//!
//! The engine sees mono i16 frames at the codec's PCM rate:
//!
//! ```no_run
//! use dialtone_audio::{backend_from_choice, AudioChoice, StreamConfig};
//!
//! let backend = backend_from_choice(&AudioChoice::Auto); // cpal, or null when headless
//! let mut stream = backend.open(&StreamConfig::new(8000))?; // 160-sample (20 ms) frames
//! if stream.is_realtime() {
//!     stream.set_echo_cancel(true)?; // only real rooms have acoustic echo
//! }
//! let mut mic = [0i16; 160];
//! // every 20 ms:
//! while stream.read_frame(&mut mic) { /* encode and send */ }
//! stream.write_frame(&[0i16; 160]); // what the far end said
//! while let Some(event) = stream.poll_event() { /* device lost / changed */ }
//! # Ok::<(), dialtone_audio::AudioError>(())
//! ```

mod alsa_quiet;
mod analysis;
mod backend;
mod convert;
mod cpal_backend;
mod cpal_stream;
mod device_list;
mod error;
mod level_meter;
mod null;
mod processing;
mod resample;
mod ring;
mod select;
mod test_tone;
mod tones;
mod types;
mod wav;
mod wav_file;

pub use analysis::{rms, tone_amplitude};
pub use backend::{AudioBackend, AudioStream, StreamDriver};
pub use convert::{f32_to_i16, i16_to_f32};
pub use cpal_backend::{CpalBackend, PREFERRED_DEVICE_RATE};
pub use device_list::list_devices;
pub use error::AudioError;
pub use level_meter::{LevelMeter, LevelReading, METER_SAMPLE_RATE};
pub use null::NullBackend;
pub use processing::{CaptureProcessor, EchoCanceller};
pub use resample::{resample_clip, StreamResampler};
pub use select::{backend_from_choice, AudioChoice};
pub use test_tone::{play_test_tone, TEST_TONE_HZ, TEST_TONE_MS};
pub use tones::{dtmf_frequencies, ToneGenerator, TonePattern, ToneSegment, DEFAULT_TONE_LEVEL};
pub use types::{AudioEvent, AudioStats, DeviceInfo, DeviceKind, EndOfInput, StreamConfig};
pub use wav::WavBackend;
pub use wav_file::{read_wav_mono, read_wav_mono_i16, write_wav_mono};
