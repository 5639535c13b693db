use dialtone_api::CallState;

use crate::input::CommandKind;

/// A command the call cannot carry out (the bridge answers 409 or 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    #[error("cannot {command} a call that is {state:?}")]
    WrongState {
        state: CallState,
        command: CommandKind,
    },
    #[error("invalid DTMF digits {digits:?}: use 1 to 64 of 0-9, *, #, A-D")]
    InvalidDtmf { digits: String },
    #[error("no call with id {call_id:?}")]
    UnknownCall { call_id: String },
}
