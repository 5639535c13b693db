//! Support for the end-to-end tests: a private Kamailio on loopback, the real `dialtone`
//! binary with its events, baresip peers driven over ctrl_tcp, and tone WAV analysis.

pub mod baresip;
pub mod kamailio;
pub mod phone;
pub mod sipp;
pub mod tone;
