//! The localhost bridge's port, token and paired web origins.

use dialtone_api::BridgeInfo;
use dialtone_store::Store;
use tauri::State;

use crate::error::ShellError;
use crate::state::Shell;

async fn info(shell: &Shell, store: &Store) -> Result<BridgeInfo, ShellError> {
    Ok(BridgeInfo {
        port: shell.bridge_port().await,
        token: dialtone_bridge::ensure_token(store)?,
        origins: store.origins()?,
    })
}

#[tauri::command]
pub async fn bridge_info(shell: State<'_, Shell>) -> Result<BridgeInfo, ShellError> {
    let store = shell.store().await?;
    info(&shell, &store).await
}

#[tauri::command]
pub async fn bridge_regenerate_token(shell: State<'_, Shell>) -> Result<BridgeInfo, ShellError> {
    let store = shell.store().await?;
    dialtone_bridge::regenerate_token(&store)?;
    info(&shell, &store).await
}

#[tauri::command]
pub async fn bridge_approve_origin(
    shell: State<'_, Shell>,
    origin: String,
    silent_dial: bool,
) -> Result<BridgeInfo, ShellError> {
    let store = shell.store().await?;
    store.approve_origin(&origin, silent_dial)?;
    info(&shell, &store).await
}

#[tauri::command]
pub async fn bridge_revoke_origin(
    shell: State<'_, Shell>,
    origin: String,
) -> Result<BridgeInfo, ShellError> {
    let store = shell.store().await?;
    store.revoke_origin(&origin)?;
    info(&shell, &store).await
}
