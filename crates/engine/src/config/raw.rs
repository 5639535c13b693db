//! The file as written: serde structures with spans on every value checked after parsing.

use serde::Deserialize;
use toml::Spanned;

use super::calls::{AudioBackendKind, AutoAnswer};
use super::integrations::{ConfirmPolicy, ScreenPopOn};
use super::types::{StrayPolicy, Transport};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    #[serde(default)]
    pub sip: RawSip,
    #[serde(default)]
    pub registration: RawRegistration,
    #[serde(default)]
    pub local: RawLocal,
    #[serde(default)]
    pub log: RawLog,
    #[serde(default)]
    pub calls: RawCalls,
    #[serde(default)]
    pub media: RawMedia,
    #[serde(default)]
    pub audio: RawAudio,
    #[serde(default)]
    pub dialing: RawDialing,
    #[serde(default)]
    pub bridge: RawBridge,
    #[serde(default)]
    pub history: RawHistory,
    #[serde(default)]
    pub webhooks: Vec<RawWebhook>,
    pub screen_pop: Option<RawScreenPop>,
    #[serde(default)]
    pub accounts: Vec<RawAccount>,
    #[serde(default)]
    pub app: RawApp,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawApp {
    pub start_at_login: Option<bool>,
    pub start_minimised: Option<bool>,
    pub check_updates: Option<bool>,
    pub update_endpoint: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDialing {
    pub default_region: Option<Spanned<String>>,
    pub confirm_links: Option<bool>,
    pub confirm: Option<ConfirmPolicy>,
    pub confirm_timeout: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBridge {
    pub enabled: Option<bool>,
    pub port: Option<u16>,
    pub rate_limit_per_minute: Option<Spanned<u32>>,
    pub max_body_bytes: Option<Spanned<usize>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHistory {
    pub database: Option<Spanned<String>>,
    pub retention_days: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebhook {
    pub name: Spanned<String>,
    pub url: Spanned<String>,
    pub events: Option<Spanned<Vec<String>>>,
    pub secret_env: Option<Spanned<String>>,
    pub max_attempts: Option<Spanned<u32>>,
    pub timeout: Option<Spanned<u64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScreenPop {
    pub url: Spanned<String>,
    pub on: Option<ScreenPopOn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSip {
    pub listen: Option<Spanned<String>>,
    pub port: Option<u16>,
    pub stray_requests: Option<StrayPolicy>,
    pub keepalive_interval: Option<u64>,
    pub user_agent: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegistration {
    pub retry_min: Option<Spanned<u64>>,
    pub retry_max: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLocal {
    pub user: Option<Spanned<String>>,
    pub display_name: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLog {
    pub level: Option<Spanned<String>>,
    pub file: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCalls {
    pub call_waiting: Option<bool>,
    pub dnd: Option<bool>,
    pub no_answer_timeout: Option<Spanned<u64>>,
    pub ring_timeout: Option<Spanned<u64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMedia {
    pub codecs: Option<Spanned<Vec<String>>>,
    pub rtp_port_min: Option<Spanned<u16>>,
    pub rtp_port_max: Option<Spanned<u16>>,
    pub ptime: Option<Spanned<u32>>,
    pub jitter_min_ms: Option<Spanned<u32>>,
    pub jitter_max_ms: Option<Spanned<u32>>,
    pub rtp_timeout: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAudio {
    pub backend: Option<AudioBackendKind>,
    pub input_device: Option<Spanned<String>>,
    pub output_device: Option<Spanned<String>>,
    pub ringer_device: Option<Spanned<String>>,
    pub echo_cancellation: Option<bool>,
    pub input_file: Option<Spanned<String>>,
    pub output_file: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccount {
    pub id: Spanned<String>,
    pub display_name: Option<Spanned<String>>,
    pub user: Spanned<String>,
    pub auth_user: Option<Spanned<String>>,
    pub domain: Spanned<String>,
    pub proxy: Option<Spanned<String>>,
    pub transport: Option<Transport>,
    pub expires: Option<Spanned<u32>>,
    pub enabled: Option<bool>,
    pub password_env: Option<Spanned<String>>,
    pub realm: Option<Spanned<String>>,
    pub tls_ca_file: Option<Spanned<String>>,
    pub keepalive_interval: Option<u64>,
    pub register: Option<bool>,
    pub auto_answer: Option<AutoAnswer>,
    pub codecs: Option<Spanned<Vec<String>>>,
    pub dial_rules: Option<Spanned<dialtone_links::DialRules>>,
}

/// A lenient view of the accounts, used only to say which account a serde error is in.
#[derive(Debug, Deserialize)]
pub(super) struct AccountsOutline {
    #[serde(default)]
    pub accounts: Vec<Spanned<AccountOutline>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct AccountOutline {
    pub id: Option<toml::Value>,
}
