//! SIP signalling for a user agent: transports, client transactions, digest authentication
//! and registration. Only this crate touches SIP wire types (`rsipstack::sip`); everything
//! above sees the crate's own types.

pub mod digest;
pub mod registration;
