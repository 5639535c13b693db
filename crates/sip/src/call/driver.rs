//! The task that runs one [`Call`]: it feeds it messages (routed by Call-ID from the agent's
//! dispatcher), commands and timer expiries, sends what it asks to send and forwards its
//! events. Also the Call-ID → task routing table.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rsipstack::sip::{Request, Response};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::core::Call;
use super::handle::{CallHandle, Command};
use super::types::CallEvent;
use crate::transport::{TlsSettings, TransportKind, Transports};

/// A message for a call task.
#[derive(Debug)]
pub(crate) enum Inbound {
    Request {
        request: Request,
        source: SocketAddr,
        kind: TransportKind,
    },
    Response(Response),
    ConnectionClosed {
        kind: TransportKind,
        remote: SocketAddr,
    },
}

/// Capacity of a call's inbound queue; when full, messages are dropped (the peer
/// retransmits over UDP).
const INBOUND_CAPACITY: usize = 64;
/// Capacity of a call's command queue.
const COMMAND_CAPACITY: usize = 16;
/// Capacity of a call's event channel to the engine.
const EVENT_CAPACITY: usize = 64;

/// The calls in progress, by Call-ID. Cheap to clone.
#[derive(Clone, Default)]
pub(crate) struct Calls {
    inner: Arc<Mutex<HashMap<String, mpsc::Sender<Inbound>>>>,
}

impl Calls {
    fn map(&self) -> MutexGuard<'_, HashMap<String, mpsc::Sender<Inbound>>> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Hands a message to the call with this Call-ID; gives it back if there is none.
    // The message goes back once to the dispatcher; boxing it would cost every call.
    #[allow(clippy::result_large_err)]
    pub(crate) fn route(&self, call_id: &str, message: Inbound) -> Result<(), Inbound> {
        let Some(tx) = self.map().get(call_id).cloned() else {
            return Err(message);
        };
        match tx.try_send(message) {
            Ok(()) => Ok(()),
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::debug!(%call_id, "call busy: message dropped");
                Ok(())
            }
            Err(mpsc::error::TrySendError::Closed(m)) => Err(m),
        }
    }

    pub(crate) fn connection_closed(&self, kind: TransportKind, remote: SocketAddr) {
        let senders: Vec<_> = self.map().values().cloned().collect();
        for tx in senders {
            let _ = tx.try_send(Inbound::ConnectionClosed { kind, remote });
        }
    }

    /// Stops routing to every call; their tasks end.
    pub(crate) fn clear(&self) {
        self.map().clear();
    }

    pub(crate) fn len(&self) -> usize {
        self.map().len()
    }

    fn remove(&self, call_id: &str) {
        self.map().remove(call_id);
    }
}

/// Registers `call` and starts its task. Returns `None` if a call with the same Call-ID
/// exists.
pub(crate) fn spawn(
    call: Call,
    calls: &Calls,
    transports: Transports,
    tls: TlsSettings,
) -> Option<(CallHandle, mpsc::Receiver<CallEvent>)> {
    let call_id = call.call_id().to_string();
    let (inbound_tx, inbound_rx) = mpsc::channel(INBOUND_CAPACITY);
    {
        let mut map = calls.map();
        if map.contains_key(&call_id) {
            return None;
        }
        map.insert(call_id.clone(), inbound_tx);
    }
    let (command_tx, command_rx) = mpsc::channel(COMMAND_CAPACITY);
    let (event_tx, event_rx) = mpsc::channel(EVENT_CAPACITY);
    let io = Io {
        transports,
        tls,
        calls: calls.clone(),
    };
    tokio::spawn(run(call, io, inbound_rx, command_rx, event_tx));
    Some((CallHandle::new(&call_id, command_tx), event_rx))
}

struct Io {
    transports: Transports,
    tls: TlsSettings,
    calls: Calls,
}

/// With nothing scheduled, wake up this often anyway (nothing happens; keeps `select!` simple).
const IDLE: Duration = Duration::from_secs(3600);

async fn run(
    mut call: Call,
    io: Io,
    mut inbound: mpsc::Receiver<Inbound>,
    mut commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<CallEvent>,
) {
    let mut events = Some(events);
    let mut commands_open = true;
    loop {
        flush(&mut call, &io, &mut events).await;
        let now = Instant::now();
        if call.is_finished(now) {
            break;
        }
        let wake = call.poll_timeout().unwrap_or(now + IDLE);
        tokio::select! {
            message = inbound.recv() => match message {
                Some(Inbound::Request { request, source, kind }) => {
                    call.handle_request(Instant::now(), request, source, kind)
                }
                Some(Inbound::Response(response)) => call.handle_response(Instant::now(), response),
                Some(Inbound::ConnectionClosed { kind, remote }) => {
                    call.handle_connection_closed(Instant::now(), kind, remote)
                }
                None => break, // the agent shut down
            },
            command = commands.recv(), if commands_open => match command {
                Some(Command { op, reply }) => {
                    let result = call.handle_command(Instant::now(), op);
                    let _ = reply.send(result);
                }
                None => {
                    commands_open = false;
                    call.handle_abandoned(Instant::now());
                }
            },
            _ = tokio::time::sleep_until(wake) => call.handle_timeout(Instant::now()),
        }
    }
    io.calls.remove(call.call_id());
    tracing::debug!(call_id = %call.call_id(), "call finished");
}

/// Sends what the call wants sent and forwards its events.
async fn flush(call: &mut Call, io: &Io, events: &mut Option<mpsc::Sender<CallEvent>>) {
    while let Some(t) = call.poll_transmit() {
        if let Err(e) = io.transports.send(&t.target, &io.tls, &t.bytes).await {
            tracing::debug!(call_id = %call.call_id(), target = %t.target.addr, error = %e, "send failed");
            call.handle_send_failed(Instant::now(), t.branch.as_deref(), e.to_string());
        }
    }
    while let Some(event) = call.poll_event() {
        if let Some(tx) = events.as_ref() {
            if tx.send(event).await.is_err() {
                *events = None; // nobody listens any more
            }
        }
    }
    if call.events_closed() {
        *events = None;
    }
}
