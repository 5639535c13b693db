//! What the shell keeps between commands: the running service and a few window facts.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use dialtone_api::Envelope;
use dialtone_engine::config::Config;
use dialtone_engine::Phone;
use dialtone_service::Service;
use dialtone_store::Store;
use tokio::sync::{broadcast, mpsc, oneshot, RwLock};

use crate::error::ShellError;

pub struct Shell {
    /// Where settings are read from and saved to.
    pub config_path: Option<PathBuf>,
    pub config: Mutex<Config>,
    service: RwLock<Option<Service>>,
    /// The tray icon was created.
    pub tray: AtomicBool,
    /// The call the incoming-call window shows.
    pub incoming: Mutex<Option<String>>,
    /// Closes an incoming call's notification, by call id.
    pub notifications: Mutex<HashMap<String, oneshot::Sender<()>>>,
    /// A missing notification daemon is logged once.
    pub notify_warned: AtomicBool,
    /// The update found by the last check, for `updates_install`.
    pub update: tokio::sync::Mutex<Option<tauri_plugin_updater::Update>>,
    /// Stops the device-list poll while the settings screen is open.
    pub device_poll: Mutex<Option<oneshot::Sender<()>>>,
    /// Stops the running microphone level meter.
    pub meter: Mutex<Option<Arc<AtomicBool>>>,
    /// Saved settings wait for the calls to end before the phone restarts with them.
    pub restart_pending: AtomicBool,
    /// Hands a restarted phone's events to the forwarder.
    pub next_events: mpsc::UnboundedSender<broadcast::Receiver<Envelope>>,
}

impl Shell {
    pub fn new(
        config_path: Option<PathBuf>,
        config: Config,
        service: Service,
        next_events: mpsc::UnboundedSender<broadcast::Receiver<Envelope>>,
    ) -> Self {
        Shell {
            config_path,
            config: Mutex::new(config),
            service: RwLock::new(Some(service)),
            tray: AtomicBool::new(false),
            incoming: Mutex::new(None),
            notifications: Mutex::new(HashMap::new()),
            notify_warned: AtomicBool::new(false),
            update: tokio::sync::Mutex::new(None),
            device_poll: Mutex::new(None),
            meter: Mutex::new(None),
            restart_pending: AtomicBool::new(false),
            next_events,
        }
    }

    pub async fn phone(&self) -> Result<Phone, ShellError> {
        self.service
            .read()
            .await
            .as_ref()
            .map(|s| s.phone().clone())
            .ok_or(ShellError::NotRunning)
    }

    pub async fn store(&self) -> Result<Store, ShellError> {
        self.service
            .read()
            .await
            .as_ref()
            .map(|s| s.store().clone())
            .ok_or(ShellError::NotRunning)
    }

    pub async fn bridge_port(&self) -> Option<u16> {
        self.service
            .read()
            .await
            .as_ref()
            .and_then(Service::bridge_port)
    }

    /// Takes the service out (to stop or restart it); commands see `stopped` meanwhile.
    pub async fn take_service(&self) -> Option<Service> {
        self.service.write().await.take()
    }

    pub async fn put_service(&self, service: Service) {
        *self.service.write().await = Some(service);
    }

    pub fn config(&self) -> Config {
        self.config
            .lock()
            .map(|c| c.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// `[app] update_endpoint`, when set.
    pub fn update_endpoint(&self) -> Option<String> {
        self.config().app.update_endpoint
    }

    pub fn has_tray(&self) -> bool {
        self.tray.load(Ordering::Relaxed)
    }
}
