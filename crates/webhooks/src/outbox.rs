//! The durable outbox the dispatcher reads and writes. The store lives elsewhere; this trait is
//! what the dispatcher needs of it.

use chrono::{DateTime, Utc};

/// One row of the outbox: a body to post to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The outbox id, sent as `X-Dialtone-Delivery` (stable across retries and restarts).
    pub id: i64,
    /// The endpoint's configured name.
    pub endpoint: String,
    /// The webhook event name (`call.started`), sent as `X-Dialtone-Event`.
    pub event: String,
    /// When the event happened (the envelope's timestamp).
    pub timestamp: DateTime<Utc>,
    /// The JSON body, built once at enqueue time and sent byte for byte on every attempt.
    pub body: String,
    /// Attempts made so far.
    pub attempts: u32,
}

/// What happens to a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextStep {
    /// The endpoint accepted it (2xx); never sent again.
    Delivered,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// Never sent again (a 4xx, too many attempts, or the endpoint is gone).
    GiveUp,
}

/// Errors of an outbox store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// No delivery has this id.
    #[error("no webhook delivery with id {0}")]
    NotFound(i64),
    /// The store itself failed (database, disk); the source says how.
    #[error("webhook outbox store: {0}")]
    Store(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// A durable queue of deliveries. Calls are synchronous (a local database); the dispatcher runs
/// them on tokio's blocking pool.
///
/// Contract:
/// - `enqueue` stores a pending delivery with 0 attempts, due at once, and returns its id.
/// - `due` returns up to `limit` pending deliveries whose due time is `<= now`, oldest due first.
/// - `next_due_at` is the earliest due time of any pending delivery (even one in the past).
/// - `record_attempt` adds one to `attempts`, records the attempt and applies `next`:
///   `Delivered` and `GiveUp` end the delivery, `RetryAt` makes it due again at that time.
pub trait Outbox: Send + Sync + 'static {
    fn enqueue(
        &self,
        endpoint: &str,
        event: &str,
        timestamp: DateTime<Utc>,
        body: &str,
    ) -> Result<i64, OutboxError>;
    fn due(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Delivery>, OutboxError>;
    fn next_due_at(&self) -> Result<Option<DateTime<Utc>>, OutboxError>;
    fn record_attempt(
        &self,
        id: i64,
        at: DateTime<Utc>,
        status: Option<u16>,
        error: Option<&str>,
        next: NextStep,
    ) -> Result<(), OutboxError>;
}
