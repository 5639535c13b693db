//! What a call asks the engine to do, and what it tells the world.

use dialtone_api::Event;

use crate::direction::MediaDirection;

/// One output of [`crate::Call::poll_output`], in the order it must be carried out.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Output {
    Sip(SipAction),
    Media(MediaAction),
    Event(Event),
    /// The call is over; nothing more will come out of it and it can be dropped.
    Finished,
}

/// Signalling the engine must send for this call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SipAction {
    /// The initial INVITE, with our SDP offer (`sendrecv`).
    SendInvite,
    /// ACK the 2xx to our INVITE or re-INVITE.
    SendAck,
    /// CANCEL our INVITE (only ever after a provisional response, RFC 3261 9.1).
    SendCancel,
    SendBye,
    /// 180 Ringing to the incoming INVITE.
    SendRinging,
    /// 200 OK to the incoming INVITE, with our SDP answer in this direction.
    Accept {
        local_direction: MediaDirection,
    },
    /// A final non-2xx to the incoming INVITE: 486, 603, 487 (after CANCEL), 480 (ring timeout).
    Reject {
        status: u16,
    },
    /// A re-INVITE with our SDP offer in this direction (hold, resume).
    SendReinvite {
        local_direction: MediaDirection,
    },
    /// 200 OK to the peer's re-INVITE, with our SDP answer in this direction.
    AcceptReinvite {
        local_direction: MediaDirection,
    },
    /// A final non-2xx to the peer's re-INVITE: 491 while ours is pending, 500 before the
    /// call is answered (RFC 3261 14.2), 481 once it is ending.
    RejectReinvite {
        status: u16,
    },
}

/// What the engine must do with this call's audio.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaAction {
    /// Play the local ringback tone (180 without SDP).
    StartRingback,
    StopRingback,
    /// Ring here; `call_waiting` asks for the discreet call-waiting tone instead of the ring.
    StartRingtone {
        call_waiting: bool,
    },
    StopRingtone,
    /// Start the RTP session in this direction (`recvonly` for early media).
    Start {
        direction: MediaDirection,
    },
    /// Change the direction of the running session (hold, resume, answer after early media).
    UpdateDirection(MediaDirection),
    SetMuted(bool),
    /// Send these digits as RFC 4733 events.
    SendDtmf(String),
    /// Stop the RTP session.
    Stop,
}
