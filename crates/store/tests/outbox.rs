//! The webhook outbox: durable queue, due times, retries, giving up, the log, pruning.

mod common;

use common::t;
use dialtone_store::{DeliveryState, NextStep, Store, StoreError};

#[test]
fn survives_reopen_and_moves_through_retry_delivered_and_give_up() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dialtone.db");
    let before = chrono::Utc::now();
    let (a, b) = {
        let store = Store::open(&path)?;
        assert_eq!(store.next_due_at()?, None);
        let a = store.enqueue_delivery(
            "https://crm.example.com/hook",
            "call.ended",
            t("2026-11-21T10:00:00Z"),
            r#"{"event":"call.ended"}"#,
        )?;
        let b = store.enqueue_delivery(
            "https://other.example.com/hook",
            "call.incoming",
            t("2026-11-21T10:00:01Z"),
            "{}",
        )?;
        assert_ne!(a, b);
        (a, b)
    };
    // Reopened: still queued, due now.
    let store = Store::open(&path)?;
    // Times are stored to the millisecond.
    let now = t("2099-01-01T00:00:00.123Z");
    let due_at = store
        .next_due_at()?
        .ok_or_else(|| anyhow::anyhow!("nothing due"))?;
    assert!(due_at >= before - chrono::Duration::milliseconds(1));
    assert!(due_at <= chrono::Utc::now());
    let due = store.due_deliveries(now, 10)?;
    assert_eq!(due.iter().map(|d| d.id).collect::<Vec<_>>(), [a, b]);
    assert_eq!(due[0].endpoint, "https://crm.example.com/hook");
    assert_eq!(due[0].event, "call.ended");
    assert_eq!(due[0].timestamp, t("2026-11-21T10:00:00Z"));
    assert_eq!(due[0].body, r#"{"event":"call.ended"}"#);
    assert_eq!(due[0].attempts, 0);
    assert_eq!(due[0].state, DeliveryState::Pending);
    assert_eq!(store.due_deliveries(now, 1)?.len(), 1, "limit respected");
    // Not due before it was enqueued.
    assert!(store
        .due_deliveries(before - chrono::Duration::seconds(60), 10)?
        .is_empty());

    // a: fails once (retry in a minute), then is delivered.
    let retry_at = now + chrono::Duration::seconds(60);
    store.record_attempt(
        a,
        now,
        Some(503),
        Some("HTTP 503"),
        NextStep::RetryAt(retry_at),
    )?;
    // b: refused, then given up on.
    store.record_attempt(b, now, None, Some("connection refused"), NextStep::GiveUp)?;
    assert!(
        store.due_deliveries(now, 10)?.is_empty(),
        "a waits, b is done"
    );
    assert_eq!(store.next_due_at()?, Some(retry_at));
    let later = retry_at + chrono::Duration::seconds(1);
    let due = store.due_deliveries(later, 10)?;
    assert_eq!(due.len(), 1);
    assert_eq!((due[0].id, due[0].attempts), (a, 1));
    store.record_attempt(a, later, Some(200), None, NextStep::Delivered)?;
    assert_eq!(store.next_due_at()?, None);
    assert!(store
        .due_deliveries(later + chrono::Duration::days(1), 10)?
        .is_empty());

    let log = store.delivery_log(10)?;
    let summary: Vec<_> = log
        .iter()
        .map(|l| (l.delivery_id, l.attempt, l.status, l.error.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            (a, 2, Some(200), None),
            (b, 1, None, Some("connection refused")),
            (a, 1, Some(503), Some("HTTP 503")),
        ],
        "newest first"
    );
    assert_eq!(log[0].endpoint, "https://crm.example.com/hook");
    assert_eq!(log[0].event, "call.ended");
    let json = serde_json::to_value(&log[0])?;
    assert_eq!(json["deliveryId"], a);
    assert_eq!(store.delivery_log(1)?.len(), 1);

    let delivered = store.deliveries(Some(DeliveryState::Delivered), 10)?;
    assert_eq!(
        delivered
            .iter()
            .map(|d| (d.id, d.attempts))
            .collect::<Vec<_>>(),
        [(a, 2)]
    );
    let failed = store.deliveries(Some(DeliveryState::Failed), 10)?;
    assert_eq!(failed.iter().map(|d| d.id).collect::<Vec<_>>(), [b]);
    assert_eq!(store.deliveries(None, 10)?.len(), 2);
    assert!(store
        .deliveries(Some(DeliveryState::Pending), 10)?
        .is_empty());

    assert!(matches!(
        store.record_attempt(9_999, now, None, None, NextStep::Delivered),
        Err(StoreError::UnknownDelivery { id: 9_999 })
    ));

    // Pruning with the history retention drops finished deliveries and their log, not pending.
    let c = store.enqueue_delivery("https://crm.example.com/hook", "call.ended", now, "{}")?;
    store.prune_history(later + chrono::Duration::days(1))?;
    let left: Vec<_> = store.deliveries(None, 10)?.iter().map(|d| d.id).collect();
    assert_eq!(left, [c]);
    assert!(store.delivery_log(10)?.is_empty());
    Ok(())
}
