//! Support for the end-to-end tests: a private Kamailio on loopback, and the real `dialtone`
//! binary with its events.

pub mod kamailio;
pub mod phone;
pub mod sipp;
