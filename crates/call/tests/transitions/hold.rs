//! Hold and resume by either side, glare, failed re-INVITEs, and mute.

use dialtone_api::{CallState, EndCause, HoldBy};
use dialtone_call::{
    glare_delay, Call, CallError, CommandKind, Input, MediaAction as M, MediaDirection as D,
    Output, SipAction as S,
};

use crate::common::*;

fn peer_offers(direction: D) -> Input {
    Input::ReinviteFromPeer {
        remote_direction: direction,
    }
}

fn peer_answers(direction: D) -> Input {
    Input::ReinviteAnswered {
        remote_direction: direction,
    }
}

/// Active outgoing call that we hold (confirmed at 10.1 s).
fn held_by_us() -> Call {
    let mut call = active_out();
    step(&mut call, 10000, Input::Hold);
    step(&mut call, 10100, peer_answers(D::RecvOnly));
    call
}

/// Active outgoing call the peer holds (at 10 s).
fn held_by_peer() -> Call {
    let mut call = active_out();
    step(&mut call, 10000, peer_offers(D::SendOnly));
    call
}

#[test]
fn hold_sends_sendonly_and_reports_once_the_peer_agrees() {
    let mut call = active_out();
    assert_eq!(
        step(&mut call, 10000, Input::Hold),
        vec![sip(S::SendReinvite {
            local_direction: D::SendOnly
        })]
    );
    assert_eq!(call.info().held, None, "not yet agreed");
    assert_eq!(
        step(&mut call, 10100, peer_answers(D::RecvOnly)),
        vec![
            sip(S::SendAck),
            media(M::UpdateDirection(D::SendOnly)),
            held(HoldBy::Local)
        ]
    );
    assert_eq!(call.info().held, Some(HoldBy::Local));
    assert_eq!(call.state(), CallState::Active);
}

#[test]
fn resume_sends_sendrecv() {
    let mut call = held_by_us();
    assert_eq!(
        step(&mut call, 20000, Input::Resume),
        vec![sip(S::SendReinvite {
            local_direction: D::SendRecv
        })]
    );
    assert_eq!(
        step(&mut call, 20100, peer_answers(D::SendRecv)),
        vec![
            sip(S::SendAck),
            media(M::UpdateDirection(D::SendRecv)),
            resumed(HoldBy::Local)
        ]
    );
    assert_eq!(call.info().held, None);
}

#[test]
fn hold_and_resume_are_idempotent() {
    let mut call = active_out();
    assert_eq!(step(&mut call, 9000, Input::Resume), vec![], "not held");
    let mut call = held_by_us();
    assert_eq!(step(&mut call, 11000, Input::Hold), vec![], "already held");
    let mut call = active_out();
    step(&mut call, 9000, Input::Hold);
    assert_eq!(step(&mut call, 9001, Input::Hold), vec![], "hold in flight");
}

#[test]
fn resume_pressed_while_hold_is_in_flight_follows_up() {
    let mut call = active_out();
    step(&mut call, 10000, Input::Hold);
    assert_eq!(step(&mut call, 10010, Input::Resume), vec![]);
    assert_eq!(
        step(&mut call, 10100, peer_answers(D::RecvOnly)),
        vec![
            sip(S::SendAck),
            media(M::UpdateDirection(D::SendOnly)),
            held(HoldBy::Local),
            sip(S::SendReinvite {
                local_direction: D::SendRecv
            }),
        ]
    );
    assert_eq!(
        step(&mut call, 10200, peer_answers(D::SendRecv)),
        vec![
            sip(S::SendAck),
            media(M::UpdateDirection(D::SendRecv)),
            resumed(HoldBy::Local)
        ]
    );
}

#[test]
fn peer_hold_with_sendonly_and_resume() {
    let mut call = active_out();
    assert_eq!(
        step(&mut call, 10000, peer_offers(D::SendOnly)),
        vec![
            sip(S::AcceptReinvite {
                local_direction: D::RecvOnly
            }),
            media(M::UpdateDirection(D::RecvOnly)),
            held(HoldBy::Remote),
        ]
    );
    assert_eq!(call.info().held, Some(HoldBy::Remote));
    assert_eq!(
        step(&mut call, 20000, peer_offers(D::SendRecv)),
        vec![
            sip(S::AcceptReinvite {
                local_direction: D::SendRecv
            }),
            media(M::UpdateDirection(D::SendRecv)),
            resumed(HoldBy::Remote),
        ]
    );
    assert_eq!(call.info().held, None);
}

#[test]
fn peer_hold_with_inactive() {
    let mut call = active_in();
    assert_eq!(
        step(&mut call, 10000, peer_offers(D::Inactive)),
        vec![
            sip(S::AcceptReinvite {
                local_direction: D::Inactive
            }),
            media(M::UpdateDirection(D::Inactive)),
            held(HoldBy::Remote),
        ]
    );
}

#[test]
fn peer_session_refresh_changes_nothing() {
    let mut call = active_out();
    assert_eq!(
        step(&mut call, 10000, peer_offers(D::SendRecv)),
        vec![sip(S::AcceptReinvite {
            local_direction: D::SendRecv
        })]
    );
    let mut call = held_by_us();
    assert_eq!(
        step(&mut call, 15000, peer_offers(D::SendRecv)),
        vec![sip(S::AcceptReinvite {
            local_direction: D::SendOnly
        })],
        "we keep holding in our answer"
    );
    assert_eq!(call.info().held, Some(HoldBy::Local));
}

#[test]
fn holding_a_peer_that_holds_us_offers_inactive() {
    let mut call = held_by_peer();
    assert_eq!(
        step(&mut call, 12000, Input::Hold),
        vec![sip(S::SendReinvite {
            local_direction: D::Inactive
        })]
    );
    assert_eq!(
        step(&mut call, 12100, peer_answers(D::Inactive)),
        vec![
            sip(S::SendAck),
            media(M::UpdateDirection(D::Inactive)),
            held(HoldBy::Local)
        ]
    );
    assert_eq!(
        call.info().held,
        Some(HoldBy::Local),
        "local wins when both hold"
    );
}

#[test]
fn peer_resumes_while_we_hold() {
    let mut call = held_by_peer();
    step(&mut call, 12000, Input::Hold);
    step(&mut call, 12100, peer_answers(D::Inactive));
    assert_eq!(
        step(&mut call, 15000, peer_offers(D::SendRecv)),
        vec![
            sip(S::AcceptReinvite {
                local_direction: D::SendOnly
            }),
            media(M::UpdateDirection(D::SendOnly)),
            resumed(HoldBy::Remote),
        ]
    );
    assert_eq!(call.info().held, Some(HoldBy::Local));
}

#[test]
fn peer_holds_while_we_hold() {
    let mut call = held_by_us();
    assert_eq!(
        step(&mut call, 15000, peer_offers(D::Inactive)),
        vec![
            sip(S::AcceptReinvite {
                local_direction: D::Inactive
            }),
            media(M::UpdateDirection(D::Inactive)),
            held(HoldBy::Remote),
        ]
    );
}

#[test]
fn we_resume_while_the_peer_still_holds_us() {
    let mut call = held_by_peer();
    step(&mut call, 12000, Input::Hold);
    step(&mut call, 12100, peer_answers(D::Inactive));
    assert_eq!(
        step(&mut call, 20000, Input::Resume),
        vec![sip(S::SendReinvite {
            local_direction: D::SendRecv
        })]
    );
    assert_eq!(
        step(&mut call, 20100, peer_answers(D::SendOnly)),
        vec![
            sip(S::SendAck),
            media(M::UpdateDirection(D::RecvOnly)),
            resumed(HoldBy::Local)
        ]
    );
    assert_eq!(call.info().held, Some(HoldBy::Remote));
}

#[test]
fn our_answer_reveals_that_the_peer_holds_us_now() {
    let mut call = active_out();
    step(&mut call, 10000, Input::Hold);
    assert_eq!(
        step(&mut call, 10100, peer_answers(D::Inactive)),
        vec![
            sip(S::SendAck),
            media(M::UpdateDirection(D::Inactive)),
            held(HoldBy::Local),
            held(HoldBy::Remote),
        ]
    );
}

#[test]
fn peer_reinvite_while_ours_is_pending_gets_491() {
    let mut call = active_out();
    step(&mut call, 10000, Input::Hold);
    assert_eq!(
        step(&mut call, 10010, peer_offers(D::SendOnly)),
        vec![sip(S::RejectReinvite { status: 491 })]
    );
    assert_eq!(call.info().held, None);
}

#[test]
fn glare_retries_after_the_rfc3261_delay() {
    for (make, owner) in [(active_out as fn() -> Call, true), (active_in, false)] {
        let mut call = make();
        step(&mut call, 10000, Input::Hold);
        assert_eq!(
            step(&mut call, 10050, Input::ReinviteFailed { status: 491 }),
            vec![]
        );
        let delay = glare_delay(ID, owner);
        let retry = at(10050) + delay;
        assert_eq!(call.poll_timeout(), Some(retry));
        call.handle_timeout(retry - std::time::Duration::from_millis(1));
        assert_eq!(drain(&mut call), vec![]);
        call.handle_timeout(retry);
        assert_eq!(
            drain(&mut call),
            vec![sip(S::SendReinvite {
                local_direction: D::SendOnly
            })]
        );
        assert_eq!(call.poll_timeout(), None);
    }
}

#[test]
fn glare_retry_is_dropped_when_the_wish_changed() {
    let mut call = active_out();
    step(&mut call, 10000, Input::Hold);
    step(&mut call, 10050, Input::ReinviteFailed { status: 491 });
    assert_eq!(step(&mut call, 10500, Input::Resume), vec![]);
    assert_eq!(tick(&mut call, 20000), vec![]);
    assert_eq!(call.poll_timeout(), None);
    assert_eq!(call.info().held, None);
}

#[test]
fn peer_reinvite_during_the_glare_wait_carries_our_hold() {
    let mut call = active_out();
    step(&mut call, 10000, Input::Hold);
    step(&mut call, 10050, Input::ReinviteFailed { status: 491 });
    assert_eq!(
        step(&mut call, 10500, peer_offers(D::SendRecv)),
        vec![
            sip(S::AcceptReinvite {
                local_direction: D::SendOnly
            }),
            media(M::UpdateDirection(D::SendOnly)),
            held(HoldBy::Local),
        ]
    );
    assert_eq!(tick(&mut call, 20000), vec![], "nothing left to offer");
}

#[test]
fn a_refused_hold_leaves_the_call_as_it_was() {
    let mut call = active_out();
    step(&mut call, 10000, Input::Hold);
    assert_eq!(
        step(&mut call, 10100, Input::ReinviteFailed { status: 488 }),
        vec![]
    );
    assert_eq!(call.info().held, None);
    assert_eq!(call.state(), CallState::Active);
    assert_eq!(
        step(&mut call, 11000, Input::Hold),
        vec![sip(S::SendReinvite {
            local_direction: D::SendOnly
        })],
        "the user may try again"
    );
    step(&mut call, 11100, Input::ReinviteFailed { status: 488 });
    assert_eq!(
        step(&mut call, 12000, peer_offers(D::SendRecv)),
        vec![sip(S::AcceptReinvite {
            local_direction: D::SendRecv
        })],
        "the refused wish is forgotten"
    );
}

#[test]
fn an_answer_to_an_inactive_offer_says_nothing_about_the_peer_hold() {
    let mut call = held_by_peer();
    step(&mut call, 12000, Input::Hold);
    // A sloppy peer answers recvonly to our inactive offer: it still holds us.
    assert_eq!(
        step(&mut call, 12100, peer_answers(D::RecvOnly)),
        vec![
            sip(S::SendAck),
            media(M::UpdateDirection(D::Inactive)),
            held(HoldBy::Local)
        ]
    );
    assert_eq!(call.info().held, Some(HoldBy::Local));
    step(&mut call, 13000, Input::Resume);
    step(&mut call, 13100, peer_answers(D::SendOnly));
    assert_eq!(call.info().held, Some(HoldBy::Remote));
}

#[test]
fn reinvite_408_or_481_ends_the_call() {
    for status in [408, 481] {
        let mut call = active_out();
        step(&mut call, 10000, Input::Hold);
        let out = step(&mut call, 10100, Input::ReinviteFailed { status });
        assert_eq!(out, vec![sip(S::SendBye), media(M::Stop)]);
        let out = step(&mut call, 10200, Input::ByeCompleted);
        assert_eq!(
            out,
            vec![
                ended(
                    EndCause::Failed,
                    Some(status),
                    Some("re-INVITE failed"),
                    10100,
                    5100
                ),
                Output::Finished,
            ]
        );
    }
}

#[test]
fn reinvite_responses_without_our_offer_are_ignored() {
    let mut call = active_out();
    assert_eq!(step(&mut call, 10000, peer_answers(D::RecvOnly)), vec![]);
    assert_eq!(
        step(&mut call, 10000, Input::ReinviteFailed { status: 491 }),
        vec![]
    );
    assert_eq!(call.poll_timeout(), None);
    assert_eq!(call.info().held, None);
}

#[test]
fn hold_before_the_ack_waits_for_it() {
    let mut call = incoming();
    step(&mut call, 4000, Input::Answer);
    assert_eq!(step(&mut call, 4010, Input::Hold), vec![]);
    assert_eq!(
        step(&mut call, 4050, Input::AckReceived),
        vec![sip(S::SendReinvite {
            local_direction: D::SendOnly
        })]
    );
}

#[test]
fn bye_while_our_reinvite_is_pending_ends_the_call() {
    let mut call = active_out();
    step(&mut call, 10000, Input::Hold);
    let out = step(&mut call, 10050, Input::ByeFromPeer);
    assert_eq!(
        out,
        vec![
            media(M::Stop),
            ended(
                EndCause::Completed,
                None,
                Some("remote hangup"),
                10050,
                5050
            ),
            Output::Finished,
        ]
    );
}

#[test]
fn mute_only_touches_media() {
    let mut call = active_out();
    assert_eq!(
        step(&mut call, 9000, Input::Mute),
        vec![media(M::SetMuted(true)), muted(true)]
    );
    assert!(call.info().muted);
    assert_eq!(step(&mut call, 9100, Input::Mute), vec![], "already muted");
    assert_eq!(
        step(&mut call, 9200, Input::Unmute),
        vec![media(M::SetMuted(false)), muted(false)]
    );
    assert!(!call.info().muted);
    assert_eq!(step(&mut call, 9300, Input::Unmute), vec![], "not muted");
    let mut call = held_by_us();
    assert_eq!(
        step(&mut call, 12000, Input::Mute),
        vec![media(M::SetMuted(true)), muted(true)]
    );
    assert_eq!(call.info().held, Some(HoldBy::Local));
}

#[test]
fn mute_and_hold_refused_once_ending() {
    let mut call = active_out();
    step(&mut call, 9000, Input::Hangup);
    for (input, command) in [
        (Input::Mute, CommandKind::Mute),
        (Input::Unmute, CommandKind::Unmute),
        (Input::Hold, CommandKind::Hold),
        (Input::Resume, CommandKind::Resume),
    ] {
        let result = call.handle(at(9100), input);
        assert_eq!(
            result,
            Err(CallError::WrongState {
                state: CallState::Ending,
                command
            })
        );
    }
    assert_eq!(drain(&mut call), vec![]);
}

#[test]
fn media_timeout_is_expected_while_nothing_should_arrive() {
    // We hold with sendonly: the peer sends nothing.
    let mut call = held_by_us();
    assert_eq!(step(&mut call, 50000, Input::MediaTimeout), vec![]);
    // The peer holds with inactive: nothing arrives either.
    let mut call = active_out();
    step(&mut call, 10000, peer_offers(D::Inactive));
    assert_eq!(step(&mut call, 50000, Input::MediaTimeout), vec![]);
    // The peer holds with sendonly: music on hold should arrive.
    let mut call = held_by_peer();
    assert_eq!(
        step(&mut call, 50000, Input::MediaTimeout),
        vec![sip(S::SendBye), media(M::Stop)]
    );
}
