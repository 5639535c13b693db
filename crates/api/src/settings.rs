//! What the desktop app's settings screens read and write. The shell maps these onto the
//! config file (accounts, audio, calls, integrations) and its own store (app preferences);
//! passwords never travel in them: they go straight to the OS keyring.

use serde::{Deserialize, Serialize};

use crate::{AccountId, OriginEntry};

/// Every setting the app shows, in one document.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub accounts: Vec<AccountSettings>,
    pub audio: AudioSettings,
    pub calls: CallSettings,
    pub integrations: IntegrationSettings,
    pub app: AppSettings,
}

/// A SIP account as the settings screen edits it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountSettings {
    pub id: AccountId,
    pub display_name: Option<String>,
    /// The user part of the address of record (`1001`).
    pub user: String,
    /// The digest user name when it differs from `user`.
    pub auth_user: Option<String>,
    /// The registrar's domain, `pbx.example.com` or `pbx.example.com:5070`.
    pub domain: String,
    /// An outbound proxy, `sip:proxy.example.com:5060`.
    pub proxy: Option<String>,
    /// `udp`, `tcp`, `tls`, `ws` or `wss`.
    pub transport: String,
    pub enabled: bool,
    /// Registration lifetime asked for, seconds.
    pub expires: u32,
    /// Read only: whether a password is stored for it (in the keyring or an environment
    /// variable). Ignored when saving.
    #[serde(default)]
    pub has_password: bool,
}

/// Audio devices by id (or name); `None` means the system default.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AudioSettings {
    pub input_device: Option<String>,
    pub output_device: Option<String>,
    pub ringer_device: Option<String>,
    pub echo_cancellation: bool,
}

/// The audio devices there are now (refreshed on hot-plug).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AudioDevices {
    pub inputs: Vec<AudioDeviceInfo>,
    pub outputs: Vec<AudioDeviceInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AudioDeviceInfo {
    /// A stable id (`alsa:hw:CARD=Headset,DEV=0`): what the settings store.
    pub id: String,
    /// The human name (`USB Headset`).
    pub name: String,
    pub is_default: bool,
}

/// The microphone level while the settings screen's meter runs, a few times a second.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AudioLevel {
    /// Root mean square of the last frames, 0.0–1.0 of full scale.
    pub rms: f32,
    /// The loudest sample of the last frames, 0.0–1.0 of full scale.
    pub peak: f32,
}

/// How a dial from an unpaired page or tool is handled when nobody is asked
/// (`[dialing] confirm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConfirmPolicySetting {
    #[default]
    Ask,
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CallSettings {
    /// Ask before dialling a clicked `tel:`/`sip:`/`callto:` link.
    pub confirm_links: bool,
    /// Dials from pages and tools that are not trusted to dial silently.
    pub confirm: ConfirmPolicySetting,
    /// Let a second incoming call ring while one is up.
    pub call_waiting: bool,
    /// Do-not-disturb at start (it can be switched at run time too).
    pub dnd: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct IntegrationSettings {
    pub bridge_enabled: bool,
    pub bridge_port: u16,
    /// ISO 3166 region for numbers without a country code (`DE`, `US`).
    pub default_region: Option<String>,
    /// A URL template opened on calls (`https://crm.example.com/search?phone={e164}`).
    pub screen_pop_url: Option<String>,
    /// `incoming` or `answered`.
    pub screen_pop_on: String,
    pub webhooks: Vec<WebhookSettings>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct WebhookSettings {
    pub name: String,
    pub url: String,
    /// Event names (`call.ended`, …); empty means all.
    pub events: Vec<String>,
    /// The environment variable holding the signing secret, when not in the keyring.
    pub secret_env: Option<String>,
}

/// The desktop app's own preferences.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AppSettings {
    pub start_at_login: bool,
    pub start_minimised: bool,
    pub check_updates_at_start: bool,
}

/// What the integrations screen shows besides the settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BridgeInfo {
    /// The port the bridge listens on, when it runs.
    pub port: Option<u16>,
    pub token: String,
    pub origins: Vec<OriginEntry>,
}

/// Whether an update is there (`check for updates`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct UpdateInfo {
    pub current_version: String,
    /// The newer version offered, if any.
    pub available: Option<String>,
    pub notes: Option<String>,
}

/// Facts about the desktop shell the UI shows (and the smoke test checks).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ShellInfo {
    pub version: String,
    /// The tray icon exists.
    pub tray: bool,
    /// The main window is on screen now (not hidden to the tray).
    pub main_window_visible: bool,
    /// The incoming-call window is on screen now.
    pub incoming_window_visible: bool,
    /// An OS keyring (Secret Service, Keychain, Credential Manager) answered.
    pub keyring_available: bool,
    /// Why not, in words for the person, when it did not.
    pub keyring_message: Option<String>,
    pub config_path: Option<String>,
}
