//! Builders and shorthands shared by the transition tests.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use dialtone_api::{
    CallAnswered, CallDtmf, CallEnded, CallHold, CallMuted, CallRinging, DtmfDirection, DtmfMethod,
    EndCause, Event, HoldBy, Party,
};
use dialtone_call::{
    AutoAnswer, Call, CallConfig, IncomingInvite, Input, MediaAction, MediaDirection, Now, Output,
    SipAction,
};

/// A table row: how to build the call, the command, and the refusal expected.
pub type RefusedCommand = (
    fn() -> Call,
    Input,
    dialtone_api::CallState,
    dialtone_call::CommandKind,
);

pub const ID: &str = "c-1";
pub const ACCOUNT: &str = "work";

/// A fixed origin; tests speak in milliseconds after it.
pub fn at(ms: u64) -> Instant {
    static BASE: OnceLock<Instant> = OnceLock::new();
    *BASE.get_or_init(Instant::now) + Duration::from_millis(ms)
}

pub fn wall0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
}

pub fn now0() -> Now {
    Now::new(at(0), wall0())
}

pub fn party() -> Party {
    Party {
        uri: "sip:1002@pbx.example.com".into(),
        number: Some("1002".into()),
        display_name: Some("Bob".into()),
    }
}

pub fn drain(call: &mut Call) -> Vec<Output> {
    std::iter::from_fn(|| call.poll_output()).collect()
}

/// Feeds an input that must be accepted and returns the outputs it produced.
pub fn step(call: &mut Call, ms: u64, input: Input) -> Vec<Output> {
    let result = call.handle(at(ms), input.clone());
    assert_eq!(result, Ok(()), "{input:?}");
    drain(call)
}

pub fn tick(call: &mut Call, ms: u64) -> Vec<Output> {
    call.handle_timeout(at(ms));
    drain(call)
}

/// An outgoing call created at 0 ms, its first outputs drained.
pub fn outgoing() -> Call {
    outgoing_with(CallConfig::default())
}

pub fn outgoing_with(config: CallConfig) -> Call {
    let mut call = Call::outgoing(ID.into(), ACCOUNT.into(), party(), config, now0());
    drain(&mut call);
    call
}

/// Ringing out (180 at 1 s) with local ringback.
pub fn ringing_out() -> Call {
    let mut call = outgoing();
    step(
        &mut call,
        1000,
        Input::Provisional {
            status: 180,
            early_media: false,
        },
    );
    call
}

/// Ringing out with early media (183 with SDP at 1 s).
pub fn early_media_out() -> Call {
    let mut call = outgoing();
    step(
        &mut call,
        1000,
        Input::Provisional {
            status: 183,
            early_media: true,
        },
    );
    call
}

pub fn answer_sendrecv() -> Input {
    Input::Answered {
        remote_direction: MediaDirection::SendRecv,
        codec: Some("PCMU/8000".into()),
    }
}

/// Outgoing, answered at 5 s.
pub fn active_out() -> Call {
    let mut call = ringing_out();
    step(&mut call, 5000, answer_sendrecv());
    call
}

pub fn invite() -> IncomingInvite {
    IncomingInvite {
        from: party(),
        remote_direction: MediaDirection::SendRecv,
        codec: Some("PCMU/8000".into()),
    }
}

/// An incoming call created at 0 ms, its first outputs drained.
pub fn incoming_with(invite: IncomingInvite, auto_answer: AutoAnswer, call_waiting: bool) -> Call {
    let mut call = Call::incoming(
        ID.into(),
        ACCOUNT.into(),
        invite,
        auto_answer,
        call_waiting,
        CallConfig::default(),
        now0(),
    );
    drain(&mut call);
    call
}

pub fn incoming() -> Call {
    incoming_with(invite(), AutoAnswer::Never, false)
}

/// Incoming, answered at 5 s and ACKed.
pub fn active_in() -> Call {
    let mut call = incoming();
    step(&mut call, 5000, Input::Answer);
    step(&mut call, 5050, Input::AckReceived);
    call
}

pub fn sip(action: SipAction) -> Output {
    Output::Sip(action)
}

pub fn media(action: MediaAction) -> Output {
    Output::Media(action)
}

pub fn ended(
    cause: EndCause,
    sip_status: Option<u16>,
    reason: Option<&str>,
    duration_ms: u64,
    talk_ms: u64,
) -> Output {
    Output::Event(Event::CallEnded(CallEnded {
        call_id: ID.into(),
        cause,
        sip_status,
        reason: reason.map(str::to_owned),
        duration_ms,
        talk_ms,
    }))
}

pub fn answered() -> Output {
    Output::Event(Event::CallAnswered(CallAnswered {
        call_id: ID.into(),
        codec: Some("PCMU/8000".into()),
    }))
}

pub fn ringing(early_media: bool) -> Output {
    Output::Event(Event::CallRinging(CallRinging {
        call_id: ID.into(),
        early_media,
    }))
}

pub fn held(by: HoldBy) -> Output {
    Output::Event(Event::CallHeld(CallHold {
        call_id: ID.into(),
        by,
    }))
}

pub fn resumed(by: HoldBy) -> Output {
    Output::Event(Event::CallResumed(CallHold {
        call_id: ID.into(),
        by,
    }))
}

pub fn muted(muted: bool) -> Output {
    Output::Event(Event::CallMuted(CallMuted {
        call_id: ID.into(),
        muted,
    }))
}

pub fn dtmf(digit: char, direction: DtmfDirection, method: DtmfMethod) -> Output {
    Output::Event(Event::CallDtmf(CallDtmf {
        call_id: ID.into(),
        digit,
        direction,
        method,
    }))
}
