//! The dispatcher against a real HTTP receiver on 127.0.0.1.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, ensure, Context, Result};
use chrono::{DateTime, Utc};
use common::{closed_port, ended, endpoint, ringing, Receiver, Reply, WAIT};
use dialtone_api::{CallMuted, EndCause, Envelope, Event};
use dialtone_webhooks::{
    Delivery, Dispatcher, MemoryOutbox, MemoryRow, MemoryState, NextStep, Outbox, OutboxError,
    RetryPolicy, WebhookError, WebhookEvent,
};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const SECRET: &str = "whsec_test_secret";

fn quick(base_ms: u64) -> RetryPolicy {
    RetryPolicy {
        max_attempts: 5,
        base: Duration::from_millis(base_ms),
        cap: Duration::from_secs(30),
    }
}

/// A dispatcher loop that stops when dropped.
struct Running {
    token: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Running {
    fn start(dispatcher: &Dispatcher) -> Self {
        let token = CancellationToken::new();
        let task = tokio::spawn(dispatcher.clone().run(token.clone()));
        Self {
            token,
            task: Some(task),
        }
    }

    /// Cancels and waits (bounded) for the loop to end.
    async fn stop(mut self) -> Result<()> {
        self.token.cancel();
        let task = self.task.take().ok_or_else(|| anyhow!("already stopped"))?;
        tokio::time::timeout(WAIT, task)
            .await
            .context("run did not stop after cancel")??;
        Ok(())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

async fn wait_state(outbox: &MemoryOutbox, id: i64, want: MemoryState) -> Result<MemoryRow> {
    let (ok, rows) = outbox
        .wait_for(WAIT, |rows| {
            rows.iter().any(|r| r.delivery.id == id && r.state == want)
        })
        .await;
    let row = rows.into_iter().find(|r| r.delivery.id == id);
    ensure!(ok, "delivery {id} never reached {want:?}: {row:#?}");
    row.ok_or_else(|| anyhow!("no row {id}"))
}

async fn wait_all_final(outbox: &MemoryOutbox, n: usize) -> Result<Vec<MemoryRow>> {
    let (ok, rows) = outbox
        .wait_for(WAIT, |rows| {
            rows.len() == n
                && rows
                    .iter()
                    .all(|r| !matches!(r.state, MemoryState::Pending { .. }))
        })
        .await;
    ensure!(ok, "not all {n} deliveries ended: {rows:#?}");
    Ok(rows)
}

fn statuses(row: &MemoryRow) -> Vec<Option<u16>> {
    row.history.iter().map(|a| a.status).collect()
}

#[tokio::test]
async fn a_500_is_retried_and_the_second_attempt_delivers() -> Result<()> {
    let mut receiver = Receiver::start(
        SECRET,
        vec![Reply::status(500).body("oops"), Reply::status(200)],
    )
    .await?;
    let outbox = Arc::new(MemoryOutbox::new());
    let dispatcher = Dispatcher::new(
        outbox.clone(),
        vec![endpoint("crm", &receiver.url, SECRET, vec![])?],
        quick(20),
    )?;
    let running = Running::start(&dispatcher);
    assert_eq!(dispatcher.enqueue(&ringing("c-1"))?, 1);

    let row = wait_state(&outbox, 1, MemoryState::Delivered).await?;
    assert_eq!(row.delivery.attempts, 2);
    assert_eq!(statuses(&row), [Some(500), Some(200)]);
    assert!(matches!(row.history[0].next, NextStep::RetryAt(_)));
    assert_eq!(row.history[0].error.as_deref(), Some("HTTP 500: oops"));
    assert_eq!(row.history[1].next, NextStep::Delivered);
    assert_eq!(row.history[1].error, None);

    let first = receiver.next().await?;
    let second = receiver.next().await?;
    for r in [&first, &second] {
        assert!(r.signature_ok, "signature of {r:?}");
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/hook");
        assert_eq!(r.header("content-type"), "application/json");
        assert!(r.header("user-agent").starts_with("Dialtone/"), "{r:?}");
        assert_eq!(r.header("x-dialtone-event"), "call.ringing");
        assert_eq!(r.header("x-dialtone-delivery"), "1");
        assert_eq!(
            r.body,
            row.delivery.body.as_bytes(),
            "the stored bytes, every time"
        );
    }
    let body = first.json();
    assert_eq!(body["event"], "call.ringing");
    assert_eq!(body["timestamp"], "2026-11-21T10:00:00Z");
    assert_eq!(body["data"]["callId"], "c-1");
    assert!(receiver.requests.try_recv().is_err(), "no third request");
    running.stop().await
}

#[tokio::test]
async fn an_endpoint_s_own_attempt_limit_overrides_the_policy() -> Result<()> {
    let receiver = Receiver::start(SECRET, vec![Reply::status(500), Reply::status(500)]).await?;
    let outbox = Arc::new(MemoryOutbox::new());
    let limited = endpoint("crm", &receiver.url, SECRET, vec![])?.with_max_attempts(2);
    let dispatcher = Dispatcher::new(outbox.clone(), vec![limited], quick(10))?;
    let running = Running::start(&dispatcher);
    dispatcher.enqueue(&ringing("c-1"))?;

    let row = wait_state(&outbox, 1, MemoryState::GaveUp).await?;
    assert_eq!(row.delivery.attempts, 2, "the policy alone would allow 5");
    assert_eq!(statuses(&row), [Some(500), Some(500)]);
    running.stop().await
}

#[tokio::test]
async fn a_400_is_given_up_after_one_attempt() -> Result<()> {
    let mut receiver =
        Receiver::start(SECRET, vec![Reply::status(400).body("bad payload")]).await?;
    let outbox = Arc::new(MemoryOutbox::new());
    let dispatcher = Dispatcher::new(
        outbox.clone(),
        vec![endpoint("crm", &receiver.url, SECRET, vec![])?],
        quick(10),
    )?;
    let running = Running::start(&dispatcher);
    dispatcher.enqueue(&ringing("c-1"))?;

    let row = wait_state(&outbox, 1, MemoryState::GaveUp).await?;
    assert_eq!(row.delivery.attempts, 1);
    assert_eq!(statuses(&row), [Some(400)]);
    assert_eq!(row.history[0].next, NextStep::GiveUp);
    assert_eq!(
        row.history[0].error.as_deref(),
        Some("HTTP 400: bad payload")
    );
    assert!(receiver.next().await?.signature_ok);
    assert!(receiver.requests.try_recv().is_err(), "exactly one request");
    running.stop().await
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_is_given_up() -> Result<()> {
    let mut target = Receiver::start(SECRET, vec![Reply::status(200)]).await?;
    let mut receiver = Receiver::start(
        SECRET,
        vec![Reply::status(307).header("Location", &target.url)],
    )
    .await?;
    let outbox = Arc::new(MemoryOutbox::new());
    let dispatcher = Dispatcher::new(
        outbox.clone(),
        vec![endpoint("crm", &receiver.url, SECRET, vec![])?],
        quick(10),
    )?;
    let running = Running::start(&dispatcher);
    dispatcher.enqueue(&ringing("c-1"))?;
    let row = wait_state(&outbox, 1, MemoryState::GaveUp).await?;
    assert_eq!(statuses(&row), [Some(307)]);
    receiver.next().await?;
    assert!(
        target.requests.try_recv().is_err(),
        "the redirect target got nothing"
    );
    running.stop().await
}

#[tokio::test]
async fn a_429_waits_for_its_retry_after() -> Result<()> {
    let mut receiver = Receiver::start(
        SECRET,
        vec![
            Reply::status(429).header("Retry-After", "1"),
            Reply::status(200),
        ],
    )
    .await?;
    let outbox = Arc::new(MemoryOutbox::new());
    let dispatcher = Dispatcher::new(
        outbox.clone(),
        vec![endpoint("crm", &receiver.url, SECRET, vec![])?],
        quick(10),
    )?;
    let running = Running::start(&dispatcher);
    dispatcher.enqueue(&ringing("c-1"))?;

    let row = wait_state(&outbox, 1, MemoryState::Delivered).await?;
    assert_eq!(statuses(&row), [Some(429), Some(200)]);
    let NextStep::RetryAt(retry_at) = row.history[0].next else {
        anyhow::bail!("a 429 is retried: {row:?}");
    };
    let planned = retry_at - row.history[0].at;
    assert!(
        planned >= chrono::Duration::seconds(1) && planned < chrono::Duration::seconds(3),
        "Retry-After 1 s, not the 10 ms backoff: {planned:?}"
    );
    let first = receiver.next().await?;
    let second = receiver.next().await?;
    let gap = second.at - first.at;
    assert!(
        gap >= Duration::from_millis(900),
        "second attempt came after {gap:?}"
    );
    running.stop().await
}

#[tokio::test]
async fn connection_refused_is_retried_until_the_receiver_is_up() -> Result<()> {
    let addr = closed_port().await?;
    let url = format!("http://{addr}/hook");
    let outbox = Arc::new(MemoryOutbox::new());
    let dispatcher = Dispatcher::new(
        outbox.clone(),
        vec![endpoint("crm", &url, SECRET, vec![])?],
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(2),
        },
    )?;
    let running = Running::start(&dispatcher);
    dispatcher.enqueue(&ringing("c-1"))?;

    let (ok, rows) = outbox
        .wait_for(WAIT, |rows| {
            rows.first().is_some_and(|r| !r.history.is_empty())
        })
        .await;
    ensure!(ok, "no first attempt: {rows:#?}");
    let first = &rows[0].history[0];
    assert_eq!(first.status, None);
    assert!(matches!(first.next, NextStep::RetryAt(_)), "{first:?}");
    let error = first.error.clone().unwrap_or_default();
    assert!(error.to_lowercase().contains("refused"), "{error}");
    assert!(
        !error.contains(&url),
        "errors do not carry the URL: {error}"
    );

    // Now listen on that port: a later attempt gets through.
    let mut receiver = Receiver::on(
        TcpListener::bind(addr).await?,
        SECRET,
        vec![Reply::status(200)],
    )?;
    let row = wait_state(&outbox, 1, MemoryState::Delivered).await?;
    assert!(row.delivery.attempts >= 2, "{row:?}");
    assert!(statuses(&row)[..row.history.len() - 1]
        .iter()
        .all(Option::is_none));
    assert!(receiver.next().await?.signature_ok);
    running.stop().await
}

#[tokio::test]
async fn endpoints_get_only_the_events_they_asked_for() -> Result<()> {
    let mut all = Receiver::start(SECRET, vec![Reply::status(200)]).await?;
    let mut missed = Receiver::start("other-secret", vec![Reply::status(204)]).await?;
    let outbox = Arc::new(MemoryOutbox::new());
    let dispatcher = Dispatcher::new(
        outbox.clone(),
        vec![
            endpoint("all", &all.url, SECRET, vec![])?,
            endpoint(
                "missed",
                &missed.url,
                "other-secret",
                vec![WebhookEvent::CallMissed],
            )?,
        ],
        quick(10),
    )?;
    let muted = Envelope::new(
        Event::CallMuted(CallMuted {
            call_id: "c-1".into(),
            muted: true,
        }),
        common::at(),
    );
    assert_eq!(dispatcher.enqueue(&muted)?, 0, "no webhook for call.muted");
    assert_eq!(dispatcher.enqueue(&ended("c-1", EndCause::Completed))?, 1);
    assert_eq!(dispatcher.enqueue(&ended("c-2", EndCause::Missed))?, 3);
    let running = Running::start(&dispatcher);

    let rows = wait_all_final(&outbox, 4).await?;
    let routed: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.delivery.endpoint.as_str(), r.delivery.event.as_str()))
        .collect();
    assert_eq!(
        routed,
        [
            ("all", "call.ended"),
            ("all", "call.ended"),
            ("all", "call.missed"),
            ("missed", "call.missed"),
        ]
    );
    assert!(rows.iter().all(|r| r.state == MemoryState::Delivered));

    let got = missed.next().await?;
    assert!(got.signature_ok, "signed with its own endpoint's secret");
    assert_eq!(got.header("x-dialtone-event"), "call.missed");
    assert_eq!(got.json()["data"]["callId"], "c-2");
    assert!(missed.requests.try_recv().is_err());
    let mut events = Vec::new();
    for _ in 0..3 {
        let r = all.next().await?;
        assert!(r.signature_ok);
        events.push(r.header("x-dialtone-event").to_owned());
    }
    events.sort();
    assert_eq!(events, ["call.ended", "call.ended", "call.missed"]);
    running.stop().await
}

#[tokio::test]
async fn a_new_dispatcher_over_the_same_outbox_sends_what_was_pending() -> Result<()> {
    let mut receiver =
        Receiver::start(SECRET, vec![Reply::status(500), Reply::status(200)]).await?;
    let outbox = Arc::new(MemoryOutbox::new());
    let endpoints = vec![endpoint("crm", &receiver.url, SECRET, vec![])?];
    // The retry is due 0.8 s to 1.2 s after the failure: time enough to stop the first life.
    let policy = quick(1000);

    // First life: one attempt fails, then the process stops before the retry is due.
    let first = Dispatcher::new(outbox.clone(), endpoints.clone(), policy)?;
    let running = Running::start(&first);
    first.enqueue(&ringing("c-1"))?;
    let (ok, rows) = outbox
        .wait_for(WAIT, |rows| {
            rows.first().is_some_and(|r| r.history.len() == 1)
        })
        .await;
    ensure!(ok, "no first attempt: {rows:#?}");
    running.stop().await?;
    drop(first);
    let stored = outbox.row(1).ok_or_else(|| anyhow!("row 1"))?;
    assert!(
        matches!(stored.state, MemoryState::Pending { .. }),
        "{stored:?}"
    );

    // Second life: a new dispatcher over the same store delivers it.
    let second = Dispatcher::new(outbox.clone(), endpoints, policy)?;
    let running = Running::start(&second);
    let row = wait_state(&outbox, 1, MemoryState::Delivered).await?;
    assert_eq!(row.delivery.attempts, 2);
    assert_eq!(statuses(&row), [Some(500), Some(200)]);
    let a = receiver.next().await?;
    let b = receiver.next().await?;
    assert_eq!(a.body, b.body, "the same bytes after the restart");
    assert_eq!(b.body, stored.delivery.body.as_bytes());
    assert_eq!(b.header("x-dialtone-delivery"), "1");
    assert!(b.signature_ok);
    running.stop().await
}

#[tokio::test]
async fn a_delivery_for_a_removed_endpoint_is_given_up() -> Result<()> {
    let receiver = Receiver::start(SECRET, vec![Reply::status(200)]).await?;
    let outbox = Arc::new(MemoryOutbox::new());
    let id = outbox.enqueue("gone", "call.ringing", Utc::now(), "{}")?;
    let dispatcher = Dispatcher::new(
        outbox.clone(),
        vec![endpoint("crm", &receiver.url, SECRET, vec![])?],
        quick(10),
    )?;
    let running = Running::start(&dispatcher);
    let row = wait_state(&outbox, id, MemoryState::GaveUp).await?;
    assert_eq!(row.delivery.attempts, 1);
    assert_eq!(statuses(&row), [None]);
    let error = row.history[0].error.clone().unwrap_or_default();
    assert!(error.contains("no longer configured"), "{error}");
    running.stop().await
}

/// An outbox whose reads fail a few times and whose first record is lost.
struct Flaky {
    inner: MemoryOutbox,
    due_failures: AtomicU32,
    record_failures: AtomicU32,
}

fn broken() -> OutboxError {
    OutboxError::Store(Box::new(std::io::Error::other("disk on fire")))
}

fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

impl Outbox for Flaky {
    fn enqueue(&self, e: &str, ev: &str, t: DateTime<Utc>, b: &str) -> Result<i64, OutboxError> {
        self.inner.enqueue(e, ev, t, b)
    }
    fn due(&self, now: DateTime<Utc>, limit: u32) -> Result<Vec<Delivery>, OutboxError> {
        if take(&self.due_failures) {
            return Err(broken());
        }
        self.inner.due(now, limit)
    }
    fn next_due_at(&self) -> Result<Option<DateTime<Utc>>, OutboxError> {
        self.inner.next_due_at()
    }
    fn record_attempt(
        &self,
        id: i64,
        at: DateTime<Utc>,
        status: Option<u16>,
        error: Option<&str>,
        next: NextStep,
    ) -> Result<(), OutboxError> {
        if take(&self.record_failures) {
            return Err(broken());
        }
        self.inner.record_attempt(id, at, status, error, next)
    }
}

#[tokio::test]
async fn outbox_failures_are_survived_and_a_lost_record_means_a_resend() -> Result<()> {
    let mut receiver = Receiver::start(SECRET, vec![Reply::status(200)]).await?;
    let outbox = Arc::new(Flaky {
        inner: MemoryOutbox::new(),
        due_failures: AtomicU32::new(2),
        record_failures: AtomicU32::new(1),
    });
    let dispatcher = Dispatcher::new(
        outbox.clone(),
        vec![endpoint("crm", &receiver.url, SECRET, vec![])?],
        quick(10),
    )?;
    dispatcher.enqueue(&ringing("c-1"))?;
    let running = Running::start(&dispatcher);
    let row = wait_state(&outbox.inner, 1, MemoryState::Delivered).await?;
    assert_eq!(outbox.due_failures.load(Ordering::SeqCst), 0);
    assert_eq!(outbox.record_failures.load(Ordering::SeqCst), 0);
    assert_eq!(
        row.delivery.attempts, 1,
        "only the second attempt was recorded"
    );
    let a = receiver.next().await?;
    let b = receiver.next().await?;
    assert_eq!(
        a.header("x-dialtone-delivery"),
        b.header("x-dialtone-delivery")
    );
    assert_eq!(a.body, b.body);
    running.stop().await
}

#[tokio::test]
async fn run_stops_on_cancel_while_idle() -> Result<()> {
    let outbox = Arc::new(MemoryOutbox::new());
    let dispatcher = Dispatcher::new(outbox, vec![], RetryPolicy::default())?;
    let running = Running::start(&dispatcher);
    running.stop().await
}

#[test]
fn new_rejects_duplicate_names_and_bad_endpoints() -> Result<()> {
    let outbox: Arc<dyn Outbox> = Arc::new(MemoryOutbox::new());
    let a = endpoint("crm", "http://127.0.0.1:9/a", SECRET, vec![])?;
    let err = Dispatcher::new(
        outbox.clone(),
        vec![a.clone(), a.clone()],
        RetryPolicy::default(),
    );
    assert!(matches!(err, Err(WebhookError::DuplicateEndpoint(name)) if name == "crm"));
    let mut bad = a;
    bad.url = url::Url::parse("ftp://127.0.0.1/")?;
    let err = Dispatcher::new(outbox, vec![bad], RetryPolicy::default());
    assert!(matches!(err, Err(WebhookError::UnsupportedScheme { .. })));
    Ok(())
}
