//! A tiny webhook receiver on 127.0.0.1: records every POST (headers and body) and answers
//! from a script (`[500, 200]`: the first request gets 500, later ones 200).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Largest body the receiver reads.
const MAX_BODY: usize = 1 << 20;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// Header names lowercased.
    pub headers: HashMap<String, String>,
    pub body: String,
    /// The status the receiver answered.
    pub answered: u16,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn json(&self) -> Result<serde_json::Value> {
        serde_json::from_str(&self.body).context("webhook body is not JSON")
    }

    /// Whether `X-Dialtone-Signature` is `sha256=` + hex HMAC-SHA256(secret,
    /// "<X-Dialtone-Timestamp>.<body>"), computed here independently of Dialtone's code.
    pub fn signature_valid(&self, secret: &str) -> bool {
        let (Some(ts), Some(sig)) = (
            self.header("x-dialtone-timestamp"),
            self.header("x-dialtone-signature"),
        ) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(ts.as_bytes());
        mac.update(b".");
        mac.update(self.body.as_bytes());
        let want = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        want == sig
    }
}

pub struct WebhookReceiver {
    port: u16,
    received: mpsc::Receiver<Received>,
    stop: Arc<AtomicBool>,
    pub seen: Vec<Received>,
}

impl WebhookReceiver {
    /// Listens on 127.0.0.1 (a free port); the n-th request is answered with `script[n]`,
    /// or 200 once the script is used up.
    pub fn start(script: Vec<u16>) -> Result<WebhookReceiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let (tx, received) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        std::thread::spawn(move || {
            let mut n = 0usize;
            for stream in listener.incoming() {
                if stopping.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let status = script.get(n).copied().unwrap_or(200);
                n += 1;
                match serve(stream, status) {
                    Ok(r) => {
                        if tx.send(r).is_err() {
                            return;
                        }
                    }
                    Err(e) => eprintln!("webhook receiver: {e:#}"),
                }
            }
        });
        Ok(WebhookReceiver {
            port,
            received,
            stop,
            seen: Vec::new(),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits until a request satisfying `want` has arrived (checking those seen before too).
    pub fn wait_for(
        &mut self,
        within: Duration,
        what: &str,
        want: impl Fn(&Received) -> bool,
    ) -> Result<Received> {
        if let Some(r) = self.seen.iter().find(|r| want(r)) {
            return Ok(r.clone());
        }
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                bail!(
                    "no webhook {what} within {within:?}; received: {:?}",
                    self.seen
                        .iter()
                        .map(|r| (
                            r.header("x-dialtone-event").unwrap_or("?").to_owned(),
                            r.answered
                        ))
                        .collect::<Vec<_>>()
                );
            }
            match self.received.recv_timeout(left) {
                Ok(r) => {
                    self.seen.push(r.clone());
                    if want(&r) {
                        return Ok(r);
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => bail!("webhook receiver stopped"),
            }
        }
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so the thread ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(stream: TcpStream, status: u16) -> Result<Received> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
    let mut headers = HashMap::new();
    for _ in 0..100 {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let reason = if status == 200 { "OK" } else { "Error" };
    let mut out = stream;
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    out.flush()?;
    Ok(Received {
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        answered: status,
        at: Instant::now(),
    })
}
