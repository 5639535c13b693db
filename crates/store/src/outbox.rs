//! The durable webhook outbox and its delivery log. The webhook worker enqueues a body per
//! endpoint and event, asks for what is due, records each attempt's outcome, and sleeps until
//! [`Store::next_due_at`]. Rows survive restarts, so nothing queued is lost to a crash.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use crate::convert::{from_ms, int, opt_from_ms, opt_int, to_ms};
use crate::error::sql;
use crate::{Store, StoreError};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeliveryState {
    /// Waiting for its first or next attempt.
    Pending,
    /// An endpoint accepted it.
    Delivered,
    /// The worker gave up on it.
    Failed,
}

impl DeliveryState {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "pending" => Ok(DeliveryState::Pending),
            "delivered" => Ok(DeliveryState::Delivered),
            "failed" => Ok(DeliveryState::Failed),
            _ => Err(StoreError::CorruptValue {
                what: "outbox.state",
                value: s.to_owned(),
            }),
        }
    }
}

/// One queued webhook call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub id: i64,
    /// The URL to POST to.
    pub endpoint: String,
    /// The event name (`call.ended`).
    pub event: String,
    /// The event's own time.
    pub timestamp: DateTime<Utc>,
    /// The exact body to send.
    pub body: String,
    /// Attempts made so far.
    pub attempts: u32,
    pub state: DeliveryState,
    /// When a pending delivery is next due.
    pub next_attempt_at: DateTime<Utc>,
}

/// What to do with a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NextStep {
    /// The endpoint accepted it: done.
    Delivered,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// Stop trying: it stays in the outbox as `failed`.
    GiveUp,
}

/// One attempt at one delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryLogEntry {
    pub id: i64,
    pub delivery_id: i64,
    pub endpoint: String,
    pub event: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    pub at: DateTime<Utc>,
    /// The HTTP status, when the endpoint answered.
    pub status: Option<u16>,
    /// What went wrong, when something did (timeout, refused, a non-2xx status).
    pub error: Option<String>,
}

const DELIVERY_COLUMNS: &str =
    "id, endpoint, event, timestamp, body, attempts, state, next_attempt_at";

type RawDelivery = (i64, String, String, i64, String, i64, String, i64);

fn raw_delivery(r: &Row<'_>) -> rusqlite::Result<RawDelivery> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn delivery(raw: RawDelivery) -> Result<Delivery, StoreError> {
    let (id, endpoint, event, timestamp, body, attempts, state, next) = raw;
    Ok(Delivery {
        id,
        endpoint,
        event,
        timestamp: from_ms("outbox.timestamp", timestamp)?,
        body,
        attempts: int("outbox.attempts", attempts)?,
        state: DeliveryState::parse(&state)?,
        next_attempt_at: from_ms("outbox.next_attempt_at", next)?,
    })
}

impl Store {
    /// Queues one webhook call, due now. Returns its id.
    pub fn enqueue_delivery(
        &self,
        endpoint: &str,
        event: &str,
        timestamp: DateTime<Utc>,
        body: &str,
    ) -> Result<i64, StoreError> {
        let now = to_ms(Utc::now());
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO outbox (endpoint, event, timestamp, body, attempts, next_attempt_at,
                                 state, created_at)
             VALUES (?1, ?2, ?3, ?4, 0, ?5, 'pending', ?5)",
        )
        .and_then(|mut s| s.execute(params![endpoint, event, to_ms(timestamp), body, now]))
        .map_err(sql("enqueue a webhook delivery"))?;
        Ok(conn.last_insert_rowid())
    }

    /// Pending deliveries due at `now`, oldest due first, at most `limit`.
    pub fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let conn = self.conn();
        let raws = conn
            .prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM outbox
                 WHERE state = 'pending' AND next_attempt_at <= ?1
                 ORDER BY next_attempt_at, id LIMIT ?2"
            ))
            .and_then(|mut s| {
                s.query_map(params![to_ms(now), limit], raw_delivery)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(sql("read due webhook deliveries"))?;
        raws.into_iter().map(delivery).collect()
    }

    /// When the earliest pending delivery is due (possibly in the past), or None when nothing
    /// is pending.
    pub fn next_due_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let ms: Option<i64> = self
            .conn()
            .prepare_cached("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(sql("read the next webhook due time"))?;
        opt_from_ms("outbox.next_attempt_at", ms)
    }

    /// Records one attempt at delivery `id`: counts it, appends it to the delivery log, and
    /// moves the delivery on as `next` says.
    pub fn record_attempt(
        &self,
        id: i64,
        at: DateTime<Utc>,
        status: Option<u16>,
        error: Option<&str>,
        next: NextStep,
    ) -> Result<(), StoreError> {
        let at = to_ms(at);
        self.write("record a webhook attempt", |tx| {
            let (endpoint, event, attempts, next_attempt_at): (String, String, i64, i64) = tx
                .prepare_cached(
                    "SELECT endpoint, event, attempts, next_attempt_at FROM outbox WHERE id = ?1",
                )
                .and_then(|mut s| {
                    s.query_row(params![id], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    })
                    .optional()
                })
                .map_err(sql("read a webhook delivery"))?
                .ok_or(StoreError::UnknownDelivery { id })?;
            let attempt = attempts.saturating_add(1);
            let (state, next_attempt_at) = match next {
                NextStep::Delivered => (DeliveryState::Delivered, next_attempt_at),
                NextStep::RetryAt(t) => (DeliveryState::Pending, to_ms(t)),
                NextStep::GiveUp => (DeliveryState::Failed, next_attempt_at),
            };
            tx.prepare_cached(
                "UPDATE outbox SET attempts = ?2, state = ?3, next_attempt_at = ?4,
                                   last_attempt_at = ?5
                 WHERE id = ?1",
            )
            .and_then(|mut s| s.execute(params![id, attempt, state.as_str(), next_attempt_at, at]))
            .map_err(sql("update a webhook delivery"))?;
            tx.prepare_cached(
                "INSERT INTO delivery_log (delivery_id, endpoint, event, attempt, at, status, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut s| s.execute(params![id, endpoint, event, attempt, at, status, error]))
            .map_err(sql("log a webhook attempt"))?;
            Ok(())
        })
    }

    /// The latest delivery attempts, newest first.
    pub fn delivery_log(&self, limit: u32) -> Result<Vec<DeliveryLogEntry>, StoreError> {
        type Raw = (
            i64,
            i64,
            String,
            String,
            i64,
            i64,
            Option<i64>,
            Option<String>,
        );
        let conn = self.conn();
        let raws: Vec<Raw> = conn
            .prepare_cached(
                "SELECT id, delivery_id, endpoint, event, attempt, at, status, error
                 FROM delivery_log ORDER BY at DESC, id DESC LIMIT ?1",
            )
            .and_then(|mut s| {
                s.query_map(params![limit], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(sql("read the webhook delivery log"))?;
        raws.into_iter()
            .map(
                |(id, delivery_id, endpoint, event, attempt, at, status, error)| {
                    Ok(DeliveryLogEntry {
                        id,
                        delivery_id,
                        endpoint,
                        event,
                        attempt: int("delivery_log.attempt", attempt)?,
                        at: from_ms("delivery_log.at", at)?,
                        status: opt_int("delivery_log.status", status)?,
                        error,
                    })
                },
            )
            .collect()
    }

    /// Deliveries for inspection, newest first: all of them, or those in `state`.
    pub fn deliveries(
        &self,
        state: Option<DeliveryState>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        let conn = self.conn();
        let raws = conn
            .prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM outbox
                 WHERE ?1 IS NULL OR state = ?1
                 ORDER BY id DESC LIMIT ?2"
            ))
            .and_then(|mut s| {
                s.query_map(
                    params![state.map(DeliveryState::as_str), limit],
                    raw_delivery,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(sql("read webhook deliveries"))?;
        raws.into_iter().map(delivery).collect()
    }
}
