//! [`CallHandle`]: the engine's commands to one call, carried to the call's task.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::error::CallError;

/// A command for the call task, with where to put its result.
#[derive(Debug)]
pub(crate) struct Command {
    pub op: Op,
    pub reply: oneshot::Sender<Result<(), CallError>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    Ring,
    Progress(String),
    Accept(String),
    Reject(u16, Option<String>),
    Cancel,
    Bye,
    Reinvite(String),
    AnswerReinvite(String),
    RejectReinvite(u16),
    SendDtmf { digit: char, duration_ms: u32 },
}

/// Commands to one call. Cheap to clone; every method waits only until the call task has
/// taken the command (not for the network). Once every clone is dropped the call is ended
/// (CANCEL, BYE, or 480 for an incoming call not answered yet).
#[derive(Debug, Clone)]
pub struct CallHandle {
    call_id: Arc<str>,
    commands: mpsc::Sender<Command>,
}

impl CallHandle {
    pub(crate) fn new(call_id: &str, commands: mpsc::Sender<Command>) -> Self {
        CallHandle {
            call_id: call_id.into(),
            commands,
        }
    }

    /// The SIP Call-ID (for logs and correlation).
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    async fn run(&self, op: Op) -> Result<(), CallError> {
        let (reply, result) = oneshot::channel();
        self.commands
            .send(Command { op, reply })
            .await
            .map_err(|_| CallError::Ended)?;
        result.await.map_err(|_| CallError::Ended)?
    }

    /// Incoming: 180 Ringing.
    pub async fn ring(&self) -> Result<(), CallError> {
        self.run(Op::Ring).await
    }

    /// Incoming: 183 Session Progress with an SDP answer (early media).
    pub async fn progress(&self, sdp: impl Into<String>) -> Result<(), CallError> {
        self.run(Op::Progress(sdp.into())).await
    }

    /// Incoming: 200 OK with the SDP; retransmitted until the ACK
    /// ([`super::CallEvent::Confirmed`] or [`super::CallEvent::AckTimeout`]).
    pub async fn accept(&self, sdp: impl Into<String>) -> Result<(), CallError> {
        self.run(Op::Accept(sdp.into())).await
    }

    /// Incoming: a final 3xx–6xx (486 Busy Here, 603 Decline, …); `reason` replaces the
    /// standard reason phrase. Ends the call (the event channel closes without an event).
    pub async fn reject(&self, status: u16, reason: Option<&str>) -> Result<(), CallError> {
        if !(300..=699).contains(&status) {
            return Err(CallError::InvalidStatus {
                status,
                operation: "reject a call",
            });
        }
        self.run(Op::Reject(status, reason.map(str::to_string)))
            .await
    }

    /// Outgoing, before the answer: CANCEL (sent once a provisional response has arrived).
    /// The call then ends with [`super::CallEvent::Failed`] (487), or is answered anyway.
    pub async fn cancel(&self) -> Result<(), CallError> {
        self.run(Op::Cancel).await
    }

    /// An established call: BYE, reported by [`super::CallEvent::ByeCompleted`]. An incoming
    /// call's BYE waits for the ACK of our 200 (RFC 3261 15).
    pub async fn bye(&self) -> Result<(), CallError> {
        self.run(Op::Bye).await
    }

    /// An established call: re-INVITE with a new SDP offer; the outcome arrives as
    /// [`super::CallEvent::ReinviteAnswered`] or [`super::CallEvent::ReinviteFailed`].
    pub async fn reinvite(&self, sdp: impl Into<String>) -> Result<(), CallError> {
        self.run(Op::Reinvite(sdp.into())).await
    }

    /// Answers the peer's re-INVITE ([`super::CallEvent::Reinvite`]) with 200 and our SDP.
    pub async fn answer_reinvite(&self, sdp: impl Into<String>) -> Result<(), CallError> {
        self.run(Op::AnswerReinvite(sdp.into())).await
    }

    /// Refuses the peer's re-INVITE (488 Not Acceptable Here, 491 Request Pending, …); the
    /// call goes on as before.
    pub async fn reject_reinvite(&self, status: u16) -> Result<(), CallError> {
        if !(300..=699).contains(&status) {
            return Err(CallError::InvalidStatus {
                status,
                operation: "reject a re-INVITE",
            });
        }
        self.run(Op::RejectReinvite(status)).await
    }

    /// An established call: one DTMF digit in an INFO (`application/dtmf-relay`).
    pub async fn send_dtmf_info(&self, digit: char, duration_ms: u32) -> Result<(), CallError> {
        let digit = digit.to_ascii_uppercase();
        if !matches!(digit, '0'..='9' | '*' | '#' | 'A'..='D') {
            return Err(CallError::InvalidDtmf { digit });
        }
        self.run(Op::SendDtmf { digit, duration_ms }).await
    }
}
