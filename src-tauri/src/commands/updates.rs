//! Update checks and installs, and copying to the clipboard.

use dialtone_api::UpdateInfo;
use tauri::{AppHandle, Manager};
use tauri_plugin_clipboard_manager::ClipboardExt;

use crate::error::ShellError;
use crate::state::Shell;

#[tauri::command]
pub async fn updates_check(app: AppHandle) -> Result<UpdateInfo, ShellError> {
    let endpoint = app.state::<Shell>().update_endpoint();
    crate::updates::check(&app, endpoint.as_deref()).await
}

#[tauri::command]
pub async fn updates_install(app: AppHandle) -> Result<(), ShellError> {
    crate::updates::install(&app).await
}

#[tauri::command]
pub fn clipboard_write(app: AppHandle, text: String) -> Result<(), ShellError> {
    Ok(app.clipboard().write_text(text)?)
}
