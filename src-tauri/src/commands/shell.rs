//! Facts about the shell, and the windows.

use dialtone_api::ShellInfo;
use tauri::{AppHandle, Manager, WebviewWindow};

use crate::error::ShellError;
use crate::state::Shell;

#[tauri::command]
pub async fn shell_info(app: AppHandle) -> Result<ShellInfo, ShellError> {
    let (keyring_available, keyring_message) =
        tauri::async_runtime::spawn_blocking(crate::commands::settings::keyring)
            .await
            .map_err(|_| ShellError::NotRunning)?;
    let shell = app.state::<Shell>();
    Ok(ShellInfo {
        version: app.package_info().version.to_string(),
        tray: shell.has_tray(),
        main_window_visible: crate::windows::visible(&app, crate::windows::MAIN),
        incoming_window_visible: crate::windows::visible(&app, crate::windows::INCOMING),
        keyring_available,
        keyring_message,
        config_path: shell.config_path.as_ref().map(|p| p.display().to_string()),
    })
}

#[tauri::command]
pub fn window_show_main(app: AppHandle) {
    crate::windows::show_main(&app);
}

/// Hides the window that asks (the incoming-call popup after a decision).
#[tauri::command]
pub fn window_close_self(window: WebviewWindow) -> Result<(), ShellError> {
    Ok(window.hide()?)
}
