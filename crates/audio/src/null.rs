//! The null backend: capture is silence, playout is discarded. Headless machines get a
//! working, silent call.

use crate::backend::{AudioBackend, AudioStream, StreamDriver};
use crate::error::AudioError;
use crate::types::{AudioStats, DeviceInfo, StreamConfig};

/// Opens silent streams.
#[derive(Clone, Copy, Debug, Default)]
pub struct NullBackend;

impl AudioBackend for NullBackend {
    fn open(&self, config: &StreamConfig) -> Result<AudioStream, AudioError> {
        config.validate()?;
        Ok(AudioStream::new(Box::new(NullDriver::default()), config))
    }

    fn devices(&self) -> Result<Vec<DeviceInfo>, AudioError> {
        Ok(Vec::new())
    }

    fn name(&self) -> &'static str {
        "null"
    }
}

#[derive(Default)]
struct NullDriver {
    stats: AudioStats,
}

impl StreamDriver for NullDriver {
    fn read_frame(&mut self, out: &mut [i16]) -> bool {
        out.fill(0);
        self.stats.frames_captured += 1;
        true
    }

    fn write_frame(&mut self, _pcm: &[i16]) {
        self.stats.frames_played += 1;
    }

    fn stats(&self) -> AudioStats {
        self.stats
    }

    fn is_realtime(&self) -> bool {
        false
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn null_capture_is_silence_and_playout_is_counted() {
        let mut stream = NullBackend.open(&StreamConfig::new(8000)).unwrap();
        assert_eq!(stream.frame_samples(), 160);
        assert!(!stream.is_realtime());
        let mut frame = [123i16; 160];
        assert!(stream.read_frame(&mut frame));
        assert!(frame.iter().all(|&s| s == 0));
        stream.write_frame(&[1000; 160]);
        stream.write_frame(&[1000; 160]);
        let stats = stream.stats();
        assert_eq!(stats.frames_captured, 1);
        assert_eq!(stats.frames_played, 2);
        assert_eq!(stream.poll_event(), None);
        assert!(NullBackend.devices().unwrap().is_empty());
    }

    #[test]
    fn null_rejects_a_nonsense_config() {
        let mut config = StreamConfig::new(8000);
        config.frame_samples = 0;
        assert!(matches!(
            NullBackend.open(&config),
            Err(AudioError::InvalidConfig(_))
        ));
        assert!(NullBackend.open(&StreamConfig::new(4000)).is_err());
    }
}
