//! The incoming side of a call: the INVITE, our answers to it, its ACK and CANCEL.

use rsipstack::sip::{Header, Request};
use tokio::time::Instant;

use super::core::{Call, CallSetup, PendingAck, Phase, Role};
use super::dialog::{Dialog, DialogState};
use super::invite_server::{AckWait, AckWaitOutput, InviteServer};
use super::message::{self, Body, Ids};
use super::name_addr::NameAddr;
use super::types::CallEvent;
use crate::error::CallError;
use crate::transport::Target;

/// What the engine is told about an incoming INVITE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IncomingDetails {
    pub from: NameAddr,
    pub to: NameAddr,
    pub request_uri: String,
    pub sdp_offer: Option<String>,
    pub call_info: Vec<String>,
    pub alert_info: Vec<String>,
    pub asserted_identity: Option<NameAddr>,
}

/// Reads an incoming INVITE; `None` when it lacks what a call needs (answer 400).
pub(crate) fn read_incoming(request: &Request) -> Option<IncomingDetails> {
    let ids = message::ids(request)?;
    message::contact_uri(&request.headers)?;
    let headers = &request.headers;
    let asserted_identity = message::list_values(headers, |h| match h {
        Header::PAssertedIdentity(v) => Some(v.value()),
        Header::Other(name, v) if name.eq_ignore_ascii_case("P-Asserted-Identity") => {
            Some(v.as_str())
        }
        _ => None,
    })
    .first()
    .and_then(|v| NameAddr::parse(v));
    Some(IncomingDetails {
        from: NameAddr::parse(&ids.from)?,
        to: NameAddr::parse(&ids.to)?,
        request_uri: request.uri.to_string(),
        sdp_offer: message::sdp(headers, &request.body),
        call_info: message::list_values(headers, |h| match h {
            Header::CallInfo(v) => Some(v.value()),
            _ => None,
        }),
        alert_info: message::list_values(headers, |h| match h {
            Header::AlertInfo(v) => Some(v.value()),
            _ => None,
        }),
        asserted_identity,
    })
}

impl Call {
    /// An incoming call from `setup.peer`; 100 Trying goes out at once (poll it). `None` if
    /// the INVITE cannot start a dialog (no Contact, no Call-ID …).
    pub(crate) fn incoming(now: Instant, setup: CallSetup, invite: Request) -> Option<Call> {
        let ids = message::ids(&invite)?;
        let dialog = Dialog::uas(&invite, &setup.local_tag)?;
        let mut call = Call::new(Role::Uas, setup);
        let server = InviteServer::new(ids.branch, call.peer.kind.is_reliable(), &call.timers);
        call.server = Some(server);
        call.dialog = Some(dialog);
        call.invite_request = Some(invite);
        call.respond_invite(now, 100, None, None);
        Some(call)
    }

    /// Sends a response to the initial INVITE through its server transaction.
    fn respond_invite(
        &mut self,
        now: Instant,
        status: u16,
        reason: Option<&str>,
        sdp: Option<&str>,
    ) -> Option<Vec<u8>> {
        let request = self.invite_request.as_ref()?;
        let mut extra = vec![];
        if (101..300).contains(&status) {
            extra.push(Header::Contact(format!("<{}>", self.contact).into()));
        }
        if (200..300).contains(&status) {
            extra.push(Header::Allow(message::ALLOW.into()));
        }
        if !self.user_agent.is_empty() && status > 100 {
            extra.push(Header::Server(self.user_agent.clone().into()));
        }
        let mut response = message::build_response(
            request,
            self.peer.addr,
            status,
            Some(&self.local_tag),
            extra,
            sdp.map(Body::sdp),
        );
        if reason.is_some() {
            response.status_code = message::status_code(status, reason);
        }
        let bytes = self.server.as_mut()?.respond(now, &response)?;
        let peer = self.peer.clone();
        self.transmit(peer, bytes.clone(), None);
        Some(bytes)
    }

    fn check_unanswered(&self, operation: &'static str) -> Result<(), CallError> {
        let proceeding = self
            .server
            .as_ref()
            .is_some_and(InviteServer::is_proceeding);
        if self.role != Role::Uas || !proceeding || self.phase == Phase::Ended {
            return Err(CallError::InvalidState {
                operation,
                state: self.phase.name(),
            });
        }
        Ok(())
    }

    /// 180 Ringing, or 183 with early media.
    pub(super) fn ring(&mut self, now: Instant, sdp: Option<String>) -> Result<(), CallError> {
        self.check_unanswered("ring")?;
        let status = if sdp.is_some() { 183 } else { 180 };
        self.respond_invite(now, status, None, sdp.as_deref());
        self.phase = Phase::Early;
        Ok(())
    }

    pub(super) fn accept(&mut self, now: Instant, sdp: &str) -> Result<(), CallError> {
        self.check_unanswered("accept")?;
        let cseq = self
            .invite_request
            .as_ref()
            .and_then(message::ids)
            .map_or(1, |ids| ids.cseq);
        if let Some(bytes) = self.respond_invite(now, 200, None, Some(sdp)) {
            self.ack_wait = Some(PendingAck {
                wait: AckWait::new(now, cseq, bytes, &self.timers),
                target: self.peer.clone(),
                initial: true,
            });
        }
        if let Some(d) = self.dialog.as_mut() {
            d.state = DialogState::Confirmed;
        }
        self.phase = Phase::Confirmed;
        Ok(())
    }

    pub(super) fn reject(
        &mut self,
        now: Instant,
        status: u16,
        reason: Option<&str>,
    ) -> Result<(), CallError> {
        self.check_unanswered("reject")?;
        self.respond_invite(now, status, reason, None);
        self.end(now, None);
        Ok(())
    }

    pub(super) fn handle_ack(&mut self, now: Instant, request: &Request, ids: &Ids) {
        if let Some(server) = self.server.as_mut() {
            if server.branch() == ids.branch && server.handle_ack(now) {
                return; // ACK for our non-2xx
            }
        }
        if let Some(r) = self.reinvite_in.as_mut() {
            if r.server.branch() == ids.branch && r.server.handle_ack(now) {
                return;
            }
        }
        let ours = self.dialog.as_ref().is_some_and(|d| d.matches_request(ids));
        let Some(pending) = self.ack_wait.as_ref() else {
            return;
        };
        if !ours || pending.wait.cseq != ids.cseq {
            return;
        }
        let initial = pending.initial;
        self.ack_wait = None;
        if initial {
            self.emit(CallEvent::Confirmed {
                sdp: message::sdp(&request.headers, &request.body),
            });
        }
        if self.bye_after_ack {
            self.bye_after_ack = false;
            self.send_bye(now);
        }
    }

    pub(super) fn handle_cancel(
        &mut self,
        now: Instant,
        request: &Request,
        ids: &Ids,
        from: &Target,
    ) {
        // The INVITE it cancels: same branch (RFC 3261 9.2).
        let initial = self
            .server
            .as_ref()
            .is_some_and(|s| s.branch() == ids.branch);
        let reinvite = self
            .reinvite_in
            .as_ref()
            .is_some_and(|r| r.server.branch() == ids.branch);
        if !initial && !reinvite {
            self.reply(now, request, from, 481, vec![]);
            return;
        }
        self.reply(now, request, from, 200, vec![]);
        if initial {
            if self
                .server
                .as_ref()
                .is_some_and(InviteServer::is_proceeding)
            {
                self.respond_invite(now, 487, None, None);
                self.end(now, Some(CallEvent::Cancelled));
            }
        } else if self
            .reinvite_in
            .as_ref()
            .is_some_and(|r| r.server.is_proceeding())
        {
            self.respond_reinvite(now, 487, None);
        }
    }

    pub(super) fn handle_ack_wait_timeout(&mut self, now: Instant) {
        let Some(pending) = self.ack_wait.as_mut() else {
            return;
        };
        match pending.wait.handle_timeout(now) {
            Some(AckWaitOutput::Retransmit(bytes)) => {
                let target = pending.target.clone();
                self.transmit(target, bytes, None);
            }
            Some(AckWaitOutput::GiveUp) => {
                self.ack_wait = None;
                self.emit(CallEvent::AckTimeout);
                if self.bye_after_ack {
                    self.bye_after_ack = false;
                    self.send_bye(now);
                }
            }
            None => {}
        }
    }

    /// Answers the pending re-INVITE from the peer (200 with `sdp`, or `status`).
    pub(super) fn respond_reinvite(&mut self, now: Instant, status: u16, sdp: Option<&str>) {
        let Some(r) = self.reinvite_in.as_mut() else {
            return;
        };
        let mut extra = vec![];
        if (200..300).contains(&status) {
            extra.push(Header::Contact(format!("<{}>", self.contact).into()));
            extra.push(Header::Allow(message::ALLOW.into()));
        }
        let response = message::build_response(
            &r.request,
            r.from.addr,
            status,
            Some(&self.local_tag),
            extra,
            sdp.map(Body::sdp),
        );
        let Some(bytes) = r.server.respond(now, &response) else {
            return;
        };
        let target = r.from.clone();
        let cseq = message::ids(&r.request).map_or(0, |ids| ids.cseq);
        if (200..300).contains(&status) {
            self.ack_wait = Some(PendingAck {
                wait: AckWait::new(now, cseq, bytes.clone(), &self.timers),
                target: target.clone(),
                initial: false,
            });
        }
        self.transmit(target, bytes, None);
    }
}
