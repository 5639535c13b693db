use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::call::{
    AudioDeviceChanged, CallAnswered, CallDialing, CallDtmf, CallEnded, CallHold, CallIncoming,
    CallMuted, CallRinging, CallStats,
};
use crate::dial::{DialConfirmRequested, DialConfirmResolved, DndChanged};
use crate::RegistrationChanged;

/// Everything the phone tells the world. Serialised adjacently tagged:
/// `{"event": "registration.changed", "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "event", content = "data")]
#[non_exhaustive]
pub enum Event {
    #[serde(rename = "registration.changed")]
    RegistrationChanged(RegistrationChanged),
    #[serde(rename = "call.incoming")]
    CallIncoming(CallIncoming),
    #[serde(rename = "call.dialing")]
    CallDialing(CallDialing),
    #[serde(rename = "call.ringing")]
    CallRinging(CallRinging),
    #[serde(rename = "call.answered")]
    CallAnswered(CallAnswered),
    #[serde(rename = "call.held")]
    CallHeld(CallHold),
    #[serde(rename = "call.resumed")]
    CallResumed(CallHold),
    #[serde(rename = "call.muted")]
    CallMuted(CallMuted),
    #[serde(rename = "call.dtmf")]
    CallDtmf(CallDtmf),
    #[serde(rename = "call.ended")]
    CallEnded(CallEnded),
    #[serde(rename = "call.stats")]
    CallStats(CallStats),
    #[serde(rename = "audio.device_changed")]
    AudioDeviceChanged(AudioDeviceChanged),
    #[serde(rename = "dial.confirm_requested")]
    DialConfirmRequested(DialConfirmRequested),
    #[serde(rename = "dial.confirm_resolved")]
    DialConfirmResolved(DialConfirmResolved),
    #[serde(rename = "dnd.changed")]
    DndChanged(DndChanged),
}

impl Event {
    /// The call this event is about, if any.
    pub fn call_id(&self) -> Option<&str> {
        match self {
            Event::CallIncoming(e) => Some(&e.call_id),
            Event::CallDialing(e) => Some(&e.call_id),
            Event::CallRinging(e) => Some(&e.call_id),
            Event::CallAnswered(e) => Some(&e.call_id),
            Event::CallHeld(e) | Event::CallResumed(e) => Some(&e.call_id),
            Event::CallMuted(e) => Some(&e.call_id),
            Event::CallDtmf(e) => Some(&e.call_id),
            Event::CallEnded(e) => Some(&e.call_id),
            Event::CallStats(e) => Some(&e.call_id),
            Event::DialConfirmResolved(e) => e.call_id.as_deref(),
            Event::RegistrationChanged(_)
            | Event::AudioDeviceChanged(_)
            | Event::DialConfirmRequested(_)
            | Event::DndChanged(_) => None,
        }
    }

    /// The dotted event name, as it appears on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Event::RegistrationChanged(_) => "registration.changed",
            Event::CallIncoming(_) => "call.incoming",
            Event::CallDialing(_) => "call.dialing",
            Event::CallRinging(_) => "call.ringing",
            Event::CallAnswered(_) => "call.answered",
            Event::CallHeld(_) => "call.held",
            Event::CallResumed(_) => "call.resumed",
            Event::CallMuted(_) => "call.muted",
            Event::CallDtmf(_) => "call.dtmf",
            Event::CallEnded(_) => "call.ended",
            Event::CallStats(_) => "call.stats",
            Event::AudioDeviceChanged(_) => "audio.device_changed",
            Event::DialConfirmRequested(_) => "dial.confirm_requested",
            Event::DialConfirmResolved(_) => "dial.confirm_resolved",
            Event::DndChanged(_) => "dnd.changed",
        }
    }
}

/// The envelope every consumer sees (stdout with `--events`, the bridge's WebSocket, webhooks):
/// `{"event": "...", "timestamp": "<RFC 3339>", "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Envelope {
    #[serde(flatten)]
    pub event: Event,
    pub timestamp: DateTime<Utc>,
}

impl Envelope {
    pub fn new(event: Event, timestamp: DateTime<Utc>) -> Self {
        Self { event, timestamp }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RegistrationState;

    #[test]
    fn envelope_has_event_timestamp_and_data() {
        let at = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let env = Envelope::new(
            Event::RegistrationChanged(RegistrationChanged {
                account_id: "work".into(),
                state: RegistrationState::AuthFailed,
                reason: Some("403 Forbidden".into()),
                expires_at: None,
            }),
            at,
        );
        let json = serde_json::to_value(&env).unwrap_or_default();
        assert_eq!(json["event"], "registration.changed");
        assert_eq!(json["timestamp"], "2026-11-21T10:00:00Z");
        assert_eq!(json["data"]["accountId"], "work");
        assert_eq!(json["data"]["state"], "auth_failed");
        let back: Envelope = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, env);
    }
}
