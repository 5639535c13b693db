//! `[dialing]`, `[bridge]`, `[history]`, `[[webhooks]]` and `[screen_pop]`: how the phone is
//! driven from CRMs and links, and what it records and reports.

use std::path::PathBuf;

use serde::Deserialize;

/// The localhost bridge's default port (`[bridge] port`).
pub const DEFAULT_BRIDGE_PORT: u16 = 17380;

/// Webhook event names a `[[webhooks]]` entry may list.
pub const WEBHOOK_EVENTS: [&str; 6] = [
    "call.started",
    "call.ringing",
    "call.answered",
    "call.ended",
    "call.missed",
    "registration.changed",
];

/// What happens to a dial request that needs the person's confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConfirmPolicy {
    /// Emit `dial.confirm_requested` and wait for `dial.confirm` (default; the app asks).
    #[default]
    Ask,
    /// Dial without asking (a headless phone whose sources are all trusted).
    Allow,
    /// Refuse without asking (a headless phone that must never dial for a web page).
    Deny,
}

/// `[dialing]`: numbers and the dial-confirmation policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialingConfig {
    /// ISO 3166 region for national numbers (`DE`: `030 1234567` → `+49301234567`);
    /// `None`: numbers are dialled as typed (separators dropped).
    pub default_region: Option<String>,
    /// Ask before dialling a `tel:`/`sip:`/`callto:` link (default true).
    pub confirm_links: bool,
    /// What a dial that needs confirmation does (default ask).
    pub confirm: ConfirmPolicy,
    /// How long a confirmation request waits before it lapses, seconds (default 30).
    pub confirm_timeout: u64,
}

impl Default for DialingConfig {
    fn default() -> Self {
        DialingConfig {
            default_region: None,
            confirm_links: true,
            confirm: ConfirmPolicy::Ask,
            confirm_timeout: 30,
        }
    }
}

/// `[bridge]`: the localhost HTTP + WebSocket API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeSettings {
    /// Off: no bridge is started (default on).
    pub enabled: bool,
    /// Port on 127.0.0.1 and ::1 (default 17380; 0 picks a free one).
    pub port: u16,
    /// Click-to-dial requests (`POST /v1/calls`) allowed per minute (default 6).
    pub rate_limit_per_minute: u32,
    /// Largest request body accepted, bytes (default 16384).
    pub max_body_bytes: usize,
}

impl Default for BridgeSettings {
    fn default() -> Self {
        BridgeSettings {
            enabled: true,
            port: DEFAULT_BRIDGE_PORT,
            rate_limit_per_minute: 6,
            max_body_bytes: 16 * 1024,
        }
    }
}

/// `[history]`: the call history database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryConfig {
    /// The SQLite file; `None`: `<data dir>/dialtone/dialtone.db`.
    pub database: Option<PathBuf>,
    /// Rows older than this many days are deleted; 0 keeps everything (default 365).
    pub retention_days: u32,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        HistoryConfig {
            database: None,
            retention_days: 365,
        }
    }
}

impl HistoryConfig {
    /// The database file: the configured one, else the per-user data directory's.
    pub fn database_path(&self) -> Option<PathBuf> {
        self.database.clone().or_else(|| {
            directories::ProjectDirs::from("", "", "dialtone")
                .map(|dirs| dirs.data_dir().join("dialtone.db"))
        })
    }
}

/// Where a webhook's signing secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable (headless servers).
    Env(String),
    /// The OS keyring entry `webhook:<name>` (`dialtone set-password webhook:<name>`).
    Keyring,
}

/// One `[[webhooks]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    pub name: String,
    /// `http://` or `https://`.
    pub url: String,
    /// Event names from [`WEBHOOK_EVENTS`]; empty: all of them.
    pub events: Vec<String>,
    pub secret: SecretSource,
    /// Attempts before a delivery is given up (default 8).
    pub max_attempts: u32,
    /// Per-attempt timeout, seconds (default 10).
    pub timeout: u64,
}

/// When the screen-pop URL is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScreenPopOn {
    /// When an incoming call starts ringing (default).
    #[default]
    Incoming,
    /// When a call (either way) is answered.
    Answered,
}

/// `[screen_pop]`: open a CRM page for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenPopConfig {
    /// `https://crm.example.com/search?phone={e164}`; placeholders `{e164}`, `{number}`,
    /// `{name}`, `{callId}`, `{direction}`, `{accountId}`.
    pub url: String,
    pub on: ScreenPopOn,
}
