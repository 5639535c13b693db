//! The TOML configuration file: types, loading and validation.
//!
//! [`Config::load`] reads, parses and validates a file; every error carries the file's
//! path and a 1-based `line:column` (see [`ConfigError`]). Tables reject unknown keys so
//! typos are reported instead of silently ignored. `config/dialtone.example.toml` at the
//! repository root documents every key.

mod app;
mod calls;
mod error;
mod integrations;
mod raw;
mod types;
mod validate;
mod validate_calls;
mod validate_integrations;

#[cfg(test)]
mod tests;

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use app::{check_update_endpoint, AppConfig};
pub use calls::{
    check_codecs, AudioBackendKind, AudioConfig, AutoAnswer, CallsConfig, MediaConfig,
};
pub use error::ConfigError;
pub use integrations::{
    BridgeSettings, ConfirmPolicy, DialingConfig, HistoryConfig, ScreenPopConfig, ScreenPopOn,
    SecretSource, WebhookConfig, DEFAULT_BRIDGE_PORT, WEBHOOK_EVENTS,
};
pub use types::{HostPort, ProxyUri, StrayPolicy, Transport};

/// Default SIP listening port.
pub const DEFAULT_PORT: u16 = 5060;
/// Default NAT keep-alive interval, in seconds.
pub const DEFAULT_KEEPALIVE_INTERVAL: u64 = 25;
/// Default REGISTER expiry, in seconds.
pub const DEFAULT_EXPIRES: u32 = 600;
/// Smallest accepted REGISTER expiry, in seconds.
pub const MIN_EXPIRES: u32 = 10;
/// Largest accepted REGISTER expiry, in seconds (one day).
pub const MAX_EXPIRES: u32 = 86_400;
/// Default first registration retry delay, in seconds.
pub const DEFAULT_RETRY_MIN: u64 = 1;
/// Default registration retry delay cap, in seconds.
pub const DEFAULT_RETRY_MAX: u64 = 300;
/// The User-Agent used when `sip.user_agent` is not set.
pub const DEFAULT_USER_AGENT: &str = concat!("Dialtone/", env!("CARGO_PKG_VERSION"));

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub sip: SipConfig,
    pub registration: RegistrationConfig,
    /// The built-in account used when no `[[accounts]]` are configured.
    pub local: LocalAccount,
    pub log: LogConfig,
    pub calls: CallsConfig,
    pub media: MediaConfig,
    pub audio: AudioConfig,
    pub dialing: DialingConfig,
    pub bridge: BridgeSettings,
    pub history: HistoryConfig,
    pub webhooks: Vec<WebhookConfig>,
    pub screen_pop: Option<ScreenPopConfig>,
    pub accounts: Vec<AccountConfig>,
    /// `[app]`: the desktop app's preferences (headless `dialtone serve` ignores them).
    pub app: AppConfig,
    /// The file this was loaded from, if any.
    pub source: Option<PathBuf>,
}

/// `[sip]`: the local SIP endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipConfig {
    /// Address to bind (default `0.0.0.0`).
    pub listen: IpAddr,
    /// UDP and TCP listening port; 0 picks any free port (default 5060).
    pub port: u16,
    /// What to do with requests not from an account's registrar or proxy (default reject).
    pub stray_requests: StrayPolicy,
    /// NAT keep-alive interval in seconds; 0 turns it off (default 25).
    pub keepalive_interval: u64,
    /// User-Agent header; `None` means [`DEFAULT_USER_AGENT`].
    pub user_agent: Option<String>,
}

impl SipConfig {
    /// The User-Agent to send: the configured one or [`DEFAULT_USER_AGENT`].
    pub fn user_agent(&self) -> &str {
        self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT)
    }
}

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            listen: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: DEFAULT_PORT,
            stray_requests: StrayPolicy::default(),
            keepalive_interval: DEFAULT_KEEPALIVE_INTERVAL,
            user_agent: None,
        }
    }
}

/// `[registration]`: retry backoff after a registrar is unreachable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationConfig {
    /// First backoff, seconds (>= 1, default 1).
    pub retry_min: u64,
    /// Backoff cap, seconds (>= retry_min, default 300).
    pub retry_max: u64,
}

impl RegistrationConfig {
    pub fn retry_min_duration(&self) -> Duration {
        Duration::from_secs(self.retry_min)
    }

    pub fn retry_max_duration(&self) -> Duration {
        Duration::from_secs(self.retry_max)
    }
}

impl Default for RegistrationConfig {
    fn default() -> Self {
        RegistrationConfig {
            retry_min: DEFAULT_RETRY_MIN,
            retry_max: DEFAULT_RETRY_MAX,
        }
    }
}

/// `[local]`: the built-in account used when no `[[accounts]]` are configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalAccount {
    /// User part of the local address (default `dialtone`).
    pub user: String,
    /// Display name (default `Dialtone`).
    pub display_name: Option<String>,
}

impl Default for LocalAccount {
    fn default() -> Self {
        LocalAccount {
            user: "dialtone".to_owned(),
            display_name: Some("Dialtone".to_owned()),
        }
    }
}

/// `[log]`: logging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// A `tracing` filter directive (default `info`).
    pub level: String,
    /// Log file; relative paths are resolved against the config file's folder.
    pub file: Option<PathBuf>,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            level: "info".to_owned(),
            file: None,
        }
    }
}

/// One `[[accounts]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountConfig {
    /// Unique, `[A-Za-z0-9_-]+`; also the keyring user name.
    pub id: String,
    pub display_name: Option<String>,
    /// User part of the address of record.
    pub user: String,
    /// Digest user name, when different from `user`.
    pub auth_user: Option<String>,
    /// Registrar host[:port], also the domain of the address of record.
    pub domain: HostPort,
    /// Outbound proxy.
    pub proxy: Option<ProxyUri>,
    pub transport: Transport,
    /// REGISTER expiry, seconds ([`MIN_EXPIRES`]..=[`MAX_EXPIRES`], default 600).
    pub expires: u32,
    pub enabled: bool,
    /// Environment variable holding the password (headless use).
    pub password_env: Option<String>,
    /// Only answer digest challenges for this realm.
    pub realm: Option<String>,
    /// Extra CA certificate (PEM) to trust for tls/wss; checked to exist at load time,
    /// relative paths resolved against the config file's folder.
    pub tls_ca_file: Option<PathBuf>,
    /// Per-account keep-alive override, seconds (0 = off).
    pub keepalive_interval: Option<u64>,
    /// Whether to REGISTER (false: outbound calls only).
    pub register: bool,
    /// When calls are answered by themselves (default never).
    pub auto_answer: AutoAnswer,
    /// Codec preference for this account; `None` = `[media] codecs`.
    pub codecs: Option<Vec<String>>,
    /// How numbers (normalised to E.164 with `[dialing] default_region`) are rewritten before
    /// the INVITE: strip `+`, international or outside-line prefix, national form.
    pub dial_rules: dialtone_links::DialRules,
}

impl AccountConfig {
    /// The digest user name: `auth_user`, or `user` when unset.
    pub fn auth_user(&self) -> &str {
        self.auth_user.as_deref().unwrap_or(&self.user)
    }

    /// The address of record, `sip:user@host[:port]`, with the domain as configured.
    pub fn aor(&self) -> String {
        format!("sip:{}@{}", self.user, self.domain)
    }

    /// The codec preference for this account: its own list or the `[media]` one.
    pub fn codecs_or<'a>(&'a self, media: &'a MediaConfig) -> &'a [String] {
        self.codecs.as_deref().unwrap_or(&media.codecs)
    }

    /// The keep-alive interval for this account: its override or the `[sip]` one.
    pub fn keepalive_interval_or(&self, sip: &SipConfig) -> u64 {
        self.keepalive_interval.unwrap_or(sip.keepalive_interval)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sip: SipConfig::default(),
            registration: RegistrationConfig::default(),
            local: LocalAccount::default(),
            log: LogConfig::default(),
            calls: CallsConfig::default(),
            media: MediaConfig::default(),
            audio: AudioConfig::defaults(),
            dialing: DialingConfig::default(),
            bridge: BridgeSettings::default(),
            history: HistoryConfig::default(),
            webhooks: Vec::new(),
            screen_pop: None,
            accounts: Vec::new(),
            app: AppConfig::default(),
            source: None,
        }
    }
}

impl Config {
    /// Reads, parses and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, Some(path))
    }

    /// Parses and validates `text`. `path` is used in error messages, as [`Config::source`],
    /// and to resolve relative file paths (against its folder; else the current directory).
    pub fn parse(text: &str, path: Option<&Path>) -> Result<Config, ConfigError> {
        validate::parse(text, path)
    }

    /// The per-user config file: `<config dir>/dialtone/config.toml`
    /// (e.g. `~/.config/dialtone/config.toml` on Linux); `None` without a home directory.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "dialtone")
            .map(|dirs| dirs.config_dir().join("config.toml"))
    }

    /// Loads `path` if given (it must exist); otherwise the [default path](Config::default_path)
    /// if that file exists, else the built-in defaults.
    pub fn load_or_default(path: Option<&Path>) -> Result<Config, ConfigError> {
        match path {
            Some(path) => Config::load(path),
            None => match Config::default_path() {
                Some(path) => Config::load_if_exists(&path),
                None => Ok(Config::default()),
            },
        }
    }

    /// Loads `path`, or returns the defaults when it does not exist.
    fn load_if_exists(path: &Path) -> Result<Config, ConfigError> {
        match Config::load(path) {
            Err(ConfigError::Read { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(Config::default())
            }
            other => other,
        }
    }

    /// The account with this id.
    pub fn account(&self, id: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.id == id)
    }
}
