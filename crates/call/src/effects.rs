//! What each transition does besides changing state: the outputs of answering, cancelling,
//! hanging up, and the events they report. Called only from the match in `transition.rs`.

use std::time::Instant;

use dialtone_api::{
    CallAnswered, CallDtmf, CallHold, CallMuted, CallRinging, DtmfDirection, DtmfMethod, EndCause,
    Event, HoldBy,
};

use crate::call::Call;
use crate::direction::MediaDirection;
use crate::output::{MediaAction, SipAction};
use crate::state::{Ending, Progress, Session, State};
use crate::transition::end_cause_for_status;

impl Call {
    /// A provisional response to our INVITE.
    pub(crate) fn provisional(
        &mut self,
        no_answer_at: Instant,
        progress: Progress,
        status: u16,
        early_media: bool,
    ) -> State {
        let progress = match (status, progress, early_media) {
            (..=100, progress, _) => progress,
            (_, Progress::EarlyMedia, _) | (_, Progress::Ringback, false) => progress,
            (_, Progress::Trying, false) => {
                self.media(MediaAction::StartRingback);
                self.ringing_event(false);
                Progress::Ringback
            }
            (_, Progress::Trying | Progress::Ringback, true) => {
                if progress == Progress::Ringback {
                    self.media(MediaAction::StopRingback);
                }
                self.media(MediaAction::Start {
                    direction: MediaDirection::RecvOnly,
                });
                self.ringing_event(true);
                Progress::EarlyMedia
            }
        };
        State::Proceeding {
            no_answer_at,
            progress,
        }
    }

    /// A 2xx to our INVITE while it was still ours to take.
    pub(crate) fn outgoing_answered(
        &mut self,
        now: Instant,
        progress: Progress,
        remote: MediaDirection,
        codec: Option<String>,
    ) -> State {
        self.answered = Some(now);
        self.codec = codec;
        self.sip(SipAction::SendAck);
        let direction = MediaDirection::negotiated(MediaDirection::SendRecv, remote);
        match progress {
            Progress::Trying => self.media(MediaAction::Start { direction }),
            Progress::Ringback => {
                self.media(MediaAction::StopRingback);
                self.media(MediaAction::Start { direction });
            }
            Progress::EarlyMedia => self.media(MediaAction::UpdateDirection(direction)),
        }
        let remote_hold = !remote.receives();
        self.answered_events(remote_hold);
        State::Confirmed(Session::new(direction, remote_hold, false))
    }

    /// We answer the incoming call (command or auto-answer).
    pub(crate) fn incoming_answered(&mut self, now: Instant, remote: MediaDirection) -> State {
        self.answered = Some(now);
        let direction = MediaDirection::answer_to(remote, MediaDirection::SendRecv);
        self.sip(SipAction::Accept {
            local_direction: direction,
        });
        self.media(MediaAction::StopRingtone);
        self.media(MediaAction::Start { direction });
        let remote_hold = !remote.receives();
        self.answered_events(remote_hold);
        State::Confirmed(Session::new(direction, remote_hold, true))
    }

    pub(crate) fn answered_events(&mut self, remote_hold: bool) {
        self.event(Event::CallAnswered(CallAnswered {
            call_id: self.id.clone(),
            codec: self.codec.clone(),
        }));
        if remote_hold {
            self.hold_event(true, HoldBy::Remote);
        }
    }

    /// We refuse the incoming call: 486 with `busy`, else 603.
    pub(crate) fn decline(&mut self, now: Instant, busy: bool) -> State {
        let status = if busy { 486 } else { 603 };
        self.sip(SipAction::Reject { status });
        self.media(MediaAction::StopRingtone);
        self.finish(Ending::new(now, EndCause::Rejected, Some(status), None))
    }

    /// CANCEL our ringing INVITE.
    pub(crate) fn cancel(&mut self, progress: Progress, end: Ending, give_up_at: Instant) -> State {
        self.sip(SipAction::SendCancel);
        self.stop_progress(progress);
        State::Cancelling { end, give_up_at }
    }

    /// BYE a confirmed dialog.
    pub(crate) fn bye(&mut self, end: Ending, give_up_at: Instant) -> State {
        self.sip(SipAction::SendBye);
        self.media(MediaAction::Stop);
        State::Terminating { end, give_up_at }
    }

    pub(crate) fn stop_progress(&mut self, progress: Progress) {
        match progress {
            Progress::Trying => {}
            Progress::Ringback => self.media(MediaAction::StopRingback),
            Progress::EarlyMedia => self.media(MediaAction::Stop),
        }
    }

    pub(crate) fn no_answer(&self, now: Instant) -> Ending {
        let reason = format!(
            "no answer within {} s",
            self.config.no_answer_timeout.as_secs()
        );
        Ending::new(now, EndCause::NoAnswer, None, Some(&reason))
    }

    pub(crate) fn set_muted(&mut self, session: &mut Session, muted: bool) {
        if session.muted != muted {
            session.muted = muted;
            self.media(MediaAction::SetMuted(muted));
            self.event(Event::CallMuted(CallMuted {
                call_id: self.id.clone(),
                muted,
            }));
        }
    }

    pub(crate) fn ringing_event(&mut self, early_media: bool) {
        self.event(Event::CallRinging(CallRinging {
            call_id: self.id.clone(),
            early_media,
        }));
    }

    pub(crate) fn dtmf_event(&mut self, digit: char, direction: DtmfDirection, method: DtmfMethod) {
        self.event(Event::CallDtmf(CallDtmf {
            call_id: self.id.clone(),
            digit,
            direction,
            method,
        }));
    }

    pub(crate) fn hold_event(&mut self, held: bool, by: HoldBy) {
        let hold = CallHold {
            call_id: self.id.clone(),
            by,
        };
        self.event(if held {
            Event::CallHeld(hold)
        } else {
            Event::CallResumed(hold)
        });
    }
}

/// The ending for a final non-2xx response we did not provoke.
pub(crate) fn rejected(now: Instant, status: u16, reason: Option<String>) -> Ending {
    Ending {
        cause: end_cause_for_status(status),
        sip_status: Some(status),
        reason,
        at: now,
    }
}
