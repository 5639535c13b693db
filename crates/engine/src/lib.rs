//! The async driver of the phone: owns the SIP user agent, the accounts and the config, and
//! exposes a cloneable [`Phone`] handle (`execute` commands, `subscribe` to events).

mod account;
mod calls;
pub mod config;
mod dial_gate;
mod error;
mod events;
mod journal;
mod phone;
pub mod secrets;

pub use dial_gate::DialRequest;
pub use error::EngineError;
pub use journal::Journal;
pub use phone::Phone;
