//! Starting and stopping the phone with its history, webhooks, screen pop and bridge.

use std::time::Duration;

use dialtone_api::Envelope;
use dialtone_bridge::{Bridge, BridgeConfig};
use dialtone_engine::config::Config;
use dialtone_engine::Phone;
use dialtone_store::Store;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::error::ServiceError;
use crate::journal::{self, StoreJournal};
use crate::{screen_pop, webhooks};

/// How long a task watching the shutdown token may take to stop.
const TASK_STOP: Duration = Duration::from_millis(500);

/// A running phone with everything around it.
pub struct Service {
    phone: Phone,
    store: Store,
    /// Stops the webhook dispatcher.
    shutdown: CancellationToken,
    /// Tasks that stop by themselves when `shutdown` is cancelled.
    tasks: Vec<JoinHandle<()>>,
    /// Tasks stopped outright (pruning, screen pop).
    background: Vec<JoinHandle<()>>,
    bridge: Option<Bridge>,
}

impl Service {
    /// Opens the history database, starts the phone and the tasks around it. The receiver
    /// returned sees every event from the first one (as [`Phone::start`]'s does).
    pub async fn start(
        config: &Config,
    ) -> Result<(Service, broadcast::Receiver<Envelope>), ServiceError> {
        let store = open_store(config)?;
        let webhooks = if config.webhooks.is_empty() {
            None
        } else {
            Some(webhooks::dispatcher(&store, &config.webhooks)?)
        };
        let journal = StoreJournal {
            store: store.clone(),
            webhooks: webhooks.clone(),
        };
        let (phone, events) = Phone::start_journaled(config, Box::new(journal)).await?;
        let shutdown = CancellationToken::new();
        let mut tasks = Vec::new();
        let mut background = vec![tokio::spawn(journal::prune(
            store.clone(),
            config.history.retention_days,
        ))];
        if let Some(dispatcher) = webhooks {
            tasks.push(tokio::spawn(dispatcher.run(shutdown.clone())));
            info!(endpoints = config.webhooks.len(), "webhooks");
        }
        let bridge = if config.bridge.enabled {
            let settings = BridgeConfig {
                port: config.bridge.port,
                rate_limit_per_minute: config.bridge.rate_limit_per_minute,
                max_body_bytes: config.bridge.max_body_bytes,
            };
            match dialtone_bridge::start(phone.clone(), store.clone(), settings).await {
                Ok(b) => {
                    info!(
                        port = b.port(),
                        "localhost bridge (token: `dialtone token`)"
                    );
                    Some(b)
                }
                Err(e) => {
                    phone.shutdown(Duration::from_secs(2)).await;
                    shutdown.cancel();
                    for task in background {
                        task.abort();
                    }
                    return Err(e.into());
                }
            }
        } else {
            None
        };
        if let Some(pop) = &config.screen_pop {
            background.push(tokio::spawn(screen_pop::run(
                pop.clone(),
                phone.subscribe(),
            )));
        }
        Ok((
            Service {
                phone,
                store,
                shutdown,
                tasks,
                background,
                bridge,
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

    /// The localhost bridge's port, when it runs.
    pub fn bridge_port(&self) -> Option<u16> {
        self.bridge.as_ref().map(Bridge::port)
    }

    /// Ends the calls, unregisters (waiting at most `within`) and stops the tasks.
    pub async fn shutdown(self, within: Duration) {
        // No new requests while the calls end: the bridge closes first (and its sockets).
        if let Some(bridge) = self.bridge {
            bridge.shutdown().await;
        }
        // The journal has written every call.ended (history and webhook outbox) by the time
        // the phone has shut down.
        self.phone.shutdown(within).await;
        self.shutdown.cancel();
        // The dispatcher stops between attempts (an attempt cut short is sent again at the
        // next start).
        for task in self.background {
            task.abort();
        }
        for task in self.tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout(TASK_STOP, task).await.is_err() {
                abort.abort();
            }
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
