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
