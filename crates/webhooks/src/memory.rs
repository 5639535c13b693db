//! An outbox in memory, for tests and examples: nothing survives the process. Two dispatchers
//! over one `Arc<MemoryOutbox>` stand for a restart over the same store.

use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::outbox::{Delivery, NextStep, Outbox, OutboxError};

/// Where a delivery stands in a [`MemoryOutbox`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryState {
    Pending { due_at: DateTime<Utc> },
    Delivered,
    GaveUp,
}

/// One recorded attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryAttempt {
    pub at: DateTime<Utc>,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub next: NextStep,
}

/// A delivery with its state and attempt history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryRow {
    pub delivery: Delivery,
    pub state: MemoryState,
    pub history: Vec<MemoryAttempt>,
}

/// An [`Outbox`] in memory. Its change counter ([`MemoryOutbox::changes`]) moves on every write,
/// so tests can wait for a state without sleeping.
#[derive(Debug)]
pub struct MemoryOutbox {
    rows: Mutex<Vec<MemoryRow>>,
    changed: watch::Sender<u64>,
}

impl Default for MemoryOutbox {
    fn default() -> Self {
        Self {
            rows: Mutex::new(Vec::new()),
            changed: watch::Sender::new(0),
        }
    }
}

impl MemoryOutbox {
    pub fn new() -> Self {
        Self::default()
    }

    /// Every delivery so far, in id order.
    pub fn rows(&self) -> Vec<MemoryRow> {
        self.lock().clone()
    }

    /// The delivery with this id.
    pub fn row(&self, id: i64) -> Option<MemoryRow> {
        self.lock().iter().find(|r| r.delivery.id == id).cloned()
    }

    /// A receiver whose value changes on every enqueue and every recorded attempt.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Waits until `done` holds for the rows, or `timeout` passes; returns the rows either way
    /// and whether `done` held.
    pub async fn wait_for(
        &self,
        timeout: std::time::Duration,
        mut done: impl FnMut(&[MemoryRow]) -> bool,
    ) -> (bool, Vec<MemoryRow>) {
        let mut changes = self.changes();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changes.borrow_and_update();
            let rows = self.rows();
            if done(&rows) {
                return (true, rows);
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return (false, rows),
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<MemoryRow>> {
        // A panic while holding the lock leaves plain data behind; keep using it.
        self.rows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }
}

impl Outbox for MemoryOutbox {
    fn enqueue(
        &self,
        endpoint: &str,
        event: &str,
        timestamp: DateTime<Utc>,
        body: &str,
    ) -> Result<i64, OutboxError> {
        let id = {
            let mut rows = self.lock();
            let id = rows.last().map_or(1, |r| r.delivery.id + 1);
            rows.push(MemoryRow {
                delivery: Delivery {
                    id,
                    endpoint: endpoint.to_owned(),
                    event: event.to_owned(),
                    timestamp,
                    body: body.to_owned(),
                    attempts: 0,
                },
                state: MemoryState::Pending { due_at: Utc::now() },
                history: Vec::new(),
            });
            id
        };
        self.bump();
        Ok(id)
    }

    fn due(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Delivery>, OutboxError> {
        let rows = self.lock();
        let mut due: Vec<(DateTime<Utc>, &Delivery)> = rows
            .iter()
            .filter_map(|r| match r.state {
                MemoryState::Pending { due_at } if due_at <= now => Some((due_at, &r.delivery)),
                _ => None,
            })
            .collect();
        due.sort_by_key(|(at, d)| (*at, d.id));
        Ok(due
            .into_iter()
            .take(limit as usize)
            .map(|(_, d)| d.clone())
            .collect())
    }

    fn next_due_at(&self) -> Result<Option<DateTime<Utc>>, OutboxError> {
        Ok(self
            .lock()
            .iter()
            .filter_map(|r| match r.state {
                MemoryState::Pending { due_at } => Some(due_at),
                _ => None,
            })
            .min())
    }

    fn record_attempt(
        &self,
        id: i64,
        at: DateTime<Utc>,
        status: Option<u16>,
        error: Option<&str>,
        next: NextStep,
    ) -> Result<(), OutboxError> {
        {
            let mut rows = self.lock();
            let row = rows
                .iter_mut()
                .find(|r| r.delivery.id == id)
                .ok_or(OutboxError::NotFound(id))?;
            row.delivery.attempts += 1;
            row.history.push(MemoryAttempt {
                at,
                status,
                error: error.map(str::to_owned),
                next,
            });
            row.state = match next {
                NextStep::Delivered => MemoryState::Delivered,
                NextStep::GiveUp => MemoryState::GaveUp,
                NextStep::RetryAt(due_at) => MemoryState::Pending { due_at },
            };
        }
        self.bump();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_respects_time_order_and_limit() -> Result<(), OutboxError> {
        let o = MemoryOutbox::new();
        let t = Utc::now();
        let a = o.enqueue("crm", "call.started", t, "{}")?;
        let b = o.enqueue("crm", "call.ended", t, "{}")?;
        let c = o.enqueue("crm", "call.missed", t, "{}")?;
        let later = Utc::now() + chrono::Duration::seconds(60);
        o.record_attempt(a, t, Some(500), None, NextStep::RetryAt(later))?;
        o.record_attempt(c, t, Some(200), None, NextStep::Delivered)?;
        let now = Utc::now();
        let due: Vec<i64> = o.due(now, 10)?.iter().map(|d| d.id).collect();
        assert_eq!(due, [b]);
        assert_eq!(o.next_due_at()?.map(|at| at <= now), Some(true));
        let due: Vec<i64> = o.due(later, 1)?.iter().map(|d| d.id).collect();
        assert_eq!(due, [b]);
        let all = o.due(later, 10)?;
        assert_eq!(all.iter().map(|d| d.id).collect::<Vec<_>>(), [b, a]);
        assert_eq!(all[1].attempts, 1);
        o.record_attempt(b, now, None, Some("refused"), NextStep::GiveUp)?;
        assert_eq!(o.next_due_at()?, Some(later));
        assert!(matches!(
            o.record_attempt(99, now, None, None, NextStep::GiveUp),
            Err(OutboxError::NotFound(99))
        ));
        Ok(())
    }
}
