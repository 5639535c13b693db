//! Every transition of the call state machine, grouped by area. One test binary.

mod calls;
mod common;
mod dtmf;
mod hold;
mod incoming;
mod outgoing;
mod policy;
mod timers;
