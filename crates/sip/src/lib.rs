//! SIP signalling for a user agent: transports, client transactions, digest authentication
//! and registration. Only this crate touches SIP wire types (`rsipstack::sip`); everything
//! above sees the crate's own types.

pub mod agent;
pub mod digest;
pub mod error;
pub mod registration;
pub mod transaction;
pub mod transport;
pub mod wire;

pub use error::{SipError, TransactionError, TransportError, WireError};
pub use transaction::{new_branch, ClientTransactions, Timers};
pub use transport::{Target, TlsSettings, TransportEvent, TransportKind, Transports};
