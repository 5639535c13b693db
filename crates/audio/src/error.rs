//! The one error type of the audio layer.

use std::path::PathBuf;

use crate::types::DeviceKind;

/// Why an audio operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The system has no device of this kind (a headless machine, or no sound card).
    #[error("no audio {kind} device available")]
    NoDevice { kind: DeviceKind },

    /// No device of this kind has the requested name.
    #[error("no audio {kind} device named {name:?}")]
    DeviceNotFound { kind: DeviceKind, name: String },

    /// The device offers no stream format we can use (no i16/i32/u16/f32 format).
    #[error("audio {kind} device {name:?} offers no usable stream format")]
    NoUsableFormat { kind: DeviceKind, name: String },

    /// The audio system refused an operation on a device.
    #[error("audio {kind} device {name:?}: {what} failed: {source}")]
    Device {
        kind: DeviceKind,
        name: String,
        what: &'static str,
        #[source]
        source: cpal::Error,
    },

    /// The audio system could not list its devices.
    #[error("cannot list audio devices: {0}")]
    Enumerate(#[source] cpal::Error),

    /// The stream config asks for something we cannot do.
    #[error("invalid audio stream config: {0}")]
    InvalidConfig(&'static str),

    /// A WAV file could not be read or written.
    #[error("WAV file {}: {source}", path.display())]
    Wav {
        path: PathBuf,
        #[source]
        source: hound::Error,
    },

    /// A resampler could not be built for this pair of rates.
    #[error("cannot resample {from} Hz to {to} Hz: {source}")]
    ResamplerSetup {
        from: u32,
        to: u32,
        #[source]
        source: rubato::ResamplerConstructionError,
    },

    /// A resampler buffer had the wrong size (a bug in this crate, reported rather than
    /// panicking).
    #[error("resampler buffer: {0}")]
    ResampleBuffer(#[from] rubato::audioadapter_buffers::SizeError),

    /// Resampling a block of audio failed.
    #[error("resampling failed: {0}")]
    Resample(#[from] rubato::ResampleError),
}
