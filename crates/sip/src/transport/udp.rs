//! The UDP reader task.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rsipstack::sip::SipMessage;
use tokio::net::UdpSocket;
use tokio::sync::watch;

use super::{Shared, TransportEvent, TransportKind};

/// Pause after a receive error so a persistent error cannot spin the task.
const ERROR_PAUSE: Duration = Duration::from_millis(20);

pub(crate) async fn recv_loop(
    shared: Arc<Shared>,
    socket: Arc<UdpSocket>,
    local: SocketAddr,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 65536];
    loop {
        let received = tokio::select! {
            _ = shutdown.wait_for(|&stop| stop) => return,
            r = socket.recv_from(&mut buf) => r,
        };
        let (len, source) = match received {
            Ok(r) => r,
            Err(error) => {
                // e.g. ICMP port unreachable reported on some platforms: not fatal.
                tracing::debug!(%local, %error, "UDP receive error");
                tokio::select! {
                    _ = shutdown.wait_for(|&stop| stop) => return,
                    _ = tokio::time::sleep(ERROR_PAUSE) => continue,
                }
            }
        };
        let data = &buf[..len];
        if data
            .iter()
            .all(|b| matches!(b, b'\r' | b'\n' | b' ' | b'\t' | 0))
        {
            tracing::trace!(%source, "UDP keep-alive received");
            continue;
        }
        let parsed = super::framing::check_datagram(data)
            .map_err(|e| e.to_string())
            .and_then(|()| SipMessage::try_from(data).map_err(|e| e.to_string()));
        let event = match parsed {
            Ok(message) => TransportEvent::Message {
                message,
                source,
                kind: TransportKind::Udp,
                local,
            },
            Err(error) => {
                tracing::debug!(%source, %error, "malformed UDP datagram");
                TransportEvent::Malformed {
                    source,
                    kind: TransportKind::Udp,
                    error,
                }
            }
        };
        if !shared.emit(event, &mut shutdown).await {
            return;
        }
    }
}
