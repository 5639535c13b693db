//! A rig with the localhost bridge on: Kamailio, Dialtone (1001) with `[bridge]` on a free
//! port, its token (from `dialtone token`), and helpers to call the bridge and read its
//! WebSocket.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;
use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use crate::http::{self, Response};
use crate::kamailio::free_port;
use crate::rig::{Rig, RigOptions};

pub struct BridgeRig {
    pub rig: Rig,
    pub port: u16,
    pub token: String,
}

impl BridgeRig {
    /// `extra` is added to the `[bridge]` table (e.g. `rate_limit_per_minute = 3`); `tables`
    /// are further tables (`[dialing]` ...).
    pub fn start(extra: &str, tables: &str) -> Result<BridgeRig> {
        let port = free_port()?;
        let rig = Rig::start(RigOptions {
            extra_tables: format!("[bridge]\nport = {port}\n{extra}\n{tables}\n"),
            ..RigOptions::default()
        })?;
        let token = dialtone(&rig, &["token"])?.trim().to_owned();
        ensure!(token.len() >= 32, "token {token:?}");
        Ok(BridgeRig { rig, port, token })
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A request as a local tool sends it (right Host, the token, no Origin).
    pub fn call(&self, method: &str, path: &str, json: Option<&Value>) -> Result<Response> {
        http::call(self.port, &self.token, method, path, json)
    }

    /// `dialtone <args> --config <the phone's config>`.
    pub fn cli(&self, args: &[&str]) -> Result<String> {
        dialtone(&self.rig, args)
    }

    /// `POST /v1/calls {to}` from the web page `origin`, in a thread (it waits while the
    /// dial is confirmed).
    pub fn page_dial(
        &self,
        origin: &'static str,
        to: &str,
    ) -> std::thread::JoinHandle<Result<Response>> {
        let (port, host, auth) = (self.port, self.host(), format!("Bearer {}", self.token));
        let body = serde_json::json!({ "to": to }).to_string();
        std::thread::spawn(move || {
            http::send(
                port,
                "POST",
                "/v1/calls",
                &[
                    ("Host", &host),
                    ("Authorization", &auth),
                    ("Origin", origin),
                    ("Content-Type", "application/json"),
                ],
                Some(body.as_bytes()),
            )
        })
    }

    /// Opens `/v1/events` with the token as a subprotocol (as a browser must).
    pub fn events(&self) -> Result<Events> {
        let mut request =
            format!("ws://127.0.0.1:{}/v1/events", self.port).into_client_request()?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            format!("dialtone.v1, dialtone.bearer.{}", self.token).parse()?,
        );
        let (socket, response) = tungstenite::connect(request).context("WebSocket /v1/events")?;
        ensure!(response.status().as_u16() == 101, "{:?}", response.status());
        if let MaybeTlsStream::Plain(s) = socket.get_ref() {
            s.set_read_timeout(Some(Duration::from_millis(500)))?;
        }
        Ok(Events { socket })
    }
}

/// `dialtone <args> --config <the rig phone's config>`, which must succeed.
pub fn dialtone(rig: &Rig, args: &[&str]) -> Result<String> {
    rig.phone.tool(args)
}

pub struct Events {
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
}

impl Events {
    /// The next JSON message, within `within`.
    pub fn next(&mut self, within: Duration) -> Result<Value> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            match self.socket.read() {
                Ok(Message::Text(t)) => return Ok(serde_json::from_str(t.as_str())?),
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    continue
                }
                Err(e) => bail!("WebSocket: {e}"),
            }
        }
        bail!("no event within {within:?}")
    }

    /// Reads until an event named `name` (about `call_id`, if given); returns it and the names
    /// of every event read on the way, in order.
    pub fn until(
        &mut self,
        name: &str,
        call_id: Option<&str>,
        within: Duration,
    ) -> Result<(Value, Vec<String>)> {
        let deadline = Instant::now() + within;
        let mut names = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .next(left)
                .with_context(|| format!("waiting for {name}; saw {names:?}"))?;
            let n = v["event"].as_str().unwrap_or_default().to_owned();
            let matches =
                n == name && call_id.is_none_or(|id| v["data"]["callId"].as_str() == Some(id));
            names.push(n);
            if matches {
                return Ok((v, names));
            }
        }
    }
}
