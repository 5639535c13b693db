//! Hold and resume inside a confirmed dialog: our re-INVITEs, the peer's, and glare
//! (RFC 3261 14, RFC 3264 8.4).
//!
//! The user's wish (`want_hold`) and what the peer agreed to (`local_hold`) are kept apart;
//! whenever no re-INVITE is in flight and they differ, one goes out. So hold-then-resume
//! pressed quickly, a 491, or a hold pressed before the ACK all end in the state last asked for.

use std::time::Instant;

use dialtone_api::{Direction, EndCause, HoldBy};

use crate::call::Call;
use crate::config::glare_delay;
use crate::direction::MediaDirection;
use crate::output::{MediaAction, SipAction};
use crate::state::{Ending, Offer, Session};

impl Call {
    /// Sends a re-INVITE when the wish differs from the agreement and nothing is in flight.
    pub(crate) fn try_offer(&mut self, session: &mut Session) {
        if session.awaiting_ack
            || session.offer != Offer::Idle
            || session.want_hold == session.local_hold
        {
            return;
        }
        let direction = MediaDirection::offer_for(session.want_hold, session.remote_hold);
        session.offer = Offer::Sent {
            hold: session.want_hold,
            direction,
        };
        self.sip(SipAction::SendReinvite {
            local_direction: direction,
        });
    }

    /// The peer's re-INVITE: 491 while ours is in flight, else answer it with our wish.
    pub(crate) fn reinvite_from_peer(&mut self, session: &mut Session, remote: MediaDirection) {
        if let Offer::Sent { .. } = session.offer {
            self.sip(SipAction::RejectReinvite { status: 491 });
            return;
        }
        let answer = MediaDirection::answer_to(remote, MediaDirection::wish(session.want_hold));
        self.sip(SipAction::AcceptReinvite {
            local_direction: answer,
        });
        self.apply(session, session.want_hold, !remote.receives(), answer);
    }

    /// The 2xx to our re-INVITE.
    pub(crate) fn reinvite_answered(&mut self, session: &mut Session, remote: MediaDirection) {
        let Offer::Sent { hold, direction } = session.offer else {
            return;
        };
        session.offer = Offer::Idle;
        self.sip(SipAction::SendAck);
        // The answer says whether the peer wants to receive only if we offered to send.
        let remote_hold = if direction.sends() {
            !remote.receives()
        } else {
            session.remote_hold
        };
        self.apply(
            session,
            hold,
            remote_hold,
            MediaDirection::negotiated(direction, remote),
        );
        self.try_offer(session);
    }

    /// A final non-2xx to our re-INVITE. Returns how the call ends when it must (408 and
    /// 481 mean the dialog is gone, RFC 3261 14.1); otherwise the old session stays.
    pub(crate) fn reinvite_failed(
        &mut self,
        session: &mut Session,
        now: Instant,
        status: u16,
    ) -> Option<Ending> {
        if !matches!(session.offer, Offer::Sent { .. }) {
            return None;
        }
        match status {
            491 => {
                let owner = self.direction == Direction::Outgoing;
                session.offer = Offer::Glare {
                    retry_at: now + glare_delay(&self.id, owner),
                };
                None
            }
            408 | 481 => Some(Ending::new(
                now,
                EndCause::Failed,
                Some(status),
                Some("re-INVITE failed"),
            )),
            _ => {
                session.offer = Offer::Idle;
                session.want_hold = session.local_hold;
                None
            }
        }
    }

    /// The glare wait is over: try again if still wanted.
    pub(crate) fn glare_timeout(&mut self, session: &mut Session, now: Instant) {
        if let Offer::Glare { retry_at } = session.offer {
            if retry_at <= now {
                session.offer = Offer::Idle;
                self.try_offer(session);
            }
        }
    }

    /// Records a finished offer/answer exchange and reports what changed.
    fn apply(
        &mut self,
        session: &mut Session,
        local_hold: bool,
        remote_hold: bool,
        direction: MediaDirection,
    ) {
        if session.direction != direction {
            session.direction = direction;
            self.media(MediaAction::UpdateDirection(direction));
        }
        if session.local_hold != local_hold {
            session.local_hold = local_hold;
            self.hold_event(local_hold, HoldBy::Local);
        }
        if session.remote_hold != remote_hold {
            session.remote_hold = remote_hold;
            self.hold_event(remote_hold, HoldBy::Remote);
        }
    }
}
