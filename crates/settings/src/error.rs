//! Why settings could not be read, saved or a password stored.

use std::io;
use std::path::PathBuf;

/// A settings failure, with a stable [`code`](SettingsError::code) for the UI.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The config file (or its folder) could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The existing config file is not valid TOML, so it cannot be edited safely.
    #[error("{}: not a valid TOML file: {message}", path.display())]
    Toml { path: PathBuf, message: String },
    /// A value is refused by the config's validation. `field` names it as the settings
    /// document does (`accounts[0].transport`, `integrations.screenPopUrl`), or as the config
    /// file does (`sip.port`) for keys the settings do not cover.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// No OS keyring service can be reached.
    #[error("{message}")]
    NoKeyring { message: String },
    /// The keyring answered with an error.
    #[error("keyring error: {message}")]
    Keyring { message: String },
}

impl SettingsError {
    /// A stable snake_case code the UI can switch on.
    pub fn code(&self) -> &'static str {
        match self {
            SettingsError::Io { .. } => "io_error",
            SettingsError::Toml { .. } => "invalid_toml",
            SettingsError::Invalid { .. } => "invalid_setting",
            SettingsError::NoKeyring { .. } => "keyring_unavailable",
            SettingsError::Keyring { .. } => "keyring_error",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SettingsError;

    #[test]
    fn codes_are_distinct() {
        let all = [
            SettingsError::Io {
                path: "/x".into(),
                source: std::io::Error::other("x"),
            },
            SettingsError::Toml {
                path: "/x".into(),
                message: "x".into(),
            },
            SettingsError::Invalid {
                field: "f".into(),
                message: "m".into(),
            },
            SettingsError::NoKeyring {
                message: "m".into(),
            },
            SettingsError::Keyring {
                message: "m".into(),
            },
        ];
        let mut codes: Vec<_> = all.iter().map(SettingsError::code).collect();
        assert_eq!(codes[2], "invalid_setting");
        assert_eq!(codes[3], "keyring_unavailable");
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}
