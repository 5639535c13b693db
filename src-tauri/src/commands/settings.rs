//! Settings and account passwords (the `dialtone-settings` store writes the config and the
//! OS keyring; until it is in this build these answer `unavailable`).

use dialtone_api::Settings;
use tauri::AppHandle;

use crate::error::ShellError;

#[tauri::command]
pub async fn settings_get(app: AppHandle) -> Result<Settings, ShellError> {
    let _ = app;
    Err(ShellError::Unavailable)
}

#[tauri::command]
pub async fn settings_save(app: AppHandle, settings: Settings) -> Result<Settings, ShellError> {
    let _ = (app, settings);
    Err(ShellError::Unavailable)
}

#[tauri::command]
pub async fn account_set_password(account_id: String, password: String) -> Result<(), ShellError> {
    let _ = (account_id, password);
    Err(ShellError::Unavailable)
}

/// Whether an OS keyring answers, and why not.
pub fn keyring() -> (bool, Option<String>) {
    (
        false,
        Some("the settings store is not in this build yet".to_owned()),
    )
}
