//! SIP signalling for a user agent: transports, client transactions, digest authentication,
//! registration and calls (INVITE transactions, CANCEL, dialogs). Only this crate touches SIP wire types (`rsipstack::sip`); everything
//! above sees the crate's own types.

pub mod agent;
pub mod call;
pub mod digest;
pub mod error;
pub mod registration;
pub mod transaction;
pub mod transport;
pub mod wire;

pub use call::{CallEvent, CallHandle, Credentials, IncomingCall, NameAddr, OutgoingCall};
pub use error::{CallError, SipError, TransactionError, TransportError, WireError};
pub use transaction::{new_branch, ClientTransactions, Timers};
pub use transport::{Target, TlsSettings, TransportEvent, TransportKind, Transports};
