//! Call history as the world reads it (`GET /v1/history`, the app's history view).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Direction;

/// Page size when a query asks for none (or 0).
pub const DEFAULT_HISTORY_LIMIT: u32 = 50;
/// The largest page a history query returns.
pub const MAX_HISTORY_LIMIT: u32 = 500;

/// One call in the history. Times are RFC 3339 UTC, stored to the millisecond.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    pub call_id: String,
    pub account_id: String,
    pub direction: Direction,
    pub remote_uri: String,
    pub remote_number: Option<String>,
    pub remote_name: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ringing_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Absent while the call is still going on.
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<u64>,
    pub talk_ms: Option<u64>,
    /// `completed`, `busy`, `no_answer`, `rejected`, `missed`, `canceled`, `failed`, or
    /// `interrupted` (the phone stopped during the call).
    pub end_cause: Option<String>,
    pub sip_status: Option<u16>,
    pub codec: Option<String>,
}

/// A filter over the history, as given in a query string
/// (`?direction=incoming&since=2026-11-01T00:00:00Z&q=1002&limit=20`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct HistoryQuery {
    /// How many matching calls to skip (newest first).
    pub offset: u32,
    /// Page size: 50 when absent or 0, at most 500.
    #[cfg_attr(feature = "openapi", param(maximum = 500))]
    pub limit: u32,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub direction: Option<Direction>,
    /// Calls started at or after this time (RFC 3339).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub since: Option<DateTime<Utc>>,
    /// Calls started before this time (RFC 3339, exclusive).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub until: Option<DateTime<Utc>>,
    /// A substring of the remote number, URI or name, matched literally (case-insensitive for
    /// ASCII); `%` and `_` are not wildcards.
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub q: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub account_id: Option<String>,
    /// An end cause (`missed`, `interrupted`, …).
    #[cfg_attr(feature = "ts", ts(optional = nullable))]
    pub cause: Option<String>,
}

impl Default for HistoryQuery {
    fn default() -> Self {
        HistoryQuery {
            offset: 0,
            limit: DEFAULT_HISTORY_LIMIT,
            direction: None,
            since: None,
            until: None,
            q: None,
            account_id: None,
            cause: None,
        }
    }
}

impl HistoryQuery {
    /// The page size actually used: `limit`, 0 meaning the default, capped at the maximum.
    pub fn effective_limit(&self) -> u32 {
        match self.limit {
            0 => DEFAULT_HISTORY_LIMIT,
            n => n.min(MAX_HISTORY_LIMIT),
        }
    }
}

/// One page of history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    /// How many calls match the filter, over all pages.
    pub total: u64,
    pub offset: u32,
    pub limit: u32,
    pub items: Vec<HistoryEntry>,
}

/// Whether a web origin may use the bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OriginState {
    /// It asked; the user has not answered yet.
    Pending,
    /// The user allowed it.
    Approved,
}

/// A paired (or pairing) web origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OriginEntry {
    /// Normalised: `https://crm.example.com`, `http://localhost:8080`.
    pub origin: String,
    pub state: OriginState,
    /// May dial without asking the user to confirm each call.
    pub silent_dial: bool,
    pub requested_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
}
