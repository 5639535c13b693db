//! Webhooks: the store's durable outbox behind `dialtone-webhooks`' [`Outbox`] trait, and the
//! dispatcher started from the `[[webhooks]]` config.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use dialtone_engine::config::WebhookConfig;
use dialtone_engine::secrets;
use dialtone_store::Store;
use dialtone_webhooks::{
    Delivery, Dispatcher, NextStep, Outbox, OutboxError, RetryPolicy, WebhookEndpoint, WebhookEvent,
};

use crate::error::ServiceError;

/// The store's outbox tables as the dispatcher's [`Outbox`].
pub(crate) struct StoreOutbox(pub Store);

fn store_error(e: dialtone_store::StoreError) -> OutboxError {
    match e {
        dialtone_store::StoreError::UnknownDelivery { id } => OutboxError::NotFound(id),
        other => OutboxError::Store(Box::new(other)),
    }
}

impl Outbox for StoreOutbox {
    fn enqueue(
        &self,
        endpoint: &str,
        event: &str,
        timestamp: DateTime<Utc>,
        body: &str,
    ) -> Result<i64, OutboxError> {
        self.0
            .enqueue_delivery(endpoint, event, timestamp, body)
            .map_err(store_error)
    }

    fn due(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Delivery>, OutboxError> {
        let rows = self.0.due_deliveries(now, limit).map_err(store_error)?;
        Ok(rows
            .into_iter()
            .map(|d| Delivery {
                id: d.id,
                endpoint: d.endpoint,
                event: d.event,
                timestamp: d.timestamp,
                body: d.body,
                attempts: d.attempts,
            })
            .collect())
    }

    fn next_due_at(&self) -> Result<Option<DateTime<Utc>>, OutboxError> {
        self.0.next_due_at().map_err(store_error)
    }

    fn record_attempt(
        &self,
        id: i64,
        at: DateTime<Utc>,
        status: Option<u16>,
        error: Option<&str>,
        next: NextStep,
    ) -> Result<(), OutboxError> {
        let next = match next {
            NextStep::Delivered => dialtone_store::NextStep::Delivered,
            NextStep::RetryAt(t) => dialtone_store::NextStep::RetryAt(t),
            _ => dialtone_store::NextStep::GiveUp,
        };
        self.0
            .record_attempt(id, at, status, error, next)
            .map_err(store_error)
    }
}

/// The endpoints of the config, with their secrets (env or keyring).
pub fn endpoints(configs: &[WebhookConfig]) -> Result<Vec<WebhookEndpoint>, ServiceError> {
    configs.iter().map(endpoint).collect()
}

/// One `[[webhooks]]` entry as an endpoint, with its secret.
pub fn endpoint(config: &WebhookConfig) -> Result<WebhookEndpoint, ServiceError> {
    let secret = secrets::webhook_secret(config).map_err(|source| ServiceError::WebhookSecret {
        name: config.name.clone(),
        source,
    })?;
    let events = config
        .events
        .iter()
        .map(|e| e.parse::<WebhookEvent>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| ServiceError::Webhook {
            name: config.name.clone(),
            source,
        })?;
    WebhookEndpoint::new(
        config.name.clone(),
        &config.url,
        events,
        secret,
        Duration::from_secs(config.timeout),
    )
    .map(|e| e.with_max_attempts(config.max_attempts))
    .map_err(|source| ServiceError::Webhook {
        name: config.name.clone(),
        source,
    })
}

/// The dispatcher for the `[[webhooks]]` config, over the store's outbox. The service's
/// journal queues into it; [`Dispatcher::run`] sends, including what an earlier run left pending.
pub(crate) fn dispatcher(
    store: &Store,
    configs: &[WebhookConfig],
) -> Result<Dispatcher, ServiceError> {
    let endpoints = endpoints(configs)?;
    // Each endpoint carries its own max_attempts; the policy gives the backoff.
    let policy = RetryPolicy::default();
    let outbox: Arc<dyn Outbox> = Arc::new(StoreOutbox(store.clone()));
    Dispatcher::new(outbox, endpoints, policy).map_err(|source| ServiceError::Webhook {
        name: "*".into(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use dialtone_engine::config::WEBHOOK_EVENTS;
    use dialtone_webhooks::WebhookEvent;

    /// The config checks event names against its own list (the engine does not depend on the
    /// delivery crate); it must name exactly the events the dispatcher sends.
    #[test]
    fn the_config_knows_exactly_the_dispatchers_events() {
        let sent: Vec<&str> = WebhookEvent::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(sent, WEBHOOK_EVENTS);
    }
}
