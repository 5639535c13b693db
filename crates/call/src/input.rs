//! Everything that can happen to a call, as the engine translates it from commands, SIP and
//! media.

use std::fmt;

use dialtone_api::{CallStats, DtmfMethod};

use crate::direction::MediaDirection;

/// One input to [`crate::Call::handle`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Input {
    // Commands from the user, the bridge or the CRM.
    /// Answer a ringing incoming call.
    Answer,
    /// Refuse a ringing incoming call: 486 Busy Here with `busy`, else 603 Decline.
    Reject {
        busy: bool,
    },
    /// End the call in any state: CANCEL while it rings out, 603 while it rings here, BYE once
    /// answered.
    Hangup,
    Hold,
    Resume,
    Mute,
    Unmute,
    /// Digits `0-9*#A-D`, sent as RFC 4733 events.
    SendDtmf(String),

    // Responses to our INVITE (outgoing calls).
    /// 100 Trying.
    Trying,
    /// 101–199: ringing or session progress; `early_media` when it carried SDP.
    Provisional {
        status: u16,
        early_media: bool,
    },
    /// A 2xx with the peer's SDP answer.
    Answered {
        remote_direction: MediaDirection,
        codec: Option<String>,
    },
    /// A final non-2xx response (after any authentication retries).
    Rejected {
        status: u16,
        reason: Option<String>,
    },
    /// The INVITE transaction failed without a final response (Timer B, transport error), or
    /// for an incoming call our responses could not be sent.
    InviteFailed {
        reason: String,
    },

    // Incoming calls.
    /// The caller sent CANCEL (the engine has answered it 200); `reason` from its Reason header.
    CancelledByPeer {
        reason: Option<String>,
    },
    /// The ACK to our 200 OK arrived.
    AckReceived,
    /// Our 200 OK was never ACKed (Timer H / 64*T1).
    AckTimeout,

    // Inside the dialog.
    ByeFromPeer,
    /// The peer sent a re-INVITE whose SDP offer has this direction.
    ReinviteFromPeer {
        remote_direction: MediaDirection,
    },
    /// Our re-INVITE got a 2xx with this direction in the answer.
    ReinviteAnswered {
        remote_direction: MediaDirection,
    },
    /// Our re-INVITE got a final non-2xx (491 = glare, retried; 408/481 end the call).
    ReinviteFailed {
        status: u16,
    },
    /// Our BYE got a final response or timed out.
    ByeCompleted,
    DtmfReceived {
        digit: char,
        method: DtmfMethod,
    },
    /// Media statistics; the call id inside is replaced by the call's own.
    MediaStats(CallStats),
    /// No RTP received for the media timeout while we expect some.
    MediaTimeout,
}

impl Input {
    /// The command this input is, when it is one.
    pub fn command(&self) -> Option<CommandKind> {
        Some(match self {
            Input::Answer => CommandKind::Answer,
            Input::Reject { .. } => CommandKind::Reject,
            Input::Hangup => CommandKind::Hangup,
            Input::Hold => CommandKind::Hold,
            Input::Resume => CommandKind::Resume,
            Input::Mute => CommandKind::Mute,
            Input::Unmute => CommandKind::Unmute,
            Input::SendDtmf(_) => CommandKind::SendDtmf,
            _ => return None,
        })
    }
}

/// The commands, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandKind {
    Answer,
    Reject,
    Hangup,
    Hold,
    Resume,
    Mute,
    Unmute,
    SendDtmf,
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CommandKind::Answer => "answer",
            CommandKind::Reject => "reject",
            CommandKind::Hangup => "hang up",
            CommandKind::Hold => "hold",
            CommandKind::Resume => "resume",
            CommandKind::Mute => "mute",
            CommandKind::Unmute => "unmute",
            CommandKind::SendDtmf => "send DTMF on",
        })
    }
}
