//! Settings and account passwords: `dialtone-settings` reads and writes the config file and
//! the OS keyring; the shell applies what changed (start at login, the phone's restart).

use dialtone_api::Settings;
use tauri::{AppHandle, Manager, State};

use crate::error::ShellError;
use crate::state::Shell;

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, dialtone_settings::SettingsError> + Send + 'static,
) -> Result<T, ShellError> {
    Ok(tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|_| ShellError::NotRunning)??)
}

#[tauri::command]
pub async fn settings_get(shell: State<'_, Shell>) -> Result<Settings, ShellError> {
    let path = shell.config_path.clone().ok_or(ShellError::NoConfigPath)?;
    blocking(move || dialtone_settings::load(&path)).await
}

/// Validates and writes the settings, then applies them: start at login at once; anything
/// else restarts the phone, which waits while a call is up (`call_in_progress`: saved, and
/// applied when the last call ends).
#[tauri::command]
pub async fn settings_save(app: AppHandle, settings: Settings) -> Result<Settings, ShellError> {
    let shell = app.state::<Shell>();
    let path = shell.config_path.clone().ok_or(ShellError::NoConfigPath)?;
    let save_path = path.clone();
    let saved = blocking(move || dialtone_settings::save(&save_path, &settings)).await?;
    if let Ok(mut config) = shell.config.lock() {
        *config = saved.config.clone();
    }
    crate::app::apply_start_at_login(&app, saved.config.app.start_at_login);
    if saved.restart_needed {
        crate::restart::restart(&app).await?;
    }
    blocking(move || dialtone_settings::load(&path)).await
}

/// Stores an account's password in the OS keyring (never in the config file).
#[tauri::command]
pub async fn account_set_password(account_id: String, password: String) -> Result<(), ShellError> {
    blocking(move || dialtone_settings::set_password(&account_id, &password)).await
}

/// Whether an OS keyring answers, and why not. Blocks (a D-Bus round trip).
pub fn keyring() -> (bool, Option<String>) {
    match dialtone_settings::keyring_status() {
        Ok(()) => (true, None),
        Err(e) => (false, Some(e.to_string())),
    }
}
