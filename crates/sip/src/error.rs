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
}

/// What the user agent as a whole can fail with when it starts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SipError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Wire(#[from] WireError),
}
