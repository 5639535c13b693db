//! Stored deadlines: no answer, ring timeout, auto-answer, and the guards on CANCEL and BYE.

use std::time::Duration;

use dialtone_api::{CallState, EndCause};
use dialtone_call::{
    AutoAnswer, CallConfig, Input, MediaAction as M, MediaDirection as D, Output, SipAction as S,
};

use crate::common::*;

#[test]
fn outgoing_no_answer_cancels_at_sixty_seconds() {
    let mut call = ringing_out();
    assert_eq!(call.poll_timeout(), Some(at(60_000)));
    assert_eq!(tick(&mut call, 59_999), vec![]);
    assert_eq!(call.state(), CallState::Ringing);
    assert_eq!(
        tick(&mut call, 60_000),
        vec![sip(S::SendCancel), media(M::StopRingback)]
    );
    assert_eq!(call.state(), CallState::Ending);
    assert_eq!(call.poll_timeout(), Some(at(92_000)));
    let out = step(
        &mut call,
        60_200,
        Input::Rejected {
            status: 487,
            reason: None,
        },
    );
    assert_eq!(
        out,
        vec![
            ended(
                EndCause::NoAnswer,
                Some(487),
                Some("no answer within 60 s"),
                60_000,
                0
            ),
            Output::Finished,
        ]
    );
}

#[test]
fn no_answer_timeout_is_configurable() {
    let config = CallConfig {
        no_answer_timeout: Duration::from_secs(10),
        ..CallConfig::default()
    };
    let mut call = outgoing_with(config);
    step(
        &mut call,
        1000,
        Input::Provisional {
            status: 183,
            early_media: true,
        },
    );
    assert_eq!(call.poll_timeout(), Some(at(10_000)));
    assert_eq!(
        tick(&mut call, 10_500),
        vec![sip(S::SendCancel), media(M::Stop)]
    );
    let out = step(
        &mut call,
        10_600,
        Input::Rejected {
            status: 487,
            reason: None,
        },
    );
    assert_eq!(
        out[0],
        ended(
            EndCause::NoAnswer,
            Some(487),
            Some("no answer within 10 s"),
            10_500,
            0
        )
    );
}

#[test]
fn no_answer_before_any_provisional_waits_to_cancel() {
    let mut call = outgoing();
    assert_eq!(tick(&mut call, 60_000), vec![]);
    assert_eq!(call.state(), CallState::Ending);
    assert_eq!(
        step(
            &mut call,
            60_100,
            Input::Provisional {
                status: 180,
                early_media: false
            }
        ),
        vec![sip(S::SendCancel)]
    );
    let out = step(
        &mut call,
        60_200,
        Input::Rejected {
            status: 487,
            reason: None,
        },
    );
    assert_eq!(
        out,
        vec![
            ended(
                EndCause::NoAnswer,
                Some(487),
                Some("no answer within 60 s"),
                60_000,
                0
            ),
            Output::Finished,
        ]
    );
}

#[test]
fn pending_cancel_gives_up_after_32_seconds() {
    let mut call = outgoing();
    step(&mut call, 500, Input::Hangup);
    assert_eq!(tick(&mut call, 32_499), vec![]);
    assert_eq!(
        tick(&mut call, 32_500),
        vec![
            ended(EndCause::Canceled, None, None, 500, 0),
            Output::Finished
        ]
    );
    assert_eq!(call.poll_timeout(), None);
    assert_eq!(tick(&mut call, 99_000), vec![]);
}

#[test]
fn sent_cancel_gives_up_after_32_seconds() {
    let mut call = ringing_out();
    step(&mut call, 3000, Input::Hangup);
    assert_eq!(call.poll_timeout(), Some(at(35_000)));
    assert_eq!(
        tick(&mut call, 35_000),
        vec![
            ended(EndCause::Canceled, None, None, 3000, 0),
            Output::Finished
        ]
    );
}

#[test]
fn bye_without_response_gives_up_after_32_seconds() {
    let mut call = active_out();
    step(&mut call, 20_000, Input::Hangup);
    assert_eq!(call.poll_timeout(), Some(at(52_000)));
    assert_eq!(tick(&mut call, 51_999), vec![]);
    assert_eq!(
        tick(&mut call, 52_000),
        vec![
            ended(
                EndCause::Completed,
                None,
                Some("local hangup"),
                20_000,
                15_000
            ),
            Output::Finished,
        ]
    );
}

#[test]
fn incoming_ring_timeout_is_a_missed_call() {
    let mut call = incoming();
    assert_eq!(tick(&mut call, 59_999), vec![]);
    assert_eq!(
        tick(&mut call, 60_000),
        vec![
            sip(S::Reject { status: 480 }),
            media(M::StopRingtone),
            ended(
                EndCause::Missed,
                Some(480),
                Some("not answered within 60 s"),
                60_000,
                0
            ),
            Output::Finished,
        ]
    );
}

#[test]
fn auto_answer_fires_at_its_deadline() {
    let mut call = incoming_with(invite(), AutoAnswer::After(Duration::from_secs(3)), false);
    assert_eq!(call.poll_timeout(), Some(at(3000)));
    assert_eq!(tick(&mut call, 2999), vec![]);
    assert_eq!(
        tick(&mut call, 3000),
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
}

#[test]
fn auto_answer_after_zero_answers_on_the_first_tick() {
    let mut call = incoming_with(invite(), AutoAnswer::After(Duration::ZERO), false);
    assert_eq!(call.poll_timeout(), Some(at(0)));
    assert_eq!(tick(&mut call, 0).len(), 4);
    assert_eq!(call.state(), CallState::Active);
}

#[test]
fn answering_or_rejecting_first_disarms_auto_answer() {
    let mut call = incoming_with(invite(), AutoAnswer::After(Duration::from_secs(3)), false);
    step(&mut call, 1000, Input::Answer);
    assert_eq!(call.poll_timeout(), None);
    assert_eq!(tick(&mut call, 3000), vec![]);
    let mut call = incoming_with(invite(), AutoAnswer::After(Duration::from_secs(3)), false);
    step(&mut call, 1000, Input::Reject { busy: false });
    assert_eq!(tick(&mut call, 3000), vec![]);
}

#[test]
fn ring_timeout_before_a_late_auto_answer_wins() {
    let mut call = incoming_with(invite(), AutoAnswer::After(Duration::from_secs(90)), false);
    assert_eq!(call.poll_timeout(), Some(at(60_000)));
    // Even when the driver wakes up only after both deadlines.
    let out = tick(&mut call, 95_000);
    assert_eq!(out[0], sip(S::Reject { status: 480 }));
    assert_eq!(call.state(), CallState::Ended);
}

#[test]
fn durations_run_from_creation_and_answer_to_the_end() {
    let mut call = incoming();
    step(&mut call, 2_250, Input::Answer);
    let out = step(&mut call, 125_750, Input::ByeFromPeer);
    assert_eq!(
        out[1],
        ended(
            EndCause::Completed,
            None,
            Some("remote hangup"),
            125_750,
            123_500
        )
    );
}

#[test]
fn timeouts_of_an_ended_call_do_nothing() {
    let mut call = active_out();
    step(&mut call, 9000, Input::ByeFromPeer);
    assert_eq!(call.poll_timeout(), None);
    assert_eq!(tick(&mut call, 1_000_000), vec![]);
}

#[test]
fn an_active_call_has_no_deadline() {
    let mut call = active_out();
    assert_eq!(call.poll_timeout(), None);
    assert_eq!(tick(&mut call, 1_000_000), vec![]);
    assert_eq!(call.state(), CallState::Active);
}
