//! SIP transports: UDP, TCP and TLS over tokio, owned by this crate so that reconnects, local
//! addresses and timers stay under our control.
//!
//! [`Transports::bind`] opens one UDP socket and one TCP listener on the same port. Outbound
//! TCP/TLS connections are opened on demand by [`Transports::send`] and kept, keyed by kind and
//! remote address; inbound TCP connections are kept the same way so responses go back on them.
//! Every socket and connection has one reader task that turns datagrams / stream frames into
//! [`TransportEvent`]s on the channel returned by `bind`.

mod framing;
mod stream;
mod tls;
mod udp;

#[cfg(test)]
mod tests;

pub use framing::{check_datagram, next_frame, Frame, FramingError, MAX_MESSAGE_SIZE};

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::{mpsc, watch};
use tokio_rustls::rustls::ClientConfig;

use crate::error::TransportError;
use stream::Conn;

/// Capacity of the event channel returned by [`Transports::bind`].
pub const EVENT_CHANNEL_CAPACITY: usize = 1024;
/// How long opening a TCP connection may take (and, separately, a TLS handshake).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one write to a TCP/TLS connection may take before the connection is given up.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Most inbound TCP connections kept at once; further ones are refused (closed at once).
pub const MAX_INBOUND_CONNECTIONS: usize = 256;

/// A SIP transport protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportKind {
    Udp,
    Tcp,
    Tls,
}

impl TransportKind {
    /// Whether the transport delivers reliably (no retransmissions needed).
    pub fn is_reliable(self) -> bool {
        !matches!(self, TransportKind::Udp)
    }

    /// The transport token of a Via header: `"UDP"`, `"TCP"`, `"TLS"`.
    pub fn via_name(self) -> &'static str {
        match self {
            TransportKind::Udp => "UDP",
            TransportKind::Tcp => "TCP",
            TransportKind::Tls => "TLS",
        }
    }

    /// The `transport=` URI parameter value, `None` for UDP (the default).
    pub fn uri_param(self) -> Option<&'static str> {
        match self {
            TransportKind::Udp => None,
            TransportKind::Tcp => Some("tcp"),
            TransportKind::Tls => Some("tls"),
        }
    }
}

/// Where a message goes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    pub kind: TransportKind,
    pub addr: SocketAddr,
    /// TLS only: SNI and the name the certificate must carry; `None` uses the IP address.
    /// An IP literal is fine (matched against IP SANs).
    pub tls_name: Option<String>,
}

impl Target {
    /// A target without a TLS name.
    pub fn new(kind: TransportKind, addr: SocketAddr) -> Self {
        Target {
            kind,
            addr,
            tls_name: None,
        }
    }
}

/// TLS client settings. The system roots are always trusted; verification is never disabled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TlsSettings {
    /// A PEM file with further CA certificates to trust.
    pub extra_ca_file: Option<PathBuf>,
}

/// What the transports report.
// `Message` is much larger than the other variants; boxing it would change the agreed API and
// events are moved once through the channel, so the size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum TransportEvent {
    /// A parsed SIP message.
    Message {
        message: rsipstack::sip::SipMessage,
        source: SocketAddr,
        kind: TransportKind,
        /// The local address it arrived on (the bound address for UDP, which may be unspecified).
        local: SocketAddr,
    },
    /// An unparseable datagram or frame; logged, never fatal for UDP. On a stream a framing
    /// error (oversize, no Content-Length) also closes the connection.
    Malformed {
        source: SocketAddr,
        kind: TransportKind,
        error: String,
    },
    /// A TCP/TLS connection went away (EOF, reset, write or keep-alive failure, framing error).
    /// Not emitted for [`Transports::close`] or [`Transports::shutdown`].
    ConnectionClosed {
        kind: TransportKind,
        remote: SocketAddr,
        reason: String,
    },
}

type ConnKey = (TransportKind, SocketAddr);

/// State shared by the handle and the reader tasks (no back reference to the handle, so that
/// dropping every [`Transports`] clone stops everything).
pub(crate) struct Shared {
    events: mpsc::Sender<TransportEvent>,
    conns: Mutex<HashMap<ConnKey, Arc<Conn>>>,
    shutdown_rx: watch::Receiver<bool>,
    next_conn_id: AtomicU64,
    is_shut: AtomicBool,
}

impl Shared {
    fn conns(&self) -> MutexGuard<'_, HashMap<ConnKey, Arc<Conn>>> {
        // A panic while holding the lock cannot leave the map inconsistent: recover it.
        self.conns
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Emits an event from a reader task; waits for room but gives up on shutdown.
    /// Returns false if the transports are shutting down.
    async fn emit(&self, event: TransportEvent, shutdown: &mut watch::Receiver<bool>) -> bool {
        tokio::select! {
            _ = shutdown.wait_for(|&stop| stop) => false,
            sent = self.events.send(event) => {
                if sent.is_err() {
                    tracing::trace!("transport event dropped: receiver gone");
                }
                true
            }
        }
    }

    /// Emits an event from synchronous code: without waiting if there is room, else from a task.
    fn emit_detached(&self, event: TransportEvent) {
        match self.events.try_send(event) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(event)) => {
                let events = self.events.clone();
                tokio::spawn(async move {
                    let _ = events.send(event).await;
                });
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::trace!("transport event dropped: receiver gone");
            }
        }
    }
}

struct Inner {
    shared: Arc<Shared>,
    udp: Mutex<Option<Arc<UdpSocket>>>,
    udp_local: SocketAddr,
    tcp_local: SocketAddr,
    shutdown_tx: watch::Sender<bool>,
    tls_configs: Mutex<HashMap<TlsSettings, Arc<ClientConfig>>>,
    /// The UDP reader and the TCP accept loop: each owns its socket until it ends.
    listeners: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Inner {
    fn shutdown(&self) {
        self.shared.is_shut.store(true, Ordering::SeqCst);
        let _ = self.shutdown_tx.send(true);
        self.udp
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        let conns: Vec<Arc<Conn>> = self.shared.conns().drain().map(|(_, c)| c).collect();
        for conn in conns {
            conn.stop_silently();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The UDP socket, the TCP listener and the open TCP/TLS connections. Cheap to clone.
#[derive(Clone)]
pub struct Transports {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Transports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transports")
            .field("udp", &self.inner.udp_local)
            .field("tcp", &self.inner.tcp_local)
            .finish_non_exhaustive()
    }
}

/// How many times `bind` with port 0 tries to find a port free for both UDP and TCP.
const SAME_PORT_ATTEMPTS: usize = 8;

impl Transports {
    /// Binds UDP and a TCP listener for inbound connections on `ip:port`. Port 0 picks a free
    /// port; UDP is bound first and TCP on the same port (retrying a few ports when that one
    /// is taken for TCP). If TCP cannot get UDP's port it listens on any free port
    /// ([`Transports::tcp_local_addr`] tells which).
    pub async fn bind(
        ip: IpAddr,
        port: u16,
    ) -> Result<(Transports, mpsc::Receiver<TransportEvent>), TransportError> {
        let (udp, listener) = bind_pair(ip, port).await?;
        let udp_local = udp.local_addr()?;
        let tcp_local = listener.local_addr()?;
        let (events, events_rx) = mpsc::channel(EVENT_CHANNEL_CAPACITY);
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            events,
            conns: Mutex::new(HashMap::new()),
            shutdown_rx,
            next_conn_id: AtomicU64::new(1),
            is_shut: AtomicBool::new(false),
        });
        let udp = Arc::new(udp);
        let listeners = vec![
            tokio::spawn(udp::recv_loop(
                shared.clone(),
                udp.clone(),
                udp_local,
                shared.shutdown_rx.clone(),
            )),
            tokio::spawn(stream::accept_loop(
                shared.clone(),
                listener,
                shared.shutdown_rx.clone(),
            )),
        ];
        tracing::debug!(%udp_local, %tcp_local, "SIP transports bound");
        let inner = Inner {
            shared,
            udp: Mutex::new(Some(udp)),
            udp_local,
            tcp_local,
            shutdown_tx,
            tls_configs: Mutex::new(HashMap::new()),
            listeners: Mutex::new(listeners),
        };
        Ok((
            Transports {
                inner: Arc::new(inner),
            },
            events_rx,
        ))
    }

    /// The bound UDP address (with the real port when bound to port 0).
    pub fn udp_local_addr(&self) -> SocketAddr {
        self.inner.udp_local
    }

    /// The address the TCP listener accepts inbound connections on.
    pub fn tcp_local_addr(&self) -> SocketAddr {
        self.inner.tcp_local
    }

    fn udp_socket(&self) -> Result<Arc<UdpSocket>, TransportError> {
        self.inner
            .udp
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
            .ok_or(TransportError::Shutdown)
    }

    fn check_running(&self) -> Result<(), TransportError> {
        if self.inner.shared.is_shut.load(Ordering::SeqCst) {
            Err(TransportError::Shutdown)
        } else {
            Ok(())
        }
    }

    fn tls_config(&self, tls: &TlsSettings) -> Result<Arc<ClientConfig>, TransportError> {
        if let Some(config) = self
            .inner
            .tls_configs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(tls)
        {
            return Ok(config.clone());
        }
        // Built outside the lock: loading the system roots reads files.
        let config = tls::client_config(tls)?;
        self.inner
            .tls_configs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(tls.clone(), config.clone());
        Ok(config)
    }

    /// The open connection to a TCP/TLS target, opened if there is none.
    async fn connection(
        &self,
        target: &Target,
        tls: &TlsSettings,
    ) -> Result<Arc<Conn>, TransportError> {
        self.check_running()?;
        let key = (target.kind, target.addr);
        if let Some(conn) = self.inner.shared.conns().get(&key) {
            return Ok(conn.clone());
        }
        let config = match target.kind {
            TransportKind::Tls => Some(self.tls_config(tls)?),
            _ => None,
        };
        stream::connect(&self.inner.shared, target, config).await
    }

    /// The local address messages to `target` leave from. UDP: the bound address, or if that
    /// is unspecified the address the OS routes from (found with a connected throwaway UDP
    /// socket; no traffic). TCP/TLS: the local address of the connection, opened if needed.
    pub async fn local_addr_for(
        &self,
        target: &Target,
        tls: &TlsSettings,
    ) -> Result<SocketAddr, TransportError> {
        match target.kind {
            TransportKind::Udp => {
                self.check_running()?;
                let local = self.inner.udp_local;
                if !local.ip().is_unspecified() {
                    return Ok(local);
                }
                let any: SocketAddr = match target.addr {
                    SocketAddr::V4(_) => (IpAddr::from([0u8; 4]), 0).into(),
                    SocketAddr::V6(_) => (IpAddr::from([0u16; 8]), 0).into(),
                };
                let probe = UdpSocket::bind(any)
                    .await
                    .map_err(|source| TransportError::Bind {
                        addr: any,
                        kind: TransportKind::Udp,
                        source,
                    })?;
                probe
                    .connect(target.addr)
                    .await
                    .map_err(|source| TransportError::Connect {
                        addr: target.addr,
                        source,
                    })?;
                Ok(SocketAddr::new(probe.local_addr()?.ip(), local.port()))
            }
            TransportKind::Tcp | TransportKind::Tls => {
                Ok(self.connection(target, tls).await?.local())
            }
        }
    }

    /// Sends one serialised message. UDP: one datagram. TCP/TLS: on the open connection to
    /// `target.addr`, opened (and for TLS verified with `tls`) if there is none.
    pub async fn send(
        &self,
        target: &Target,
        tls: &TlsSettings,
        bytes: &[u8],
    ) -> Result<(), TransportError> {
        if bytes.len() > MAX_MESSAGE_SIZE {
            return Err(TransportError::MessageTooLarge {
                size: bytes.len(),
                max: MAX_MESSAGE_SIZE,
            });
        }
        match target.kind {
            TransportKind::Udp => self.send_datagram(target.addr, bytes).await,
            TransportKind::Tcp | TransportKind::Tls => {
                let conn = self.connection(target, tls).await?;
                conn.write(&self.inner.shared, bytes).await
            }
        }
    }

    async fn send_datagram(&self, addr: SocketAddr, bytes: &[u8]) -> Result<(), TransportError> {
        self.check_running()?;
        let socket = self.udp_socket()?;
        socket
            .send_to(bytes, addr)
            .await
            .map(|_| ())
            .map_err(|source| TransportError::Send {
                addr,
                kind: TransportKind::Udp,
                source,
            })
    }

    /// Sends a CRLFCRLF keep-alive. TCP/TLS: only on an open connection (else `NotConnected`);
    /// if the write fails the connection is closed with a `ConnectionClosed` event.
    /// UDP: one datagram to `target.addr`.
    pub async fn send_keepalive(&self, target: &Target) -> Result<(), TransportError> {
        const PING: &[u8] = b"\r\n\r\n";
        match target.kind {
            TransportKind::Udp => self.send_datagram(target.addr, PING).await,
            TransportKind::Tcp | TransportKind::Tls => {
                self.check_running()?;
                let conn = self
                    .inner
                    .shared
                    .conns()
                    .get(&(target.kind, target.addr))
                    .cloned()
                    .ok_or(TransportError::NotConnected {
                        addr: target.addr,
                        kind: target.kind,
                    })?;
                conn.write(&self.inner.shared, PING).await
            }
        }
    }

    /// Whether a TCP/TLS connection to `target` is open.
    pub fn is_connected(&self, target: &Target) -> bool {
        self.inner
            .shared
            .conns()
            .contains_key(&(target.kind, target.addr))
    }

    /// Drops the connection to `target` (e.g. after a network change) without a
    /// `ConnectionClosed` event. Does nothing for UDP or when no connection is open.
    pub fn close(&self, target: &Target) {
        let conn = self
            .inner
            .shared
            .conns()
            .remove(&(target.kind, target.addr));
        if let Some(conn) = conn {
            conn.stop_silently();
        }
    }

    /// Stops all tasks, closes all connections and the UDP socket; later sends fail with
    /// [`TransportError::Shutdown`]. The reader tasks end (and release their sockets and
    /// ports) as soon as the runtime next polls them. Dropping the last clone does the same.
    pub fn shutdown(&self) {
        self.inner.shutdown();
    }

    /// [`Transports::shutdown`], then waits (at most `within`) until the UDP reader and the
    /// TCP accept loop have ended and so closed their sockets: the port can be bound again
    /// when this returns `true` (a phone restarted on the same port needs that).
    pub async fn shutdown_and_wait(&self, within: Duration) -> bool {
        self.shutdown();
        let listeners: Vec<_> = std::mem::take(
            &mut *self
                .inner
                .listeners
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        tokio::time::timeout(within, async {
            for task in listeners {
                let _ = task.await;
            }
        })
        .await
        .is_ok()
    }
}

/// Binds UDP then TCP on the same port.
async fn bind_pair(ip: IpAddr, port: u16) -> Result<(UdpSocket, TcpListener), TransportError> {
    let attempts = if port == 0 { SAME_PORT_ATTEMPTS } else { 1 };
    let mut last_udp = None;
    for _ in 0..attempts {
        let addr = SocketAddr::new(ip, port);
        let udp = UdpSocket::bind(addr)
            .await
            .map_err(|source| TransportError::Bind {
                addr,
                kind: TransportKind::Udp,
                source,
            })?;
        let udp_addr = udp.local_addr()?;
        match TcpListener::bind(udp_addr).await {
            Ok(listener) => return Ok((udp, listener)),
            Err(error) => {
                tracing::debug!(%udp_addr, %error, "TCP cannot use the UDP port");
                last_udp = Some(udp);
            }
        }
    }
    let udp = match last_udp {
        Some(udp) => udp,
        None => {
            return Err(TransportError::Bind {
                addr: SocketAddr::new(ip, port),
                kind: TransportKind::Udp,
                source: std::io::Error::other("no UDP socket bound"),
            })
        }
    };
    let any = SocketAddr::new(ip, 0);
    let listener = TcpListener::bind(any)
        .await
        .map_err(|source| TransportError::Bind {
            addr: any,
            kind: TransportKind::Tcp,
            source,
        })?;
    tracing::warn!(
        udp = %udp.local_addr()?,
        tcp = %listener.local_addr()?,
        "TCP listener could not share the UDP port"
    );
    Ok((udp, listener))
}
