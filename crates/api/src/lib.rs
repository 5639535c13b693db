//! The one vocabulary of Dialtone: every command the phone accepts and every event it emits.
//!
//! Shared by the engine, the headless binary, the bridge and the desktop shell. No tokio, no
//! Tauri. Field names are camelCase on the wire; event names are dotted (`registration.changed`).

mod call;
mod command;
mod dial;
mod event;
mod history;
mod registration;
mod settings;
mod status;
#[cfg(all(test, feature = "ts"))]
mod ts_bindings;

pub use call::{
    AudioDeviceChanged, CallAnswered, CallDialing, CallDtmf, CallEnded, CallHold, CallId,
    CallIncoming, CallInfo, CallMuted, CallRinging, CallState, CallStats, DeviceKind, Direction,
    DtmfDirection, DtmfMethod, EndCause, HoldBy, Party,
};
pub use command::{Command, CommandResult};
pub use dial::{
    DialConfirmOutcome, DialConfirmRequested, DialConfirmResolved, DialRequestId, DialSource,
    DialSourceKind, DndChanged,
};
pub use event::{Envelope, Event};
pub use history::{
    HistoryEntry, HistoryPage, HistoryQuery, OriginEntry, OriginState, DEFAULT_HISTORY_LIMIT,
    MAX_HISTORY_LIMIT,
};
pub use registration::{RegistrationChanged, RegistrationState};
pub use settings::{
    AccountSettings, AppSettings, AudioDeviceInfo, AudioDevices, AudioLevel, AudioSettings,
    BridgeInfo, CallSettings, ConfirmPolicySetting, IntegrationSettings, Settings, ShellInfo,
    UpdateInfo, WebhookSettings,
};
pub use status::{AccountStatus, Status};

/// The identifier of an account as written in the config (`id = "work"`).
pub type AccountId = String;

/// The id of the built-in account used when no account is configured.
pub const LOCAL_ACCOUNT_ID: &str = "local";
