use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::AccountId;

/// Where an account stands with its registrar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RegistrationState {
    /// A REGISTER is on its way (first registration, refresh after a failure, or re-register).
    Registering,
    /// The registrar accepted the binding; `expiresAt` says until when.
    Registered,
    /// Not registered on purpose: disabled, or unregistered on shutdown.
    Unregistered,
    /// The registrar refused the credentials (401/403 after answering its challenge).
    /// Not retried until the account is re-registered or its password changes.
    AuthFailed,
    /// No answer (timeout, connection refused, TLS failure); retried with backoff.
    Unreachable,
    /// Any other final failure (for example a 4xx that retrying will not fix).
    Error,
}

/// Payload of `registration.changed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegistrationChanged {
    pub account_id: AccountId,
    pub state: RegistrationState,
    /// A human explanation: "401 Unauthorized: wrong user or password", "no answer from 127.0.0.1:5060 (retry in 4 s)".
    pub reason: Option<String>,
    /// When the current binding expires (only in `registered`).
    pub expires_at: Option<DateTime<Utc>>,
}
