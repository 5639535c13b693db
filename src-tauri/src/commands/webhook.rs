//! A signed test delivery to a configured webhook (what `dialtone webhook test` does).

use tauri::State;

use crate::error::ShellError;
use crate::state::Shell;

/// Resolves to the HTTP status the endpoint answered.
#[tauri::command]
pub async fn webhook_test(shell: State<'_, Shell>, name: String) -> Result<u16, ShellError> {
    let config = shell.config();
    let entry = config
        .webhooks
        .iter()
        .find(|w| w.name == name)
        .ok_or(ShellError::UnknownWebhook(name.clone()))?;
    let endpoint = dialtone_service::webhooks::endpoint(entry)?;
    Ok(dialtone_webhooks::test_delivery(&endpoint).await?.status)
}
