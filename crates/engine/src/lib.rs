//! The async driver of the phone: owns the SIP stack, accounts and config, and exposes a
//! cloneable `Phone` handle.

pub mod config;
pub mod secrets;
