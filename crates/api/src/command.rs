use serde::{Deserialize, Serialize};

use crate::{AccountId, CallId, DialRequestId};

/// Everything the phone can be asked to do. Serialised as
/// `{"command": "account.reregister", "args": {"accountId": "work"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "command", content = "args")]
#[non_exhaustive]
pub enum Command {
    /// Enable an account and register it.
    #[serde(rename = "account.enable", rename_all = "camelCase")]
    EnableAccount { account_id: AccountId },
    /// Unregister an account and keep it idle.
    #[serde(rename = "account.disable", rename_all = "camelCase")]
    DisableAccount { account_id: AccountId },
    /// Send a fresh REGISTER now (also clears `auth_failed` and any backoff).
    #[serde(rename = "account.reregister", rename_all = "camelCase")]
    Reregister { account_id: AccountId },
    /// Place a call to a number or SIP URI, from the given account or the first registered one.
    #[serde(rename = "call.dial", rename_all = "camelCase")]
    Dial {
        to: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account_id: Option<AccountId>,
    },
    /// Answer a ringing incoming call (holds any other active call).
    #[serde(rename = "call.answer", rename_all = "camelCase")]
    Answer { call_id: CallId },
    /// Refuse a ringing incoming call: 486 Busy Here with `busy`, else 603 Decline.
    #[serde(rename = "call.reject", rename_all = "camelCase")]
    Reject {
        call_id: CallId,
        #[serde(default)]
        busy: bool,
    },
    /// End a call in any state: CANCEL while it rings out, BYE once answered, reject incoming.
    #[serde(rename = "call.hangup", rename_all = "camelCase")]
    Hangup { call_id: CallId },
    #[serde(rename = "call.hold", rename_all = "camelCase")]
    Hold { call_id: CallId },
    #[serde(rename = "call.resume", rename_all = "camelCase")]
    Resume { call_id: CallId },
    /// Stop sending the microphone (the RTP stream keeps flowing with silence).
    #[serde(rename = "call.mute", rename_all = "camelCase")]
    Mute { call_id: CallId },
    #[serde(rename = "call.unmute", rename_all = "camelCase")]
    Unmute { call_id: CallId },
    /// Send DTMF digits (`0-9*#A-D`) as RFC 4733 events.
    #[serde(rename = "call.dtmf", rename_all = "camelCase")]
    SendDtmf { call_id: CallId, digits: String },
    /// The person's answer to a `dial.confirm_requested`: dial it or drop it.
    #[serde(rename = "dial.confirm", rename_all = "camelCase")]
    ConfirmDial {
        request_id: DialRequestId,
        accept: bool,
    },
    /// Switch do-not-disturb on or off (incoming calls get 486 Busy Here while on).
    #[serde(rename = "phone.set_dnd", rename_all = "camelCase")]
    SetDnd { enabled: bool },
}

/// What a command gives back besides success: the new call's id for `call.dial`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CommandResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<CallId>,
}
