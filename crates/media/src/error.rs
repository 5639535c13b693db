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
}
