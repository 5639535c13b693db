//! Restarting the phone with saved settings: stop the service, start it with the new config,
//! forward its events again. Never while a call is up.

use std::sync::atomic::Ordering;
use std::time::Duration;

use dialtone_service::Service;
use tauri::{AppHandle, Emitter, Manager};
use tracing::{error, info, warn};

use crate::error::ShellError;
use crate::forward::calls_up;
use crate::state::Shell;

/// Where the windows hear that the phone is going away and coming back (`connecting`, `open`,
/// `closed`), so that they take a fresh status once the new one runs.
pub const PHONE_STATE: &str = "dialtone://phone";

/// How long the old phone may take to unregister.
const STOP_WITHIN: Duration = Duration::from_secs(3);

/// Restarts the phone with the config the shell holds now. With a call up it refuses
/// (`call_in_progress`) and remembers to restart when the calls are over.
pub async fn restart(app: &AppHandle) -> Result<(), ShellError> {
    let shell = app.state::<Shell>();
    if let Ok(phone) = shell.phone().await {
        if calls_up(&phone.status()) {
            shell.restart_pending.store(true, Ordering::Relaxed);
            return Err(ShellError::CallInProgress);
        }
    }
    shell.restart_pending.store(false, Ordering::Relaxed);
    let config = shell.config();
    tell(app, "connecting");
    if let Some(old) = shell.take_service().await {
        old.shutdown(STOP_WITHIN).await;
    }
    let (service, events) = match Service::start(&config).await {
        Ok(started) => started,
        Err(e) => {
            tell(app, "closed");
            return Err(e.into());
        }
    };
    info!("phone restarted with the saved settings");
    shell.put_service(service).await;
    if shell.next_events.send(events).is_err() {
        warn!("the event forwarder has stopped");
    }
    tell(app, "open");
    Ok(())
}

fn tell(app: &AppHandle, state: &str) {
    if let Err(e) = app.emit(PHONE_STATE, state) {
        warn!(error = %e, "cannot tell the windows about the phone restart");
    }
}

/// After a call ends: the restart saved settings were waiting for, if the calls are over.
pub async fn restart_if_pending(app: &AppHandle) {
    let shell = app.state::<Shell>();
    if !shell.restart_pending.load(Ordering::Relaxed) {
        return;
    }
    match restart(app).await {
        Ok(()) => {}
        Err(ShellError::CallInProgress) => {}
        Err(e) => {
            error!(error = %e, "the phone did not restart with the saved settings");
            warn!("open the settings to correct them; the phone is stopped");
        }
    }
}
