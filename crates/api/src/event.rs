use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::RegistrationChanged;

/// Everything the phone tells the world. Serialised adjacently tagged:
/// `{"event": "registration.changed", "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", content = "data")]
#[non_exhaustive]
pub enum Event {
    #[serde(rename = "registration.changed")]
    RegistrationChanged(RegistrationChanged),
}

impl Event {
    /// The dotted event name, as it appears on the wire.
    pub fn name(&self) -> &'static str {
        match self {
            Event::RegistrationChanged(_) => "registration.changed",
        }
    }
}

/// The envelope every consumer sees (stdout with `--events`, the bridge's WebSocket, webhooks):
/// `{"event": "...", "timestamp": "<RFC 3339>", "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
