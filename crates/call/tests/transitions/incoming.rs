//! Incoming calls: ringing, answering, rejecting, the caller's CANCEL, the missing ACK.

use std::time::Duration;

use dialtone_api::{CallIncoming, CallState, Direction, EndCause, Event, HoldBy};
use dialtone_call::{
    AutoAnswer, Call, CallConfig, CallError, CommandKind, IncomingInvite, Input, MediaAction as M,
    MediaDirection as D, Output, SipAction as S,
};

use crate::common::*;

fn incoming_event(call_waiting: bool, auto_answer_ms: Option<u64>) -> Output {
    Output::Event(Event::CallIncoming(CallIncoming {
        call_id: ID.into(),
        account_id: ACCOUNT.into(),
        from: party(),
        call_waiting,
        auto_answer_ms,
    }))
}

fn new_incoming(auto_answer: AutoAnswer, call_waiting: bool) -> Call {
    Call::incoming(
        ID.into(),
        ACCOUNT.into(),
        invite(),
        auto_answer,
        call_waiting,
        CallConfig::default(),
        now0(),
    )
}

#[test]
fn an_incoming_call_rings() {
    let mut call = new_incoming(AutoAnswer::Never, false);
    assert_eq!(
        drain(&mut call),
        vec![
            sip(S::SendRinging),
            media(M::StartRingtone {
                call_waiting: false
            }),
            incoming_event(false, None),
        ]
    );
    assert_eq!(call.state(), CallState::Incoming);
    assert_eq!(call.direction(), Direction::Incoming);
    assert_eq!(call.poll_timeout(), Some(at(60_000)));
    assert_eq!(call.info().codec.as_deref(), Some("PCMU/8000"));
}

#[test]
fn a_waiting_call_rings_discreetly_and_never_answers_itself() {
    let mut call = new_incoming(AutoAnswer::After(Duration::ZERO), true);
    assert_eq!(
        drain(&mut call),
        vec![
            sip(S::SendRinging),
            media(M::StartRingtone { call_waiting: true }),
            incoming_event(true, None),
        ]
    );
    assert!(!call.auto_answer_due(at(0)));
    assert_eq!(call.poll_timeout(), Some(at(60_000)));
}

#[test]
fn auto_answer_is_announced() {
    let mut call = new_incoming(AutoAnswer::After(Duration::from_millis(2500)), false);
    let out = drain(&mut call);
    assert_eq!(out[2], incoming_event(false, Some(2500)));
    assert_eq!(call.poll_timeout(), Some(at(2500)));
    assert!(!call.auto_answer_due(at(2499)));
    assert!(call.auto_answer_due(at(2500)));
}

#[test]
fn answering_accepts_and_starts_media() {
    let mut call = incoming();
    let out = step(&mut call, 4000, Input::Answer);
    assert_eq!(
        out,
        vec![
            sip(S::Accept {
                local_direction: D::SendRecv
            }),
            media(M::StopRingtone),
            media(M::Start {
                direction: D::SendRecv
            }),
            answered(),
        ]
    );
    assert_eq!(call.state(), CallState::Active);
    assert_eq!(call.poll_timeout(), None);
    assert_eq!(
        call.info().answered_at,
        Some(wall0() + chrono::Duration::seconds(4))
    );
    assert_eq!(step(&mut call, 4050, Input::AckReceived), vec![]);
}

#[test]
fn answering_an_offer_that_holds_us() {
    let invite = IncomingInvite {
        remote_direction: D::SendOnly,
        ..invite()
    };
    let mut call = incoming_with(invite, AutoAnswer::Never, false);
    let out = step(&mut call, 4000, Input::Answer);
    assert_eq!(
        out,
        vec![
            sip(S::Accept {
                local_direction: D::RecvOnly
            }),
            media(M::StopRingtone),
            media(M::Start {
                direction: D::RecvOnly
            }),
            answered(),
            held(HoldBy::Remote),
        ]
    );
}

#[test]
fn rejecting_answers_486_or_603() {
    let table = [
        (Input::Reject { busy: true }, 486),
        (Input::Reject { busy: false }, 603),
        (Input::Hangup, 603),
    ];
    for (input, status) in table {
        let mut call = incoming();
        let out = step(&mut call, 3000, input);
        assert_eq!(
            out,
            vec![
                sip(S::Reject { status }),
                media(M::StopRingtone),
                ended(EndCause::Rejected, Some(status), None, 3000, 0),
                Output::Finished,
            ]
        );
        assert!(call.is_ended());
    }
}

#[test]
fn caller_cancel_is_a_missed_call() {
    let mut call = incoming();
    let input = Input::CancelledByPeer {
        reason: Some("Call completed elsewhere".into()),
    };
    let out = step(&mut call, 7000, input);
    assert_eq!(
        out,
        vec![
            sip(S::Reject { status: 487 }),
            media(M::StopRingtone),
            ended(
                EndCause::Missed,
                Some(487),
                Some("Call completed elsewhere"),
                7000,
                0
            ),
            Output::Finished,
        ]
    );
    let mut call = incoming();
    let out = step(&mut call, 7000, Input::CancelledByPeer { reason: None });
    assert_eq!(out[2], ended(EndCause::Missed, Some(487), None, 7000, 0));
}

#[test]
fn failure_to_respond_fails_the_call() {
    let mut call = incoming();
    let out = step(
        &mut call,
        1000,
        Input::InviteFailed {
            reason: "connection closed".into(),
        },
    );
    assert_eq!(
        out,
        vec![
            media(M::StopRingtone),
            ended(EndCause::Failed, None, Some("connection closed"), 1000, 0),
            Output::Finished,
        ]
    );
}

#[test]
fn a_second_invite_before_we_answer_gets_500() {
    let mut call = incoming();
    let out = step(
        &mut call,
        1000,
        Input::ReinviteFromPeer {
            remote_direction: D::SendRecv,
        },
    );
    assert_eq!(out, vec![sip(S::RejectReinvite { status: 500 })]);
    assert_eq!(call.state(), CallState::Incoming);
}

#[test]
fn no_ack_for_our_200_hangs_up_as_failed() {
    let mut call = incoming();
    step(&mut call, 4000, Input::Answer);
    let out = step(&mut call, 36000, Input::AckTimeout);
    assert_eq!(out, vec![sip(S::SendBye), media(M::Stop)]);
    let out = step(&mut call, 36100, Input::ByeCompleted);
    assert_eq!(
        out,
        vec![
            ended(
                EndCause::Failed,
                None,
                Some("no ACK for our 200 OK"),
                36000,
                32000
            ),
            Output::Finished,
        ]
    );
}

#[test]
fn ack_timeout_after_the_ack_is_ignored() {
    let mut call = active_in();
    assert_eq!(step(&mut call, 40000, Input::AckTimeout), vec![]);
    assert_eq!(call.state(), CallState::Active);
}

#[test]
fn bye_before_the_ack_completes_the_call() {
    let mut call = incoming();
    step(&mut call, 4000, Input::Answer);
    let out = step(&mut call, 4500, Input::ByeFromPeer);
    assert_eq!(
        out,
        vec![
            media(M::Stop),
            ended(EndCause::Completed, None, Some("remote hangup"), 4500, 500),
            Output::Finished,
        ]
    );
}

#[test]
fn hangup_after_answer_sends_bye() {
    let mut call = active_in();
    assert_eq!(
        step(&mut call, 20000, Input::Hangup),
        vec![sip(S::SendBye), media(M::Stop)]
    );
    let out = step(&mut call, 20100, Input::ByeCompleted);
    assert_eq!(
        out,
        vec![
            ended(
                EndCause::Completed,
                None,
                Some("local hangup"),
                20000,
                15000
            ),
            Output::Finished,
        ]
    );
}

#[test]
fn commands_that_do_not_fit_a_ringing_or_answered_call() {
    let table: Vec<RefusedCommand> = vec![
        (
            incoming,
            Input::Hold,
            CallState::Incoming,
            CommandKind::Hold,
        ),
        (
            incoming,
            Input::Resume,
            CallState::Incoming,
            CommandKind::Resume,
        ),
        (
            incoming,
            Input::Mute,
            CallState::Incoming,
            CommandKind::Mute,
        ),
        (
            incoming,
            Input::Unmute,
            CallState::Incoming,
            CommandKind::Unmute,
        ),
        (
            incoming,
            Input::SendDtmf("5".into()),
            CallState::Incoming,
            CommandKind::SendDtmf,
        ),
        (
            active_in,
            Input::Answer,
            CallState::Active,
            CommandKind::Answer,
        ),
        (
            active_in,
            Input::Reject { busy: true },
            CallState::Active,
            CommandKind::Reject,
        ),
    ];
    for (make, input, state, command) in table {
        let mut call = make();
        let result = call.handle(at(9000), input.clone());
        assert_eq!(
            result,
            Err(CallError::WrongState { state, command }),
            "{input:?}"
        );
        assert_eq!(drain(&mut call), vec![]);
    }
}

#[test]
fn stray_input_while_ringing_is_ignored() {
    let mut call = incoming();
    for input in [
        Input::Trying,
        answer_sendrecv(),
        Input::ByeFromPeer,
        Input::AckReceived,
        Input::AckTimeout,
        Input::MediaTimeout,
        Input::DtmfReceived {
            digit: '1',
            method: dialtone_api::DtmfMethod::Info,
        },
    ] {
        assert_eq!(step(&mut call, 1000, input.clone()), vec![], "{input:?}");
        assert_eq!(call.state(), CallState::Incoming);
    }
}
