//! Sans-IO media for a softphone call: SDP offer/answer, RTP/RTCP, codecs behind one
//! [`codec::AudioCodec`] trait, an adaptive jitter buffer with loss concealment, RFC 4733
//! DTMF and call-quality statistics. Time and packets are passed in; packets, audio frames and
//! events come out. Nothing here opens a socket or reads a clock.

pub mod codec;
pub mod dtmf;
pub mod error;
pub mod jitter;
pub mod rtp;
pub mod sdp;
pub mod session;
pub mod stats;

pub use error::MediaError;
pub use session::{MediaConfig, MediaEvent, MediaSession, Transmit, TransmitKind};
