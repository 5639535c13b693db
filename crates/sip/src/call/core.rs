//! One call, sans IO: its transactions and dialog, fed with messages, commands and time, with
//! datagrams to send and events for the engine polled out. Outgoing-call logic lives in
//! `uac.rs`, incoming in `uas.rs`, what happens inside a dialog in `in_dialog.rs`.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use rsipstack::sip::{Header, Method, Request, Response};
use tokio::time::Instant;

use super::auth::Auth;
use super::dialog::{Dialog, Local};
use super::invite_client::InviteClient;
use super::invite_server::{AckWait, InviteServer};
use super::message::{self, Body};
use super::non_invite_client::NonInviteClient;
use super::types::CallEvent;
use crate::error::CallError;
use crate::transaction::Timers;
use crate::transport::Target;

/// Bytes to send, and the client transaction (by branch) to blame if sending fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transmit {
    pub target: Target,
    pub bytes: Vec<u8>,
    pub branch: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Uac,
    Uas,
}

/// Where the call is, as the engine would say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// No answer (and, incoming, no ringing) yet.
    Calling,
    /// A provisional response with a To tag went out / came in.
    Early,
    /// 2xx sent or received.
    Confirmed,
    /// Our BYE is on its way.
    Ending,
    /// Over for the engine; the call only absorbs retransmissions until its timers run out.
    Ended,
}

impl Phase {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Phase::Calling => "not answered yet",
            Phase::Early => "ringing",
            Phase::Confirmed => "established",
            Phase::Ending => "hanging up",
            Phase::Ended => "ended",
        }
    }
}

/// The CANCEL of an outgoing call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CancelState {
    NotRequested,
    /// Asked for before any provisional response: sent when one arrives.
    Pending,
    /// Sent; if the INVITE has no final response by `deadline` the call times out.
    Sent {
        deadline: Instant,
    },
}

/// Why we sent a non-INVITE request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Cancel,
    Bye,
    Info,
    /// BYE for an extra dialog of a forked INVITE.
    ForkBye,
}

#[derive(Debug)]
pub(crate) struct OutRequest {
    pub tx: NonInviteClient,
    pub purpose: Purpose,
    pub target: Target,
}

/// A re-INVITE from the peer we have to answer.
#[derive(Debug)]
pub(crate) struct InReinvite {
    pub server: InviteServer,
    pub request: Request,
    pub from: Target,
}

/// Our 2xx waiting for its ACK, and where it goes.
#[derive(Debug)]
pub(crate) struct PendingAck {
    pub wait: AckWait,
    pub target: Target,
    /// The 2xx to the initial INVITE (its ACK confirms the call).
    pub initial: bool,
}

/// An ACK we sent for a 2xx, re-sent when the 2xx comes again.
#[derive(Debug, Clone)]
pub(crate) struct SentAck {
    pub cseq: u32,
    pub remote_tag: String,
    pub bytes: Vec<u8>,
    pub target: Target,
}

/// Our response to a non-INVITE request, re-sent when the request is retransmitted
/// (the non-INVITE server transaction, RFC 3261 17.2.2).
#[derive(Debug, Clone)]
pub(crate) struct Answered {
    pub branch: String,
    pub method: Method,
    pub bytes: Vec<u8>,
    pub target: Target,
    pub until: Instant,
}

/// Most cached responses kept (oldest dropped first).
const ANSWERED_CAP: usize = 32;
/// Most ACKs kept for re-sending.
const ACKS_CAP: usize = 4;

#[derive(Debug)]
pub(crate) struct Call {
    pub(super) role: Role,
    pub(super) phase: Phase,
    pub(super) timers: Timers,
    pub(super) call_id: String,
    pub(super) local_tag: String,
    /// Outgoing: where requests go when the dialog names no usable next hop (the proxy or
    /// peer of the INVITE). Incoming: where the INVITE came from.
    pub(super) peer: Target,
    /// Our address for Via (and Contact).
    pub(super) via: SocketAddr,
    pub(super) contact: String,
    pub(super) user_agent: String,
    pub(super) auth: Auth,
    pub(super) dialog: Option<Dialog>,
    /// Outgoing: the current INVITE transaction.
    pub(super) invite: Option<InviteClient>,
    /// Outgoing: INVITE transactions answered with a challenge, absorbing retransmissions.
    pub(super) retired: Vec<InviteClient>,
    pub(super) cancel: CancelState,
    /// Incoming: the INVITE's server transaction, and the INVITE.
    pub(super) server: Option<InviteServer>,
    pub(super) invite_request: Option<Request>,
    pub(super) reinvite_out: Option<(InviteClient, Target)>,
    pub(super) reinvite_in: Option<InReinvite>,
    pub(super) ack_wait: Option<PendingAck>,
    pub(super) acks: Vec<SentAck>,
    pub(super) requests: Vec<OutRequest>,
    pub(super) answered: Vec<Answered>,
    /// Incoming: `bye` was called before the ACK of our 200 arrived.
    pub(super) bye_after_ack: bool,
    /// When an ended call stops absorbing retransmissions, whatever is still pending.
    pub(super) linger_until: Option<Instant>,
    /// The linger time is over: nothing more to do.
    pub(super) finished: bool,
    transmits: VecDeque<Transmit>,
    events: VecDeque<CallEvent>,
    events_closed: bool,
}

/// What is common to both directions when a call is created.
#[derive(Debug)]
pub(crate) struct CallSetup {
    pub call_id: String,
    pub local_tag: String,
    pub peer: Target,
    pub via: SocketAddr,
    pub contact: String,
    pub user_agent: String,
    pub timers: Timers,
    pub auth: Auth,
}

impl Call {
    pub(super) fn new(role: Role, setup: CallSetup) -> Call {
        Call {
            role,
            phase: Phase::Calling,
            timers: setup.timers,
            call_id: setup.call_id,
            local_tag: setup.local_tag,
            peer: setup.peer,
            via: setup.via,
            contact: setup.contact,
            user_agent: setup.user_agent,
            auth: setup.auth,
            dialog: None,
            invite: None,
            retired: vec![],
            cancel: CancelState::NotRequested,
            server: None,
            invite_request: None,
            reinvite_out: None,
            reinvite_in: None,
            ack_wait: None,
            acks: vec![],
            requests: vec![],
            answered: vec![],
            bye_after_ack: false,
            linger_until: None,
            finished: false,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            events_closed: false,
        }
    }

    pub(crate) fn call_id(&self) -> &str {
        &self.call_id
    }

    // ----- output -----

    pub(crate) fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    pub(crate) fn poll_event(&mut self) -> Option<CallEvent> {
        self.events.pop_front()
    }

    /// Whether no more events will come (the engine's channel can close).
    pub(crate) fn events_closed(&self) -> bool {
        self.events_closed && self.events.is_empty()
    }

    /// The next moment [`Call::handle_timeout`] has something to do.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.finished {
            return None;
        }
        let mut next: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        consider(self.invite.as_ref().and_then(InviteClient::poll_timeout));
        for tx in &self.retired {
            consider(tx.poll_timeout());
        }
        consider(self.server.as_ref().and_then(InviteServer::poll_timeout));
        consider(
            self.reinvite_out
                .as_ref()
                .and_then(|(tx, _)| tx.poll_timeout()),
        );
        consider(
            self.reinvite_in
                .as_ref()
                .and_then(|r| r.server.poll_timeout()),
        );
        consider(self.ack_wait.as_ref().map(|a| a.wait.poll_timeout()));
        for r in &self.requests {
            consider(r.tx.poll_timeout());
        }
        if let CancelState::Sent { deadline } = self.cancel {
            if self.invite.as_ref().is_some_and(InviteClient::is_pending) {
                consider(Some(deadline));
            }
        }
        consider(self.answered.iter().map(|a| a.until).min());
        consider(self.linger_until);
        next
    }

    /// Whether the call has nothing left to do: ended, and every transaction done (or the
    /// linger time over).
    pub(crate) fn is_finished(&self, now: Instant) -> bool {
        if self.phase != Phase::Ended {
            return false;
        }
        if self.finished || self.linger_until.is_some_and(|until| now >= until) {
            return true;
        }
        self.invite
            .as_ref()
            .is_none_or(|t| !t.is_pending() && t.poll_timeout().is_none())
            && self.retired.iter().all(InviteClient::is_terminated)
            && self.server.as_ref().is_none_or(InviteServer::is_terminated)
            && self.reinvite_out.is_none()
            && self.reinvite_in.is_none()
            && self.ack_wait.is_none()
            && self.requests.is_empty()
            && self.answered.is_empty()
    }

    // ----- helpers for the other files -----

    pub(super) fn transmit(&mut self, target: Target, bytes: Vec<u8>, branch: Option<String>) {
        self.transmits.push_back(Transmit {
            target,
            bytes,
            branch,
        });
    }

    pub(super) fn emit(&mut self, event: CallEvent) {
        if self.events_closed {
            return;
        }
        if event.ends_call() {
            self.events_closed = true;
        }
        self.events.push_back(event);
    }

    /// The call is over for the engine (after `event`, if any).
    pub(super) fn end(&mut self, now: Instant, event: Option<CallEvent>) {
        if let Some(event) = event {
            self.emit(event);
        }
        self.events_closed = true;
        self.phase = Phase::Ended;
        self.ack_wait = None;
        self.bye_after_ack = false;
        if self.linger_until.is_none() {
            self.linger_until = Some(now + self.timers.t1 * 64 + Duration::from_secs(1));
        }
    }

    pub(super) fn local(&self) -> Local {
        Local {
            kind: self.peer.kind,
            via: self.via,
            contact: self.contact.clone(),
            user_agent: self.user_agent.clone(),
        }
    }

    /// Where in-dialog requests go.
    pub(super) fn dialog_target(&self) -> Target {
        match &self.dialog {
            Some(d) => d.next_hop(&self.peer),
            None => self.peer.clone(),
        }
    }

    /// Answers a non-INVITE request (remembering the answer for its retransmissions), or an
    /// INVITE outside a transaction (482, 491, 500).
    pub(super) fn reply(
        &mut self,
        now: Instant,
        request: &Request,
        from: &Target,
        status: u16,
        extra: Vec<Header>,
    ) {
        let response = message::build_response(
            request,
            from.addr,
            status,
            Some(&self.local_tag),
            extra,
            None,
        );
        self.send_response(now, request, from, &response);
    }

    pub(super) fn send_response(
        &mut self,
        now: Instant,
        request: &Request,
        from: &Target,
        response: &Response,
    ) {
        let bytes = response.to_bytes();
        if !from.kind.is_reliable() && request.method != Method::Invite {
            if let Some(branch) = message::top_branch(request) {
                self.answered.retain(|a| a.until > now);
                if self.answered.len() >= ANSWERED_CAP {
                    self.answered.remove(0);
                }
                self.answered.push(Answered {
                    branch,
                    method: request.method,
                    bytes: bytes.clone(),
                    target: from.clone(),
                    until: now + self.timers.t1 * 64,
                });
            }
        }
        self.transmit(from.clone(), bytes, None);
    }

    pub(super) fn remember_ack(&mut self, ack: SentAck) {
        if self.acks.len() >= ACKS_CAP {
            self.acks.remove(0);
        }
        self.acks.push(ack);
    }

    /// Re-sends our ACK if this 2xx was answered already. Returns whether it was.
    pub(super) fn reack(&mut self, response: &Response) -> bool {
        let Some(ids) = message::ids(response) else {
            return false;
        };
        let tag = ids.to_tag.unwrap_or_default();
        let Some(ack) = self
            .acks
            .iter()
            .find(|a| a.cseq == ids.cseq && a.remote_tag == tag)
            .cloned()
        else {
            return false;
        };
        self.transmit(ack.target, ack.bytes, None);
        true
    }

    /// Sends the ACK for a 2xx to the INVITE with CSeq `cseq` on `dialog` (RFC 3261 13.2.2.4:
    /// new branch, the INVITE's credentials).
    pub(super) fn send_ack(&mut self, dialog: &mut Dialog, cseq: u32, invite: &Request) {
        let credentials: Vec<Header> = invite
            .headers
            .iter()
            .filter(|h| matches!(h, Header::Authorization(_) | Header::ProxyAuthorization(_)))
            .cloned()
            .collect();
        let local = self.local();
        let branch = crate::transaction::new_branch();
        match dialog.request(Method::Ack, Some(cseq), local, &branch, credentials, None) {
            Ok(ack) => {
                let target = dialog.next_hop(&self.peer);
                let bytes = ack.to_bytes();
                self.remember_ack(SentAck {
                    cseq,
                    remote_tag: dialog.remote_tag.clone(),
                    bytes: bytes.clone(),
                    target: target.clone(),
                });
                self.transmit(target, bytes, None);
            }
            Err(e) => tracing::warn!(call_id = %self.call_id, error = %e, "cannot build the ACK"),
        }
    }

    /// Starts a non-INVITE request in the dialog.
    pub(super) fn send_in_dialog(
        &mut self,
        now: Instant,
        method: Method,
        purpose: Purpose,
        body: Option<Body<'_>>,
    ) -> Result<(), CallError> {
        let local = self.local();
        let branch = crate::transaction::new_branch();
        let target = self.dialog_target();
        let Some(dialog) = self.dialog.as_mut() else {
            return Err(CallError::InvalidState {
                operation: "send a request in",
                state: "without a dialog",
            });
        };
        let request = dialog.request(method, None, local, &branch, vec![], body)?;
        self.start_request(now, request, purpose, target);
        Ok(())
    }

    pub(super) fn start_request(
        &mut self,
        now: Instant,
        request: Request,
        purpose: Purpose,
        target: Target,
    ) {
        let (tx, bytes) =
            NonInviteClient::start(now, request, target.kind.is_reliable(), &self.timers);
        let branch = tx.branch().to_string();
        self.requests.push(OutRequest {
            tx,
            purpose,
            target: target.clone(),
        });
        self.transmit(target, bytes, Some(branch));
    }
}
