use serde::{Deserialize, Serialize};

use crate::AccountId;

/// Everything the phone can be asked to do. Serialised as
/// `{"command": "account.reregister", "args": {"accountId": "work"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", content = "args")]
#[non_exhaustive]
pub enum Command {
    /// Enable an account and register it.
    #[serde(rename = "account.enable", rename_all = "camelCase")]
    EnableAccount { account_id: AccountId },
    /// Unregister an account and keep it idle.
    #[serde(rename = "account.disable", rename_all = "camelCase")]
    DisableAccount { account_id: AccountId },
    /// Send a fresh REGISTER now (also clears `auth_failed` and any backoff).
    #[serde(rename = "account.reregister", rename_all = "camelCase")]
    Reregister { account_id: AccountId },
}
