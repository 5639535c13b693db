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
    #[error("no call `{0}`")]
    UnknownCall(String),
    #[error("call `{call_id}` is {state}: cannot {command}")]
    WrongState {
        call_id: String,
        state: String,
        command: String,
    },
    #[error("cannot dial `{to}`: {reason}")]
    BadNumber { to: String, reason: String },
    #[error("no registered account to call from{}", .0.as_deref().map(|a| format!(" (account `{a}` is not registered)")).unwrap_or_default())]
    NoAccount(Option<String>),
    #[error("`{0}` is not a DTMF sequence (use 0-9, *, #, A-D; at most 64)")]
    BadDtmf(String),
    #[error("cannot place the call: {0}")]
    CallSetup(String),
    #[error("cannot start media: {0}")]
    Media(String),
    #[error("command not supported by this version: {0}")]
    Unsupported(String),
    #[error("dial request `{request_id}` for `{to}` was {outcome}")]
    DialNotConfirmed {
        request_id: String,
        to: String,
        outcome: &'static str,
    },
    #[error("dialling `{to}` is refused: dial confirmation is set to deny for this source")]
    DialRefused { to: String },
    #[error("no dial request `{0}` is waiting for confirmation")]
    UnknownDialRequest(String),
    #[error("the phone has stopped")]
    Stopped,
}
