//! A WebSocket client for `/v1/events`.

use anyhow::{anyhow, bail, Context, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{Harness, WAIT};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Opens `/v1/events` with the given extra headers; `Err` carries the refusal's status.
pub async fn connect(
    h: &Harness,
    headers: &[(&str, String)],
) -> Result<
    (
        Socket,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    u16,
> {
    let url = format!("ws://127.0.0.1:{}/v1/events", h.port);
    let mut request = url.into_client_request().map_err(|_| 0u16)?;
    for (name, value) in headers {
        let value = HeaderValue::from_str(value).map_err(|_| 0u16)?;
        let name: tokio_tungstenite::tungstenite::http::HeaderName =
            name.parse().map_err(|_| 0u16)?;
        request.headers_mut().insert(name, value);
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok(pair) => Ok(pair),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(_) => Err(0),
    }
}

/// The next JSON text message (pings and pongs skipped), bounded by [`WAIT`].
pub async fn next_json(socket: &mut Socket) -> Result<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .context("no message in time")?
            .ok_or_else(|| anyhow!("the socket closed"))??;
        match message {
            Message::Text(text) => return Ok(serde_json::from_str(&text)?),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => bail!("unexpected message {other:?}"),
        }
    }
}

/// The next message whose `event` is `name`.
pub async fn next_event(socket: &mut Socket, name: &str) -> Result<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let message = tokio::time::timeout_at(deadline, next_json(socket))
            .await
            .with_context(|| format!("no `{name}` in time"))??;
        if message["event"] == name {
            return Ok(message);
        }
    }
}

/// Waits for the server to close the socket (a close frame or the end of the stream).
pub async fn closed(socket: &mut Socket) -> Result<()> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, socket.next())
            .await
            .context("the socket stayed open")?
        {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
            Some(Ok(_)) => continue,
        }
    }
}

pub async fn close(mut socket: Socket) {
    let _ = socket.send(Message::Close(None)).await;
}
