//! Inside a dialog, both directions: BYE, re-INVITE, INFO, OPTIONS and what is not supported.

use rsipstack::sip::{Header, Method, Request, Response};
use tokio::time::Instant;

use super::core::{Call, InReinvite, Phase, Purpose, Role};
use super::dialog::DialogState;
use super::dtmf::{parse_info, InfoBody};
use super::invite_client::{InviteClient, InviteClientOutput};
use super::invite_server::InviteServer;
use super::message::{self, renumber, Body, Ids};
use super::non_invite_client::NonInviteOutput;
use super::types::CallEvent;
use crate::error::CallError;
use crate::transport::Target;

impl Call {
    pub(super) fn handle_in_dialog(
        &mut self,
        now: Instant,
        request: Request,
        ids: Ids,
        from: Target,
    ) {
        let matches = self
            .dialog
            .as_ref()
            .is_some_and(|d| d.matches_request(&ids));
        if !matches || self.phase == Phase::Ended {
            self.reply(now, &request, &from, 481, vec![]);
            return;
        }
        let in_order = self
            .dialog
            .as_mut()
            .is_some_and(|d| d.accept_remote_cseq(ids.cseq));
        if !in_order {
            self.reply(now, &request, &from, 500, vec![]);
            return;
        }
        match request.method {
            Method::Bye => self.on_bye(now, &request, &from),
            Method::Invite => self.on_reinvite(now, request, ids, from),
            Method::Info => self.on_info(now, &request, &from),
            Method::Options => {
                let extra = vec![
                    Header::Allow(message::ALLOW.into()),
                    Header::Accept("application/sdp".into()),
                ];
                self.reply(now, &request, &from, 200, extra);
            }
            _ => {
                let extra = vec![Header::Allow(message::ALLOW.into())];
                self.reply(now, &request, &from, 501, extra);
            }
        }
    }

    fn on_bye(&mut self, now: Instant, request: &Request, from: &Target) {
        self.reply(now, request, from, 200, vec![]);
        // RFC 3261 15.1.2: pending requests of the dialog get 487.
        if self
            .server
            .as_ref()
            .is_some_and(InviteServer::is_proceeding)
        {
            let invite = self.invite_request.clone();
            if let (Some(invite), Some(server)) = (invite, self.server.as_mut()) {
                let response = message::build_response(
                    &invite,
                    self.peer.addr,
                    487,
                    Some(&self.local_tag),
                    vec![],
                    None,
                );
                if let Some(bytes) = server.respond(now, &response) {
                    let peer = self.peer.clone();
                    self.transmit(peer, bytes, None);
                }
            }
        }
        if self
            .reinvite_in
            .as_ref()
            .is_some_and(|r| r.server.is_proceeding())
        {
            self.respond_reinvite(now, 487, None);
        }
        self.end(now, Some(CallEvent::ByeReceived));
    }

    fn on_reinvite(&mut self, now: Instant, request: Request, ids: Ids, from: Target) {
        let confirmed = self.phase == Phase::Confirmed
            && self
                .dialog
                .as_ref()
                .is_some_and(|d| d.state == DialogState::Confirmed);
        if self
            .reinvite_out
            .as_ref()
            .is_some_and(|(t, _)| t.is_pending())
        {
            // Glare (RFC 3261 14.2).
            self.reply(now, &request, &from, 491, vec![]);
            return;
        }
        let answering = self
            .reinvite_in
            .as_ref()
            .is_some_and(|r| r.server.is_proceeding())
            || self
                .server
                .as_ref()
                .is_some_and(InviteServer::is_proceeding);
        if answering || !confirmed {
            let retry = Header::RetryAfter(format!("{}", rand::random::<u8>() % 10 + 1).into());
            self.reply(now, &request, &from, 500, vec![retry]);
            return;
        }
        if let Some(d) = self.dialog.as_mut() {
            d.update_remote_target(&request.headers);
        }
        let mut server = InviteServer::new(ids.branch, from.kind.is_reliable(), &self.timers);
        let trying = message::build_response(&request, from.addr, 100, None, vec![], None);
        if let Some(bytes) = server.respond(now, &trying) {
            self.transmit(from.clone(), bytes, None);
        }
        let sdp = message::sdp(&request.headers, &request.body);
        self.reinvite_in = Some(InReinvite {
            server,
            request,
            from,
        });
        self.emit(CallEvent::Reinvite { sdp });
    }

    fn on_info(&mut self, now: Instant, request: &Request, from: &Target) {
        let content_type = message::content_type(&request.headers);
        match parse_info(content_type.as_deref(), &request.body) {
            InfoBody::Dtmf { digit, duration_ms } => {
                self.reply(now, request, from, 200, vec![]);
                self.emit(CallEvent::Info {
                    dtmf: digit,
                    duration_ms,
                });
            }
            InfoBody::Empty => self.reply(now, request, from, 200, vec![]),
            InfoBody::Unsupported => {
                let accept = Header::Accept("application/dtmf-relay, application/dtmf".into());
                self.reply(now, request, from, 415, vec![accept]);
            }
        }
    }

    pub(super) fn bye(&mut self, now: Instant) -> Result<(), CallError> {
        match self.phase {
            Phase::Confirmed => {
                if self.role == Role::Uas && self.ack_wait.as_ref().is_some_and(|a| a.initial) {
                    // RFC 3261 15: not before the ACK (or its timeout).
                    self.bye_after_ack = true;
                    self.phase = Phase::Ending;
                } else {
                    self.send_bye(now);
                }
                Ok(())
            }
            Phase::Ending => Ok(()),
            _ => Err(CallError::InvalidState {
                operation: "hang up with BYE",
                state: self.phase.name(),
            }),
        }
    }

    pub(super) fn send_bye(&mut self, now: Instant) {
        if self
            .reinvite_in
            .as_ref()
            .is_some_and(|r| r.server.is_proceeding())
        {
            self.respond_reinvite(now, 487, None);
        }
        self.ack_wait = None;
        match self.send_in_dialog(now, Method::Bye, Purpose::Bye, None) {
            Ok(()) => self.phase = Phase::Ending,
            Err(e) => {
                tracing::warn!(call_id = %self.call_id, error = %e, "cannot send BYE");
                self.end(now, Some(CallEvent::ByeCompleted { status: 503 }));
            }
        }
    }

    pub(super) fn reinvite(&mut self, now: Instant, sdp: &str) -> Result<(), CallError> {
        let busy = self
            .reinvite_out
            .as_ref()
            .is_some_and(|(t, _)| t.is_pending())
            || self
                .reinvite_in
                .as_ref()
                .is_some_and(|r| r.server.is_proceeding())
            || self.ack_wait.is_some();
        if self.phase != Phase::Confirmed || busy {
            return Err(CallError::InvalidState {
                operation: "re-INVITE",
                state: if busy {
                    "in the middle of another INVITE"
                } else {
                    self.phase.name()
                },
            });
        }
        let local = self.local();
        let branch = crate::transaction::new_branch();
        let target = self.dialog_target();
        let Some(dialog) = self.dialog.as_mut() else {
            return Err(CallError::InvalidState {
                operation: "re-INVITE",
                state: "without a dialog",
            });
        };
        let request = dialog.request(
            Method::Invite,
            None,
            local,
            &branch,
            vec![],
            Some(Body::sdp(sdp)),
        )?;
        self.start_reinvite(now, request, target);
        Ok(())
    }

    fn start_reinvite(&mut self, now: Instant, request: Request, target: Target) {
        let (tx, bytes) =
            InviteClient::start(now, request, target.kind.is_reliable(), &self.timers);
        let branch = tx.branch().to_string();
        self.reinvite_out = Some((tx, target.clone()));
        self.transmit(target, bytes, Some(branch));
    }

    pub(super) fn handle_reinvite_response(&mut self, now: Instant, response: Response) {
        let Some((tx, _)) = self.reinvite_out.as_mut() else {
            return;
        };
        let outs = tx.handle_response(now, response);
        self.handle_reinvite_outputs(now, outs);
    }

    pub(super) fn handle_reinvite_outputs(&mut self, now: Instant, outs: Vec<InviteClientOutput>) {
        let Some((tx, target)) = self.reinvite_out.as_ref() else {
            return;
        };
        let (branch, target, request) = (
            tx.branch().to_string(),
            target.clone(),
            tx.request().clone(),
        );
        for out in outs {
            match out {
                InviteClientOutput::Transmit(bytes) => {
                    self.transmit(target.clone(), bytes, Some(branch.clone()))
                }
                InviteClientOutput::Provisional(_) => {}
                InviteClientOutput::Success(r) => {
                    if self.reack(&r) {
                        continue;
                    }
                    let cseq = message::ids(&r).map_or(0, |ids| ids.cseq);
                    if let Some(mut dialog) = self.dialog.take() {
                        dialog.update_remote_target(&r.headers);
                        self.send_ack(&mut dialog, cseq, &request);
                        self.dialog = Some(dialog);
                    }
                    self.emit(CallEvent::ReinviteAnswered {
                        sdp: message::sdp(&r.headers, &r.body),
                    });
                }
                InviteClientOutput::Failure(r) => {
                    let status = r.status_code.code();
                    if matches!(status, 401 | 407) && self.auth.handle_challenge(&request, &r) {
                        if let Some(cseq) = self.dialog.as_mut().map(|d| d.next_cseq()) {
                            let mut retry = request.clone();
                            renumber(&mut retry, &branch, &crate::transaction::new_branch(), cseq);
                            self.auth.authorize(&mut retry);
                            self.start_reinvite(now, retry, target.clone());
                            return;
                        }
                    }
                    self.emit(CallEvent::ReinviteFailed {
                        status,
                        reason: message::reason(&r),
                    });
                }
                InviteClientOutput::Timeout => self.emit(CallEvent::ReinviteFailed {
                    status: 408,
                    reason: "Request Timeout".into(),
                }),
            }
        }
    }

    pub(super) fn answer_reinvite(
        &mut self,
        now: Instant,
        sdp: Option<&str>,
        status: u16,
    ) -> Result<(), CallError> {
        let pending = self
            .reinvite_in
            .as_ref()
            .is_some_and(|r| r.server.is_proceeding());
        if !pending {
            return Err(CallError::InvalidState {
                operation: "answer a re-INVITE of",
                state: "without a pending re-INVITE",
            });
        }
        self.respond_reinvite(now, status, sdp);
        Ok(())
    }

    pub(super) fn send_dtmf(
        &mut self,
        now: Instant,
        digit: char,
        duration_ms: u32,
    ) -> Result<(), CallError> {
        if self.phase != Phase::Confirmed {
            return Err(CallError::InvalidState {
                operation: "send DTMF in",
                state: self.phase.name(),
            });
        }
        let body = format!("Signal={digit}\r\nDuration={duration_ms}\r\n");
        self.send_in_dialog(
            now,
            Method::Info,
            Purpose::Info,
            Some(Body {
                content_type: "application/dtmf-relay",
                bytes: body.as_bytes(),
            }),
        )
    }

    /// The outcome of one of our non-INVITE requests.
    pub(super) fn handle_request_output(&mut self, now: Instant, i: usize, out: NonInviteOutput) {
        let (purpose, target, branch) = {
            let r = &self.requests[i];
            (r.purpose, r.target.clone(), r.tx.branch().to_string())
        };
        match out {
            NonInviteOutput::Transmit(bytes) => self.transmit(target, bytes, Some(branch)),
            NonInviteOutput::Final(response) => {
                let status = response.status_code.code();
                if matches!(status, 401 | 407) && matches!(purpose, Purpose::Bye | Purpose::Info) {
                    let request = self.requests[i].tx.request().clone();
                    if self.auth.handle_challenge(&request, &response) {
                        if let Some(cseq) = self.dialog.as_mut().map(|d| d.next_cseq()) {
                            let mut retry = request;
                            renumber(&mut retry, &branch, &crate::transaction::new_branch(), cseq);
                            self.auth.authorize(&mut retry);
                            self.start_request(now, retry, purpose, target);
                            return;
                        }
                    }
                }
                if purpose == Purpose::Bye && self.phase == Phase::Ending {
                    self.end(now, Some(CallEvent::ByeCompleted { status }));
                }
            }
            NonInviteOutput::Timeout => {
                if purpose == Purpose::Bye && self.phase == Phase::Ending {
                    self.end(now, Some(CallEvent::ByeCompleted { status: 408 }));
                }
            }
        }
    }
}
