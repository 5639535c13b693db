//! The event WebSocket: who may open it, what comes first, what follows, and that it closes
//! with the bridge.

mod common;

use anyhow::Result;
use common::contract::Contract;
use common::{closed_udp_port, ws, Harness};
use serde_json::json;

const CRM: &str = "https://crm.example.com";

fn bearer_protocol(h: &Harness) -> (&'static str, String) {
    (
        "sec-websocket-protocol",
        format!("dialtone.v1, dialtone.bearer.{}", h.token),
    )
}

#[tokio::test]
async fn a_socket_without_the_token_is_refused() -> Result<()> {
    let h = Harness::start().await?;
    assert_eq!(ws::connect(&h, &[]).await.err(), Some(401));
    let wrong = (
        "sec-websocket-protocol",
        format!("dialtone.v1, dialtone.bearer.{}x", h.token),
    );
    assert_eq!(ws::connect(&h, &[wrong]).await.err(), Some(401));
    // The token as a query parameter does not count.
    let url = format!("ws://127.0.0.1:{}/v1/events?token={}", h.port, h.token);
    let refused = tokio_tungstenite::connect_async(url).await;
    assert!(matches!(
        refused,
        Err(tokio_tungstenite::tungstenite::Error::Http(ref r)) if r.status() == 401
    ));
    // A page that is not paired cannot open it even with the token.
    let protocol = bearer_protocol(&h);
    let origin = ("origin", "https://evil.example".to_string());
    assert_eq!(ws::connect(&h, &[protocol, origin]).await.err(), Some(403));
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_subprotocol_token_opens_it_and_the_snapshot_comes_first() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    h.approve(CRM, true).await?;
    let origin = ("origin", CRM.to_string());
    let (mut socket, response) = ws::connect(&h, &[bearer_protocol(&h), origin])
        .await
        .map_err(|s| anyhow::anyhow!("refused: {s}"))?;
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("dialtone.v1")
    );
    let first = ws::next_json(&mut socket).await?;
    assert_eq!(first["event"], "snapshot");
    contract.check_named("SnapshotMessage", &first)?;
    contract.check_named("Status", &first["data"])?;
    assert_eq!(first["data"]["accounts"][0]["id"], "local");

    let to = format!("sip:nobody@127.0.0.1:{}", closed_udp_port()?);
    let (status, _, body) =
        common::parts(h.post_json("/v1/calls", json!({"to": to})).await?).await?;
    assert_eq!(status, 201);
    let dialing = ws::next_event(&mut socket, "call.dialing").await?;
    assert_eq!(dialing["data"]["callId"], body["callId"]);
    assert!(dialing["timestamp"].is_string());
    contract.check_named("Envelope", &dialing)?;
    ws::close(socket).await;
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_authorization_header_opens_it_too() -> Result<()> {
    let h = Harness::start().await?;
    let auth = ("authorization", format!("Bearer {}", h.token));
    let (mut socket, _) = ws::connect(&h, &[auth])
        .await
        .map_err(|s| anyhow::anyhow!("refused: {s}"))?;
    assert_eq!(ws::next_json(&mut socket).await?["event"], "snapshot");
    ws::close(socket).await;
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_socket_closes_when_the_bridge_shuts_down() -> Result<()> {
    let h = Harness::start().await?;
    let (mut socket, _) = ws::connect(&h, &[bearer_protocol(&h)])
        .await
        .map_err(|s| anyhow::anyhow!("refused: {s}"))?;
    assert_eq!(ws::next_json(&mut socket).await?["event"], "snapshot");
    let port = h.port;
    let phone = h.phone.clone();
    let started = std::time::Instant::now();
    h.bridge.shutdown().await;
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    ws::closed(&mut socket).await?;
    // Nothing listens any more.
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err());
    phone.shutdown(std::time::Duration::from_secs(2)).await;
    Ok(())
}

#[tokio::test]
async fn a_busy_port_is_named_in_the_error() -> Result<()> {
    let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = taken.local_addr()?.port();
    let result = Harness::with(dialtone_bridge::BridgeConfig {
        port,
        ..Default::default()
    })
    .await;
    let Err(error) = result else {
        anyhow::bail!("started on a busy port");
    };
    let bridge_error = error
        .downcast_ref::<dialtone_bridge::BridgeError>()
        .map(|e| {
            (
                matches!(e, dialtone_bridge::BridgeError::PortInUse { port: p } if *p == port),
                e.to_string(),
            )
        });
    let (is_port_in_use, message) = bridge_error.unwrap_or_default();
    assert!(is_port_in_use, "{error}");
    assert!(
        message.contains(&port.to_string()) && message.contains("bridge.port"),
        "{message}"
    );
    Ok(())
}
