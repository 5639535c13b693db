//! What a media session is set up with.

use std::net::SocketAddr;
use std::time::Duration;

use crate::codec::{self, CodecInfo};

/// One call's media settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConfig {
    /// Our RTP address as the SDP should name it (not 0.0.0.0); the port should be even,
    /// RTCP is on port + 1.
    pub local_rtp: SocketAddr,
    /// Our codecs, most preferred first (entries of [`codec::supported`]); codecs the table
    /// cannot instantiate are left out.
    pub codecs: Vec<&'static CodecInfo>,
    /// Packetization in ms (20).
    pub ptime_ms: u32,
    /// The telephone-event/8000 payload type we offer (101).
    pub dtmf_payload_type: u8,
    /// Seeds SSRC, initial sequence number and timestamp, CNAME, `o=` id and RTCP timing.
    pub seed: u64,
    /// `MediaEvent::Timeout` after this long without RTP while the peer should send (30 s).
    pub rtp_timeout: Duration,
    /// Mean RTCP report interval (5 s), randomised to 0.5–1.5 times this (RFC 3550 6.3.1).
    pub rtcp_interval: Duration,
    /// `MediaEvent::Stats` every this long (5 s).
    pub stats_interval: Duration,
    /// Jitter buffer delay bounds.
    pub jitter_min_delay: Duration,
    pub jitter_max_delay: Duration,
}

impl MediaConfig {
    /// Every supported codec in the table's order, 20 ms, PT 101, defaults for the rest.
    pub fn new(local_rtp: SocketAddr, seed: u64) -> Self {
        MediaConfig {
            local_rtp,
            codecs: codec::supported().iter().collect(),
            ptime_ms: 20,
            dtmf_payload_type: 101,
            seed,
            rtp_timeout: Duration::from_secs(30),
            rtcp_interval: Duration::from_secs(5),
            stats_interval: Duration::from_secs(5),
            jitter_min_delay: Duration::from_millis(40),
            jitter_max_delay: Duration::from_millis(200),
        }
    }
}
