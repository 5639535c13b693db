//! Binding the loopback sockets and running the server.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dialtone_engine::Phone;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::config::BridgeConfig;
use crate::error::BridgeError;
use crate::rate_limit::TokenBucket;
use crate::routes::router;
use crate::state::AppState;
use crate::store_access::Store;
use crate::token::ensure_token;

/// How long `shutdown` waits for open requests and sockets to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running bridge. Dropping it stops accepting connections too; `shutdown` also waits.
pub struct Bridge {
    addresses: Vec<SocketAddr>,
    port: u16,
    stop: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
}

impl Bridge {
    /// The addresses listened on: 127.0.0.1 and, where IPv6 is there, [::1].
    pub fn addresses(&self) -> &[SocketAddr] {
        &self.addresses
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops accepting, closes the event sockets and waits (briefly) for requests to finish.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let servers = std::mem::take(&mut self.servers);
        for server in servers {
            let abort = server.abort_handle();
            if tokio::time::timeout(SHUTDOWN_GRACE, server).await.is_err() {
                warn!(
                    "the bridge did not stop within {SHUTDOWN_GRACE:?}; dropping its connections"
                );
                abort.abort();
            }
        }
        info!(port = self.port, "bridge stopped");
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts the bridge on 127.0.0.1 and [::1] at `config.port` (0: any free port).
pub async fn start(
    phone: Phone,
    store: Store,
    config: BridgeConfig,
) -> Result<Bridge, BridgeError> {
    let token = ensure_token(&store)?;
    let v4 = bind(
        SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)),
        config.port,
    )
    .await?;
    let v4_addr = v4.local_addr().map_err(|source| BridgeError::Bind {
        address: SocketAddr::from((Ipv4Addr::LOCALHOST, config.port)),
        source,
    })?;
    let port = v4_addr.port();
    let mut listeners = vec![(v4_addr, v4)];
    let v6_addr = SocketAddr::from((Ipv6Addr::LOCALHOST, port));
    match TcpListener::bind(v6_addr).await {
        Ok(v6) => listeners.push((v6_addr, v6)),
        Err(e) => warn!(address = %v6_addr, error = %e, "the bridge listens on 127.0.0.1 only"),
    }

    let (stop, stopped) = watch::channel(false);
    let state = Arc::new(AppState {
        phone,
        store,
        token,
        port,
        dial_bucket: Mutex::new(TokenBucket::per_minute(
            config.rate_limit_per_minute,
            Instant::now(),
        )),
        config,
        shutdown: stopped.clone(),
    });
    let app = router(state);
    let mut addresses = Vec::new();
    let mut servers = Vec::new();
    for (address, listener) in listeners {
        let mut stopped = stopped.clone();
        let server = axum::serve(listener, app.clone()).with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        });
        servers.push(tokio::spawn(async move {
            if let Err(e) = server.await {
                warn!(%address, error = %e, "the bridge stopped serving");
            }
        }));
        addresses.push(address);
    }
    info!(?addresses, "bridge listening");
    Ok(Bridge {
        addresses,
        port,
        stop,
        servers,
    })
}

async fn bind(address: SocketAddr, port: u16) -> Result<TcpListener, BridgeError> {
    TcpListener::bind(address).await.map_err(|source| {
        if source.kind() == io::ErrorKind::AddrInUse {
            BridgeError::PortInUse { port }
        } else {
            BridgeError::Bind { address, source }
        }
    })
}
