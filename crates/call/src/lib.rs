//! The call state machine, pure: `(state, input) -> (state, outputs)`. Inputs are user
//! commands, SIP dialog events, media events and timeouts; outputs are SIP actions, media
//! actions and `api` events. No IO and no clock reads: time comes in with each input.

mod call;
mod calls;
mod config;
mod direction;
mod dtmf;
mod error;
mod input;
mod output;
pub mod policy;
mod session;
mod state;
mod transition;

pub use call::{Call, IncomingInvite};
pub use calls::Calls;
pub use config::{glare_delay, AutoAnswer, CallConfig, Now};
pub use direction::MediaDirection;
pub use dtmf::{is_dtmf_digit, normalize_dtmf, MAX_DTMF_DIGITS};
pub use error::CallError;
pub use input::{CommandKind, Input};
pub use output::{MediaAction, Output, SipAction};
pub use policy::{AutoAnswerPolicy, IncomingDecision};
pub use transition::end_cause_for_status;
