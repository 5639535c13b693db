//! Checking for and installing updates (tauri-plugin-updater; it checks the signatures
//! against `plugins.updater.pubkey`). `[app] update_endpoint` overrides the endpoint.

use dialtone_api::UpdateInfo;
use tauri::{AppHandle, Manager};
use tauri_plugin_updater::UpdaterExt;
use tracing::{info, warn};
use url::Url;

use crate::error::ShellError;
use crate::state::Shell;

/// Asks the update endpoint; remembers an offered update for [`install`].
pub async fn check(app: &AppHandle, endpoint: Option<&str>) -> Result<UpdateInfo, ShellError> {
    let mut builder = app.updater_builder();
    if let Some(endpoint) = endpoint.filter(|e| !e.trim().is_empty()) {
        let url = Url::parse(endpoint).map_err(|e| ShellError::BadUpdateEndpoint {
            endpoint: endpoint.to_owned(),
            reason: e.to_string(),
        })?;
        builder = builder.endpoints(vec![url])?;
    }
    let update = builder.build()?.check().await?;
    let info = UpdateInfo {
        current_version: app.package_info().version.to_string(),
        available: update.as_ref().map(|u| u.version.clone()),
        notes: update.as_ref().and_then(|u| u.body.clone()),
    };
    *app.state::<Shell>().update.lock().await = update;
    Ok(info)
}

/// Downloads and installs the update the last check found, then restarts the app.
pub async fn install(app: &AppHandle) -> Result<(), ShellError> {
    let update = app
        .state::<Shell>()
        .update
        .lock()
        .await
        .take()
        .ok_or(ShellError::NoUpdate)?;
    info!(version = %update.version, "installing an update");
    update.download_and_install(|_, _| {}, || {}).await?;
    crate::tray::stop_then(app, true);
    Ok(())
}

/// From the tray: a result goes to the windows as a check would; failures are logged.
pub async fn check_from_tray(app: &AppHandle) {
    let endpoint = app.state::<Shell>().update_endpoint();
    match check(app, endpoint.as_deref()).await {
        Ok(info) => {
            info!(available = ?info.available, "update check");
            let body = match &info.available {
                Some(v) => format!("Version {v} is available: install it from the settings."),
                None => format!("Dialtone {} is up to date.", info.current_version),
            };
            crate::notify::plain(app, "Updates", body);
        }
        Err(e) => {
            warn!(error = %e, "update check failed");
            crate::notify::plain(app, "Updates", format!("The update check failed: {e}"));
        }
    }
}

/// At start, when `[app] check_updates` is on: quiet on failure.
pub fn check_at_start(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let endpoint = app.state::<Shell>().update_endpoint();
        match check(&app, endpoint.as_deref()).await {
            Ok(info) => {
                if let Some(v) = &info.available {
                    crate::notify::plain(
                        &app,
                        "Update available",
                        format!("Dialtone {v} is available."),
                    );
                }
            }
            Err(e) => info!(error = %e, "update check at start failed"),
        }
    });
}
