//! Account passwords: from an environment variable (headless) or the OS keyring.
//!
//! The keyring entry of an account is service `dialtone`, user = the account id.
//!
//! On Linux the store is the Secret Service (GNOME Keyring, KWallet) over the session
//! D-Bus: it keeps secrets across reboots. The kernel keyutils session keyring is a cache in
//! front of it: it is read first (so entries stored there by earlier versions, which used
//! keyutils alone, still work), filled from the Secret Service on a miss, and written along
//! with it. Storing needs the Secret Service; there is no fallback to a store that forgets
//! (or worse, to a file). Where keyutils is unavailable (a sandbox that forbids `keyctl`)
//! the Secret Service is used alone. A headless server without a session bus should use
//! `password_env`. macOS and Windows use their native stores.
//!
//! No message produced here ever contains a password.

use crate::config::AccountConfig;

/// Keyring service name under which passwords are stored.
pub const KEYRING_SERVICE: &str = "dialtone";

/// Why a password could not be obtained or stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// `password_env` names a variable that is not set (or is empty / not UTF-8).
    #[error("account `{account}`: environment variable {var} is not set (or is empty or not valid UTF-8)")]
    EnvMissing { account: String, var: String },
    /// No usable OS keyring (no secure storage on this system or it cannot be reached).
    #[error("account `{account}`: no usable keyring: {message}; set `password_env` in the config instead")]
    NoKeyring { account: String, message: String },
    /// The keyring has no password for this account.
    #[error("account `{account}`: no password stored in the keyring (service `dialtone`, user `{account}`)")]
    NotFound { account: String },
    /// Any other keyring failure.
    #[error("account `{account}`: keyring error: {message}")]
    Keyring { account: String, message: String },
}

/// The password of `account`: from `password_env` when set, otherwise from the OS keyring
/// entry (service `dialtone`, user = account id).
pub fn password_for(account: &AccountConfig) -> Result<String, SecretError> {
    match &account.password_env {
        Some(var) => match std::env::var(var) {
            Ok(p) if !p.is_empty() => Ok(p),
            _ => Err(SecretError::EnvMissing {
                account: account.id.clone(),
                var: var.clone(),
            }),
        },
        None => store::get(&account.id).map_err(|e| keyring_error(&account.id, e)),
    }
}

/// The signing secret of a `[[webhooks]]` entry: from `secret_env` when set, otherwise the
/// keyring entry (service `dialtone`, user `webhook:<name>`).
pub fn webhook_secret(webhook: &crate::config::WebhookConfig) -> Result<String, SecretError> {
    let who = format!("webhook:{}", webhook.name);
    match &webhook.secret {
        crate::config::SecretSource::Env(var) => match std::env::var(var) {
            Ok(p) if !p.is_empty() => Ok(p),
            _ => Err(SecretError::EnvMissing {
                account: who,
                var: var.clone(),
            }),
        },
        _ => store::get(&who).map_err(|e| keyring_error(&who, e)),
    }
}

/// Stores `password` in the OS keyring for `account_id` (replacing any previous one).
pub fn store_password(account_id: &str, password: &str) -> Result<(), SecretError> {
    store::set(account_id, password).map_err(|e| keyring_error(account_id, e))
}

/// Whether the keyring holds a password for `account_id` (a missing entry is `Ok(false)`).
pub fn has_stored_password(account_id: &str) -> Result<bool, SecretError> {
    match store::get(account_id) {
        Ok(_) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(keyring_error(account_id, e)),
    }
}

/// Whether an OS keyring can be reached: an entry that need not exist is looked up, and
/// nothing is written. `Err(NoKeyring)` when no service answers.
pub fn keyring_available() -> Result<(), SecretError> {
    const PROBE: &str = "dialtone-keyring-probe";
    match store::get(PROBE) {
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(keyring_error(PROBE, e)),
    }
}

/// The OS store behind [`KEYRING_SERVICE`] entries.
#[cfg(target_os = "linux")]
mod store {
    use keyring::credential::CredentialApi;
    use keyring::keyutils::KeyutilsCredential;
    use keyring::secret_service::SsCredential;

    use super::KEYRING_SERVICE;

    fn cache(user: &str) -> Option<KeyutilsCredential> {
        KeyutilsCredential::new_with_target(None, KEYRING_SERVICE, user).ok()
    }

    fn secret_service(user: &str) -> keyring::Result<SsCredential> {
        SsCredential::new_with_target(None, KEYRING_SERVICE, user)
    }

    /// The keyutils cache first, then the Secret Service (whose answer is cached).
    pub(super) fn get(user: &str) -> keyring::Result<String> {
        let cache = cache(user);
        if let Some(Ok(password)) = cache.as_ref().map(KeyutilsCredential::get_password) {
            return Ok(password);
        }
        let password = secret_service(user)?.get_password()?;
        if let Some(cache) = cache {
            // A cache that cannot be filled only costs a D-Bus round trip next time.
            let _ = cache.set_password(&password);
        }
        Ok(password)
    }

    /// The Secret Service, which must succeed; then the cache (dropped if it cannot be
    /// updated, so it never answers with an old password).
    pub(super) fn set(user: &str, password: &str) -> keyring::Result<()> {
        secret_service(user)?.set_password(password)?;
        if let Some(cache) = cache(user) {
            if cache.set_password(password).is_err() {
                let _ = cache.delete_credential();
            }
        }
        Ok(())
    }
}

/// The OS store behind [`KEYRING_SERVICE`] entries.
#[cfg(not(target_os = "linux"))]
mod store {
    use super::KEYRING_SERVICE;

    pub(super) fn get(user: &str) -> keyring::Result<String> {
        keyring::Entry::new(KEYRING_SERVICE, user)?.get_password()
    }

    pub(super) fn set(user: &str, password: &str) -> keyring::Result<()> {
        keyring::Entry::new(KEYRING_SERVICE, user)?.set_password(password)
    }
}

fn keyring_error(account_id: &str, e: keyring::Error) -> SecretError {
    let account = account_id.to_owned();
    match e {
        keyring::Error::NoEntry => SecretError::NotFound { account },
        keyring::Error::PlatformFailure(_) | keyring::Error::NoStorageAccess(_) => {
            SecretError::NoKeyring {
                account,
                message: e.to_string(),
            }
        }
        // The Display of Ambiguous lists credentials; keep the message short.
        keyring::Error::Ambiguous(items) => SecretError::Keyring {
            account,
            message: format!("{} matching keyring entries", items.len()),
        },
        other => SecretError::Keyring {
            account,
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn account(id: &str, password_env: Option<&str>) -> AccountConfig {
        let env_line = password_env
            .map(|v| format!("password_env = \"{v}\"\n"))
            .unwrap_or_default();
        let text = format!(
            "[[accounts]]\nid = \"{id}\"\nuser = \"1001\"\ndomain = \"127.0.0.1\"\n{env_line}"
        );
        match Config::parse(&text, None) {
            Ok(mut c) => c.accounts.remove(0),
            Err(e) => panic!("test config rejected: {e}"),
        }
    }

    #[test]
    fn env_password_found() {
        let var = "DIALTONE_TEST_SECRETS_ENV_FOUND";
        std::env::set_var(var, "s3cret-pass");
        let acc = account("work", Some(var));
        assert_eq!(password_for(&acc).ok().as_deref(), Some("s3cret-pass"));
        std::env::remove_var(var);
    }

    #[test]
    fn env_password_missing() {
        let var = "DIALTONE_TEST_SECRETS_ENV_MISSING";
        std::env::remove_var(var);
        let acc = account("work", Some(var));
        let err = password_for(&acc).err();
        assert!(
            matches!(&err, Some(SecretError::EnvMissing { account, var: v }) if account == "work" && v == var),
            "{err:?}"
        );
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("work") && msg.contains(var), "{msg}");
    }

    #[test]
    fn env_password_empty_is_missing() {
        let var = "DIALTONE_TEST_SECRETS_ENV_EMPTY";
        std::env::set_var(var, "");
        let acc = account("home", Some(var));
        assert!(matches!(
            password_for(&acc),
            Err(SecretError::EnvMissing { .. })
        ));
        std::env::remove_var(var);
    }

    #[test]
    fn keyring_errors_are_mapped_without_secrets() {
        let e = keyring_error("work", keyring::Error::NoEntry);
        assert!(matches!(&e, SecretError::NotFound { account } if account == "work"));
        assert!(e.to_string().contains("work"));

        let e = keyring_error("work", keyring::Error::BadEncoding(b"hunter2".to_vec()));
        assert!(matches!(e, SecretError::Keyring { .. }));
        assert!(!e.to_string().contains("hunter2"), "{e}");

        let e = keyring_error(
            "work",
            keyring::Error::PlatformFailure("no session keyring".into()),
        );
        assert!(matches!(e, SecretError::NoKeyring { .. }));
    }
}
