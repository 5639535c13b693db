use thiserror::Error;

/// Everything that can go wrong in the media layer.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MediaError {
    #[error("codec {codec}: {message}")]
    Codec {
        codec: &'static str,
        message: String,
    },

    /// The SDP text does not parse (SIP: 400, or 488 inside an INVITE).
    #[error("malformed SDP: {0}")]
    SdpSyntax(#[from] sdp::Error),

    /// The SDP parses but one of its fields makes no sense to us.
    #[error("SDP {field} is invalid: {value:?}")]
    SdpInvalid { field: &'static str, value: String },

    /// The SDP has no `m=audio` line with RTP/AVP (SIP: 488).
    #[error("the SDP has no RTP audio stream")]
    NoAudioStream,

    /// The remote side rejected the audio stream with port 0 (RFC 3264 6).
    #[error("the remote side rejected the audio stream (port 0)")]
    StreamRejected,

    /// No codec of ours is in the remote description (SIP: 488 Not Acceptable Here).
    #[error("no codec in common with the remote side")]
    NoCommonCodec,

    /// An answer arrived but no offer of ours is waiting for one.
    #[error("an SDP answer arrived but no local offer is outstanding")]
    NoOfferPending,

    /// A digit outside 0-9 * # A-D.
    #[error("{0:?} is not a DTMF digit (0-9 * # A-D)")]
    InvalidDtmfDigit(char),

    /// DTMF was asked for but the remote side did not accept telephone-event.
    #[error("the remote side did not negotiate telephone-event (RFC 4733)")]
    DtmfNotNegotiated,

    /// Marshalling an RTP/RTCP packet of ours failed.
    #[error("RTP/RTCP packet: {0}")]
    Packet(#[from] webrtc_util::Error),
    /// A PCM frame of a length the codec cannot encode.
    #[error("codec {codec}: cannot encode a frame of {samples} samples")]
    FrameSize { codec: &'static str, samples: usize },
    /// libopus refused something.
    #[error("opus: {context}: {source}")]
    Opus {
        context: &'static str,
        #[source]
        source: opus::Error,
    },
    /// A codec name in a preference list that Dialtone does not support.
    #[error("unknown codec `{name}` (supported: opus, G722, PCMU, PCMA)")]
    UnknownCodec { name: String },
    /// A codec preference list that names no codec at all.
    #[error("the codec list is empty")]
    NoCodecs,
}
