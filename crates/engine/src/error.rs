//! The engine's one error enum.

use dialtone_sip::error::SipError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    #[error(transparent)]
    Sip(#[from] SipError),
    #[error("account `{account}`: cannot resolve `{host}`: {message}")]
    Resolve {
        account: String,
        host: String,
        message: String,
    },
    #[error(
        "account `{account}`: transport `{transport}` is not supported yet (use udp, tcp or tls)"
    )]
    UnsupportedTransport { account: String, transport: String },
    #[error("no account `{0}`")]
    UnknownAccount(String),
    #[error("command not supported by this version: {0}")]
    Unsupported(String),
    #[error("the phone has stopped")]
    Stopped,
}
