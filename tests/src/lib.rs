//! Support for the end-to-end tests (Kamailio harness, running `dialtone`).

pub mod kamailio;
