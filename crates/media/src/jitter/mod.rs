//! The jitter buffer: packets in, by RTP sequence number and timestamp; one frame of PCM out
//! per playout tick, decoded or concealed.
//!
//! This is a fixed-delay first version with the API the media session uses; the adaptive
//! version (reordering window, duplicate and late-packet handling, delay adaptation, FEC)
//! keeps the same API.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::codec::AudioCodec;
use crate::MediaError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JitterConfig {
    /// PCM samples per playout frame (ptime at the codec's sample rate).
    pub frame_samples: usize,
    /// RTP timestamp ticks per frame (ptime at the codec's RTP clock rate).
    pub frame_ticks: u32,
    pub ptime: Duration,
    pub min_delay: Duration,
    pub max_delay: Duration,
}

/// What one playout frame was made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playout {
    /// Nothing has arrived yet (or the buffer is still filling): silence.
    Silence,
    Decoded,
    /// The packet was lost or late: made up by the codec.
    Concealed,
    /// The packet was lost but recovered from the next packet's FEC.
    Recovered,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JitterStats {
    pub delay: Duration,
    pub decoded: u64,
    pub concealed: u64,
    pub recovered: u64,
    pub late: u64,
    pub duplicates: u64,
}

pub struct JitterBuffer {
    config: JitterConfig,
    packets: BTreeMap<u32, Vec<u8>>,
    /// The RTP timestamp of the next frame to play.
    next: Option<u32>,
    started_at: Option<Instant>,
    stats: JitterStats,
}

impl JitterBuffer {
    pub fn new(config: JitterConfig) -> Self {
        JitterBuffer {
            stats: JitterStats {
                delay: config.min_delay,
                ..JitterStats::default()
            },
            config,
            packets: BTreeMap::new(),
            next: None,
            started_at: None,
        }
    }

    /// A received audio packet.
    pub fn push(&mut self, now: Instant, _seq: u16, timestamp: u32, payload: &[u8]) {
        if self.started_at.is_none() {
            self.started_at = Some(now);
            self.next = Some(timestamp);
        }
        if let Some(next) = self.next {
            if timestamp.wrapping_sub(next) > u32::MAX / 2 {
                self.stats.late += 1;
                return;
            }
        }
        if self.packets.insert(timestamp, payload.to_vec()).is_some() {
            self.stats.duplicates += 1;
        }
    }

    /// One frame of playout, appended to `out` (always `frame_samples` long).
    pub fn pop(
        &mut self,
        now: Instant,
        codec: &mut dyn AudioCodec,
        out: &mut Vec<i16>,
    ) -> Result<Playout, MediaError> {
        let (Some(next), Some(started)) = (self.next, self.started_at) else {
            out.resize(out.len() + self.config.frame_samples, 0);
            return Ok(Playout::Silence);
        };
        if now.duration_since(started) < self.config.min_delay {
            out.resize(out.len() + self.config.frame_samples, 0);
            return Ok(Playout::Silence);
        }
        self.next = Some(next.wrapping_add(self.config.frame_ticks));
        let start = out.len();
        let kind = match self.packets.remove(&next) {
            Some(payload) => {
                codec.decode(&payload, out)?;
                self.stats.decoded += 1;
                Playout::Decoded
            }
            None => {
                codec.conceal(self.config.frame_samples, out)?;
                self.stats.concealed += 1;
                Playout::Concealed
            }
        };
        out.resize(start + self.config.frame_samples, 0);
        Ok(kind)
    }

    pub fn stats(&self) -> JitterStats {
        self.stats.clone()
    }

    /// Forgets everything (a new SSRC, a re-INVITE that changed the codec).
    pub fn reset(&mut self) {
        self.packets.clear();
        self.next = None;
        self.started_at = None;
    }
}
