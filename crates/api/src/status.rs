use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{AccountId, CallInfo, RegistrationState};

/// A snapshot of the running phone (`dialtone status`, `GET /v1/status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub version: String,
    pub accounts: Vec<AccountStatus>,
    /// Do-not-disturb: incoming calls are refused while on.
    #[serde(default)]
    pub dnd: bool,
    /// Calls that have not ended yet.
    #[serde(default)]
    pub calls: Vec<CallInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccountStatus {
    pub id: AccountId,
    pub display_name: Option<String>,
    /// The address of record, `sip:user@domain`.
    pub aor: String,
    pub transport: String,
    pub enabled: bool,
    pub state: RegistrationState,
    pub reason: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}
