//! Starting and stopping the phone with its history, webhooks, screen pop and bridge.

use std::time::Duration;

use dialtone_api::Envelope;
use dialtone_engine::config::Config;
use dialtone_engine::Phone;
use dialtone_store::Store;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::error::ServiceError;
use crate::recorder;

/// How long the recorder may take to write what is queued at shutdown.
const RECORDER_DRAIN: Duration = Duration::from_secs(5);

/// A running phone with everything around it.
pub struct Service {
    phone: Phone,
    store: Store,
    recorder: (oneshot::Sender<()>, JoinHandle<()>),
    tasks: Vec<JoinHandle<()>>,
}

impl Service {
    /// Opens the history database, starts the phone and the tasks around it. The receiver
    /// returned sees every event from the first one (as [`Phone::start`]'s does).
    pub async fn start(
        config: &Config,
    ) -> Result<(Service, broadcast::Receiver<Envelope>), ServiceError> {
        let store = open_store(config)?;
        let (phone, events) = Phone::start(config).await?;
        let (stop_recorder, stop) = oneshot::channel();
        let recorder = (
            stop_recorder,
            tokio::spawn(recorder::run(store.clone(), phone.subscribe(), stop)),
        );
        let tasks = vec![tokio::spawn(recorder::prune(
            store.clone(),
            config.history.retention_days,
        ))];
        Ok((
            Service {
                phone,
                store,
                recorder,
                tasks,
            },
            events,
        ))
    }

    pub fn phone(&self) -> &Phone {
        &self.phone
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Ends the calls, unregisters (waiting at most `within`) and stops the tasks.
    pub async fn shutdown(self, within: Duration) {
        self.phone.shutdown(within).await;
        // The recorder writes the call.ended rows already queued, then stops.
        let (stop, recorder) = self.recorder;
        let _ = stop.send(());
        if tokio::time::timeout(RECORDER_DRAIN, recorder)
            .await
            .is_err()
        {
            warn!("the history recorder did not finish in time");
        }
        for task in self.tasks {
            task.abort();
        }
    }
}

fn open_store(config: &Config) -> Result<Store, ServiceError> {
    let path = config
        .history
        .database_path()
        .ok_or(ServiceError::NoDatabasePath)?;
    let store = Store::open(&path).map_err(|source| ServiceError::Store {
        path: path.clone(),
        source,
    })?;
    match store.interrupted_on_open() {
        0 => {}
        n => warn!(
            calls = n,
            "the last run stopped during calls; they are marked interrupted in the history"
        ),
    }
    info!(path = %path.display(), "call history");
    Ok(store)
}
