//! Reading the config file as settings.

use std::path::Path;

use dialtone_api::Settings;
use dialtone_engine::config::{Config, ConfigError};

use crate::{field, fs, map, password, SettingsError};

/// The settings in the config file at `config_path`; a missing file gives the engine's
/// defaults. `has_password` tells whether each account's password can be found (its
/// `password_env` variable is set, or the keyring has an entry); a keyring that cannot be
/// reached counts as "no password", never as an error.
pub fn load(config_path: &Path) -> Result<Settings, SettingsError> {
    let (_, config) = read_config(config_path)?;
    let mut settings = map::to_settings(&config);
    for (s, a) in settings.accounts.iter_mut().zip(&config.accounts) {
        s.has_password = password::has_password(a);
    }
    Ok(settings)
}

/// The file's text (`None` when missing) and its checked configuration.
pub(crate) fn read_config(path: &Path) -> Result<(Option<String>, Config), SettingsError> {
    match fs::read_existing(path)? {
        None => Ok((None, Config::default())),
        Some(text) => {
            if let Err(e) = text.parse::<toml_edit::DocumentMut>() {
                return Err(SettingsError::Toml {
                    path: path.to_path_buf(),
                    message: e.to_string().trim_end().to_owned(),
                });
            }
            let config =
                Config::parse(&text, Some(path)).map_err(|e| config_error(e, &text, None))?;
            Ok((Some(text), config))
        }
    }
}

/// A validation error, naming the field it is about.
pub(crate) fn config_error(
    e: ConfigError,
    text: &str,
    settings: Option<&Settings>,
) -> SettingsError {
    match e {
        ConfigError::Invalid {
            line,
            column,
            message,
            ..
        } => SettingsError::Invalid {
            field: field::field_at(text, line, column, settings)
                .unwrap_or_else(|| format!("line {line}")),
            message,
        },
        ConfigError::Read { path, source } => SettingsError::Io { path, source },
        other => SettingsError::Invalid {
            field: String::new(),
            message: other.to_string(),
        },
    }
}
