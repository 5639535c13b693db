//! Writes every call into the history as it happens: a row when the call starts, updated at
//! ringing, answer and end (so a crash leaves a row that the next start marks interrupted).

use std::time::Duration;

use chrono::Utc;
use dialtone_api::Envelope;
use dialtone_store::Store;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::oneshot;
use tracing::{info, warn};

/// How often old history is pruned (also once at start).
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Records events until the phone's event stream closes or `stop` fires; on `stop` it first
/// writes what is already queued (the `call.ended` of calls hung up at shutdown).
pub(crate) async fn run(
    store: Store,
    mut events: broadcast::Receiver<Envelope>,
    mut stop: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            received = events.recv() => match received {
                Ok(env) => record(&store, &env),
                Err(RecvError::Lagged(n)) => {
                    warn!(missed = n, "history recorder fell behind; some call updates are lost")
                }
                Err(RecvError::Closed) => return,
            },
            _ = &mut stop => {
                while let Ok(env) = events.try_recv() {
                    record(&store, &env);
                }
                return;
            }
        }
    }
}

fn record(store: &Store, env: &Envelope) {
    if let Err(e) = store.record(env) {
        warn!(event = env.event.name(), error = %e, "cannot record call history");
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
