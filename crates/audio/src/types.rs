//! The plain data that crosses the audio boundary: what a stream is asked for, what a device
//! is, what a stream counts and what it reports.

use std::fmt;

/// What the engine asks a backend for when a call's audio starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamConfig {
    /// The rate of the PCM the engine reads and writes (the codec's PCM rate: 8000, 16000 or
    /// 48000 Hz). Any rate from 8000 to 192000 Hz is accepted.
    pub sample_rate: u32,
    /// Samples in one frame (20 ms at `sample_rate`: 160, 320 or 960).
    pub frame_samples: usize,
    /// Capture device by [`DeviceInfo::id`] or [`DeviceInfo::name`]; `None` = the default
    /// device.
    /// File and null backends ignore it.
    pub input: Option<String>,
    /// Playout device by id or name; `None` = the default device. File and null backends ignore it.
    pub output: Option<String>,
}

impl StreamConfig {
    /// A config for 20 ms frames at `sample_rate` on the default devices.
    pub fn new(sample_rate: u32) -> Self {
        StreamConfig {
            sample_rate,
            frame_samples: (sample_rate / 50) as usize,
            input: None,
            output: None,
        }
    }

    /// Check that the rate and frame size are ones we can serve.
    pub fn validate(&self) -> Result<(), crate::AudioError> {
        if !(Self::MIN_RATE..=Self::MAX_RATE).contains(&self.sample_rate) {
            return Err(crate::AudioError::InvalidConfig(
                "sample_rate must be between 8000 and 192000 Hz",
            ));
        }
        if self.frame_samples == 0 || self.frame_samples > self.sample_rate as usize {
            return Err(crate::AudioError::InvalidConfig(
                "frame_samples must be between 1 and one second of samples",
            ));
        }
        Ok(())
    }

    /// Lowest accepted rate.
    pub const MIN_RATE: u32 = 8_000;
    /// Highest accepted rate.
    pub const MAX_RATE: u32 = 192_000;
}

/// Which way a device moves audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeviceKind {
    /// A microphone (capture).
    Input,
    /// A speaker or headset (playout).
    Output,
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceKind::Input => "input",
            DeviceKind::Output => "output",
        })
    }
}

/// One audio device as [`crate::AudioBackend::devices`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The human name ("USB Headset"). Names can repeat (ALSA lists one card several ways).
    pub name: String,
    /// A stable, unique id ("alsa:hw:CARD=Headset,DEV=0"); prefer it in settings. Either the
    /// id or the name can go in [`StreamConfig::input`] / [`StreamConfig::output`].
    pub id: String,
    pub kind: DeviceKind,
    /// True for the system's default device of this kind.
    pub is_default: bool,
}

/// Counters of one stream since it was opened. Drops are counted, never logged, on the
/// real-time side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AudioStats {
    /// Times captured audio had to be dropped because nobody read it in time (ring full or
    /// more than the allowed backlog waiting).
    pub capture_overruns: u64,
    /// Capture samples dropped by those overruns (device-rate samples when the ring was full,
    /// stream-rate samples when the backlog was trimmed).
    pub capture_dropped_samples: u64,
    /// Times the device wanted playout audio and the ring had run dry.
    pub playout_underruns: u64,
    /// Playout samples the device had to fill with silence (at the device rate).
    pub playout_missing_samples: u64,
    /// Playout samples dropped because the ring was full (the engine wrote faster than the
    /// device played).
    pub playout_dropped_samples: u64,
    /// Frames handed to the engine by `read_frame`.
    pub frames_captured: u64,
    /// Frames taken from the engine by `write_frame`.
    pub frames_played: u64,
    /// Times a lost device was replaced by another one.
    pub device_changes: u64,
}

/// Something that happened to a stream's devices, polled with
/// [`crate::AudioStream::poll_event`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AudioEvent {
    /// A device went away (or failed) and the stream now uses another one.
    DeviceChanged {
        kind: DeviceKind,
        /// The device that was in use.
        from: String,
        /// The device now in use.
        to: String,
        /// Why the switch happened (the device error as the system reported it).
        reason: String,
    },
    /// A device went away and no replacement could be opened (yet). Capture then yields no
    /// frames and playout is discarded; the stream keeps trying to reopen the default device.
    DeviceLost {
        kind: DeviceKind,
        name: String,
        reason: String,
    },
}

/// What a WAV microphone does when its file ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndOfInput {
    /// Start again from the beginning (the default).
    #[default]
    Loop,
    /// Go on with silence.
    Silence,
}
