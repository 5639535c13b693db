//! Account passwords in the OS keyring, under the entry the engine reads.

use dialtone_engine::config::AccountConfig;
use dialtone_engine::secrets::{self, SecretError};

use crate::SettingsError;

/// What the person is told when no keyring service answers.
pub const NO_KEYRING_MESSAGE: &str = "no keyring service (Secret Service) is running: install and unlock GNOME Keyring or KWallet, or set password_env in the config";

/// Stores `password` for `account_id` in the OS keyring (service `dialtone`, user = the
/// account id), replacing any earlier one. There is no fallback: without a keyring this
/// fails with [`SettingsError::NoKeyring`].
pub fn set_password(account_id: &str, password: &str) -> Result<(), SettingsError> {
    secrets::store_password(account_id, password).map_err(keyring_error)
}

/// Whether an OS keyring service can be reached (it is asked for an entry that need not
/// exist; nothing is written).
pub fn keyring_status() -> Result<(), SettingsError> {
    secrets::keyring_available().map_err(keyring_error)
}

/// Whether the account's password can be found: its `password_env` variable is set and
/// not empty, or the keyring has an entry. Keyring failures count as "no".
pub(crate) fn has_password(account: &AccountConfig) -> bool {
    let from_env = account
        .password_env
        .as_deref()
        .is_some_and(|var| std::env::var(var).is_ok_and(|v| !v.is_empty()));
    from_env || secrets::has_stored_password(&account.id).unwrap_or(false)
}

fn keyring_error(e: SecretError) -> SettingsError {
    match e {
        SecretError::NoKeyring { message, .. } => SettingsError::NoKeyring {
            message: format!("{NO_KEYRING_MESSAGE} ({message})"),
        },
        other => SettingsError::Keyring {
            message: other.to_string(),
        },
    }
}
