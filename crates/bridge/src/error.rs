//! What can stop the bridge from starting.

use std::io;

/// Start-up and token errors of the bridge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    #[error(
        "port {port} on 127.0.0.1 is already in use (another Dialtone running?); \
         choose another with `bridge.port` in the config"
    )]
    PortInUse { port: u16 },
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: std::net::SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("the bridge's token cannot be read or saved: {0}")]
    Store(#[from] crate::store_access::StoreError),
}
