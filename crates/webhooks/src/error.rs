use std::time::Duration;

use crate::outbox::OutboxError;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The text is not one of the webhook event names.
    #[error("unknown webhook event {name:?}; valid events are: {valid}")]
    UnknownEvent { name: String, valid: String },
    /// The endpoint's URL does not parse.
    #[error("webhook endpoint {endpoint:?}: invalid URL: {source}")]
    InvalidUrl {
        endpoint: String,
        #[source]
        source: url::ParseError,
    },
    /// The endpoint's URL is not http or https.
    #[error("webhook endpoint {endpoint:?}: URL scheme {scheme:?} is not http or https")]
    UnsupportedScheme { endpoint: String, scheme: String },
    /// The endpoint's URL has no host.
    #[error("webhook endpoint {endpoint:?}: URL has no host")]
    MissingHost { endpoint: String },
    /// The endpoint has an empty name.
    #[error("a webhook endpoint has an empty name")]
    EmptyName,
    /// Two endpoints share a name (names key the outbox rows).
    #[error("two webhook endpoints are named {0:?}")]
    DuplicateEndpoint(String),
    /// The endpoint's timeout is zero.
    #[error("webhook endpoint {endpoint:?}: timeout must be above zero (got {timeout:?})")]
    ZeroTimeout { endpoint: String, timeout: Duration },
    /// A delivery body could not be built.
    #[error("could not serialise a webhook body: {0}")]
    Json(#[from] serde_json::Error),
    /// The durable outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The HTTP client could not be built, or a request failed without a response.
    #[error("webhook HTTP: {0}")]
    Http(#[from] reqwest::Error),
    /// A blocking outbox call panicked or was cancelled.
    #[error("webhook outbox task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}
