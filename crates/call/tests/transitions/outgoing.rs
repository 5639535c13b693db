//! Outgoing calls: dialling, provisional responses, answer, rejection, CANCEL and its races.

use dialtone_api::{CallDialing, CallState, EndCause, Event, HoldBy};
use dialtone_call::{
    end_cause_for_status, Call, CallConfig, CallError, CommandKind, Input, MediaAction as M,
    MediaDirection as D, Output, SipAction as S,
};

use crate::common::*;

#[test]
fn dialing_sends_invite_and_reports_dialing() {
    let mut call = Call::outgoing(
        ID.into(),
        ACCOUNT.into(),
        party(),
        CallConfig::default(),
        now0(),
    );
    assert_eq!(
        drain(&mut call),
        vec![
            sip(S::SendInvite),
            Output::Event(Event::CallDialing(CallDialing {
                call_id: ID.into(),
                account_id: ACCOUNT.into(),
                to: party(),
            })),
        ]
    );
    assert_eq!(call.state(), CallState::Dialing);
    let info = call.info();
    assert_eq!(info.started_at, wall0());
    assert_eq!(info.answered_at, None);
    assert_eq!(info.remote, party());
}

#[test]
fn trying_keeps_dialing_quietly() {
    let mut call = outgoing();
    assert_eq!(step(&mut call, 100, Input::Trying), vec![]);
    assert_eq!(call.state(), CallState::Dialing);
    assert_eq!(step(&mut call, 200, Input::Trying), vec![]);
    let provisional_100 = Input::Provisional {
        status: 100,
        early_media: false,
    };
    assert_eq!(step(&mut call, 300, provisional_100), vec![]);
    assert_eq!(call.state(), CallState::Dialing);
}

#[test]
fn ringing_without_sdp_plays_ringback() {
    for first_trying in [false, true] {
        let mut call = outgoing();
        if first_trying {
            step(&mut call, 100, Input::Trying);
        }
        let out = step(
            &mut call,
            1000,
            Input::Provisional {
                status: 180,
                early_media: false,
            },
        );
        assert_eq!(out, vec![media(M::StartRingback), ringing(false)]);
        assert_eq!(call.state(), CallState::Ringing);
    }
}

#[test]
fn session_progress_with_sdp_starts_early_media() {
    let mut call = outgoing();
    let out = step(
        &mut call,
        1000,
        Input::Provisional {
            status: 183,
            early_media: true,
        },
    );
    assert_eq!(
        out,
        vec![
            media(M::Start {
                direction: D::RecvOnly
            }),
            ringing(true)
        ]
    );
    assert_eq!(call.state(), CallState::Ringing);
}

#[test]
fn early_media_after_ringback_replaces_it() {
    let mut call = ringing_out();
    let out = step(
        &mut call,
        2000,
        Input::Provisional {
            status: 183,
            early_media: true,
        },
    );
    assert_eq!(
        out,
        vec![
            media(M::StopRingback),
            media(M::Start {
                direction: D::RecvOnly
            }),
            ringing(true)
        ]
    );
}

#[test]
fn repeated_provisionals_change_nothing() {
    let mut call = ringing_out();
    assert_eq!(
        step(
            &mut call,
            2000,
            Input::Provisional {
                status: 180,
                early_media: false
            }
        ),
        vec![]
    );
    assert_eq!(step(&mut call, 2100, Input::Trying), vec![]);
    let mut call = early_media_out();
    assert_eq!(
        step(
            &mut call,
            2000,
            Input::Provisional {
                status: 180,
                early_media: false
            }
        ),
        vec![]
    );
    assert_eq!(
        step(
            &mut call,
            2100,
            Input::Provisional {
                status: 183,
                early_media: true
            }
        ),
        vec![]
    );
    assert_eq!(call.state(), CallState::Ringing);
}

#[test]
fn answer_without_provisional() {
    let mut call = outgoing();
    let out = step(&mut call, 3000, answer_sendrecv());
    assert_eq!(
        out,
        vec![
            sip(S::SendAck),
            media(M::Start {
                direction: D::SendRecv
            }),
            answered()
        ]
    );
    assert_eq!(call.state(), CallState::Active);
}

#[test]
fn answer_after_trying() {
    let mut call = outgoing();
    step(&mut call, 100, Input::Trying);
    let out = step(&mut call, 3000, answer_sendrecv());
    assert_eq!(
        out,
        vec![
            sip(S::SendAck),
            media(M::Start {
                direction: D::SendRecv
            }),
            answered()
        ]
    );
}

#[test]
fn answer_after_ringback_stops_it() {
    let mut call = ringing_out();
    let out = step(&mut call, 5000, answer_sendrecv());
    assert_eq!(
        out,
        vec![
            sip(S::SendAck),
            media(M::StopRingback),
            media(M::Start {
                direction: D::SendRecv
            }),
            answered()
        ]
    );
    let info = call.info();
    assert_eq!(info.state, CallState::Active);
    assert_eq!(
        info.answered_at,
        Some(wall0() + chrono::Duration::seconds(5))
    );
    assert_eq!(info.codec.as_deref(), Some("PCMU/8000"));
    assert_eq!(info.held, None);
    assert!(!info.muted);
}

#[test]
fn answer_after_early_media_opens_the_send_direction() {
    let mut call = early_media_out();
    let out = step(&mut call, 5000, answer_sendrecv());
    assert_eq!(
        out,
        vec![
            sip(S::SendAck),
            media(M::UpdateDirection(D::SendRecv)),
            answered()
        ]
    );
}

#[test]
fn answer_that_holds_us_from_the_start() {
    let mut call = ringing_out();
    let input = Input::Answered {
        remote_direction: D::SendOnly,
        codec: Some("PCMU/8000".into()),
    };
    let out = step(&mut call, 5000, input);
    assert_eq!(
        out,
        vec![
            sip(S::SendAck),
            media(M::StopRingback),
            media(M::Start {
                direction: D::RecvOnly
            }),
            answered(),
            held(HoldBy::Remote)
        ]
    );
    assert_eq!(call.info().held, Some(HoldBy::Remote));
}

#[test]
fn final_responses_map_to_end_causes() {
    let table = [
        (486, EndCause::Busy),
        (600, EndCause::Busy),
        (408, EndCause::NoAnswer),
        (480, EndCause::NoAnswer),
        (603, EndCause::Rejected),
        (403, EndCause::Rejected),
        (404, EndCause::Failed),
        (488, EndCause::Failed),
        (500, EndCause::Failed),
        (503, EndCause::Failed),
        (302, EndCause::Failed),
        (487, EndCause::Failed),
    ];
    for (status, cause) in table {
        assert_eq!(end_cause_for_status(status), cause, "{status}");
        let mut call = ringing_out();
        let reason = Some(format!("reason {status}"));
        let out = step(
            &mut call,
            4000,
            Input::Rejected {
                status,
                reason: reason.clone(),
            },
        );
        assert_eq!(
            out,
            vec![
                media(M::StopRingback),
                ended(cause, Some(status), reason.as_deref(), 4000, 0),
                Output::Finished
            ],
            "{status}"
        );
        assert_eq!(call.state(), CallState::Ended);
        assert!(call.is_ended());
        assert_eq!(call.poll_timeout(), None);
    }
}

#[test]
fn rejection_before_any_provisional_or_during_early_media() {
    let mut call = outgoing();
    let out = step(
        &mut call,
        700,
        Input::Rejected {
            status: 486,
            reason: Some("Busy Here".into()),
        },
    );
    assert_eq!(
        out,
        vec![
            ended(EndCause::Busy, Some(486), Some("Busy Here"), 700, 0),
            Output::Finished
        ]
    );
    let mut call = early_media_out();
    let out = step(
        &mut call,
        9000,
        Input::Rejected {
            status: 404,
            reason: None,
        },
    );
    assert_eq!(
        out,
        vec![
            media(M::Stop),
            ended(EndCause::Failed, Some(404), None, 9000, 0),
            Output::Finished
        ]
    );
}

#[test]
fn invite_transaction_failure_fails_the_call() {
    let mut call = outgoing();
    let out = step(
        &mut call,
        32000,
        Input::InviteFailed {
            reason: "timeout".into(),
        },
    );
    assert_eq!(
        out,
        vec![
            ended(EndCause::Failed, None, Some("timeout"), 32000, 0),
            Output::Finished
        ]
    );
    let mut call = ringing_out();
    let out = step(
        &mut call,
        8000,
        Input::InviteFailed {
            reason: "connection reset".into(),
        },
    );
    assert_eq!(
        out,
        vec![
            media(M::StopRingback),
            ended(EndCause::Failed, None, Some("connection reset"), 8000, 0),
            Output::Finished
        ]
    );
}

#[test]
fn hangup_while_ringing_cancels_then_487_ends_canceled() {
    let mut call = ringing_out();
    let out = step(&mut call, 3000, Input::Hangup);
    assert_eq!(out, vec![sip(S::SendCancel), media(M::StopRingback)]);
    assert_eq!(call.state(), CallState::Ending);
    let out = step(
        &mut call,
        3200,
        Input::Rejected {
            status: 487,
            reason: None,
        },
    );
    assert_eq!(
        out,
        vec![
            ended(EndCause::Canceled, Some(487), None, 3000, 0),
            Output::Finished
        ]
    );
}

#[test]
fn hangup_during_early_media_or_after_trying() {
    let mut call = early_media_out();
    assert_eq!(
        step(&mut call, 3000, Input::Hangup),
        vec![sip(S::SendCancel), media(M::Stop)]
    );
    let mut call = outgoing();
    step(&mut call, 100, Input::Trying);
    assert_eq!(
        step(&mut call, 3000, Input::Hangup),
        vec![sip(S::SendCancel)]
    );
    assert_eq!(call.state(), CallState::Ending);
}

#[test]
fn answer_racing_our_cancel_is_acked_and_byed() {
    let mut call = ringing_out();
    step(&mut call, 3000, Input::Hangup);
    let out = step(&mut call, 3100, answer_sendrecv());
    assert_eq!(out, vec![sip(S::SendAck), sip(S::SendBye)]);
    assert_eq!(call.state(), CallState::Ending);
    // The 487 for the INVITE never comes; the BYE finishes it.
    let out = step(&mut call, 3300, Input::ByeCompleted);
    assert_eq!(
        out,
        vec![
            ended(EndCause::Canceled, None, None, 3000, 0),
            Output::Finished
        ]
    );
    assert_eq!(call.info().answered_at, None);
}

#[test]
fn cancelling_takes_other_final_responses_and_failures_as_canceled() {
    let mut call = ringing_out();
    step(&mut call, 3000, Input::Hangup);
    let out = step(
        &mut call,
        3100,
        Input::Rejected {
            status: 486,
            reason: None,
        },
    );
    assert_eq!(
        out,
        vec![
            ended(EndCause::Canceled, Some(486), None, 3000, 0),
            Output::Finished
        ]
    );
    let mut call = ringing_out();
    step(&mut call, 3000, Input::Hangup);
    let out = step(
        &mut call,
        35000,
        Input::InviteFailed {
            reason: "timeout".into(),
        },
    );
    assert_eq!(
        out,
        vec![
            ended(EndCause::Canceled, None, None, 3000, 0),
            Output::Finished
        ]
    );
}

#[test]
fn cancelling_ignores_provisionals_and_a_second_hangup() {
    let mut call = ringing_out();
    step(&mut call, 3000, Input::Hangup);
    assert_eq!(
        step(
            &mut call,
            3050,
            Input::Provisional {
                status: 180,
                early_media: false
            }
        ),
        vec![]
    );
    assert_eq!(step(&mut call, 3060, Input::Trying), vec![]);
    assert_eq!(step(&mut call, 3070, Input::Hangup), vec![]);
    assert_eq!(call.state(), CallState::Ending);
}

#[test]
fn cancel_before_any_provisional_waits_for_one() {
    for first in [
        Input::Trying,
        Input::Provisional {
            status: 180,
            early_media: false,
        },
    ] {
        let mut call = outgoing();
        assert_eq!(step(&mut call, 50, Input::Hangup), vec![]);
        assert_eq!(call.state(), CallState::Ending);
        assert_eq!(call.poll_timeout(), Some(at(50 + 32_000)));
        assert_eq!(step(&mut call, 80, Input::Hangup), vec![], "second hangup");
        // RFC 3261 9.1: the CANCEL goes out with the first provisional, and no ringback.
        assert_eq!(step(&mut call, 200, first), vec![sip(S::SendCancel)]);
        assert_eq!(call.poll_timeout(), Some(at(200 + 32_000)));
        let out = step(
            &mut call,
            300,
            Input::Rejected {
                status: 487,
                reason: None,
            },
        );
        assert_eq!(
            out,
            vec![
                ended(EndCause::Canceled, Some(487), None, 50, 0),
                Output::Finished
            ]
        );
    }
}

#[test]
fn cancel_pending_then_answer_acks_and_byes() {
    let mut call = outgoing();
    step(&mut call, 50, Input::Hangup);
    assert_eq!(
        step(&mut call, 400, answer_sendrecv()),
        vec![sip(S::SendAck), sip(S::SendBye)]
    );
    let out = step(&mut call, 500, Input::ByeCompleted);
    assert_eq!(
        out,
        vec![
            ended(EndCause::Canceled, None, None, 50, 0),
            Output::Finished
        ]
    );
}

#[test]
fn cancel_pending_then_final_response_or_failure() {
    let mut call = outgoing();
    step(&mut call, 50, Input::Hangup);
    let out = step(
        &mut call,
        400,
        Input::Rejected {
            status: 480,
            reason: None,
        },
    );
    assert_eq!(
        out,
        vec![
            ended(EndCause::Canceled, Some(480), None, 50, 0),
            Output::Finished
        ]
    );
    let mut call = outgoing();
    step(&mut call, 50, Input::Hangup);
    let out = step(
        &mut call,
        32000,
        Input::InviteFailed {
            reason: "timeout".into(),
        },
    );
    assert_eq!(
        out,
        vec![
            ended(EndCause::Canceled, None, None, 50, 0),
            Output::Finished
        ]
    );
}

#[test]
fn hangup_when_talking_sends_bye_and_ends_completed() {
    let mut call = active_out();
    let out = step(&mut call, 65000, Input::Hangup);
    assert_eq!(out, vec![sip(S::SendBye), media(M::Stop)]);
    assert_eq!(call.state(), CallState::Ending);
    assert_eq!(
        step(&mut call, 65100, Input::Hangup),
        vec![],
        "already ending"
    );
    let out = step(&mut call, 65300, Input::ByeCompleted);
    assert_eq!(
        out,
        vec![
            ended(
                EndCause::Completed,
                None,
                Some("local hangup"),
                65000,
                60000
            ),
            Output::Finished
        ]
    );
}

#[test]
fn bye_from_peer_ends_completed() {
    let mut call = active_out();
    let out = step(&mut call, 65500, Input::ByeFromPeer);
    assert_eq!(
        out,
        vec![
            media(M::Stop),
            ended(
                EndCause::Completed,
                None,
                Some("remote hangup"),
                65500,
                60500
            ),
            Output::Finished
        ]
    );
}

#[test]
fn bye_crossing_our_bye_finishes_the_call() {
    let mut call = active_out();
    step(&mut call, 20000, Input::Hangup);
    let out = step(&mut call, 20010, Input::ByeFromPeer);
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
            Output::Finished
        ]
    );
}

#[test]
fn commands_that_do_not_fit_are_refused_without_output() {
    let dialing = outgoing;
    let table: Vec<RefusedCommand> = vec![
        (
            dialing,
            Input::Answer,
            CallState::Dialing,
            CommandKind::Answer,
        ),
        (
            dialing,
            Input::Reject { busy: true },
            CallState::Dialing,
            CommandKind::Reject,
        ),
        (dialing, Input::Hold, CallState::Dialing, CommandKind::Hold),
        (
            ringing_out,
            Input::Resume,
            CallState::Ringing,
            CommandKind::Resume,
        ),
        (
            ringing_out,
            Input::Mute,
            CallState::Ringing,
            CommandKind::Mute,
        ),
        (
            ringing_out,
            Input::Unmute,
            CallState::Ringing,
            CommandKind::Unmute,
        ),
        (
            ringing_out,
            Input::SendDtmf("1".into()),
            CallState::Ringing,
            CommandKind::SendDtmf,
        ),
        (
            active_out,
            Input::Answer,
            CallState::Active,
            CommandKind::Answer,
        ),
        (
            active_out,
            Input::Reject { busy: false },
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
        assert_eq!(drain(&mut call), vec![], "{input:?}");
        assert_eq!(call.state(), state);
    }
}

#[test]
fn an_ended_call_refuses_every_command() {
    let mut call = ringing_out();
    step(
        &mut call,
        2000,
        Input::Rejected {
            status: 486,
            reason: None,
        },
    );
    for input in [
        Input::Answer,
        Input::Reject { busy: false },
        Input::Hangup,
        Input::Hold,
        Input::Resume,
        Input::Mute,
        Input::Unmute,
        Input::SendDtmf("1".into()),
    ] {
        let command = input.command().unwrap_or(CommandKind::Answer);
        let result = call.handle(at(3000), input);
        assert_eq!(
            result,
            Err(CallError::WrongState {
                state: CallState::Ended,
                command
            })
        );
    }
    assert_eq!(drain(&mut call), vec![]);
    let message = CallError::WrongState {
        state: CallState::Ended,
        command: CommandKind::Hold,
    }
    .to_string();
    assert_eq!(message, "cannot hold a call that is Ended");
}

#[test]
fn stray_network_input_is_ignored() {
    let mut call = active_out();
    for input in [
        Input::Trying,
        Input::Provisional {
            status: 180,
            early_media: false,
        },
        answer_sendrecv(),
        Input::Rejected {
            status: 500,
            reason: None,
        },
        Input::ByeCompleted,
        Input::CancelledByPeer { reason: None },
        Input::AckTimeout,
    ] {
        assert_eq!(step(&mut call, 9000, input.clone()), vec![], "{input:?}");
        assert_eq!(call.state(), CallState::Active);
    }
    let mut call = ringing_out();
    for input in [
        Input::ByeFromPeer,
        Input::MediaTimeout,
        Input::ReinviteFailed { status: 491 },
    ] {
        assert_eq!(step(&mut call, 2000, input.clone()), vec![], "{input:?}");
        assert_eq!(call.state(), CallState::Ringing);
    }
    let mut call = ringing_out();
    step(
        &mut call,
        2000,
        Input::Rejected {
            status: 486,
            reason: None,
        },
    );
    assert_eq!(step(&mut call, 2100, answer_sendrecv()), vec![]);
    assert_eq!(step(&mut call, 2100, Input::ByeFromPeer), vec![]);
}

#[test]
fn reinvite_from_peer_outside_a_confirmed_dialog_is_refused() {
    let reinvite = || Input::ReinviteFromPeer {
        remote_direction: D::SendOnly,
    };
    let mut call = ringing_out();
    assert_eq!(
        step(&mut call, 2000, reinvite()),
        vec![sip(S::RejectReinvite { status: 491 })]
    );
    assert_eq!(call.state(), CallState::Ringing);
    let mut call = outgoing();
    step(&mut call, 100, Input::Hangup);
    assert_eq!(
        step(&mut call, 200, reinvite()),
        vec![sip(S::RejectReinvite { status: 491 })]
    );
    let mut call = active_out();
    step(&mut call, 9000, Input::Hangup);
    assert_eq!(
        step(&mut call, 9100, reinvite()),
        vec![sip(S::RejectReinvite { status: 481 })]
    );
    step(&mut call, 9200, Input::ByeCompleted);
    assert_eq!(
        step(&mut call, 9300, reinvite()),
        vec![sip(S::RejectReinvite { status: 481 })]
    );
}

#[test]
fn media_stats_become_call_stats_events() {
    let stats = dialtone_api::CallStats {
        call_id: "whatever".into(),
        codec: "PCMA/8000".into(),
        packets_sent: 500,
        packets_received: 498,
        packets_lost: 2,
        loss_percent: 0.4,
        jitter_ms: 3.5,
        rtt_ms: Some(20.0),
        jitter_buffer_ms: 40.0,
        mos: 4.3,
    };
    let mut call = ringing_out();
    assert_eq!(
        step(&mut call, 2000, Input::MediaStats(stats.clone())),
        vec![]
    );
    let mut call = active_out();
    let out = step(&mut call, 10000, Input::MediaStats(stats.clone()));
    let want = dialtone_api::CallStats {
        call_id: ID.into(),
        ..stats
    };
    assert_eq!(out, vec![Output::Event(Event::CallStats(want))]);
    assert_eq!(call.info().codec.as_deref(), Some("PCMA/8000"));
}

#[test]
fn media_timeout_hangs_up_as_failed() {
    let mut call = active_out();
    let out = step(&mut call, 40000, Input::MediaTimeout);
    assert_eq!(out, vec![sip(S::SendBye), media(M::Stop)]);
    let out = step(&mut call, 40100, Input::ByeCompleted);
    assert_eq!(
        out,
        vec![
            ended(
                EndCause::Failed,
                None,
                Some("no media received"),
                40000,
                35000
            ),
            Output::Finished
        ]
    );
}
