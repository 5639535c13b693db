//! Event builders shared by the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use dialtone_api::{
    CallAnswered, CallDialing, CallDtmf, CallEnded, CallIncoming, CallRinging, DtmfDirection,
    DtmfMethod, EndCause, Envelope, Event, Party,
};
use dialtone_store::Store;

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

pub fn party(uri: &str, number: Option<&str>, name: Option<&str>) -> Party {
    Party {
        uri: uri.into(),
        number: number.map(Into::into),
        display_name: name.map(Into::into),
    }
}

pub fn dialing(id: &str, to: Party, at: &str) -> Envelope {
    Envelope::new(
        Event::CallDialing(CallDialing {
            call_id: id.into(),
            account_id: "work".into(),
            to,
        }),
        t(at),
    )
}

pub fn incoming(id: &str, from: Party, at: &str) -> Envelope {
    Envelope::new(
        Event::CallIncoming(CallIncoming {
            call_id: id.into(),
            account_id: "work".into(),
            from,
            call_waiting: false,
            auto_answer_ms: None,
        }),
        t(at),
    )
}

pub fn ringing(id: &str, at: &str) -> Envelope {
    Envelope::new(
        Event::CallRinging(CallRinging {
            call_id: id.into(),
            early_media: false,
        }),
        t(at),
    )
}

pub fn answered(id: &str, codec: &str, at: &str) -> Envelope {
    Envelope::new(
        Event::CallAnswered(CallAnswered {
            call_id: id.into(),
            codec: Some(codec.into()),
        }),
        t(at),
    )
}

pub fn ended(
    id: &str,
    cause: EndCause,
    sip: Option<u16>,
    duration_ms: u64,
    talk_ms: u64,
    at: &str,
) -> Envelope {
    Envelope::new(
        Event::CallEnded(CallEnded {
            call_id: id.into(),
            cause,
            sip_status: sip,
            reason: None,
            duration_ms,
            talk_ms,
        }),
        t(at),
    )
}

pub fn dtmf(id: &str, digit: char, at: &str) -> Envelope {
    Envelope::new(
        Event::CallDtmf(CallDtmf {
            call_id: id.into(),
            digit,
            direction: DtmfDirection::Sent,
            method: DtmfMethod::Rfc4733,
        }),
        t(at),
    )
}

pub fn record_all(store: &Store, events: &[Envelope]) {
    for e in events {
        store.record(e).unwrap_or_else(|err| panic!("{err}"));
    }
}
