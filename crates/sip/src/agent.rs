//! The user agent: transports and client transactions put together, the REGISTER and OPTIONS
//! exchanges the engine runs, and the answers to requests nobody above handles yet.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsipstack::sip::{Header, HeadersExt, Method, Request, SipMessage};
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

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
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AgentEvent {
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

    pub fn shutdown(&self) {
        self.transports.shutdown();
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
                    if let Some(stray) = self.transactions.handle_response(response) {
                        debug!(%source, status = stray.status_code.code(), "response matches no transaction");
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
                let allow = Header::Allow(
                    "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, REFER, UPDATE".into(),
                );
                let accept = Header::Accept("application/sdp".into());
                self.reply(&request, source, kind, 200, "OK", vec![allow, accept])
                    .await;
            }
            Method::Invite => {
                // Calls arrive with the call layer; until then say so instead of ringing.
                self.reply(
                    &request,
                    source,
                    kind,
                    480,
                    "Temporarily Unavailable",
                    vec![],
                )
                .await;
            }
            Method::Cancel | Method::Bye => {
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
