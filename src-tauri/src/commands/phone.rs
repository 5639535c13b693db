//! The phone itself: status and every command.

use dialtone_api::{Command, CommandResult, DialSource, DialSourceKind, Status};
use dialtone_engine::DialRequest;
use tauri::{AppHandle, Manager, State};

use crate::error::ShellError;
use crate::state::Shell;

#[tauri::command]
pub async fn phone_status(shell: State<'_, Shell>) -> Result<Status, ShellError> {
    Ok(shell.phone().await?.status())
}

/// Any phone command. `call.dial` counts as the person dialling (source `app`, trusted).
#[tauri::command]
pub async fn phone_execute(app: AppHandle, command: Command) -> Result<CommandResult, ShellError> {
    match command {
        Command::Dial { to, account_id } => dial_from_app(&app, to, account_id).await,
        command => Ok(app.state::<Shell>().phone().await?.execute(command).await?),
    }
}

/// The request a dial from the app (window, tray) becomes.
pub fn app_request(to: String, account_id: Option<String>) -> DialRequest {
    DialRequest {
        to,
        account_id,
        source: DialSource::new(DialSourceKind::App),
        trusted: true,
    }
}

pub async fn dial_from_app(
    app: &AppHandle,
    to: String,
    account_id: Option<String>,
) -> Result<CommandResult, ShellError> {
    let phone = app.state::<Shell>().phone().await?;
    Ok(phone.request_dial(app_request(to, account_id)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dial_from_the_app_is_trusted_and_keeps_its_account() {
        let r = app_request("1002".into(), Some("work".into()));
        assert!(r.trusted);
        assert_eq!(r.source.kind, DialSourceKind::App);
        assert_eq!(r.account_id.as_deref(), Some("work"));
    }
}
