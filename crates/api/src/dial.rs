//! Dial requests that need the person's confirmation before the phone dials.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{AccountId, CallId};

/// The id the phone gives a dial request waiting for confirmation (`"d-3"`).
pub type DialRequestId = String;

/// Where a dial request came from; the dial-confirmation policy depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DialSourceKind {
    /// The app's own dial pad or history (the person dialled).
    App,
    /// The headless binary's command line or control socket.
    Cli,
    /// The localhost bridge (`POST /v1/calls`), from a tool or a web page.
    Api,
    /// The CRM embed page (`/embed`).
    Embed,
    /// A `tel:`, `sip:`, `sips:` or `callto:` link (`dialtone open`, the desktop URL handler).
    Link,
}

/// Who asked for a dial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DialSource {
    pub kind: DialSourceKind,
    /// The web origin (`https://crm.example.com`) of a browser request, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl DialSource {
    pub fn new(kind: DialSourceKind) -> Self {
        Self { kind, origin: None }
    }

    pub fn with_origin(kind: DialSourceKind, origin: Option<String>) -> Self {
        Self { kind, origin }
    }
}

/// `dial.confirm_requested`: a dial waits for the person's yes or no (`dial.confirm`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DialConfirmRequested {
    pub request_id: DialRequestId,
    /// What was asked for, as given.
    pub to: String,
    /// The number or URI that would be dialled, after normalisation and dial rules.
    pub target: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<AccountId>,
    pub source: DialSource,
    /// When the request lapses unanswered (and counts as declined).
    pub expires_at: DateTime<Utc>,
}

/// How a dial request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DialConfirmOutcome {
    Accepted,
    Declined,
    Expired,
}

/// `dial.confirm_resolved`: a pending dial request was accepted, declined or lapsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DialConfirmResolved {
    pub request_id: DialRequestId,
    pub outcome: DialConfirmOutcome,
    /// The call placed, when accepted and dialled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<CallId>,
}

/// `dnd.changed`: do-not-disturb was switched on or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DndChanged {
    pub enabled: bool,
}
