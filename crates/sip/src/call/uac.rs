//! The outgoing side of a call: the INVITE and its responses, digest retries, CANCEL, forks.

use rsipstack::sip::{Request, Response};
use tokio::time::Instant;

use super::core::{Call, CallSetup, CancelState, Phase, Purpose, Role};
use super::dialog::{Dialog, DialogState};
use super::invite_client::{InviteClient, InviteClientOutput};
use super::message::{self, cancel_for, renumber};
use super::types::CallEvent;
use crate::error::CallError;

impl Call {
    /// An outgoing call; `invite` is sent at once (poll it out).
    pub(crate) fn outgoing(now: Instant, setup: CallSetup, invite: Request) -> Call {
        let mut call = Call::new(Role::Uac, setup);
        let (tx, bytes) =
            InviteClient::start(now, invite, call.peer.kind.is_reliable(), &call.timers);
        let branch = tx.branch().to_string();
        call.invite = Some(tx);
        let peer = call.peer.clone();
        call.transmit(peer, bytes, Some(branch));
        call
    }

    pub(super) fn handle_invite_response(&mut self, now: Instant, response: Response) {
        let Some(tx) = self.invite.as_mut() else {
            return;
        };
        let outs = tx.handle_response(now, response);
        self.handle_invite_outputs(now, outs);
    }

    pub(super) fn handle_invite_outputs(&mut self, now: Instant, outs: Vec<InviteClientOutput>) {
        let branch = self.invite.as_ref().map(|t| t.branch().to_string());
        for out in outs {
            match out {
                InviteClientOutput::Transmit(bytes) => {
                    let peer = self.peer.clone();
                    self.transmit(peer, bytes, branch.clone());
                }
                InviteClientOutput::Provisional(r) => self.on_provisional(now, r),
                InviteClientOutput::Success(r) => self.on_invite_success(now, r),
                InviteClientOutput::Failure(r) => self.on_invite_failure(now, r),
                InviteClientOutput::Timeout => {
                    if self.phase != Phase::Ended {
                        self.end(now, Some(CallEvent::Timeout));
                    }
                }
            }
        }
    }

    fn on_provisional(&mut self, now: Instant, response: Response) {
        if self.cancel == CancelState::Pending {
            self.send_cancel(now);
        }
        let status = response.status_code.code();
        if status == 100 || self.phase == Phase::Ended {
            return;
        }
        if let Some(invite) = self.invite.as_ref().map(|t| t.request()) {
            let tag = message::ids(&response).and_then(|ids| ids.to_tag);
            let known = self
                .dialog
                .as_ref()
                .is_some_and(|d| Some(&d.remote_tag) == tag.as_ref());
            if tag.is_some() && !known && self.phase != Phase::Confirmed {
                self.dialog = Dialog::uac(invite, &response);
            }
        }
        if self.phase == Phase::Calling {
            self.phase = Phase::Early;
        }
        self.emit(CallEvent::Provisional {
            status,
            reason: message::reason(&response),
            sdp: message::sdp(&response.headers, &response.body),
        });
    }

    fn on_invite_success(&mut self, now: Instant, response: Response) {
        if self.reack(&response) {
            return; // a retransmission
        }
        let Some(invite) = self.invite.as_ref().map(|t| t.request().clone()) else {
            return;
        };
        let Some(mut dialog) = Dialog::uac(&invite, &response) else {
            tracing::warn!(call_id = %self.call_id, "2xx to the INVITE without usable headers ignored");
            return;
        };
        let cseq = dialog.local_seq;
        let forked = self.dialog.as_ref().is_some_and(|d| {
            d.state == DialogState::Confirmed && d.remote_tag != dialog.remote_tag
        });
        if forked || self.phase == Phase::Ended {
            // A second answer from another fork (or an answer after we gave up): take the
            // first, hang up this one (RFC 3261 13.2.2.4).
            self.send_ack(&mut dialog, cseq, &invite);
            let local = self.local();
            let branch = crate::transaction::new_branch();
            let target = dialog.next_hop(&self.peer);
            match dialog.request(
                rsipstack::sip::Method::Bye,
                None,
                local,
                &branch,
                vec![],
                None,
            ) {
                Ok(bye) => self.start_request(now, bye, Purpose::ForkBye, target),
                Err(e) => {
                    tracing::warn!(call_id = %self.call_id, error = %e, "cannot build a BYE for a forked answer")
                }
            }
            return;
        }
        self.send_ack(&mut dialog, cseq, &invite);
        self.dialog = Some(dialog);
        self.phase = Phase::Confirmed;
        self.emit(CallEvent::Answered {
            sdp: message::sdp(&response.headers, &response.body),
        });
    }

    fn on_invite_failure(&mut self, now: Instant, response: Response) {
        let status = response.status_code.code();
        if self.phase == Phase::Ended {
            return;
        }
        if matches!(status, 401 | 407) && self.cancel == CancelState::NotRequested {
            if let Some(old) = self.invite.take() {
                if self.auth.handle_challenge(old.request(), &response) {
                    self.retry_invite(now, old);
                    return;
                }
                self.invite = Some(old);
            }
        }
        self.end(
            now,
            Some(CallEvent::Failed {
                status,
                reason: message::reason(&response),
            }),
        );
    }

    /// The INVITE again with credentials: new branch, next CSeq, same Call-ID and tags.
    fn retry_invite(&mut self, now: Instant, old: InviteClient) {
        let mut request = old.request().clone();
        let cseq = message::ids(&request).map_or(1, |ids| ids.cseq) + 1;
        renumber(
            &mut request,
            old.branch(),
            &crate::transaction::new_branch(),
            cseq,
        );
        self.auth.authorize(&mut request);
        self.retired.push(old);
        self.dialog = None;
        self.phase = Phase::Calling;
        let (tx, bytes) =
            InviteClient::start(now, request, self.peer.kind.is_reliable(), &self.timers);
        let branch = tx.branch().to_string();
        self.invite = Some(tx);
        let peer = self.peer.clone();
        self.transmit(peer, bytes, Some(branch));
    }

    pub(super) fn cancel(&mut self, now: Instant) -> Result<(), CallError> {
        let pending = self.invite.as_ref().is_some_and(InviteClient::is_pending);
        if self.role != super::core::Role::Uac || !pending {
            return Err(CallError::InvalidState {
                operation: "cancel",
                state: self.phase.name(),
            });
        }
        match self.cancel {
            CancelState::NotRequested => {
                if self
                    .invite
                    .as_ref()
                    .is_some_and(InviteClient::is_proceeding)
                {
                    self.send_cancel(now);
                } else {
                    // RFC 3261 9.1: not before a provisional response.
                    self.cancel = CancelState::Pending;
                }
                Ok(())
            }
            CancelState::Pending | CancelState::Sent { .. } => Ok(()),
        }
    }

    fn send_cancel(&mut self, now: Instant) {
        let Some(invite) = self.invite.as_ref() else {
            return;
        };
        let cancel = cancel_for(invite.request());
        let peer = self.peer.clone();
        self.start_request(now, cancel, Purpose::Cancel, peer);
        self.cancel = CancelState::Sent {
            deadline: now + self.timers.t1 * 64,
        };
    }
}
