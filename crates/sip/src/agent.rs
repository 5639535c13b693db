//! The user agent: transports and client transactions put together, the REGISTER and OPTIONS
//! exchanges the engine runs, calls in both directions, and the answers to requests that
//! belong to nothing.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsipstack::sip::{Header, HeadersExt, Method, Request, SipMessage};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::call::{
    self, Auth, Call, CallEvent, CallHandle, CallSetup, Calls, Inbound, IncomingCall, OutgoingCall,
};
use crate::error::{SipError, TransactionError};
use crate::registration::{Failure, RegisterRequest, RegisterResponse};
use crate::transaction::{new_branch, ClientTransactions, Timers};
use crate::transport::{Target, TlsSettings, TransportEvent, TransportKind, Transports};
use crate::wire::{self, RegisterBinding};

/// What to do with requests that do not come from an account's registrar or proxy
/// (stray INVITEs to the listening port, "ghost calls").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrayPolicy {
    /// Answer 403 Forbidden.
    Reject,
    /// Say nothing.
    Drop,
}

#[derive(Debug, Clone)]
pub struct AgentSettings {
    pub listen: IpAddr,
    pub port: u16,
    pub user_agent: String,
    pub stray: StrayPolicy,
}

/// What the agent tells the engine.
#[derive(Debug)]
#[non_exhaustive]
pub enum AgentEvent {
    /// An INVITE from a trusted source started a call (100 Trying is sent).
    IncomingCall(Box<IncomingCall>),
    /// A TCP/TLS connection went away.
    ConnectionLost {
        kind: TransportKind,
        remote: SocketAddr,
        reason: String,
    },
    /// A request from an untrusted source was refused or dropped.
    StrayRequest {
        method: String,
        source: SocketAddr,
        answered: bool,
    },
}

/// The outcome of one REGISTER exchange.
#[derive(Debug, Clone)]
pub struct RegisterOutcome {
    pub response: RegisterResponse,
    /// The address the registrar saw us at, when it differs from the contact we sent.
    pub seen_at: Option<SocketAddr>,
}

/// Which sources may send us requests: the registrars and proxies of our accounts. `None`
/// trusts everybody (the built-in local account, which is called directly).
type Trusted = Option<Vec<IpAddr>>;

#[derive(Clone)]
pub struct UserAgent {
    transports: Transports,
    transactions: ClientTransactions,
    settings: Arc<AgentSettings>,
    trusted: Arc<Mutex<Trusted>>,
    calls: Calls,
}

impl UserAgent {
    /// Binds the listening sockets and starts dispatching what arrives.
    pub async fn start(
        settings: AgentSettings,
    ) -> Result<(UserAgent, mpsc::Receiver<AgentEvent>), SipError> {
        let (transports, inbound) = Transports::bind(settings.listen, settings.port).await?;
        // Connections are opened with each account's TLS settings by `local_addr_for` before a
        // transaction sends on them, so the transactions' own default is only a fallback.
        let transactions = ClientTransactions::new(transports.clone(), TlsSettings::default());
        let (events_tx, events_rx) = mpsc::channel(64);
        let agent = UserAgent {
            transports,
            transactions,
            settings: Arc::new(settings),
            trusted: Arc::new(Mutex::new(Some(Vec::new()))),
            calls: Calls::default(),
        };
        tokio::spawn(agent.clone().dispatch(inbound, events_tx));
        info!(addr = %agent.local_addr(), "SIP listening (UDP and TCP)");
        Ok((agent, events_rx))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.transports.udp_local_addr()
    }

    pub fn user_agent(&self) -> &str {
        &self.settings.user_agent
    }

    /// Sets who may send us requests; `None` trusts every source.
    pub fn set_trusted(&self, trusted: Option<Vec<IpAddr>>) {
        if let Ok(mut t) = self.trusted.lock() {
            *t = trusted;
        }
    }

    /// The local address requests to `target` leave from (opens a TCP/TLS connection if
    /// needed).
    pub async fn local_addr_for(
        &self,
        target: &Target,
        tls: &TlsSettings,
    ) -> Result<SocketAddr, Failure> {
        self.transports
            .local_addr_for(target, tls)
            .await
            .map_err(|e| Failure::Transport(e.to_string()))
    }

    /// Runs one REGISTER transaction.
    pub async fn register(
        &self,
        target: &Target,
        tls: &TlsSettings,
        binding: &RegisterBinding,
        contact: Option<SocketAddr>,
        request: &RegisterRequest,
        timers: &Timers,
    ) -> Result<RegisterOutcome, Failure> {
        let mut sent_contact = None;
        let response = self
            .exchange(target, tls, timers, |via| {
                let contact = contact.unwrap_or(via);
                sent_contact = Some(contact);
                wire::register_request(binding, via, contact, request, &new_branch())
            })
            .await?;
        let contact =
            sent_contact.ok_or_else(|| Failure::Transport("no REGISTER was built".into()))?;
        let (response, seen_at) = wire::read_register_response(&response, contact);
        Ok(RegisterOutcome { response, seen_at })
    }

    /// Sends an OPTIONS and waits for any final response: proof that the server is alive.
    pub async fn ping(
        &self,
        target: &Target,
        tls: &TlsSettings,
        binding: &RegisterBinding,
        timers: &Timers,
    ) -> Result<u16, Failure> {
        let response = self
            .exchange(target, tls, timers, |via| {
                wire::options_request(binding, via, 1, &new_branch())
            })
            .await?;
        Ok(response.status_code.code())
    }

    /// Builds a request for the local address it leaves from, and runs its transaction.
    async fn exchange(
        &self,
        target: &Target,
        tls: &TlsSettings,
        timers: &Timers,
        build: impl FnOnce(SocketAddr) -> Result<Request, crate::error::WireError>,
    ) -> Result<rsipstack::sip::Response, Failure> {
        let via = self.local_addr_for(target, tls).await?;
        let message = build(via).map_err(|e| Failure::Transport(e.to_string()))?;
        self.transactions
            .request(target, message, timers)
            .await
            .map_err(failure)
    }

    /// A CRLF keep-alive on the connection to `target` (TCP/TLS), or a CRLF datagram (UDP).
    pub async fn keepalive(&self, target: &Target) -> Result<(), Failure> {
        self.transports
            .send_keepalive(target)
            .await
            .map_err(|e| Failure::Transport(e.to_string()))
    }

    /// Places a call: sends the INVITE (answering one digest challenge per realm when
    /// `call.credentials` is set) and returns the call's handle and events.
    ///
    /// Fails at once only when the target cannot be reached at all (TCP/TLS connect) or the
    /// call's URIs or headers are unusable; everything later arrives as [`CallEvent`]s.
    pub async fn invite(
        &self,
        call: OutgoingCall,
    ) -> Result<(CallHandle, mpsc::Receiver<CallEvent>), SipError> {
        let via = self
            .transports
            .local_addr_for(&call.target, &call.tls)
            .await?;
        let contact = wire::contact_uri(
            &call.contact_user,
            call.contact_addr.unwrap_or(via),
            call.target.kind,
        );
        let call_id = wire::random_token(32);
        let local_tag = wire::random_token(10);
        let from = format!("{};tag={local_tag}", call.from);
        let to = call.to.to_string();
        let user_agent = call
            .user_agent
            .clone()
            .unwrap_or_else(|| self.settings.user_agent.clone());
        let extra = call
            .extra_headers
            .iter()
            .map(|(name, value)| call::extra_header(name, value))
            .collect::<Result<Vec<_>, _>>()?;
        let routes: Vec<String> = call.route.iter().cloned().collect();
        let request = call::build_request(call::RequestParts {
            method: Method::Invite,
            uri: &call.request_uri,
            kind: call.target.kind,
            via,
            branch: &new_branch(),
            routes: &routes,
            from: &from,
            to: &to,
            call_id: &call_id,
            cseq: 1,
            contact: Some(&contact),
            user_agent: &user_agent,
            extra,
            body: Some(call::Body::sdp(&call.sdp_offer)),
        })?;
        let setup = CallSetup {
            call_id: call_id.clone(),
            local_tag,
            peer: call.target.clone(),
            via,
            contact,
            user_agent,
            timers: call.timers.clone(),
            auth: Auth::new(call.credentials.clone()),
        };
        let outgoing = Call::outgoing(Instant::now(), setup, request);
        call::spawn(
            outgoing,
            &self.calls,
            self.transports.clone(),
            call.tls.clone(),
        )
        .ok_or(SipError::CallIdInUse { call_id })
    }

    /// How many calls are in progress (including ended ones still absorbing retransmissions).
    pub fn call_count(&self) -> usize {
        self.calls.len()
    }

    /// Drops every call and closes the transports, returning once the SIP sockets are closed
    /// (at most `within`; `false` if they were not by then).
    pub async fn shutdown(&self, within: Duration) -> bool {
        self.calls.clear();
        self.transports.shutdown_and_wait(within).await
    }

    async fn dispatch(
        self,
        mut inbound: mpsc::Receiver<TransportEvent>,
        events: mpsc::Sender<AgentEvent>,
    ) {
        while let Some(event) = inbound.recv().await {
            match event {
                TransportEvent::Message {
                    message: SipMessage::Response(response),
                    source,
                    ..
                } => {
                    if let Some(response) = self.transactions.handle_response(response) {
                        let status = response.status_code.code();
                        let routed = call::call_id(&response).is_some_and(|id| {
                            self.calls.route(&id, Inbound::Response(response)).is_ok()
                        });
                        if !routed {
                            debug!(%source, status, "response matches no transaction");
                        }
                    }
                }
                TransportEvent::Message {
                    message: SipMessage::Request(request),
                    source,
                    kind,
                    ..
                } => {
                    self.handle_request(request, source, kind, &events).await;
                }
                TransportEvent::Malformed {
                    source,
                    kind,
                    error,
                } => {
                    warn!(%source, transport = kind.via_name(), %error, "malformed SIP message ignored");
                }
                TransportEvent::ConnectionClosed {
                    kind,
                    remote,
                    reason,
                } => {
                    self.transactions.handle_connection_closed(kind, remote);
                    self.calls.connection_closed(kind, remote);
                    let _ = events
                        .send(AgentEvent::ConnectionLost {
                            kind,
                            remote,
                            reason,
                        })
                        .await;
                }
            }
        }
    }

    fn is_trusted(&self, source: IpAddr) -> bool {
        match self.trusted.lock() {
            Ok(t) => t.as_ref().is_none_or(|list| list.contains(&source)),
            Err(_) => false,
        }
    }

    async fn handle_request(
        &self,
        request: Request,
        source: SocketAddr,
        kind: TransportKind,
        events: &mpsc::Sender<AgentEvent>,
    ) {
        // Requests of a call in progress go to it whatever their source: the call checks the
        // dialog's tags, and a stranger cannot guess Call-ID and tags.
        let request = match call::call_id(&request) {
            Some(call_id) => match self.calls.route(
                &call_id,
                Inbound::Request {
                    request,
                    source,
                    kind,
                },
            ) {
                Ok(()) => return,
                Err(Inbound::Request { request, .. }) => request,
                Err(_) => return,
            },
            None => request,
        };
        let method = request.method.to_string();
        if request.method == Method::Ack {
            return; // ACKs to our final responses need no answer
        }
        if !self.is_trusted(source.ip()) {
            let answered = self.settings.stray == StrayPolicy::Reject;
            info!(%source, %method, answered, "request from an unknown source refused (not an account's registrar or proxy)");
            if answered {
                self.reply(&request, source, kind, 403, "Forbidden", vec![])
                    .await;
            }
            let _ = events
                .send(AgentEvent::StrayRequest {
                    method,
                    source,
                    answered,
                })
                .await;
            return;
        }
        match request.method {
            Method::Options => {
                let allow = Header::Allow(call::ALLOW.into());
                let accept = Header::Accept("application/sdp".into());
                self.reply(&request, source, kind, 200, "OK", vec![allow, accept])
                    .await;
            }
            Method::Invite if !call::has_to_tag(&request) => {
                self.incoming_call(request, source, kind, events).await;
            }
            Method::Cancel | Method::Bye | Method::Invite => {
                self.reply(
                    &request,
                    source,
                    kind,
                    481,
                    "Call/Transaction Does Not Exist",
                    vec![],
                )
                .await;
            }
            _ if call::has_to_tag(&request) => {
                self.reply(
                    &request,
                    source,
                    kind,
                    481,
                    "Call/Transaction Does Not Exist",
                    vec![],
                )
                .await;
            }
            _ => {
                self.reply(&request, source, kind, 501, "Not Implemented", vec![])
                    .await
            }
        }
    }

    /// A new INVITE from a trusted source: start the call (100 Trying) and tell the engine.
    async fn incoming_call(
        &self,
        request: Request,
        source: SocketAddr,
        kind: TransportKind,
        events: &mpsc::Sender<AgentEvent>,
    ) {
        let Some(details) = call::read_incoming(&request) else {
            info!(%source, "INVITE without From, To, Contact or Call-ID refused");
            self.reply(&request, source, kind, 400, "Bad Request", vec![])
                .await;
            return;
        };
        let peer = Target::new(kind, source);
        let via = match self
            .transports
            .local_addr_for(&peer, &TlsSettings::default())
            .await
        {
            Ok(via) => via,
            Err(e) => {
                warn!(%source, error = %e, "no local address to answer an INVITE from");
                return;
            }
        };
        let contact_user = call::user_part(&details.request_uri).unwrap_or("dialtone");
        let setup = CallSetup {
            call_id: call::call_id(&request).unwrap_or_default(),
            local_tag: wire::random_token(10),
            peer,
            via,
            contact: wire::contact_uri(contact_user, via, kind),
            user_agent: self.settings.user_agent.clone(),
            timers: Timers::default(),
            auth: Auth::new(None),
        };
        let Some(incoming) = Call::incoming(Instant::now(), setup, request) else {
            return; // read_incoming checked what Call::incoming needs
        };
        let Some((handle, call_events)) = call::spawn(
            incoming,
            &self.calls,
            self.transports.clone(),
            TlsSettings::default(),
        ) else {
            return;
        };
        info!(%source, call_id = %handle.call_id(), from = %details.from, "incoming call");
        let call = IncomingCall {
            handle,
            from: details.from,
            to: details.to,
            request_uri: details.request_uri,
            sdp_offer: details.sdp_offer,
            source,
            transport: kind,
            call_info: details.call_info,
            alert_info: details.alert_info,
            asserted_identity: details.asserted_identity,
            events: call_events,
        };
        let _ = events.send(AgentEvent::IncomingCall(Box::new(call))).await;
    }

    /// Answers to the source of the request; RFC 3581: `rport` makes that the packet's source.
    async fn reply(
        &self,
        request: &Request,
        source: SocketAddr,
        kind: TransportKind,
        status: u16,
        reason: &str,
        extra: Vec<Header>,
    ) {
        if request.via_header().is_err() {
            return; // nowhere to send it
        }
        let response = wire::response_to(request, status, reason, extra);
        let target = Target {
            kind,
            addr: source,
            tls_name: None,
        };
        if let Err(e) = self
            .transports
            .send(&target, &TlsSettings::default(), &response.to_bytes())
            .await
        {
            debug!(%source, error = %e, "could not answer request");
        }
    }
}

fn failure(e: TransactionError) -> Failure {
    match e {
        TransactionError::Timeout { .. } => Failure::Timeout,
        other => Failure::Transport(other.to_string()),
    }
}

/// Timers for the REGISTER transactions: RFC 3261 defaults, with Timer F shortened so that
/// a dead registrar is noticed in seconds rather than 32 s.
pub fn register_timers(timer_f: Duration) -> Timers {
    Timers {
        timer_f,
        ..Timers::default()
    }
}
