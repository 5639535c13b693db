//! The collection: routing by id, answer-holds-the-other, dropping finished calls.

use std::time::Duration;

use dialtone_api::{CallState, EndCause};
use dialtone_call::{
    AutoAnswer, Call, CallConfig, CallError, Calls, IncomingDecision, IncomingInvite, Input,
    MediaAction as M, MediaDirection as D, Output, SipAction as S,
};

use crate::common::*;

fn outgoing_b() -> Call {
    Call::outgoing(
        "b".into(),
        ACCOUNT.into(),
        party(),
        CallConfig::default(),
        now0(),
    )
}

fn incoming_c(auto_answer: AutoAnswer, call_waiting: bool) -> Call {
    Call::incoming(
        "c".into(),
        ACCOUNT.into(),
        IncomingInvite::new(party()),
        auto_answer,
        call_waiting,
        CallConfig::default(),
        now0(),
    )
}

fn drain_all(calls: &mut Calls) -> Vec<(String, Output)> {
    std::iter::from_fn(|| calls.poll_output()).collect()
}

fn ids(out: &[(String, Output)]) -> Vec<&str> {
    out.iter().map(|(id, _)| id.as_str()).collect()
}

/// Outgoing call "b", answered at 5 s.
fn talking() -> Calls {
    let mut calls = Calls::new();
    calls.insert(outgoing_b());
    let answered = Input::Answered {
        remote_direction: D::SendRecv,
        codec: None,
    };
    assert_eq!(calls.handle(at(5000), "b", answered), Ok(()));
    drain_all(&mut calls);
    calls
}

#[test]
fn inserted_calls_queue_their_first_outputs_tagged() {
    let mut calls = Calls::new();
    calls.insert(outgoing_b());
    let out = drain_all(&mut calls);
    assert_eq!(ids(&out), vec!["b", "b"]);
    assert_eq!(out[0].1, sip(S::SendInvite));
    assert_eq!(calls.live(), 1);
    assert_eq!(calls.get("b").map(Call::state), Some(CallState::Dialing));
}

#[test]
fn answering_a_waiting_call_holds_the_active_one_first() {
    let mut calls = talking();
    assert_eq!(
        calls.incoming_decision(true, false),
        IncomingDecision::Ring { call_waiting: true }
    );
    assert_eq!(
        calls.incoming_decision(false, false),
        IncomingDecision::Reject { status: 486 }
    );
    calls.insert(incoming_c(AutoAnswer::Never, true));
    drain_all(&mut calls);
    assert_eq!(calls.handle(at(8000), "c", Input::Answer), Ok(()));
    let out = drain_all(&mut calls);
    assert_eq!(ids(&out), vec!["b", "c", "c", "c", "c"]);
    assert_eq!(
        out[0].1,
        sip(S::SendReinvite {
            local_direction: D::SendOnly
        })
    );
    assert_eq!(
        out[1].1,
        sip(S::Accept {
            local_direction: D::SendRecv
        })
    );
    assert_eq!(out[2].1, media(M::StopRingtone));
    assert_eq!(calls.infos().len(), 2);
}

#[test]
fn a_failed_answer_holds_nothing() {
    let mut calls = talking();
    let result = calls.handle(at(8000), "b", Input::Answer);
    assert_eq!(
        result,
        Err(CallError::WrongState {
            state: CallState::Active,
            command: dialtone_call::CommandKind::Answer
        })
    );
    assert_eq!(drain_all(&mut calls), vec![]);
}

#[test]
fn auto_answer_holds_the_active_call_too() {
    let mut calls = Calls::new();
    calls.insert(incoming_c(
        AutoAnswer::After(Duration::from_secs(10)),
        false,
    ));
    calls.insert(outgoing_b());
    let answered = Input::Answered {
        remote_direction: D::SendRecv,
        codec: None,
    };
    assert_eq!(calls.handle(at(5000), "b", answered), Ok(()));
    drain_all(&mut calls);
    assert_eq!(calls.poll_timeout(), Some(at(10_000)));
    calls.handle_timeout(at(10_000));
    let out = drain_all(&mut calls);
    assert_eq!(ids(&out)[..2], ["b", "c"]);
    assert_eq!(
        out[0].1,
        sip(S::SendReinvite {
            local_direction: D::SendOnly
        })
    );
    assert_eq!(calls.get("c").map(Call::state), Some(CallState::Active));
}

#[test]
fn finished_calls_are_dropped_after_their_last_output() {
    let mut calls = Calls::new();
    calls.insert(incoming_c(AutoAnswer::Never, false));
    drain_all(&mut calls);
    assert_eq!(
        calls.handle(at(2000), "c", Input::Reject { busy: true }),
        Ok(())
    );
    let out = drain_all(&mut calls);
    assert_eq!(out.last().map(|(_, o)| o.clone()), Some(Output::Finished));
    assert!(matches!(
        &out[2].1,
        Output::Event(dialtone_api::Event::CallEnded(e)) if e.cause == EndCause::Rejected
    ));
    assert!(calls.get("c").is_none());
    assert_eq!(calls.live(), 0);
    assert_eq!(calls.poll_timeout(), None);
}

#[test]
fn timeouts_reach_every_call() {
    let mut calls = Calls::new();
    calls.insert(incoming_c(AutoAnswer::Never, false));
    calls.insert(outgoing_b());
    drain_all(&mut calls);
    assert_eq!(calls.poll_timeout(), Some(at(60_000)));
    calls.handle_timeout(at(60_000));
    let out = drain_all(&mut calls);
    assert!(out.contains(&("c".into(), sip(S::Reject { status: 480 }))));
    assert_eq!(calls.iter().map(Call::id).collect::<Vec<_>>(), vec!["b"]);
    assert_eq!(
        calls.get("b").map(Call::state),
        Some(CallState::Ending),
        "CANCEL pending"
    );
}

#[test]
fn unknown_calls_are_an_error() {
    let mut calls = Calls::new();
    assert_eq!(
        calls.handle(at(0), "nope", Input::Hangup),
        Err(CallError::UnknownCall {
            call_id: "nope".into()
        })
    );
}
