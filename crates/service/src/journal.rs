//! The service's [`Journal`]: every event goes into the call history and the webhook outbox
//! before the phone broadcasts it. A row exists from the call's first event and is updated at
//! ringing, answer and end, so a crash leaves a row that the next start marks interrupted, and
//! never one that says less than a client was already told.

use std::time::Duration;

use chrono::Utc;
use dialtone_api::Envelope;
use dialtone_engine::Journal;
use dialtone_store::Store;
use dialtone_webhooks::Dispatcher;
use tracing::{info, warn};

/// How often old history is pruned (also once at start).
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);

pub(crate) struct StoreJournal {
    pub store: Store,
    /// Queues webhook deliveries in the same store; `None` without `[[webhooks]]`.
    pub webhooks: Option<Dispatcher>,
}

impl Journal for StoreJournal {
    fn write(&self, env: &Envelope) {
        if let Err(e) = self.store.record(env) {
            warn!(event = env.event.name(), error = %e, "cannot record call history");
        }
        if let Some(dispatcher) = &self.webhooks {
            if let Err(e) = dispatcher.enqueue(env) {
                warn!(event = env.event.name(), error = %e, "cannot queue webhook");
            }
        }
    }
}

/// Deletes history older than `days` (0 keeps everything), now and then once a day.
pub(crate) async fn prune(store: Store, days: u32) {
    if days == 0 {
        return;
    }
    let mut tick = tokio::time::interval(PRUNE_EVERY);
    loop {
        tick.tick().await;
        let cutoff = Utc::now() - chrono::Duration::days(i64::from(days));
        let store = store.clone();
        match tokio::task::spawn_blocking(move || store.prune_history(cutoff)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => info!(calls = n, days, "old call history deleted"),
            Ok(Err(e)) => warn!(error = %e, "cannot prune call history"),
            Err(e) => warn!(error = %e, "history pruning task failed"),
        }
    }
}
