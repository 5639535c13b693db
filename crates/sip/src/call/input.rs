//! What goes into a call: commands, requests, responses, timer expiries and transport
//! failures, each handed to the part of the call it belongs to.

use std::net::SocketAddr;

use rsipstack::sip::{Method, Request, Response};
use tokio::time::Instant;

use super::core::{Call, CancelState, Phase, Purpose, Role};
use super::handle::Op;
use super::invite_client::{InviteClient, InviteClientOutput};
use super::invite_server::InviteServerOutput;
use super::message::{self, Ids};
use super::types::CallEvent;
use crate::error::CallError;
use crate::transport::{Target, TransportKind};

impl Call {
    pub(crate) fn handle_command(&mut self, now: Instant, op: Op) -> Result<(), CallError> {
        if self.phase == Phase::Ended {
            return Err(CallError::Ended);
        }
        match op {
            Op::Ring => self.ring(now, None),
            Op::Progress(sdp) => self.ring(now, Some(sdp)),
            Op::Accept(sdp) => self.accept(now, &sdp),
            Op::Reject(status, reason) => self.reject(now, status, reason.as_deref()),
            Op::Cancel => self.cancel(now),
            Op::Bye => self.bye(now),
            Op::Reinvite(sdp) => self.reinvite(now, &sdp),
            Op::AnswerReinvite(sdp) => self.answer_reinvite(now, Some(&sdp), 200),
            Op::RejectReinvite(status) => self.answer_reinvite(now, None, status),
            Op::SendDtmf { digit, duration_ms } => self.send_dtmf(now, digit, duration_ms),
        }
    }

    /// Every handle is gone: end the call the polite way.
    pub(crate) fn handle_abandoned(&mut self, now: Instant) {
        let result = match (self.role, self.phase) {
            (_, Phase::Ended | Phase::Ending) => Ok(()),
            (Role::Uac, Phase::Calling | Phase::Early) => self.cancel(now),
            (Role::Uas, Phase::Calling | Phase::Early) => self.reject(now, 480, None),
            (_, Phase::Confirmed) => self.bye(now),
        };
        if let Err(e) = result {
            tracing::debug!(call_id = %self.call_id, error = %e, "could not end an abandoned call");
        }
    }

    pub(crate) fn handle_request(
        &mut self,
        now: Instant,
        request: Request,
        source: SocketAddr,
        kind: TransportKind,
    ) {
        let Some(ids) = message::ids(&request) else {
            tracing::debug!(call_id = %self.call_id, "request without usable Call-ID/From/To/CSeq/Via ignored");
            return;
        };
        let from = Target::new(kind, source);
        match request.method {
            Method::Ack => self.handle_ack(now, &request, &ids),
            Method::Invite => {
                if let Some(bytes) = self.invite_retransmission(&ids) {
                    if !bytes.is_empty() {
                        self.transmit(from, bytes, None);
                    }
                } else if ids.to_tag.is_none() {
                    // Same Call-ID, new transaction, no tag: a merged request (8.2.2.2).
                    self.reply(now, &request, &from, 482, vec![]);
                } else {
                    self.handle_in_dialog(now, request, ids, from);
                }
            }
            _ => {
                if let Some(a) = self
                    .answered
                    .iter()
                    .find(|a| a.branch == ids.branch && a.method == ids.method)
                {
                    let (target, bytes) = (a.target.clone(), a.bytes.clone());
                    self.transmit(target, bytes, None);
                } else if request.method == Method::Cancel {
                    self.handle_cancel(now, &request, &ids, &from);
                } else {
                    self.handle_in_dialog(now, request, ids, from);
                }
            }
        }
    }

    /// The last response of the INVITE server transaction this INVITE retransmits (empty:
    /// nothing to re-send); `None` if it is a new INVITE.
    fn invite_retransmission(&self, ids: &Ids) -> Option<Vec<u8>> {
        let servers = self
            .server
            .iter()
            .chain(self.reinvite_in.as_ref().map(|r| &r.server));
        for server in servers {
            if server.branch() == ids.branch {
                return Some(server.handle_retransmission().unwrap_or_default());
            }
        }
        None
    }

    pub(crate) fn handle_response(&mut self, now: Instant, response: Response) {
        let Some(ids) = message::ids(&response) else {
            return;
        };
        if ids.method == Method::Invite {
            if self
                .invite
                .as_ref()
                .is_some_and(|t| t.branch() == ids.branch)
            {
                self.handle_invite_response(now, response);
            } else if let Some(tx) = self.retired.iter_mut().find(|t| t.branch() == ids.branch) {
                // Re-ACK retransmitted challenges.
                let acks: Vec<Vec<u8>> = tx
                    .handle_response(now, response)
                    .into_iter()
                    .filter_map(|out| match out {
                        InviteClientOutput::Transmit(bytes) => Some(bytes),
                        _ => None,
                    })
                    .collect();
                let peer = self.peer.clone();
                for bytes in acks {
                    self.transmit(peer.clone(), bytes, None);
                }
            } else if self
                .reinvite_out
                .as_ref()
                .is_some_and(|(t, _)| t.branch() == ids.branch)
            {
                self.handle_reinvite_response(now, response);
            } else if response.status_code.code() >= 200 && response.status_code.code() < 300 {
                self.reack(&response);
            }
            return;
        }
        if let Some(i) = self
            .requests
            .iter()
            .position(|r| r.tx.branch() == ids.branch)
        {
            if let Some(out) = self.requests[i].tx.handle_response(now, response) {
                self.handle_request_output(now, i, out);
            }
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if self.linger_until.is_some_and(|until| now >= until) {
            self.finished = true;
            return;
        }
        if let Some(tx) = self.invite.as_mut() {
            let outs = tx.handle_timeout(now);
            self.handle_invite_outputs(now, outs);
        }
        let peer = self.peer.clone();
        for tx in &mut self.retired {
            tx.handle_timeout(now);
        }
        self.retired.retain(|t| !t.is_terminated());
        if let CancelState::Sent { deadline } = self.cancel {
            let pending = self.invite.as_ref().is_some_and(InviteClient::is_pending);
            if pending && now >= deadline {
                if let Some(tx) = self.invite.as_mut() {
                    tx.terminate();
                }
                self.end(now, Some(CallEvent::Timeout));
            }
        }
        let retransmit = match self.server.as_mut().and_then(|s| s.handle_timeout(now)) {
            Some(InviteServerOutput::Retransmit(bytes)) => Some(bytes),
            _ => None,
        };
        if let Some(bytes) = retransmit {
            self.transmit(peer.clone(), bytes, None);
        }
        if let Some((tx, _)) = self.reinvite_out.as_mut() {
            let outs = tx.handle_timeout(now);
            self.handle_reinvite_outputs(now, outs);
        }
        if self
            .reinvite_out
            .as_ref()
            .is_some_and(|(t, _)| t.is_terminated())
        {
            self.reinvite_out = None;
        }
        if let Some(r) = self.reinvite_in.as_mut() {
            if let Some(InviteServerOutput::Retransmit(bytes)) = r.server.handle_timeout(now) {
                let target = r.from.clone();
                self.transmit(target, bytes, None);
            }
        }
        if self
            .reinvite_in
            .as_ref()
            .is_some_and(|r| r.server.is_terminated())
        {
            self.reinvite_in = None;
        }
        self.handle_ack_wait_timeout(now);
        let mut i = 0;
        while i < self.requests.len() {
            if let Some(out) = self.requests[i].tx.handle_timeout(now) {
                self.handle_request_output(now, i, out);
            }
            i += 1;
        }
        self.requests.retain(|r| !r.tx.is_terminated());
        self.answered.retain(|a| a.until > now);
    }

    /// Sending failed (connection refused, TLS, …): the transaction it belonged to fails.
    pub(crate) fn handle_send_failed(
        &mut self,
        now: Instant,
        branch: Option<&str>,
        reason: String,
    ) {
        let Some(branch) = branch else {
            return; // a response or an ACK: the peer retransmits or gives up
        };
        if self.invite.as_ref().is_some_and(|t| t.branch() == branch) {
            if let Some(tx) = self.invite.as_mut() {
                let was_pending = tx.is_pending();
                tx.terminate();
                if was_pending && self.phase != Phase::Ended {
                    self.end(now, Some(CallEvent::TransportError { message: reason }));
                }
            }
        } else if self
            .reinvite_out
            .as_ref()
            .is_some_and(|(t, _)| t.branch() == branch)
        {
            self.reinvite_out = None;
            self.emit(CallEvent::ReinviteFailed {
                status: 503,
                reason: format!("Service Unavailable ({reason})"),
            });
        } else if let Some(i) = self.requests.iter().position(|r| r.tx.branch() == branch) {
            let request = self.requests.remove(i);
            if request.purpose == Purpose::Bye && self.phase == Phase::Ending {
                self.end(now, Some(CallEvent::ByeCompleted { status: 503 }));
            }
        }
    }

    /// A TCP/TLS connection closed: transactions waiting for an answer on it fail.
    pub(crate) fn handle_connection_closed(
        &mut self,
        now: Instant,
        kind: TransportKind,
        remote: SocketAddr,
    ) {
        let on_it = |t: &Target| t.kind == kind && t.addr == remote;
        let mut failed = vec![];
        if on_it(&self.peer) {
            if let Some(tx) = self.invite.as_ref().filter(|t| t.is_pending()) {
                failed.push(tx.branch().to_string());
            }
        }
        if let Some((tx, target)) = &self.reinvite_out {
            if on_it(target) && tx.is_pending() {
                failed.push(tx.branch().to_string());
            }
        }
        for r in &self.requests {
            if on_it(&r.target) && r.tx.is_pending() {
                failed.push(r.tx.branch().to_string());
            }
        }
        for branch in failed {
            self.handle_send_failed(now, Some(&branch), "connection closed".into());
        }
    }
}
