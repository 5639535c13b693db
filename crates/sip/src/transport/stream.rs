//! TCP and TLS connections: opening, accepting, writing, and one reader task per connection.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rsipstack::sip::SipMessage;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::TlsConnector;

use super::framing::{self, Frame};
use super::{
    tls, Shared, Target, TransportEvent, TransportKind, CONNECT_TIMEOUT, MAX_INBOUND_CONNECTIONS,
    WRITE_TIMEOUT,
};
use crate::error::TransportError;

type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// One open TCP/TLS connection. The reader half lives in its reader task.
pub(crate) struct Conn {
    id: u64,
    kind: TransportKind,
    remote: SocketAddr,
    local: SocketAddr,
    writer: tokio::sync::Mutex<Writer>,
    /// Wakes the reader task so it drops its half and ends.
    stop: Notify,
    /// Set once the connection is being closed (by us or by failure); guards the one event.
    closed: AtomicBool,
}

impl Conn {
    pub(crate) fn local(&self) -> SocketAddr {
        self.local
    }

    /// Ends the reader task without an event (the caller already removed the map entry).
    pub(crate) fn stop_silently(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.stop.notify_one();
    }

    /// Closes after a failure: removes the map entry (if still ours), ends the reader and
    /// emits one `ConnectionClosed`.
    fn fail(&self, shared: &Shared, reason: String) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        {
            let mut conns = shared.conns();
            if conns
                .get(&(self.kind, self.remote))
                .is_some_and(|c| c.id == self.id)
            {
                conns.remove(&(self.kind, self.remote));
            }
        }
        self.stop.notify_one();
        tracing::debug!(kind = ?self.kind, remote = %self.remote, %reason, "connection closed");
        shared.emit_detached(TransportEvent::ConnectionClosed {
            kind: self.kind,
            remote: self.remote,
            reason,
        });
    }

    /// Writes all bytes; on failure or timeout the connection is closed (with an event).
    pub(crate) async fn write(&self, shared: &Shared, bytes: &[u8]) -> Result<(), TransportError> {
        let result = tokio::time::timeout(WRITE_TIMEOUT, async {
            let mut writer = self.writer.lock().await;
            writer.write_all(bytes).await?;
            writer.flush().await
        })
        .await
        .unwrap_or_else(|_| {
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("write did not complete within {WRITE_TIMEOUT:?}"),
            ))
        });
        result.map_err(|source| {
            self.fail(shared, format!("write failed: {source}"));
            TransportError::Send {
                addr: self.remote,
                kind: self.kind,
                source,
            }
        })
    }
}

/// Registers a connection and starts its reader. For outbound connections an already
/// registered connection to the same key wins (the new streams are dropped); an inbound one
/// replaces the old entry, which is then closed silently.
fn adopt<R>(
    shared: &Arc<Shared>,
    kind: TransportKind,
    remote: SocketAddr,
    local: SocketAddr,
    reader: R,
    writer: Writer,
    inbound: bool,
) -> Option<Arc<Conn>>
where
    R: AsyncRead + Send + Unpin + 'static,
{
    let conn = Arc::new(Conn {
        id: shared.next_conn_id.fetch_add(1, Ordering::Relaxed),
        kind,
        remote,
        local,
        writer: tokio::sync::Mutex::new(writer),
        stop: Notify::new(),
        closed: AtomicBool::new(false),
    });
    {
        let mut conns = shared.conns();
        if shared.is_shut.load(Ordering::SeqCst) {
            return None;
        }
        if inbound {
            let count = conns.keys().filter(|(k, _)| *k == kind).count();
            if count >= MAX_INBOUND_CONNECTIONS {
                tracing::warn!(%remote, "too many inbound connections; refusing");
                return None;
            }
            if let Some(old) = conns.insert((kind, remote), conn.clone()) {
                old.stop_silently();
            }
        } else if let Some(existing) = conns.get(&(kind, remote)) {
            return Some(existing.clone());
        } else {
            conns.insert((kind, remote), conn.clone());
        }
    }
    tracing::debug!(?kind, %remote, %local, inbound, "connection open");
    tokio::spawn(read_loop(
        shared.clone(),
        conn.clone(),
        reader,
        shared.shutdown_rx.clone(),
    ));
    Some(conn)
}

/// Opens a TCP (or, with `tls`, TLS) connection to `target` and registers it.
pub(crate) async fn connect(
    shared: &Arc<Shared>,
    target: &Target,
    tls_config: Option<Arc<ClientConfig>>,
) -> Result<Arc<Conn>, TransportError> {
    let addr = target.addr;
    let tcp = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Err(_) => {
            return Err(TransportError::ConnectTimeout {
                addr,
                after: CONNECT_TIMEOUT,
            })
        }
        Ok(Err(source)) => return Err(TransportError::Connect { addr, source }),
        Ok(Ok(tcp)) => tcp,
    };
    if let Err(error) = tcp.set_nodelay(true) {
        tracing::debug!(%addr, %error, "cannot set TCP_NODELAY");
    }
    let local = tcp.local_addr()?;
    let conn = match (target.kind, tls_config) {
        (TransportKind::Tls, Some(config)) => {
            let name = tls::server_name(target)?;
            let handshake = TlsConnector::from(config).connect(name, tcp);
            let stream = match tokio::time::timeout(CONNECT_TIMEOUT, handshake).await {
                Err(_) => {
                    return Err(TransportError::Tls {
                        addr,
                        message: format!("handshake did not complete within {CONNECT_TIMEOUT:?}"),
                    })
                }
                Ok(Err(error)) => {
                    return Err(TransportError::Tls {
                        addr,
                        message: error.to_string(),
                    })
                }
                Ok(Ok(stream)) => stream,
            };
            let (reader, writer) = tokio::io::split(stream);
            adopt(
                shared,
                target.kind,
                addr,
                local,
                reader,
                Box::new(writer),
                false,
            )
        }
        (TransportKind::Tls, None) => {
            return Err(TransportError::TlsConfig {
                message: "no TLS client configuration".into(),
            })
        }
        (kind, _) => {
            let (reader, writer) = tcp.into_split();
            adopt(shared, kind, addr, local, reader, Box::new(writer), false)
        }
    };
    conn.ok_or(TransportError::Shutdown)
}

/// Accepts inbound TCP connections until shutdown.
pub(crate) async fn accept_loop(
    shared: Arc<Shared>,
    listener: TcpListener,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.wait_for(|&stop| stop) => return,
            r = listener.accept() => r,
        };
        match accepted {
            Ok((stream, remote)) => {
                let local = match stream.local_addr() {
                    Ok(local) => local,
                    Err(error) => {
                        tracing::debug!(%remote, %error, "accepted connection already gone");
                        continue;
                    }
                };
                if let Err(error) = stream.set_nodelay(true) {
                    tracing::debug!(%remote, %error, "cannot set TCP_NODELAY");
                }
                let (reader, writer) = stream.into_split();
                let _ = adopt(
                    &shared,
                    TransportKind::Tcp,
                    remote,
                    local,
                    reader,
                    Box::new(writer),
                    true,
                );
            }
            Err(error) => {
                // e.g. out of file descriptors: pause instead of spinning.
                tracing::warn!(%error, "accepting a TCP connection failed");
                tokio::select! {
                    _ = shutdown.wait_for(|&stop| stop) => return,
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
        }
    }
}

/// Reads frames off one connection until EOF, error, framing error, close or shutdown.
async fn read_loop<R>(
    shared: Arc<Shared>,
    conn: Arc<Conn>,
    mut reader: R,
    mut shutdown: watch::Receiver<bool>,
) where
    R: AsyncRead + Send + Unpin,
{
    let mut buf = BytesMut::with_capacity(8 * 1024);
    let reason = 'read: loop {
        let read = tokio::select! {
            _ = conn.stop.notified() => return,
            _ = shutdown.wait_for(|&stop| stop) => return,
            r = reader.read_buf(&mut buf) => r,
        };
        match read {
            Ok(0) => break 'read "closed by peer".to_string(),
            Ok(_) => {}
            Err(error) => break 'read format!("read failed: {error}"),
        }
        // Each frame consumes bytes from a buffer of bounded size, so this ends.
        loop {
            match framing::next_frame(&mut buf) {
                Ok(None) => break,
                Ok(Some(Frame::Ping)) => {
                    tracing::trace!(remote = %conn.remote, "keep-alive ping; answering");
                    if conn.write(&shared, b"\r\n").await.is_err() {
                        return; // `write` already closed the connection with an event
                    }
                }
                Ok(Some(Frame::Pong)) => {
                    tracing::trace!(remote = %conn.remote, "keep-alive pong");
                }
                Ok(Some(Frame::Message(bytes))) => {
                    let event = match SipMessage::try_from(&bytes[..]) {
                        Ok(message) => TransportEvent::Message {
                            message,
                            source: conn.remote,
                            kind: conn.kind,
                            local: conn.local,
                        },
                        Err(error) => {
                            tracing::debug!(remote = %conn.remote, %error, "malformed message");
                            TransportEvent::Malformed {
                                source: conn.remote,
                                kind: conn.kind,
                                error: error.to_string(),
                            }
                        }
                    };
                    if !shared.emit(event, &mut shutdown).await {
                        return;
                    }
                }
                Err(error) => {
                    tracing::debug!(remote = %conn.remote, %error, "cannot frame stream");
                    let event = TransportEvent::Malformed {
                        source: conn.remote,
                        kind: conn.kind,
                        error: error.to_string(),
                    };
                    if !shared.emit(event, &mut shutdown).await {
                        return;
                    }
                    break 'read format!("framing error: {error}");
                }
            }
        }
    };
    conn.fail(&shared, reason);
}
