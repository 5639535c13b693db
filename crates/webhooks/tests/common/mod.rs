//! A tiny HTTP receiver on 127.0.0.1 for the webhook tests: it checks each request's signature,
//! answers from a script, and reports every request on a channel.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, Utc};
use dialtone_api::{CallEnded, CallRinging, EndCause, Envelope, Event};
use dialtone_webhooks::{verify, WebhookEndpoint, WebhookEvent};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How long a test waits for anything.
pub const WAIT: Duration = Duration::from_secs(10);

/// One answer of the receiver.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.into();
        self
    }
}

/// A request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Lower-case names.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The signature matched the secret, the timestamp and the raw body.
    pub signature_ok: bool,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map_or("", String::as_str)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }
}

/// A running receiver; dropped with the test.
pub struct Receiver {
    pub url: String,
    pub requests: mpsc::UnboundedReceiver<Received>,
    task: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Starts on a free port. Answers `script` in order, then repeats its last reply.
    pub async fn start(secret: &str, script: Vec<Reply>) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        Self::on(listener, secret, script)
    }

    /// Starts on a given listener.
    pub fn on(listener: TcpListener, secret: &str, script: Vec<Reply>) -> Result<Self> {
        let url = format!("http://{}/hook", listener.local_addr()?);
        let (tx, requests) = mpsc::unbounded_channel();
        let secret = secret.to_owned();
        let script = Arc::new(Mutex::new((script, 0_usize)));
        let task = tokio::spawn(async move {
            // Ends when the test drops the receiver (abort) or the listener fails.
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                let secret = secret.clone();
                let script = Arc::clone(&script);
                tokio::spawn(async move {
                    if let Err(e) = serve(stream, &secret, &script, &tx).await {
                        eprintln!("test receiver: {e:#}");
                    }
                });
            }
        });
        Ok(Self {
            url,
            requests,
            task,
        })
    }

    /// The next request, within [`WAIT`].
    pub async fn next(&mut self) -> Result<Received> {
        tokio::time::timeout(WAIT, self.requests.recv())
            .await
            .context("no request within the wait")?
            .ok_or_else(|| anyhow!("receiver stopped"))
    }
}

async fn serve(
    mut stream: TcpStream,
    secret: &str,
    script: &Mutex<(Vec<Reply>, usize)>,
    tx: &mpsc::UnboundedSender<Received>,
) -> Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 4096];
    // Headers: bounded in size.
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            bail!("headers too long");
        }
        let n = tokio::time::timeout(WAIT, stream.read(&mut chunk)).await??;
        if n == 0 {
            bail!("connection closed before the headers ended");
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let path = request_line.next().unwrap_or_default().to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .map_or(Ok(0), |v| v.parse())
        .context("content-length")?;
    if length > 1024 * 1024 {
        bail!("body too long");
    }
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = tokio::time::timeout(WAIT, stream.read(&mut chunk)).await??;
        if n == 0 {
            bail!("connection closed inside the body");
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);

    let timestamp = headers
        .get("x-dialtone-timestamp")
        .cloned()
        .unwrap_or_default();
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (Utc::now().timestamp() - t).abs() <= 300);
    let signature = headers
        .get("x-dialtone-signature")
        .cloned()
        .unwrap_or_default();
    let signature_ok = fresh && verify(secret.as_bytes(), &timestamp, &body, &signature);

    let reply = {
        let mut guard = script.lock().map_err(|_| anyhow!("script lock poisoned"))?;
        let (replies, next) = &mut *guard;
        let reply = replies
            .get(*next)
            .or(replies.last())
            .cloned()
            .unwrap_or_else(|| Reply::status(200));
        *next += 1;
        reply
    };
    // Report before answering, so the test sees the request before the dispatcher records it.
    let _ = tx.send(Received {
        method,
        path,
        headers,
        body,
        signature_ok,
        at: Instant::now(),
    });
    let mut response = format!(
        "HTTP/1.1 {} Whatever\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&reply.body);
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await?;
    Ok(())
}

pub fn endpoint(
    name: &str,
    url: &str,
    secret: &str,
    events: Vec<WebhookEvent>,
) -> Result<WebhookEndpoint> {
    Ok(WebhookEndpoint::new(
        name,
        url,
        events,
        secret,
        Duration::from_secs(5),
    )?)
}

/// A port on 127.0.0.1 with nothing listening (bound, then released).
pub async fn closed_port() -> Result<std::net::SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?)
}

pub fn at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

pub fn ringing(call_id: &str) -> Envelope {
    Envelope::new(
        Event::CallRinging(CallRinging {
            call_id: call_id.into(),
            early_media: false,
        }),
        at(),
    )
}

pub fn ended(call_id: &str, cause: EndCause) -> Envelope {
    Envelope::new(
        Event::CallEnded(CallEnded {
            call_id: call_id.into(),
            cause,
            sip_status: None,
            reason: None,
            duration_ms: 1000,
            talk_ms: 0,
        }),
        at(),
    )
}
