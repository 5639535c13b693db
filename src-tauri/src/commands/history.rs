//! The call history.

use dialtone_api::{HistoryPage, HistoryQuery};
use tauri::State;

use crate::error::ShellError;
use crate::state::Shell;

#[tauri::command]
pub async fn history_query(
    shell: State<'_, Shell>,
    query: HistoryQuery,
) -> Result<HistoryPage, ShellError> {
    let store = shell.store().await?;
    Ok(
        tauri::async_runtime::spawn_blocking(move || store.history(&query))
            .await
            .map_err(|_| ShellError::NotRunning)??,
    )
}
