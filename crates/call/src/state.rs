//! The states of a call, named after RFC 3261 (client transaction states for the outgoing
//! side, dialog states once answered). Each variant carries the data and deadlines that only
//! make sense in it.

use std::time::Instant;

use dialtone_api::{CallState, EndCause};

use crate::direction::MediaDirection;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum State {
    /// Outgoing: INVITE sent, no provisional response yet (RFC 3261 17.1.1 "Calling").
    Calling {
        no_answer_at: Instant,
    },
    /// Outgoing: a provisional response came (17.1.1 "Proceeding", early dialog).
    Proceeding {
        no_answer_at: Instant,
        progress: Progress,
    },
    /// Outgoing: asked to give up before any provisional response; the CANCEL waits for one
    /// (RFC 3261 9.1) until `give_up_at`.
    CancelPending {
        end: Ending,
        give_up_at: Instant,
    },
    /// Outgoing: CANCEL sent; waiting for the 487 (or a 2xx that raced it).
    Cancelling {
        end: Ending,
        give_up_at: Instant,
    },
    /// Incoming: 180 sent, ringing here until answered, rejected, cancelled or `ring_until`.
    Alerting {
        ring_until: Instant,
        auto_answer_at: Option<Instant>,
        remote_direction: MediaDirection,
    },
    /// The dialog is confirmed: talking (also while held or muted).
    Confirmed(Session),
    /// BYE sent; waiting for its response until `give_up_at`.
    Terminating {
        end: Ending,
        give_up_at: Instant,
    },
    Terminated,
}

/// What an outgoing call has heard so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Progress {
    /// Only 100 Trying: nothing plays.
    Trying,
    /// 18x without SDP: our own ringback tone plays.
    Ringback,
    /// 18x with SDP: the far end's early media plays (`recvonly`).
    EarlyMedia,
}

/// How the call is going to end, decided when the ending began (durations are measured to
/// `at`, not to when the far end confirmed).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ending {
    pub cause: EndCause,
    pub sip_status: Option<u16>,
    pub reason: Option<String>,
    pub at: Instant,
}

impl Ending {
    pub fn new(
        at: Instant,
        cause: EndCause,
        sip_status: Option<u16>,
        reason: Option<&str>,
    ) -> Self {
        Self {
            cause,
            sip_status,
            reason: reason.map(str::to_owned),
            at,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.sip_status = Some(status);
        self
    }
}

/// The media session of a confirmed dialog and the hold negotiation on top of it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Session {
    /// Incoming: our 200 OK has not been ACKed yet; no re-INVITE may go out before.
    pub awaiting_ack: bool,
    /// Hold as last agreed with the peer.
    pub local_hold: bool,
    /// The peer holds us (its last offer or answer does not receive).
    pub remote_hold: bool,
    /// Hold as the user wants it; a re-INVITE reconciles it with `local_hold`.
    pub want_hold: bool,
    pub offer: Offer,
    /// What our RTP session does now.
    pub direction: MediaDirection,
    pub muted: bool,
}

impl Session {
    pub fn new(direction: MediaDirection, remote_hold: bool, awaiting_ack: bool) -> Self {
        Self {
            awaiting_ack,
            local_hold: false,
            remote_hold,
            want_hold: false,
            offer: Offer::Idle,
            direction,
            muted: false,
        }
    }
}

/// Our own re-INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offer {
    Idle,
    /// Sent with this direction to reach this hold state; waiting for the answer.
    Sent {
        hold: bool,
        direction: MediaDirection,
    },
    /// Got 491 Request Pending; try again at `retry_at` (RFC 3261 14.1).
    Glare {
        retry_at: Instant,
    },
}

impl State {
    /// The state as the world sees it.
    pub fn public(&self) -> CallState {
        match self {
            State::Calling { .. } => CallState::Dialing,
            State::Proceeding {
                progress: Progress::Trying,
                ..
            } => CallState::Dialing,
            State::Proceeding { .. } => CallState::Ringing,
            State::Alerting { .. } => CallState::Incoming,
            State::Confirmed(_) => CallState::Active,
            State::CancelPending { .. } | State::Cancelling { .. } | State::Terminating { .. } => {
                CallState::Ending
            }
            State::Terminated => CallState::Ended,
        }
    }

    /// The next stored deadline.
    pub fn deadline(&self) -> Option<Instant> {
        match self {
            State::Calling { no_answer_at } | State::Proceeding { no_answer_at, .. } => {
                Some(*no_answer_at)
            }
            State::CancelPending { give_up_at, .. }
            | State::Cancelling { give_up_at, .. }
            | State::Terminating { give_up_at, .. } => Some(*give_up_at),
            State::Alerting {
                ring_until,
                auto_answer_at,
                ..
            } => Some(auto_answer_at.map_or(*ring_until, |at| at.min(*ring_until))),
            State::Confirmed(Session {
                offer: Offer::Glare { retry_at },
                ..
            }) => Some(*retry_at),
            State::Confirmed(_) | State::Terminated => None,
        }
    }
}
