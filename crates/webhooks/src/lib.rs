//! Webhooks from Dialtone to CRM back ends: which events, signed how, retried when, stored where.
//!
//! [`Dispatcher::enqueue`] turns an [`Envelope`](dialtone_api::Envelope) into deliveries in a
//! durable [`Outbox`]; [`Dispatcher::run`] posts them, signed (see [`sign`] for the headers and
//! how receivers check them), and retries per [`RetryPolicy`].
//!
//! A receiver checks a delivery like this (and also rejects an `X-Dialtone-Timestamp` more than
//! a few minutes from its own clock, and may skip an `X-Dialtone-Delivery` id it has seen):
//!
//! ```
//! use dialtone_webhooks::{sign, verify};
//!
//! let body = br#"{"event":"call.ringing","timestamp":"2026-11-21T10:00:00Z","data":{}}"#;
//! let timestamp = "1700000000"; // the X-Dialtone-Timestamp header
//! let header = sign(b"shared secret", timestamp, body); // what Dialtone sends
//! assert!(header.starts_with("sha256="));
//! assert!(verify(b"shared secret", timestamp, body, &header));
//! assert!(!verify(b"wrong secret", timestamp, body, &header));
//! ```

mod dispatcher;
mod endpoint;
mod error;
mod event;
mod http;
mod memory;
mod outbox;
mod retry;
mod sign;
mod test_delivery;

pub use dispatcher::{Dispatcher, BATCH, CONCURRENCY};
pub use endpoint::{WebhookEndpoint, DEFAULT_TIMEOUT};
pub use error::WebhookError;
pub use event::{delivery_body, webhook_events, WebhookEvent};
pub use http::USER_AGENT;
pub use memory::{MemoryAttempt, MemoryOutbox, MemoryRow, MemoryState};
pub use outbox::{Delivery, NextStep, Outbox, OutboxError};
pub use retry::{backoff, classify, RetryPolicy, Verdict, JITTER};
pub use sign::{sign, verify, HEADER_DELIVERY, HEADER_EVENT, HEADER_SIGNATURE, HEADER_TIMESTAMP};
pub use test_delivery::{test_delivery, DeliveryReport, TEST_DELIVERY_ID, TEST_EVENT};
