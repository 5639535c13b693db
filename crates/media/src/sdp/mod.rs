//! SDP offer/answer for one audio stream (RFC 3264 over RFC 4566), parsed and written with
//! the `sdp` crate (webrtc-rs), which reads SIP-style descriptions (no ICE or DTLS lines
//! needed) as long as their lines come in RFC 4566 order.
//!
//! [`OfferAnswer`] holds one call's state; [`Negotiated`] is what it settles. Errors map to
//! SIP answers with [`rejection_status`].

mod direction;
mod local;
mod negotiate;
mod offer_answer;
mod remote;

pub use direction::Direction;
pub use local::{LocalFormat, LocalMedia, TELEPHONE_EVENT};
pub use negotiate::{codec_name, DtmfPayloads, Negotiated};
pub use offer_answer::{LocalParams, OfferAnswer};
pub use remote::{parse as parse_remote, MediaLine, RemoteDescription, RemoteFormat};

use crate::MediaError;

/// The SIP status to refuse an INVITE/UPDATE whose SDP failed with `error`: 488 Not
/// Acceptable Here for anything we cannot or will not do, 400 for a body that does not parse.
/// `None` for errors that are not about the remote SDP.
pub fn rejection_status(error: &MediaError) -> Option<u16> {
    match error {
        MediaError::SdpSyntax(_) | MediaError::SdpInvalid { .. } => Some(400),
        MediaError::NoAudioStream | MediaError::StreamRejected | MediaError::NoCommonCodec => {
            Some(488)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
