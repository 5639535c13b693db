//! `GET /v1/events`: the phone's events over a WebSocket.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use dialtone_api::{Envelope, Status};
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;
use tracing::debug;

use crate::api_error::{ApiError, ErrorBody};
use crate::state::Shared;

/// The subprotocol the bridge speaks (echoed when the client offers it).
pub(crate) const PROTOCOL: &str = "dialtone.v1";
/// How often the bridge pings an idle socket.
const PING_EVERY: Duration = Duration::from_secs(20);

/// The first message on every socket: `{"event": "snapshot", "timestamp", "data": Status}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SnapshotMessage {
    /// Always `snapshot`.
    event: String,
    timestamp: DateTime<Utc>,
    data: Status,
}

/// Sent when this socket fell behind and events were dropped:
/// `{"event": "events.lost", "timestamp", "data": {"missed": n}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct EventsLostMessage {
    /// Always `events.lost`.
    event: String,
    timestamp: DateTime<Utc>,
    data: EventsLost,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct EventsLost {
    missed: u64,
}

/// The phone's events as a WebSocket: first a `snapshot` message, then every event as an
/// `Envelope` (JSON text). Browsers pass the token as a subprotocol entry
/// `dialtone.bearer.<token>` next to `dialtone.v1`.
#[utoipa::path(get, path = "/v1/events", tag = "events",
    responses(
        (status = 101, description = "Switching to WebSocket; messages are a SnapshotMessage, then Envelopes (and EventsLostMessage when this socket fell behind)", body = Envelope),
        (status = 400, description = "Not a WebSocket handshake", body = ErrorBody),
        (status = 401, description = "No or wrong token", body = ErrorBody),
    ))]
pub(crate) async fn events(
    State(state): State<Shared>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    match upgrade {
        Ok(upgrade) => upgrade
            .protocols([PROTOCOL])
            .on_upgrade(move |socket| relay(state, socket)),
        Err(rejection) => {
            ApiError::bad_request(format!("this is a WebSocket endpoint: {rejection}"))
                .into_response()
        }
    }
}

fn text<T: Serialize>(message: &T) -> Option<Message> {
    serde_json::to_string(message)
        .ok()
        .map(|t| Message::Text(t.into()))
}

async fn relay(state: Shared, mut socket: WebSocket) {
    // Subscribe before the snapshot, so nothing falls between the two.
    let mut events = state.phone.subscribe();
    let mut shutdown = state.shutdown.clone();
    let snapshot = SnapshotMessage {
        event: "snapshot".into(),
        timestamp: Utc::now(),
        data: state.phone.status(),
    };
    let Some(first) = text(&snapshot) else { return };
    if socket.send(first).await.is_err() {
        return;
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let outgoing = tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() { break; }
                continue;
            }
            event = events.recv() => match event {
                Ok(envelope) => text(&envelope),
                Err(RecvError::Lagged(missed)) => text(&EventsLostMessage {
                    event: "events.lost".into(),
                    timestamp: Utc::now(),
                    data: EventsLost { missed },
                }),
                Err(RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            },
            _ = ping.tick() => Some(Message::Ping(Default::default())),
        };
        if let Some(message) = outgoing {
            if socket.send(message).await.is_err() {
                return;
            }
        }
    }
    let close = CloseFrame {
        code: 1001,
        reason: "the bridge is shutting down".into(),
    };
    if socket.send(Message::Close(Some(close))).await.is_err() {
        debug!("event socket gone before its close frame");
    }
}
