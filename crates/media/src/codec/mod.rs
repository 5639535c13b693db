//! Audio codecs behind one trait, registered in a small table (baresip's `aucodec` list).
//! The SDP layer negotiates by encoding name and RTP clock rate and then asks the table for
//! an instance.
//!
//! PCM is always mono, signed 16-bit, at [`CodecInfo::sample_rate`] (8000 for G.711, 16000
//! for G.722, 48000 for Opus). A frame is `ptime` ms of that.

use crate::MediaError;

/// What a codec is, as SDP names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecInfo {
    /// The encoding name in `a=rtpmap` (`PCMU`, `PCMA`, `G722`, `opus`).
    pub name: &'static str,
    /// The RTP clock rate in `a=rtpmap` (8000 for G.722 too, per RFC 3551; 48000 for Opus).
    pub clock_rate: u32,
    /// The channel count in `a=rtpmap` (`opus/48000/2`), `None` when the rtpmap has none.
    pub channels: Option<u8>,
    /// The static payload type, if the codec has one (0, 8, 9).
    pub static_payload_type: Option<u8>,
    /// The PCM rate the codec encodes from and decodes to.
    pub sample_rate: u32,
    /// The `a=fmtp` we offer, if any (`minptime=10;useinbandfec=1`).
    pub fmtp: Option<&'static str>,
}

impl CodecInfo {
    /// PCM samples in one frame of `ptime_ms`.
    pub fn samples_per_frame(&self, ptime_ms: u32) -> usize {
        (self.sample_rate * ptime_ms / 1000) as usize
    }

    /// RTP timestamp ticks in one frame of `ptime_ms`.
    pub fn rtp_ticks_per_frame(&self, ptime_ms: u32) -> u32 {
        self.clock_rate * ptime_ms / 1000
    }
}

/// One audio codec instance for one call: an encoder and a decoder with their state.
pub trait AudioCodec: Send {
    fn info(&self) -> &CodecInfo;

    /// Encodes one frame of PCM, appending the RTP payload to `out`.
    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), MediaError>;

    /// Decodes one RTP payload, appending PCM to `out`.
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError>;

    /// Makes up `samples` of PCM for a lost frame (packet loss concealment), appending to
    /// `out`.
    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) -> Result<(), MediaError>;

    /// Recovers a lost frame from the in-band FEC carried by the packet after it (Opus).
    /// Returns `Ok(false)` when the codec has no FEC or the packet carries none.
    fn recover(
        &mut self,
        _next_payload: &[u8],
        _samples: usize,
        _out: &mut Vec<i16>,
    ) -> Result<bool, MediaError> {
        Ok(false)
    }
}

pub mod g711;
pub mod g722;
mod g722_core;
pub mod opus;
mod plc;
mod registry;
#[cfg(test)]
mod test_tone;

pub use registry::{find, instantiate, instantiate_with_fmtp, preference, supported};
