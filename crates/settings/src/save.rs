//! Writing settings into the config file.

use std::path::Path;

use dialtone_api::Settings;
use dialtone_engine::config::{AppConfig, Config};

use crate::load::{config_error, read_config};
use crate::{fs, map, toml_write, SettingsError};

/// What [`save`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The configuration now in the file, as the engine reads it.
    pub config: Config,
    /// Something besides `[app]` changed: the phone service must restart to apply it.
    pub restart_needed: bool,
}

/// Writes `settings` into the config file at `config_path`.
///
/// Only the values that differ from the file are edited, in place: comments, key order and
/// every key the settings do not cover stay as they are. Accounts are matched by id and
/// webhooks by name (a new one is appended, a missing one removed). The result is checked
/// with the engine's parser first: a refused value gives [`SettingsError::Invalid`] naming
/// the field, and the file is left untouched. The file is then replaced atomically (mode
/// 0600; its folder is created when missing). `has_password` is ignored.
pub fn save(config_path: &Path, settings: &Settings) -> Result<Saved, SettingsError> {
    let (existing, old_config) = read_config(config_path)?;
    let mut doc: toml_edit::DocumentMut =
        existing
            .as_deref()
            .unwrap_or_default()
            .parse()
            .map_err(|e: toml_edit::TomlError| SettingsError::Toml {
                path: config_path.to_path_buf(),
                message: e.to_string().trim_end().to_owned(),
            })?;
    let new = map::normalised(settings);
    toml_write::apply(&mut doc, &map::to_settings(&old_config), &new);
    let text = doc.to_string();
    let config =
        Config::parse(&text, Some(config_path)).map_err(|e| config_error(e, &text, Some(&new)))?;
    if existing.as_deref() != Some(text.as_str()) {
        fs::write_atomic(config_path, &text)?;
    }
    let restart_needed = without_app(&old_config) != without_app(&config);
    Ok(Saved {
        config,
        restart_needed,
    })
}

fn without_app(c: &Config) -> Config {
    Config {
        app: AppConfig::default(),
        source: None,
        ..c.clone()
    }
}
