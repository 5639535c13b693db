//! Error types, one enum per layer.

use std::net::SocketAddr;
use std::time::Duration;

use crate::transport::TransportKind;

/// Errors of the transport layer ([`crate::transport::Transports`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// A local socket could not be bound.
    #[error("cannot bind {kind:?} socket to {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        kind: TransportKind,
        #[source]
        source: std::io::Error,
    },
    /// A TCP connection could not be opened (refused, unreachable, …).
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// Opening a TCP connection took longer than the connect timeout.
    #[error("connecting to {addr} timed out after {after:?}")]
    ConnectTimeout { addr: SocketAddr, after: Duration },
    /// The TLS handshake failed (certificate not trusted, wrong name, protocol error, timeout).
    #[error("TLS handshake with {addr} failed: {message}")]
    Tls { addr: SocketAddr, message: String },
    /// The TLS client configuration could not be built (unreadable CA file, bad server name, …).
    #[error("TLS configuration error: {message}")]
    TlsConfig { message: String },
    /// No open connection to this address (keep-alives never open one).
    #[error("no open {kind:?} connection to {addr}")]
    NotConnected {
        addr: SocketAddr,
        kind: TransportKind,
    },
    /// Writing to a socket or connection failed.
    #[error("sending to {addr} over {kind:?} failed: {source}")]
    Send {
        addr: SocketAddr,
        kind: TransportKind,
        #[source]
        source: std::io::Error,
    },
    /// Any other I/O error.
    #[error("transport I/O error: {source}")]
    Io {
        #[from]
        source: std::io::Error,
    },
    /// The message is larger than a transport accepts.
    #[error("message of {size} bytes is larger than the maximum of {max} bytes")]
    MessageTooLarge { size: usize, max: usize },
    /// [`crate::transport::Transports::shutdown`] was called.
    #[error("transports have been shut down")]
    Shutdown,
}

/// Errors of the client transaction layer ([`crate::transaction::ClientTransactions`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransactionError {
    /// No final response before Timer F fired.
    #[error("no final response from {remote} within {after:?}")]
    Timeout { after: Duration, remote: SocketAddr },
    /// Sending the request failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The TCP/TLS connection the request was sent on closed before the final response.
    #[error("{kind:?} connection to {remote} closed before a final response arrived")]
    ConnectionClosed {
        kind: TransportKind,
        remote: SocketAddr,
    },
    /// The request cannot start a client transaction (missing Via branch, INVITE, duplicate branch …).
    #[error("invalid request for a client transaction: {reason}")]
    InvalidRequest { reason: String },
}

/// Errors building a SIP message from our own types.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    #[error("`{uri}` is not a usable SIP URI: {message}")]
    BadUri { uri: String, message: String },
    /// A header name or value that would break the message (CR, LF, a colon in the name, …).
    #[error("header `{name}` cannot be sent: {reason}")]
    BadHeader { name: String, reason: &'static str },
}

/// Why a [`crate::call::CallHandle`] command was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The call is over (or its task has stopped); nothing more can be done with it.
    #[error("the call has ended")]
    Ended,
    /// The command does not fit the call's current state (e.g. `cancel` after the answer).
    #[error("cannot {operation} a call that is {state}")]
    InvalidState {
        operation: &'static str,
        state: &'static str,
    },
    /// A status code outside the range the command accepts.
    #[error("{status} is not a valid status code to {operation}")]
    InvalidStatus {
        status: u16,
        operation: &'static str,
    },
    /// Not one of `0-9 * # A-D`.
    #[error("{digit:?} is not a DTMF digit")]
    InvalidDtmf { digit: char },
    /// The request or response could not be built.
    #[error(transparent)]
    Wire(#[from] WireError),
}

/// What the user agent as a whole can fail with (starting, placing a call).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SipError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Wire(#[from] WireError),
    /// A call with this Call-ID is already in progress (a random Call-ID collided).
    #[error("Call-ID {call_id} is already in use")]
    CallIdInUse { call_id: String },
}
