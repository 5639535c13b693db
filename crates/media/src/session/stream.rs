//! The negotiated audio stream: codec instance, jitter buffer and frame sizes.

use std::time::Duration;

use super::MediaConfig;
use crate::codec::{self, AudioCodec};
use crate::jitter::{JitterBuffer, JitterConfig};
use crate::sdp::Negotiated;
use crate::MediaError;

pub(super) struct Stream {
    pub negotiated: Negotiated,
    pub codec: Box<dyn AudioCodec>,
    pub jitter: JitterBuffer,
    pub frame_samples: usize,
    pub frame_ticks: u32,
}

impl Stream {
    pub fn new(negotiated: Negotiated, config: &MediaConfig) -> Result<Self, MediaError> {
        let info = negotiated.codec;
        let codec = codec::instantiate_with_fmtp(info, negotiated.remote_fmtp.as_deref()).ok_or(
            MediaError::Codec {
                codec: info.name,
                message: "negotiated but not instantiable".to_owned(),
            },
        )?;
        let ptime_ms = negotiated.ptime_ms;
        let frame_samples = info.samples_per_frame(ptime_ms);
        let frame_ticks = info.rtp_ticks_per_frame(ptime_ms);
        let jitter = JitterBuffer::new(JitterConfig {
            frame_samples,
            frame_ticks,
            ptime: Duration::from_millis(u64::from(ptime_ms)),
            min_delay: config.jitter_min_delay,
            max_delay: config.jitter_max_delay,
        });
        Ok(Stream {
            negotiated,
            codec,
            jitter,
            frame_samples,
            frame_ticks,
        })
    }
}
