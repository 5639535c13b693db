//! The call state machine, pure: `(state, input) -> (state, outputs)`. Inputs are user
//! commands, SIP dialog events, media events and timeouts; outputs are SIP actions, media
//! actions and `api` events. No IO and no clock reads: time comes in with each input.
//!
//! The driver's contract:
//! - Create calls with [`Call::outgoing`] / [`Call::incoming`] (or hand them to [`Calls`]),
//!   feed [`Input`]s with `handle(now, input)`, call `handle_timeout(now)` at `poll_timeout()`,
//!   and after each of these carry out every [`Output`] from `poll_output()` in order.
//! - Send an ACK only for [`SipAction::SendAck`]; re-ACK retransmitted 2xx in the SIP layer.
//! - Answer a peer's CANCEL and BYE with 200 yourself; the call says what the INVITE gets.
//! - Report [`Input::AckReceived`] for incoming calls: no re-INVITE leaves before it.
//! - Drop the call after [`Output::Finished`].

mod call;
mod calls;
mod config;
mod direction;
mod dtmf;
mod effects;
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
