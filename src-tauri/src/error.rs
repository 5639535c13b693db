//! The shell's one error enum. Every command fails with it, serialised for the UI as
//! `{"code": "...", "message": "..."}`.

use dialtone_bridge::{ApiError, BridgeError};
use dialtone_engine::config::ConfigError;
use dialtone_engine::EngineError;
use dialtone_service::ServiceError;
use dialtone_store::StoreError;
use dialtone_webhooks::WebhookError;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShellError {
    /// From the engine, with the code the bridge gives the same error.
    #[error("{message}")]
    Engine { code: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bridge(#[from] BridgeError),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Webhook(#[from] WebhookError),
    #[error("no webhook `{0}` in the config")]
    UnknownWebhook(String),
    #[error("the phone is not running (it is restarting or stopping)")]
    NotRunning,
    #[error("a call is up: the settings are saved and apply when it ends")]
    CallInProgress,
    #[error("no config path: set --config (no home directory to put the default in)")]
    NoConfigPath,
    #[error("the clipboard: {0}")]
    Clipboard(#[from] tauri_plugin_clipboard_manager::Error),
    #[error("updates: {0}")]
    Updater(#[from] tauri_plugin_updater::Error),
    #[error("the update endpoint `{endpoint}` is not a URL: {reason}")]
    BadUpdateEndpoint { endpoint: String, reason: String },
    #[error(transparent)]
    Settings(#[from] dialtone_settings::SettingsError),
    #[error("no update to install: check for updates first")]
    NoUpdate,
    #[error("start at login: {0}")]
    Autostart(#[from] tauri_plugin_autostart::Error),
    #[error("audio: {0}")]
    Audio(#[from] dialtone_audio::AudioError),
    #[error("the window system: {0}")]
    Tauri(#[from] tauri::Error),
}

impl ShellError {
    /// A stable, machine-readable code for the UI. Engine errors carry the same codes the
    /// bridge answers with.
    pub fn code(&self) -> &'static str {
        match self {
            ShellError::Engine { code, .. } => code,
            ShellError::Store(StoreError::InvalidOrigin { .. }) => "bad_origin",
            ShellError::Store(_) => "store",
            ShellError::Bridge(_) => "bridge",
            ShellError::Service(_) => "service",
            ShellError::Config(_) => "bad_config",
            ShellError::Webhook(_) => "webhook",
            ShellError::UnknownWebhook(_) => "unknown_webhook",
            ShellError::NotRunning => "stopped",
            ShellError::CallInProgress => "call_in_progress",
            ShellError::NoConfigPath => "no_config_path",
            ShellError::Clipboard(_) => "clipboard",
            ShellError::Updater(_) => "update_failed",
            ShellError::NoUpdate => "no_update",
            ShellError::BadUpdateEndpoint { .. } => "bad_update_endpoint",
            ShellError::Settings(e) => e.code(),
            ShellError::Autostart(_) => "autostart",
            ShellError::Audio(_) => "audio",
            ShellError::Tauri(_) => "window",
        }
    }
}

impl From<EngineError> for ShellError {
    /// One mapping for both front doors: the bridge's.
    fn from(error: EngineError) -> Self {
        let api = ApiError::from(error);
        ShellError::Engine {
            code: api.code,
            message: api.message,
        }
    }
}

impl Serialize for ShellError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ShellError", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}
