//! One call: its identity, its state, and the queue of outputs it has produced.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use dialtone_api::{
    AccountId, CallDialing, CallEnded, CallId, CallIncoming, CallInfo, CallState, Direction, Event,
    HoldBy, Party,
};

use crate::config::{AutoAnswer, CallConfig, Now};
use crate::direction::MediaDirection;
use crate::error::CallError;
use crate::input::Input;
use crate::output::{MediaAction, Output, SipAction};
use crate::state::{Ending, State};
use crate::transition::Trigger;

/// What the engine learnt from an incoming INVITE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingInvite {
    pub from: Party,
    /// The direction of the SDP offer in the INVITE (`sendrecv` almost always).
    pub remote_direction: MediaDirection,
    /// The codec our answer will pick, for `call.answered`.
    pub codec: Option<String>,
}

impl IncomingInvite {
    /// An INVITE from `from` offering `sendrecv` with no codec named yet.
    pub fn new(from: Party) -> Self {
        Self {
            from,
            remote_direction: MediaDirection::SendRecv,
            codec: None,
        }
    }
}

/// One call, as a pure state machine: feed it with [`Call::handle`] and
/// [`Call::handle_timeout`], then drain [`Call::poll_output`] and arm a timer for
/// [`Call::poll_timeout`].
#[derive(Debug, Clone)]
pub struct Call {
    pub(crate) id: CallId,
    pub(crate) account_id: AccountId,
    pub(crate) direction: Direction,
    pub(crate) remote: Party,
    pub(crate) config: CallConfig,
    pub(crate) created: Instant,
    pub(crate) started_wall: DateTime<Utc>,
    pub(crate) answered: Option<Instant>,
    pub(crate) codec: Option<String>,
    pub(crate) state: State,
    pub(crate) out: VecDeque<Output>,
}

impl Call {
    /// Places a call: outputs `SendInvite` and `call.dialing`.
    pub fn outgoing(
        id: CallId,
        account_id: AccountId,
        to: Party,
        config: CallConfig,
        now: Now,
    ) -> Call {
        let mut call = Call {
            id,
            account_id,
            direction: Direction::Outgoing,
            remote: to,
            config,
            created: now.instant,
            started_wall: now.wall,
            answered: None,
            codec: None,
            state: State::Calling {
                no_answer_at: now.instant + config.no_answer_timeout,
            },
            out: VecDeque::new(),
        };
        call.sip(SipAction::SendInvite);
        call.event(Event::CallDialing(CallDialing {
            call_id: call.id.clone(),
            account_id: call.account_id.clone(),
            to: call.remote.clone(),
        }));
        call
    }

    /// Takes an incoming INVITE the engine decided to ring (see
    /// [`crate::policy::incoming_decision`]): outputs `SendRinging`, `StartRingtone` and
    /// `call.incoming`. With `call_waiting` the call never answers itself, whatever
    /// `auto_answer` says, so that an active conversation is not put on hold unasked.
    pub fn incoming(
        id: CallId,
        account_id: AccountId,
        invite: IncomingInvite,
        auto_answer: AutoAnswer,
        call_waiting: bool,
        config: CallConfig,
        now: Now,
    ) -> Call {
        let auto_answer_after = match auto_answer {
            AutoAnswer::After(after) if !call_waiting => Some(after),
            AutoAnswer::After(_) | AutoAnswer::Never => None,
        };
        let mut call = Call {
            id,
            account_id,
            direction: Direction::Incoming,
            remote: invite.from,
            config,
            created: now.instant,
            started_wall: now.wall,
            answered: None,
            codec: invite.codec,
            state: State::Alerting {
                ring_until: now.instant + config.ring_timeout,
                auto_answer_at: auto_answer_after.map(|after| now.instant + after),
                remote_direction: invite.remote_direction,
            },
            out: VecDeque::new(),
        };
        call.sip(SipAction::SendRinging);
        call.media(MediaAction::StartRingtone { call_waiting });
        call.event(Event::CallIncoming(CallIncoming {
            call_id: call.id.clone(),
            account_id: call.account_id.clone(),
            from: call.remote.clone(),
            call_waiting,
            auto_answer_ms: auto_answer_after.map(millis),
        }));
        call
    }

    /// Feeds one input. Commands that do not fit the state return an error and change
    /// nothing; network and media inputs that do not fit are ignored (or, for a request,
    /// answered with an error status).
    pub fn handle(&mut self, now: Instant, input: Input) -> Result<(), CallError> {
        self.step(now, Trigger::Input(input))
    }

    /// Fires every stored deadline that is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        // A state has at most two deadlines (ring timeout and auto-answer); each firing
        // either moves the state on or clears the deadline.
        for _ in 0..4 {
            match self.state.deadline() {
                Some(deadline) if deadline <= now => {
                    // Timeouts are not commands: they cannot fail.
                    let _ = self.step(now, Trigger::Timeout);
                }
                _ => break,
            }
        }
    }

    /// The next output to carry out, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// When [`Call::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.state.deadline()
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    pub fn state(&self) -> CallState {
        self.state.public()
    }

    /// True once the call has ended (its last outputs may still be queued).
    pub fn is_ended(&self) -> bool {
        matches!(self.state, State::Terminated)
    }

    /// True when an incoming call is due to answer itself at `now`.
    pub fn auto_answer_due(&self, now: Instant) -> bool {
        matches!(self.state, State::Alerting { auto_answer_at: Some(at), .. } if at <= now)
    }

    /// The call as the world sees it. `held` is `local` whenever we hold (even if the peer
    /// holds us too), else `remote` when the peer holds us.
    pub fn info(&self) -> CallInfo {
        let (held, muted) = match &self.state {
            State::Confirmed(session) => {
                let held = if session.local_hold {
                    Some(HoldBy::Local)
                } else if session.remote_hold {
                    Some(HoldBy::Remote)
                } else {
                    None
                };
                (held, session.muted)
            }
            _ => (None, false),
        };
        CallInfo {
            call_id: self.id.clone(),
            account_id: self.account_id.clone(),
            direction: self.direction,
            remote: self.remote.clone(),
            state: self.state.public(),
            started_at: self.started_wall,
            answered_at: self.answered.map(|at| self.wall_at(at)),
            held,
            muted,
            codec: self.codec.clone(),
        }
    }

    fn wall_at(&self, at: Instant) -> DateTime<Utc> {
        chrono::Duration::from_std(at.saturating_duration_since(self.created))
            .ok()
            .and_then(|since| self.started_wall.checked_add_signed(since))
            .unwrap_or(self.started_wall)
    }

    pub(crate) fn sip(&mut self, action: SipAction) {
        self.out.push_back(Output::Sip(action));
    }

    pub(crate) fn media(&mut self, action: MediaAction) {
        self.out.push_back(Output::Media(action));
    }

    pub(crate) fn event(&mut self, event: Event) {
        self.out.push_back(Output::Event(event));
    }

    /// Emits `call.ended` and `Finished`.
    pub(crate) fn finish(&mut self, end: Ending) -> State {
        let duration_ms = millis(end.at.saturating_duration_since(self.created));
        let talk_ms = self.answered.map_or(0, |answered| {
            millis(end.at.saturating_duration_since(answered))
        });
        self.event(Event::CallEnded(CallEnded {
            call_id: self.id.clone(),
            cause: end.cause,
            sip_status: end.sip_status,
            reason: end.reason,
            duration_ms,
            talk_ms,
        }));
        self.out.push_back(Output::Finished);
        State::Terminated
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
