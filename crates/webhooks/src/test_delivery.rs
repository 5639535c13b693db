//! A one-off signed test POST, for "test this webhook" buttons and `dialtone webhooks test`.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::endpoint::WebhookEndpoint;
use crate::error::WebhookError;
use crate::event::delivery_body;
use crate::http::{client, post};

/// The event name of a test delivery.
pub const TEST_EVENT: &str = "webhook.test";

/// The `X-Dialtone-Delivery` of a test delivery (it has no outbox row).
pub const TEST_DELIVERY_ID: &str = "test";

/// What a test delivery got back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    /// The HTTP status, whatever it was (a 4xx is a report, not an error).
    pub status: u16,
    /// From sending to the end of the answer.
    pub elapsed: Duration,
}

/// Sends `{"event":"webhook.test","timestamp":...,"data":{"endpoint":name}}` once, signed like
/// any delivery, without retrying and without the outbox. `Err` when no answer came (refused,
/// timeout, TLS) or the endpoint is invalid.
pub async fn test_delivery(endpoint: &WebhookEndpoint) -> Result<DeliveryReport, WebhookError> {
    endpoint.validate()?;
    let body = delivery_body(
        TEST_EVENT,
        &chrono::Utc::now(),
        &json!({ "endpoint": endpoint.name }),
    )?;
    let client = client()?;
    let started = Instant::now();
    let answer = post(&client, endpoint, TEST_EVENT, TEST_DELIVERY_ID, body).await?;
    Ok(DeliveryReport {
        status: answer.status,
        elapsed: started.elapsed(),
    })
}
