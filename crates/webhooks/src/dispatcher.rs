//! Turns events into outbox rows, and outbox rows into signed POSTs with retries.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use dialtone_api::Envelope;
use futures_util::stream::{self, StreamExt};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use crate::endpoint::WebhookEndpoint;
use crate::error::WebhookError;
use crate::event::{delivery_body, webhook_events};
use crate::http::{client, describe, post};
use crate::outbox::{Delivery, NextStep, Outbox, OutboxError};
use crate::retry::{classify, RetryPolicy, Verdict};

/// Deliveries taken from the outbox per round.
pub const BATCH: u32 = 32;
/// Deliveries in flight at once.
pub const CONCURRENCY: usize = 4;
/// The longest sleep between rounds when nothing is due (rows written by another process are
/// picked up at least this often).
const IDLE_WAIT: Duration = Duration::from_secs(60);
/// The shortest sleep after a round that sent nothing, so an outbox that keeps saying
/// "due now" without handing anything out cannot spin the loop.
const MIN_IDLE_WAIT: Duration = Duration::from_millis(50);
/// The longest sleep after an outbox failure before trying the outbox again (the policy's base
/// delay, within [`MIN_IDLE_WAIT`, this]).
const OUTBOX_RETRY_WAIT: Duration = Duration::from_secs(5);

/// Sends webhooks: [`Dispatcher::enqueue`] stores a delivery per matching endpoint and event,
/// [`Dispatcher::run`] posts them with retries. Cheap to clone (clones share everything); run
/// one `run` loop at a time per outbox.
///
/// Delivery is at least once: a crash or a shutdown between a POST and its record sends the
/// same body again with the same `X-Dialtone-Delivery` id, which receivers can deduplicate on.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    outbox: Arc<dyn Outbox>,
    /// In config order (enqueue order follows it).
    endpoints: Vec<WebhookEndpoint>,
    by_name: HashMap<String, usize>,
    policy: RetryPolicy,
    client: reqwest::Client,
    wake: Notify,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("endpoints", &self.inner.endpoints)
            .field("policy", &self.inner.policy)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    /// Checks the endpoints (valid, uniquely named) and builds the HTTP client. A policy with
    /// `max_attempts` 0 is taken as 1.
    pub fn new(
        outbox: Arc<dyn Outbox>,
        endpoints: Vec<WebhookEndpoint>,
        policy: RetryPolicy,
    ) -> Result<Self, WebhookError> {
        let mut by_name = HashMap::new();
        for (i, endpoint) in endpoints.iter().enumerate() {
            endpoint.validate()?;
            if by_name.insert(endpoint.name.clone(), i).is_some() {
                return Err(WebhookError::DuplicateEndpoint(endpoint.name.clone()));
            }
        }
        let policy = RetryPolicy {
            max_attempts: policy.max_attempts.max(1),
            ..policy
        };
        Ok(Self {
            inner: Arc::new(Inner {
                outbox,
                endpoints,
                by_name,
                policy,
                client: client()?,
                wake: Notify::new(),
            }),
        })
    }

    /// The configured endpoints, in config order.
    pub fn endpoints(&self) -> &[WebhookEndpoint] {
        &self.inner.endpoints
    }

    /// Stores one delivery per webhook event of `env` and per endpoint that wants it, with its
    /// body built now (a restart re-sends the same bytes), and wakes the run loop. Returns how
    /// many were stored. Synchronous: one outbox write per delivery.
    pub fn enqueue(&self, env: &Envelope) -> Result<usize, WebhookError> {
        let mut stored = 0;
        let result = self.enqueue_each(env, &mut stored);
        if stored > 0 {
            self.inner.wake.notify_one();
        }
        result.map(|()| stored)
    }

    fn enqueue_each(&self, env: &Envelope, stored: &mut usize) -> Result<(), WebhookError> {
        for (event, data) in webhook_events(env) {
            let mut body = None;
            for endpoint in self.inner.endpoints.iter().filter(|e| e.wants(event)) {
                let body = match &body {
                    Some(body) => body,
                    None => body.insert(delivery_body(event.name(), &env.timestamp, &data)?),
                };
                let id =
                    self.inner
                        .outbox
                        .enqueue(&endpoint.name, event.name(), env.timestamp, body)?;
                debug!(delivery = id, endpoint = %endpoint.name, event = %event, "webhook queued");
                *stored += 1;
            }
        }
        Ok(())
    }

    /// Sends due deliveries until `shutdown` is cancelled: up to [`BATCH`] per round,
    /// [`CONCURRENCY`] at a time, then sleeps until the next one is due, an enqueue wakes it, or
    /// shutdown. Outbox failures are logged and retried after a pause. On shutdown, attempts
    /// in flight are dropped unrecorded (and so sent again on the next run).
    pub async fn run(self, shutdown: CancellationToken) {
        info!(
            endpoints = self.inner.endpoints.len(),
            "webhook dispatcher running"
        );
        loop {
            let wait = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                wait = self.round() => wait,
            };
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
        info!("webhook dispatcher stopped");
    }

    /// One round: send what is due; returns how long to sleep before the next.
    async fn round(&self) -> Duration {
        let now = Utc::now();
        let due = match self.outbox(move |o| o.due(now, BATCH)).await {
            Ok(due) => due,
            Err(e) => {
                error!(error = %e, "webhook outbox: cannot read due deliveries; retrying in {:?}", self.outbox_retry_wait());
                return self.outbox_retry_wait();
            }
        };
        let sent = due.len();
        let failures = stream::iter(due)
            .map(|delivery| self.deliver(delivery))
            .buffer_unordered(CONCURRENCY)
            .filter(|result| std::future::ready(result.is_err()))
            .count()
            .await;
        if failures > 0 {
            return self.outbox_retry_wait();
        }
        if sent >= BATCH as usize {
            return Duration::ZERO;
        }
        match self.outbox(|o| o.next_due_at()).await {
            Ok(None) => IDLE_WAIT,
            Ok(Some(at)) => {
                let wait = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
                let floor = if sent == 0 {
                    MIN_IDLE_WAIT
                } else {
                    Duration::ZERO
                };
                wait.clamp(floor, IDLE_WAIT)
            }
            Err(e) => {
                error!(error = %e, "webhook outbox: cannot read the next due time; retrying in {:?}", self.outbox_retry_wait());
                self.outbox_retry_wait()
            }
        }
    }

    fn outbox_retry_wait(&self) -> Duration {
        self.inner
            .policy
            .base
            .clamp(MIN_IDLE_WAIT, OUTBOX_RETRY_WAIT)
    }

    /// One attempt at one delivery, recorded. `Err` only when the record could not be written.
    async fn deliver(&self, delivery: Delivery) -> Result<(), WebhookError> {
        let id = delivery.id;
        let attempt = delivery.attempts.saturating_add(1);
        let at = Utc::now();
        let Some(endpoint) = self
            .inner
            .by_name
            .get(&delivery.endpoint)
            .and_then(|&i| self.inner.endpoints.get(i))
        else {
            error!(
                delivery = id,
                endpoint = %delivery.endpoint,
                event = %delivery.event,
                "webhook endpoint is no longer configured; giving the delivery up"
            );
            let error = format!("endpoint {:?} is no longer configured", delivery.endpoint);
            return self
                .record(id, at, None, Some(error), NextStep::GiveUp)
                .await;
        };
        let result = post(
            &self.inner.client,
            endpoint,
            &delivery.event,
            &id.to_string(),
            delivery.body,
        )
        .await;
        let (status, error, verdict) = match result {
            Ok(answer) => {
                let verdict = classify(Some(answer.status), answer.retry_after.as_deref());
                let error = (verdict != Verdict::Delivered).then(|| {
                    if answer.snippet.is_empty() {
                        format!("HTTP {}", answer.status)
                    } else {
                        format!("HTTP {}: {}", answer.status, answer.snippet)
                    }
                });
                (Some(answer.status), error, verdict)
            }
            Err(e) => (None, Some(describe(&e)), classify(None, None)),
        };
        let policy = RetryPolicy {
            max_attempts: endpoint
                .max_attempts
                .map_or(self.inner.policy.max_attempts, |m| m.max(1)),
            ..self.inner.policy
        };
        let next = policy.next_step(attempt, verdict, Utc::now());
        let name = &endpoint.name;
        let event = &delivery.event;
        let reason = error.as_deref().unwrap_or("");
        match next {
            NextStep::Delivered => {
                info!(delivery = id, endpoint = %name, event = %event, attempt, status, "webhook delivered");
            }
            NextStep::RetryAt(when) => {
                warn!(delivery = id, endpoint = %name, event = %event, attempt, status, retry_at = %when, "webhook failed: {reason}; will retry");
            }
            NextStep::GiveUp => {
                error!(delivery = id, endpoint = %name, event = %event, attempt, status, "webhook failed: {reason}; giving up");
            }
        }
        self.record(id, at, status, error, next).await
    }

    async fn record(
        &self,
        id: i64,
        at: chrono::DateTime<Utc>,
        status: Option<u16>,
        error: Option<String>,
        next: NextStep,
    ) -> Result<(), WebhookError> {
        let result = self
            .outbox(move |o| o.record_attempt(id, at, status, error.as_deref(), next))
            .await;
        if let Err(e) = &result {
            error!(delivery = id, error = %e, "webhook outbox: cannot record an attempt; the delivery will be sent again");
        }
        result
    }

    /// Runs an outbox call on the blocking pool (stores are databases on disk).
    async fn outbox<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn Outbox) -> Result<T, OutboxError> + Send + 'static,
    ) -> Result<T, WebhookError> {
        let outbox = Arc::clone(&self.inner.outbox);
        Ok(tokio::task::spawn_blocking(move || call(outbox.as_ref())).await??)
    }
}
