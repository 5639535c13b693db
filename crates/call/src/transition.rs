//! Every transition of a call, in one `match` over (state, input).

use std::time::Instant;

use dialtone_api::{DtmfDirection, DtmfMethod, EndCause, Event};

use crate::call::Call;
use crate::dtmf::{is_dtmf_digit, normalize_dtmf};
use crate::effects::rejected;
use crate::error::CallError;
use crate::input::Input;
use crate::output::{MediaAction, SipAction};
use crate::state::{Ending, Progress, State};

/// What moves a call: an input, or one of its stored deadlines.
#[derive(Debug)]
pub(crate) enum Trigger {
    Input(Input),
    Timeout,
}

type Step = (State, Result<(), CallError>);

fn ok(state: State) -> Step {
    (state, Ok(()))
}

/// The end cause for a final non-2xx response to our INVITE that we did not provoke.
pub fn end_cause_for_status(status: u16) -> EndCause {
    match status {
        486 | 600 => EndCause::Busy,
        408 | 480 => EndCause::NoAnswer,
        403 | 603 => EndCause::Rejected,
        _ => EndCause::Failed,
    }
}

impl Call {
    pub(crate) fn step(&mut self, now: Instant, trigger: Trigger) -> Result<(), CallError> {
        let state = std::mem::replace(&mut self.state, State::Terminated);
        let (next, result) = self.transition(now, state, trigger);
        self.state = next;
        result
    }

    fn transition(&mut self, now: Instant, state: State, trigger: Trigger) -> Step {
        use Input as I;
        use State as S;
        use Trigger::{Input as In, Timeout};
        let guard = now + self.config.guard_timeout;

        match (state, trigger) {
            // Outgoing, nothing heard yet.
            (S::Calling { no_answer_at }, In(I::Trying)) => ok(S::Proceeding {
                no_answer_at,
                progress: Progress::Trying,
            }),
            (
                S::Calling { no_answer_at },
                In(I::Provisional {
                    status,
                    early_media,
                }),
            ) => ok(self.provisional(no_answer_at, Progress::Trying, status, early_media)),
            (
                S::Calling { .. },
                In(I::Answered {
                    remote_direction,
                    codec,
                }),
            ) => ok(self.outgoing_answered(now, Progress::Trying, remote_direction, codec)),
            (S::Calling { .. }, In(I::Rejected { status, reason })) => {
                ok(self.finish(rejected(now, status, reason)))
            }
            (S::Calling { .. }, In(I::InviteFailed { reason })) => {
                ok(self.finish(Ending::new(now, EndCause::Failed, None, Some(&reason))))
            }
            (S::Calling { .. }, In(I::Hangup)) => ok(S::CancelPending {
                end: Ending::new(now, EndCause::Canceled, None, None),
                give_up_at: guard,
            }),
            (S::Calling { no_answer_at }, Timeout) if no_answer_at <= now => ok(S::CancelPending {
                end: self.no_answer(now),
                give_up_at: guard,
            }),

            // Outgoing, a provisional response came.
            (
                S::Proceeding {
                    no_answer_at,
                    progress,
                },
                In(I::Trying),
            ) => ok(S::Proceeding {
                no_answer_at,
                progress,
            }),
            (
                S::Proceeding {
                    no_answer_at,
                    progress,
                },
                In(I::Provisional {
                    status,
                    early_media,
                }),
            ) => ok(self.provisional(no_answer_at, progress, status, early_media)),
            (
                S::Proceeding { progress, .. },
                In(I::Answered {
                    remote_direction,
                    codec,
                }),
            ) => ok(self.outgoing_answered(now, progress, remote_direction, codec)),
            (S::Proceeding { progress, .. }, In(I::Rejected { status, reason })) => {
                self.stop_progress(progress);
                ok(self.finish(rejected(now, status, reason)))
            }
            (S::Proceeding { progress, .. }, In(I::InviteFailed { reason })) => {
                self.stop_progress(progress);
                ok(self.finish(Ending::new(now, EndCause::Failed, None, Some(&reason))))
            }
            (S::Proceeding { progress, .. }, In(I::Hangup)) => {
                let end = Ending::new(now, EndCause::Canceled, None, None);
                ok(self.cancel(progress, end, guard))
            }
            (
                S::Proceeding {
                    no_answer_at,
                    progress,
                },
                Timeout,
            ) if no_answer_at <= now => {
                let end = self.no_answer(now);
                ok(self.cancel(progress, end, guard))
            }

            // Outgoing, CANCEL waiting for a provisional response (RFC 3261 9.1).
            (S::CancelPending { end, .. }, In(I::Trying | I::Provisional { .. })) => {
                self.sip(SipAction::SendCancel);
                ok(S::Cancelling {
                    end,
                    give_up_at: guard,
                })
            }
            (S::CancelPending { end, .. }, In(I::Answered { .. })) => {
                self.sip(SipAction::SendAck);
                self.sip(SipAction::SendBye);
                ok(S::Terminating {
                    end,
                    give_up_at: guard,
                })
            }
            (S::CancelPending { end, .. }, In(I::Rejected { status, .. })) => {
                ok(self.finish(end.with_status(status)))
            }
            (S::CancelPending { end, .. }, In(I::InviteFailed { .. })) => ok(self.finish(end)),
            (S::CancelPending { end, give_up_at }, Timeout) if give_up_at <= now => {
                ok(self.finish(end))
            }

            // Outgoing, CANCEL sent: the 487, or the 2xx that crossed it.
            (S::Cancelling { end, .. }, In(I::Answered { .. })) => {
                self.sip(SipAction::SendAck);
                self.sip(SipAction::SendBye);
                ok(S::Terminating {
                    end,
                    give_up_at: guard,
                })
            }
            (S::Cancelling { end, .. }, In(I::Rejected { status, .. })) => {
                ok(self.finish(end.with_status(status)))
            }
            (S::Cancelling { end, .. }, In(I::InviteFailed { .. })) => ok(self.finish(end)),
            (S::Cancelling { end, give_up_at }, Timeout) if give_up_at <= now => {
                ok(self.finish(end))
            }

            // Incoming, ringing here.
            (
                S::Alerting {
                    remote_direction, ..
                },
                In(I::Answer),
            ) => ok(self.incoming_answered(now, remote_direction)),
            (
                S::Alerting {
                    auto_answer_at: Some(at),
                    ring_until,
                    remote_direction,
                },
                Timeout,
            ) if at <= now && at <= ring_until => ok(self.incoming_answered(now, remote_direction)),
            (S::Alerting { ring_until, .. }, Timeout) if ring_until <= now => {
                self.sip(SipAction::Reject { status: 480 });
                self.media(MediaAction::StopRingtone);
                let reason = format!(
                    "not answered within {} s",
                    self.config.ring_timeout.as_secs()
                );
                ok(self.finish(Ending::new(now, EndCause::Missed, Some(480), Some(&reason))))
            }
            (S::Alerting { .. }, In(I::Reject { busy })) => ok(self.decline(now, busy)),
            (S::Alerting { .. }, In(I::Hangup)) => ok(self.decline(now, false)),
            (S::Alerting { .. }, In(I::CancelledByPeer { reason })) => {
                self.sip(SipAction::Reject { status: 487 });
                self.media(MediaAction::StopRingtone);
                ok(self.finish(Ending::new(
                    now,
                    EndCause::Missed,
                    Some(487),
                    reason.as_deref(),
                )))
            }
            (S::Alerting { .. }, In(I::InviteFailed { reason })) => {
                self.media(MediaAction::StopRingtone);
                ok(self.finish(Ending::new(now, EndCause::Failed, None, Some(&reason))))
            }
            (state @ S::Alerting { .. }, In(I::ReinviteFromPeer { .. })) => {
                // A second INVITE before our final response to the first (RFC 3261 14.2).
                self.sip(SipAction::RejectReinvite { status: 500 });
                ok(state)
            }

            // Confirmed: talking.
            (S::Confirmed(_), In(I::Hangup)) => {
                let end = Ending::new(now, EndCause::Completed, None, Some("local hangup"));
                ok(self.bye(end, guard))
            }
            (S::Confirmed(_), In(I::ByeFromPeer)) => {
                self.media(MediaAction::Stop);
                ok(self.finish(Ending::new(
                    now,
                    EndCause::Completed,
                    None,
                    Some("remote hangup"),
                )))
            }
            (S::Confirmed(mut session), In(I::AckReceived)) => {
                session.awaiting_ack = false;
                self.try_offer(&mut session);
                ok(S::Confirmed(session))
            }
            (S::Confirmed(session), In(I::AckTimeout)) if session.awaiting_ack => {
                let end = Ending::new(now, EndCause::Failed, None, Some("no ACK for our 200 OK"));
                ok(self.bye(end, guard))
            }
            (S::Confirmed(mut session), In(I::Hold)) => {
                session.want_hold = true;
                self.try_offer(&mut session);
                ok(S::Confirmed(session))
            }
            (S::Confirmed(mut session), In(I::Resume)) => {
                session.want_hold = false;
                self.try_offer(&mut session);
                ok(S::Confirmed(session))
            }
            (S::Confirmed(mut session), In(I::Mute)) => {
                self.set_muted(&mut session, true);
                ok(S::Confirmed(session))
            }
            (S::Confirmed(mut session), In(I::Unmute)) => {
                self.set_muted(&mut session, false);
                ok(S::Confirmed(session))
            }
            (S::Confirmed(session), In(I::SendDtmf(digits))) => match normalize_dtmf(&digits) {
                Some(digits) => {
                    self.media(MediaAction::SendDtmf(digits.clone()));
                    for digit in digits.chars() {
                        self.dtmf_event(digit, DtmfDirection::Sent, DtmfMethod::Rfc4733);
                    }
                    ok(S::Confirmed(session))
                }
                None => (
                    S::Confirmed(session),
                    Err(CallError::InvalidDtmf { digits }),
                ),
            },
            (S::Confirmed(session), In(I::DtmfReceived { digit, method })) => {
                let digit = digit.to_ascii_uppercase();
                if is_dtmf_digit(digit) {
                    self.dtmf_event(digit, DtmfDirection::Received, method);
                }
                ok(S::Confirmed(session))
            }
            (S::Confirmed(session), In(I::MediaStats(mut stats))) => {
                stats.call_id = self.id.clone();
                self.codec = Some(stats.codec.clone());
                self.event(Event::CallStats(stats));
                ok(S::Confirmed(session))
            }
            (S::Confirmed(session), In(I::MediaTimeout)) if session.direction.receives() => {
                let end = Ending::new(now, EndCause::Failed, None, Some("no media received"));
                ok(self.bye(end, guard))
            }
            (S::Confirmed(mut session), In(I::ReinviteFromPeer { remote_direction })) => {
                self.reinvite_from_peer(&mut session, remote_direction);
                ok(S::Confirmed(session))
            }
            (S::Confirmed(mut session), In(I::ReinviteAnswered { remote_direction })) => {
                self.reinvite_answered(&mut session, remote_direction);
                ok(S::Confirmed(session))
            }
            (S::Confirmed(mut session), In(I::ReinviteFailed { status })) => {
                match self.reinvite_failed(&mut session, now, status) {
                    Some(end) => ok(self.bye(end, guard)),
                    None => ok(S::Confirmed(session)),
                }
            }
            (S::Confirmed(mut session), Timeout) => {
                self.glare_timeout(&mut session, now);
                ok(S::Confirmed(session))
            }

            // BYE sent.
            (S::Terminating { end, .. }, In(I::ByeCompleted | I::ByeFromPeer)) => {
                ok(self.finish(end))
            }
            (S::Terminating { end, give_up_at }, Timeout) if give_up_at <= now => {
                ok(self.finish(end))
            }

            // Hanging up a call that is already ending changes nothing.
            (
                state @ (S::CancelPending { .. } | S::Cancelling { .. } | S::Terminating { .. }),
                In(I::Hangup),
            ) => ok(state),
            // A re-INVITE outside a confirmed dialog: ours is still pending (491), or the
            // dialog is going away (481).
            (
                state @ (S::Calling { .. }
                | S::Proceeding { .. }
                | S::CancelPending { .. }
                | S::Cancelling { .. }),
                In(I::ReinviteFromPeer { .. }),
            ) => {
                self.sip(SipAction::RejectReinvite { status: 491 });
                ok(state)
            }
            (state @ (S::Terminating { .. } | S::Terminated), In(I::ReinviteFromPeer { .. })) => {
                self.sip(SipAction::RejectReinvite { status: 481 });
                ok(state)
            }
            // Any other command does not fit this state.
            (state, In(input)) => match input.command() {
                Some(command) => {
                    let error = CallError::WrongState {
                        state: state.public(),
                        command,
                    };
                    (state, Err(error))
                }
                // Network and media input that does not fit (late, duplicated): ignored.
                None => ok(state),
            },
            // A deadline that is not due yet.
            (state, Timeout) => ok(state),
        }
    }
}
