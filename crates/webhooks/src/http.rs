//! One signed POST to an endpoint: the client, the headers and what came back.

use std::error::Error as _;
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, RETRY_AFTER};

use crate::endpoint::WebhookEndpoint;
use crate::error::WebhookError;
use crate::sign::{sign, HEADER_DELIVERY, HEADER_EVENT, HEADER_SIGNATURE, HEADER_TIMESTAMP};

/// `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("Dialtone/", env!("CARGO_PKG_VERSION"));

/// How much of a response body is kept for the attempt's error text.
const BODY_SNIPPET: usize = 256;

/// The shared client: rustls, no redirects (a 3xx is an answer, and is given up), no proxies
/// from the environment (a CRM URL is reached directly).
pub(crate) fn client() -> Result<reqwest::Client, WebhookError> {
    Ok(reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(10))
        .pool_idle_timeout(Duration::from_secs(30))
        .build()?)
}

/// What one attempt got.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub retry_after: Option<String>,
    /// The start of the body, for the attempt record of a non-2xx answer.
    pub snippet: String,
}

/// POSTs `body` signed for now. `Err` is a failure without an HTTP answer (refused, reset,
/// timeout, TLS), described without the URL (which may carry a token).
pub(crate) async fn post(
    client: &reqwest::Client,
    endpoint: &WebhookEndpoint,
    event: &str,
    delivery: &str,
    body: String,
) -> Result<Answer, reqwest::Error> {
    let timestamp = unix_now().to_string();
    let signature = sign(endpoint.secret.as_bytes(), &timestamp, body.as_bytes());
    // The request timeout runs from connecting until the response body has been read.
    let mut response = client
        .post(endpoint.url.clone())
        .timeout(endpoint.timeout)
        .header(CONTENT_TYPE, "application/json")
        .header(HEADER_SIGNATURE, signature)
        .header(HEADER_TIMESTAMP, timestamp)
        .header(HEADER_EVENT, event)
        .header(HEADER_DELIVERY, delivery)
        .body(body)
        .send()
        .await
        .map_err(reqwest::Error::without_url)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut snippet = Vec::new();
    if !response.status().is_success() {
        // At most a few chunks: enough to explain a refusal, bounded whatever is sent. A body
        // that fails half-way still leaves the status, which is what counts.
        for _ in 0..4 {
            match response.chunk().await {
                Ok(Some(chunk)) if snippet.len() < BODY_SNIPPET => {
                    let room = BODY_SNIPPET - snippet.len();
                    snippet.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                _ => break,
            }
        }
    }
    Ok(Answer {
        status,
        retry_after,
        snippet: String::from_utf8_lossy(&snippet).trim().to_owned(),
    })
}

/// An error and its causes on one line: "error sending request: connection refused".
pub(crate) fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    // Bounded: error chains are short, but never trust a chain to end.
    for _ in 0..8 {
        let Some(cause) = source else { break };
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Seconds since the Unix epoch, now.
pub(crate) fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
