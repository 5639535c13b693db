//! Which webhook events Dialtone's events become, and the body each delivery carries.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use dialtone_api::{EndCause, Envelope, Event};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::error::WebhookError;

/// The events a CRM can subscribe to. Wire names are dotted: `call.started`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// A call was placed (`call.dialing`) or came in (`call.incoming`); `data.direction` says which.
    CallStarted,
    /// The far end is ringing.
    CallRinging,
    /// The call was answered.
    CallAnswered,
    /// The call ended, whatever the cause.
    CallEnded,
    /// An incoming call ended unanswered (sent besides `call.ended`).
    CallMissed,
    /// An account's registration changed.
    RegistrationChanged,
}

impl WebhookEvent {
    /// Every webhook event, in documentation order.
    pub const ALL: [WebhookEvent; 6] = [
        WebhookEvent::CallStarted,
        WebhookEvent::CallRinging,
        WebhookEvent::CallAnswered,
        WebhookEvent::CallEnded,
        WebhookEvent::CallMissed,
        WebhookEvent::RegistrationChanged,
    ];

    /// The wire name (`call.started`).
    pub fn name(self) -> &'static str {
        match self {
            WebhookEvent::CallStarted => "call.started",
            WebhookEvent::CallRinging => "call.ringing",
            WebhookEvent::CallAnswered => "call.answered",
            WebhookEvent::CallEnded => "call.ended",
            WebhookEvent::CallMissed => "call.missed",
            WebhookEvent::RegistrationChanged => "registration.changed",
        }
    }
}

impl fmt::Display for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for WebhookEvent {
    type Err = WebhookError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WebhookEvent::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| WebhookError::UnknownEvent {
                name: s.to_owned(),
                valid: WebhookEvent::ALL.map(WebhookEvent::name).join(", "),
            })
    }
}

impl Serialize for WebhookEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The webhook events an envelope becomes, each with its `data`. Most events become none.
///
/// - `call.dialing` / `call.incoming` → `call.started`, data plus `"direction"`
///   (`"outgoing"` / `"incoming"`);
/// - `call.ringing`, `call.answered`, `registration.changed` → the same name;
/// - `call.ended` → `call.ended`, and also `call.missed` when the cause is `missed`.
pub fn webhook_events(env: &Envelope) -> Vec<(WebhookEvent, Value)> {
    let started = |direction: &str| {
        let mut data = event_data(&env.event);
        if let Value::Object(map) = &mut data {
            map.insert("direction".into(), Value::String(direction.into()));
        }
        vec![(WebhookEvent::CallStarted, data)]
    };
    match &env.event {
        Event::CallDialing(_) => started("outgoing"),
        Event::CallIncoming(_) => started("incoming"),
        Event::CallRinging(_) => vec![(WebhookEvent::CallRinging, event_data(&env.event))],
        Event::CallAnswered(_) => vec![(WebhookEvent::CallAnswered, event_data(&env.event))],
        Event::CallEnded(ended) => {
            let data = event_data(&env.event);
            if ended.cause == EndCause::Missed {
                vec![
                    (WebhookEvent::CallEnded, data.clone()),
                    (WebhookEvent::CallMissed, data),
                ]
            } else {
                vec![(WebhookEvent::CallEnded, data)]
            }
        }
        Event::RegistrationChanged(_) => {
            vec![(WebhookEvent::RegistrationChanged, event_data(&env.event))]
        }
        _ => Vec::new(),
    }
}

/// The `data` of an event as it appears on the wire (camelCase fields).
fn event_data(event: &Event) -> Value {
    match serde_json::to_value(event) {
        Ok(Value::Object(mut map)) => map.remove("data").unwrap_or(Value::Null),
        // The api's events are plain structs of strings and numbers; this does not happen.
        _ => Value::Null,
    }
}

#[derive(Serialize)]
struct Body<'a> {
    event: &'a str,
    timestamp: &'a DateTime<Utc>,
    data: &'a Value,
}

/// A delivery body: `{"event": name, "timestamp": "<RFC 3339>", "data": {...}}`.
pub fn delivery_body(
    event: &str,
    timestamp: &DateTime<Utc>,
    data: &Value,
) -> Result<String, WebhookError> {
    Ok(serde_json::to_string(&Body {
        event,
        timestamp,
        data,
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dialtone_api::{
        CallAnswered, CallDialing, CallEnded, CallIncoming, CallMuted, CallRinging, Party,
        RegistrationChanged, RegistrationState,
    };
    use serde_json::json;

    fn at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn env(event: Event) -> Envelope {
        Envelope::new(event, at())
    }

    fn party() -> Party {
        Party {
            uri: "sip:1002@pbx.example.com".into(),
            number: Some("1002".into()),
            display_name: None,
        }
    }

    fn ended(cause: EndCause) -> Envelope {
        env(Event::CallEnded(CallEnded {
            call_id: "c-1".into(),
            cause,
            sip_status: Some(487),
            reason: None,
            duration_ms: 5000,
            talk_ms: 0,
        }))
    }

    fn names(env: &Envelope) -> Vec<WebhookEvent> {
        webhook_events(env).into_iter().map(|(e, _)| e).collect()
    }

    #[test]
    fn names_round_trip_and_unknown_lists_valid_ones() {
        for e in WebhookEvent::ALL {
            assert_eq!(e.name().parse::<WebhookEvent>().ok(), Some(e));
            assert_eq!(serde_json::to_value(e).ok(), Some(json!(e.name())));
        }
        let err = "call.dialing"
            .parse::<WebhookEvent>()
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(err.contains("\"call.dialing\""), "{err}");
        for e in WebhookEvent::ALL {
            assert!(err.contains(e.name()), "{err} lacks {}", e.name());
        }
        let back: Vec<WebhookEvent> =
            serde_json::from_value(json!(["call.missed", "registration.changed"]))
                .unwrap_or_default();
        assert_eq!(
            back,
            [WebhookEvent::CallMissed, WebhookEvent::RegistrationChanged]
        );
        assert!(serde_json::from_value::<WebhookEvent>(json!("call")).is_err());
    }

    #[test]
    fn dialing_becomes_outgoing_call_started() {
        let out = webhook_events(&env(Event::CallDialing(CallDialing {
            call_id: "c-1".into(),
            account_id: "work".into(),
            to: party(),
        })));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, WebhookEvent::CallStarted);
        assert_eq!(
            out[0].1,
            json!({
                "callId": "c-1",
                "accountId": "work",
                "to": {"uri": "sip:1002@pbx.example.com", "number": "1002", "displayName": null},
                "direction": "outgoing",
            })
        );
    }

    #[test]
    fn incoming_becomes_incoming_call_started() {
        let out = webhook_events(&env(Event::CallIncoming(CallIncoming {
            call_id: "c-2".into(),
            account_id: "work".into(),
            from: party(),
            call_waiting: true,
            auto_answer_ms: None,
        })));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, WebhookEvent::CallStarted);
        assert_eq!(out[0].1["direction"], "incoming");
        assert_eq!(out[0].1["callId"], "c-2");
        assert_eq!(out[0].1["callWaiting"], true);
        assert_eq!(out[0].1["from"]["number"], "1002");
    }

    #[test]
    fn ringing_answered_and_registration_keep_their_names_and_data() {
        let ringing = env(Event::CallRinging(CallRinging {
            call_id: "c-1".into(),
            early_media: true,
        }));
        let out = webhook_events(&ringing);
        assert_eq!(names(&ringing), [WebhookEvent::CallRinging]);
        assert_eq!(out[0].1, json!({"callId": "c-1", "earlyMedia": true}));

        let answered = env(Event::CallAnswered(CallAnswered {
            call_id: "c-1".into(),
            codec: Some("PCMU/8000".into()),
        }));
        assert_eq!(names(&answered), [WebhookEvent::CallAnswered]);
        assert_eq!(webhook_events(&answered)[0].1["codec"], "PCMU/8000");

        let reg = env(Event::RegistrationChanged(RegistrationChanged {
            account_id: "work".into(),
            state: RegistrationState::Registered,
            reason: None,
            expires_at: None,
        }));
        assert_eq!(names(&reg), [WebhookEvent::RegistrationChanged]);
        assert_eq!(webhook_events(&reg)[0].1["state"], "registered");
    }

    #[test]
    fn ended_adds_missed_only_when_missed() {
        assert_eq!(
            names(&ended(EndCause::Completed)),
            [WebhookEvent::CallEnded]
        );
        assert_eq!(names(&ended(EndCause::NoAnswer)), [WebhookEvent::CallEnded]);
        let missed = webhook_events(&ended(EndCause::Missed));
        assert_eq!(
            missed.iter().map(|(e, _)| *e).collect::<Vec<_>>(),
            [WebhookEvent::CallEnded, WebhookEvent::CallMissed]
        );
        assert_eq!(missed[1].1["cause"], "missed");
        assert_eq!(missed[1].1["sipStatus"], 487);
    }

    #[test]
    fn other_events_become_nothing() {
        let muted = env(Event::CallMuted(CallMuted {
            call_id: "c-1".into(),
            muted: true,
        }));
        assert!(webhook_events(&muted).is_empty());
    }

    #[test]
    fn body_has_event_timestamp_and_data() {
        let body = delivery_body("call.ringing", &at(), &json!({"callId": "c-1"}));
        let body = body.unwrap_or_default();
        assert_eq!(
            body,
            r#"{"event":"call.ringing","timestamp":"2026-11-21T10:00:00Z","data":{"callId":"c-1"}}"#
        );
    }
}
