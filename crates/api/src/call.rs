use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::AccountId;

/// The id the phone gives a call (`"c-1f3a…"`); stable for the call's life and in history.
pub type CallId = String;

/// Which way a call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Outgoing,
    Incoming,
}

/// The other end of a call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// The SIP URI, `sip:1002@pbx.example.com`.
    pub uri: String,
    /// The user part when it looks like a number (`1002`, `+4930123456`).
    pub number: Option<String>,
    pub display_name: Option<String>,
}

/// Where a call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CallState {
    /// Outgoing: INVITE sent, nothing heard back yet beyond 100 Trying.
    Dialing,
    /// Outgoing: the far end is ringing (180/183).
    Ringing,
    /// Incoming: ringing here, waiting for answer or reject.
    Incoming,
    /// Talking (also while held or muted; see the flags).
    Active,
    /// BYE/CANCEL sent, waiting for the far end to confirm.
    Ending,
    Ended,
}

/// Why a call ended, in the words CRMs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EndCause {
    /// It was answered and then hung up by either side.
    Completed,
    /// Outgoing: the far end said busy (486/600).
    Busy,
    /// Outgoing: nobody answered (408/480, or our own no-answer timeout).
    NoAnswer,
    /// Outgoing: the far end declined (603, 403); incoming: we rejected it.
    Rejected,
    /// Incoming: the caller gave up (CANCEL) or it was answered elsewhere before we did.
    Missed,
    /// Outgoing: we gave up while it was ringing.
    Canceled,
    /// Anything else: 4xx/5xx/6xx, a transport error, no media.
    Failed,
}

/// Who put a call on hold or took it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HoldBy {
    Local,
    Remote,
}

/// How a DTMF digit travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DtmfMethod {
    /// RFC 4733 telephone-event packets in the RTP stream.
    Rfc4733,
    /// A SIP INFO request (`application/dtmf-relay` or `application/dtmf`).
    Info,
}

/// A call as the world sees it (`GET /v1/calls`, `dialtone status`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallInfo {
    pub call_id: CallId,
    pub account_id: AccountId,
    pub direction: Direction,
    pub remote: Party,
    pub state: CallState,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Held by us (`local`), by them (`remote`), or not held.
    pub held: Option<HoldBy>,
    pub muted: bool,
    /// The negotiated codec, `opus/48000/2`, once media flows.
    pub codec: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallIncoming {
    pub call_id: CallId,
    pub account_id: AccountId,
    pub from: Party,
    /// True when another call is already up (call waiting).
    pub call_waiting: bool,
    /// Set when the account's policy will answer this call by itself after this many ms.
    pub auto_answer_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallDialing {
    pub call_id: CallId,
    pub account_id: AccountId,
    pub to: Party,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallRinging {
    pub call_id: CallId,
    /// 183 with SDP: what is heard now comes from the far end (announcements, tones).
    pub early_media: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallAnswered {
    pub call_id: CallId,
    pub codec: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallHold {
    pub call_id: CallId,
    pub by: HoldBy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallMuted {
    pub call_id: CallId,
    pub muted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallDtmf {
    pub call_id: CallId,
    pub digit: char,
    pub direction: DtmfDirection,
    pub method: DtmfMethod,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DtmfDirection {
    Sent,
    Received,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallEnded {
    pub call_id: CallId,
    pub cause: EndCause,
    /// The SIP status that ended it, when there was one (486, 487, 603…).
    pub sip_status: Option<u16>,
    pub reason: Option<String>,
    /// From the start of the call to its end.
    pub duration_ms: u64,
    /// From answer to end; 0 when never answered.
    pub talk_ms: u64,
}

/// Media quality, every few seconds while a call is up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallStats {
    pub call_id: CallId,
    pub codec: String,
    pub packets_sent: u64,
    pub packets_received: u64,
    pub packets_lost: u64,
    pub loss_percent: f32,
    pub jitter_ms: f32,
    /// Round-trip time from RTCP, once the far end has reported.
    pub rtt_ms: Option<f32>,
    /// The delay our jitter buffer adds now, ms.
    #[serde(default)]
    pub jitter_buffer_ms: f32,
    /// Estimated MOS (E-model, ITU-T G.107), 1.0–4.5.
    pub mos: f32,
}

/// Which audio device an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Input,
    Output,
}

/// An audio device went away (or came back) and the phone switched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AudioDeviceChanged {
    pub kind: DeviceKind,
    pub from: Option<String>,
    pub to: Option<String>,
    pub reason: String,
}
