//! A deliberately plain HTTP/1.1 client for the bridge tests: every header is sent exactly as
//! given (a hostile `Host` or `Origin` included), one request per connection.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(40);
/// Largest response the client reads.
const MAX_RESPONSE: usize = 8 << 20;

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names lowercased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Result<Value> {
        serde_json::from_slice(&self.body)
            .with_context(|| format!("HTTP {} body is not JSON: {}", self.status, self.text()))
    }

    /// The `error.code` of an error body.
    pub fn error_code(&self) -> String {
        self.json()
            .ok()
            .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// Sends one request to 127.0.0.1:`port`. `headers` are sent as given, in order; a
/// `Content-Length` and `Connection: close` are added. Nothing else is (not even `Host`).
pub fn send(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Response> {
    send_on_connection(port, method, path, headers, body, true)
}

/// As [`send`] without `Connection: close` (the connection still ends when the response has
/// been read). For tauri-driver, which forwards the request's headers to WebKitWebDriver as
/// they are: with `Connection: close` among them, its pooled upstream connections failed
/// under load ("client error (SendRequest)", an empty answer to us) in 2 to 3 of 5 runs.
pub fn send_without_close(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Response> {
    send_on_connection(port, method, path, headers, body, false)
}

fn send_on_connection(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
    close: bool,
) -> Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .with_context(|| format!("connecting to 127.0.0.1:{port}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if let Some(b) = body {
        // A server may answer (413) and close before reading a big body: that is fine.
        let _ = stream.write_all(b);
    }
    read_response(stream)
}

/// A request as a well-behaved local tool sends it: the right Host and the token.
pub fn call(
    port: u16,
    token: &str,
    method: &str,
    path: &str,
    json: Option<&Value>,
) -> Result<Response> {
    let host = format!("127.0.0.1:{port}");
    let auth = format!("Bearer {token}");
    let body = json.map(serde_json::to_vec).transpose()?;
    let mut headers = vec![("Host", host.as_str()), ("Authorization", auth.as_str())];
    if body.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    send(port, method, path, &headers, body.as_deref())
}

fn read_response(stream: TcpStream) -> Result<Response> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line {line:?}"))?;
    let mut headers = HashMap::new();
    for _ in 0..200 {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        read_chunked(&mut reader)?
    } else if let Some(len) = headers
        .get("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len > MAX_RESPONSE {
            bail!("response of {len} bytes is too big");
        }
        let mut b = vec![0; len];
        reader.read_exact(&mut b)?;
        b
    } else {
        let mut b = Vec::new();
        reader.take(MAX_RESPONSE as u64).read_to_end(&mut b)?;
        b
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn read_chunked(reader: &mut impl BufRead) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    for _ in 0..100_000 {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
            .context("bad chunk size")?;
        if size == 0 {
            return Ok(body);
        }
        if body.len() + size > MAX_RESPONSE {
            bail!("chunked response too big");
        }
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        body.extend_from_slice(&chunk[..size]);
    }
    bail!("too many chunks")
}
