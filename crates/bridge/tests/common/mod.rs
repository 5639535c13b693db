//! A real engine `Phone` on the built-in local account, the bridge on a free loopback port,
//! and clients that speak to it as tools and browsers would.
#![allow(dead_code)]

pub mod contract;
pub mod raw;
pub mod sip;
pub mod ws;

use std::time::Duration;

use anyhow::{Context, Result};
use dialtone_api::{Envelope, Event};
use dialtone_bridge::{ensure_token, start, Bridge, BridgeConfig};
use dialtone_engine::config::Config;
use dialtone_engine::Phone;
use dialtone_store::Store;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, HOST, ORIGIN};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use tokio::sync::broadcast;

pub const WAIT: Duration = Duration::from_secs(10);

const PHONE_CONFIG: &str = r#"
[sip]
listen = "127.0.0.1"
port = 0

[audio]
backend = "null"
"#;

pub struct Harness {
    pub bridge: Bridge,
    pub phone: Phone,
    pub token: String,
    pub port: u16,
    pub client: reqwest::Client,
    /// The same database the bridge uses (tests record history into it).
    pub store: Store,
    _dir: tempfile::TempDir,
}

impl Harness {
    pub async fn start() -> Result<Harness> {
        Self::with(BridgeConfig {
            port: 0,
            ..BridgeConfig::default()
        })
        .await
    }

    pub async fn with(config: BridgeConfig) -> Result<Harness> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("dialtone.db"))?;
        let token = ensure_token(&store)?;
        let phone_config = Config::parse(PHONE_CONFIG, None)?;
        let (phone, _events) = Phone::start(&phone_config).await?;
        let bridge = start(phone.clone(), store.clone(), config).await?;
        let port = bridge.port();
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(WAIT)
            .build()?;
        Ok(Harness {
            bridge,
            phone,
            token,
            port,
            client,
            store,
            _dir: dir,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The bridge's own origin (the embed page's).
    pub fn own_origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A request without any credentials.
    pub fn bare(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// A request as a tool holding the token would send it (no Origin).
    pub fn authed(&self, method: Method, path: &str) -> RequestBuilder {
        self.bare(method, path)
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
    }

    /// A request as a web page at `origin` holding the token would send it.
    pub fn page(&self, origin: &str, method: Method, path: &str) -> RequestBuilder {
        self.authed(method, path).header(ORIGIN, origin)
    }

    pub fn with_host(&self, builder: RequestBuilder, host: &str) -> RequestBuilder {
        builder.header(HOST, host)
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Result<Response> {
        Ok(self
            .authed(Method::POST, path)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await?)
    }

    /// Approves `origin` as a tool would (no Origin header).
    pub async fn approve(&self, origin: &str, silent_dial: bool) -> Result<()> {
        let r = self
            .post_json(
                "/v1/pairings/approve",
                serde_json::json!({"origin": origin, "silentDial": silent_dial}),
            )
            .await?;
        anyhow::ensure!(r.status() == 200, "approve answered {}", r.status());
        Ok(())
    }

    pub async fn shutdown(self) {
        self.bridge.shutdown().await;
        self.phone.shutdown(Duration::from_secs(2)).await;
    }
}

/// Status, headers and JSON body (Null when empty or not JSON).
pub async fn parts(response: Response) -> Result<(u16, HeaderMap, Value)> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.context("reading the body")?;
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Ok((status, headers, body))
}

/// The `error.code` of an error body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

/// True when the response carries any `Access-Control-*` header.
pub fn has_cors(headers: &HeaderMap) -> bool {
    headers
        .keys()
        .any(|k| k.as_str().starts_with("access-control-"))
}

pub fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
}

/// Waits (bounded) for the first event that `pick` accepts.
pub async fn wait_for<T>(
    events: &mut broadcast::Receiver<Envelope>,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> Result<T> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let envelope = tokio::time::timeout_at(deadline, events.recv())
            .await
            .context("the event did not come in time")??;
        if let Some(found) = pick(&envelope.event) {
            return Ok(found);
        }
    }
}

/// A UDP port on 127.0.0.1 that nothing listens on (bound, then released).
pub fn closed_udp_port() -> Result<u16> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    Ok(socket.local_addr()?.port())
}
