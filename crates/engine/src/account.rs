//! One account's task: drives the registration state machine with real time, runs its
//! REGISTER transactions, keeps its NAT binding alive and notices a changed local address.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use dialtone_api::{AccountStatus, Event, RegistrationChanged, RegistrationState};
use dialtone_sip::agent::{register_timers, UserAgent};
use dialtone_sip::registration::{Failure, RegisterRequest, Registration, StateChange};
use dialtone_sip::transaction::Timers;
use dialtone_sip::transport::{Target, TlsSettings, TransportKind};
use dialtone_sip::wire::RegisterBinding;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tracing::{info, warn};

use crate::events::EventBus;

/// Everything the task needs, resolved from the config by the phone.
pub(crate) struct AccountPlan {
    pub status: AccountStatus,
    pub target: Target,
    pub tls: TlsSettings,
    pub binding: RegisterBinding,
    pub registration: Registration,
    pub keepalive: Option<Duration>,
    /// How long a REGISTER may go unanswered before the registrar counts as unreachable.
    pub register_timeout: Duration,
    /// How long an OPTIONS keep-alive may go unanswered.
    pub keepalive_timeout: Duration,
    /// How often the local address towards the registrar is checked.
    pub address_check: Duration,
}

pub(crate) enum AccountInput {
    Enable,
    Disable,
    Reregister,
    ConnectionLost {
        kind: TransportKind,
        remote: SocketAddr,
    },
    Shutdown(oneshot::Sender<()>),
}

enum Internal {
    Registered {
        cseq: u32,
        via: Option<SocketAddr>,
        result: Result<dialtone_sip::agent::RegisterOutcome, Failure>,
    },
    KeepaliveDone(Result<(), Failure>),
}

pub(crate) struct AccountTask {
    plan: AccountPlan,
    agent: UserAgent,
    events: EventBus,
    /// The address we last registered as Contact, and the NAT-public one the registrar saw.
    local: Option<SocketAddr>,
    public: Option<SocketAddr>,
    keepalive_in_flight: bool,
    shutting_down: Option<oneshot::Sender<()>>,
}

impl AccountTask {
    pub(crate) fn new(plan: AccountPlan, agent: UserAgent, events: EventBus) -> Self {
        Self {
            plan,
            agent,
            events,
            local: None,
            public: None,
            keepalive_in_flight: false,
            shutting_down: None,
        }
    }

    pub(crate) async fn run(mut self, mut inputs: mpsc::Receiver<AccountInput>) {
        let (internal_tx, mut internal) = mpsc::channel::<Internal>(16);
        if self.plan.status.enabled {
            self.plan.registration.register(std::time::Instant::now());
        } else {
            self.publish(StateChange {
                state: RegistrationState::Unregistered,
                reason: Some("disabled".into()),
                expires_at: None,
            });
        }
        let mut next_keepalive =
            Instant::now() + self.plan.keepalive.unwrap_or(Duration::from_secs(3600));
        let mut next_address_check = Instant::now() + self.plan.address_check;
        loop {
            self.flush(&internal_tx);
            if let Some(done) = self.shutting_down.take() {
                if self.plan.registration.is_idle() {
                    let _ = done.send(());
                    return;
                }
                self.shutting_down = Some(done);
            }
            let deadline = self
                .plan
                .registration
                .poll_timeout()
                .map(Instant::from_std)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {
                    self.plan.registration.handle_timeout(std::time::Instant::now());
                }
                _ = tokio::time::sleep_until(next_keepalive), if self.plan.keepalive.is_some() => {
                    next_keepalive = Instant::now() + self.plan.keepalive.unwrap_or_default();
                    self.start_keepalive(&internal_tx);
                }
                _ = tokio::time::sleep_until(next_address_check) => {
                    next_address_check = Instant::now() + self.plan.address_check;
                    self.check_address().await;
                }
                Some(msg) = internal.recv() => self.handle_internal(msg),
                input = inputs.recv() => match input {
                    Some(input) => self.handle_input(input),
                    None => return,
                },
            }
        }
    }

    fn handle_input(&mut self, input: AccountInput) {
        let now = std::time::Instant::now();
        match input {
            AccountInput::Enable => {
                self.plan.status.enabled = true;
                self.plan.registration.register(now);
            }
            AccountInput::Disable => {
                self.plan.status.enabled = false;
                self.plan.registration.unregister(now);
            }
            AccountInput::Reregister => {
                if self.plan.status.enabled {
                    self.plan.registration.register(now);
                }
            }
            AccountInput::ConnectionLost { kind, remote } => {
                if kind == self.plan.target.kind && remote == self.plan.target.addr {
                    warn!(account = %self.plan.status.id, %remote, "connection to the registrar lost; registering again");
                    self.local = None;
                    self.plan.registration.handle_connection_lost(now);
                }
            }
            AccountInput::Shutdown(done) => {
                self.plan.registration.unregister(now);
                self.shutting_down = Some(done);
            }
        }
    }

    fn handle_internal(&mut self, msg: Internal) {
        let now = std::time::Instant::now();
        match msg {
            Internal::Registered {
                cseq,
                via,
                result: Ok(outcome),
            } => {
                self.local = via.or(self.local);
                let status = outcome.response.status;
                let nat = (200..300).contains(&status)
                    && self.plan.target.kind == TransportKind::Udp
                    && outcome.seen_at.is_some()
                    && outcome.seen_at != self.public;
                self.plan
                    .registration
                    .handle_response(now, cseq, &outcome.response);
                if nat {
                    info!(account = %self.plan.status.id, seen_at = ?outcome.seen_at, "registrar sees us behind NAT; registering the public address");
                    self.public = outcome.seen_at;
                    self.plan.registration.handle_contact_changed(now);
                }
            }
            Internal::Registered {
                cseq,
                result: Err(failure),
                ..
            } => {
                self.plan.registration.handle_failure(now, cseq, &failure);
            }
            Internal::KeepaliveDone(result) => {
                self.keepalive_in_flight = false;
                if let Err(failure) = result {
                    let reason = match failure {
                        Failure::Timeout => {
                            "the registrar stopped answering keep-alives".to_string()
                        }
                        Failure::Transport(msg) => format!("keep-alive failed: {msg}"),
                    };
                    warn!(account = %self.plan.status.id, %reason);
                    self.local = None;
                    self.plan.registration.handle_keepalive_failed(now, reason);
                }
            }
        }
    }

    /// Sends what the state machine asks for and publishes its state changes.
    fn flush(&mut self, internal: &mpsc::Sender<Internal>) {
        while let Some(request) = self.plan.registration.poll_request() {
            self.spawn_register(request, internal.clone());
        }
        while let Some(change) = self.plan.registration.poll_event() {
            self.publish(change);
        }
    }

    fn spawn_register(&self, request: RegisterRequest, internal: mpsc::Sender<Internal>) {
        let agent = self.agent.clone();
        let target = self.plan.target.clone();
        let tls = self.plan.tls.clone();
        let binding = self.plan.binding.clone();
        let contact = self.public;
        let timers = register_timers(self.plan.register_timeout);
        tokio::spawn(async move {
            let via = agent.local_addr_for(&target, &tls).await.ok();
            let result = agent
                .register(&target, &tls, &binding, contact, &request, &timers)
                .await;
            let _ = internal
                .send(Internal::Registered {
                    cseq: request.cseq,
                    via,
                    result,
                })
                .await;
        });
    }

    fn start_keepalive(&mut self, internal: &mpsc::Sender<Internal>) {
        if self.keepalive_in_flight
            || self.plan.registration.state() != RegistrationState::Registered
        {
            return;
        }
        self.keepalive_in_flight = true;
        let agent = self.agent.clone();
        let target = self.plan.target.clone();
        let tls = self.plan.tls.clone();
        let binding = self.plan.binding.clone();
        let internal = internal.clone();
        // UDP: an OPTIONS proves the registrar is alive and refreshes the NAT mapping.
        // TCP/TLS: a CRLF keep-alive; a dead connection is reported by the transport.
        let timers = Timers {
            timer_f: self.plan.keepalive_timeout,
            ..Timers::default()
        };
        tokio::spawn(async move {
            let result = if target.kind.is_reliable() {
                agent.keepalive(&target).await
            } else {
                agent
                    .ping(&target, &tls, &binding, &timers)
                    .await
                    .map(|_| ())
            };
            let _ = internal.send(Internal::KeepaliveDone(result)).await;
        });
    }

    /// A network change shows as a different local address towards the registrar.
    async fn check_address(&mut self) {
        let Some(previous) = self.local else { return };
        if self.plan.target.kind.is_reliable()
            || self.plan.registration.state() != RegistrationState::Registered
        {
            return;
        }
        if let Ok(now_local) = self
            .agent
            .local_addr_for(&self.plan.target, &self.plan.tls)
            .await
        {
            if now_local != previous {
                info!(account = %self.plan.status.id, %previous, now = %now_local, "local address changed; registering the new contact");
                self.local = Some(now_local);
                self.public = None;
                self.plan
                    .registration
                    .handle_contact_changed(std::time::Instant::now());
            }
        }
    }

    fn publish(&mut self, change: StateChange) {
        let expires_at = change.expires_at.map(|at| {
            let left = at.saturating_duration_since(std::time::Instant::now());
            Utc::now() + chrono::Duration::from_std(left).unwrap_or_default()
        });
        let status = &mut self.plan.status;
        status.state = change.state;
        status.reason = change.reason.clone();
        status.expires_at = expires_at;
        info!(account = %status.id, state = ?change.state, reason = change.reason.as_deref().unwrap_or(""), "registration");
        self.events.publish_status(status.clone());
        self.events
            .emit(Event::RegistrationChanged(RegistrationChanged {
                account_id: status.id.clone(),
                state: change.state,
                reason: change.reason,
                expires_at,
            }));
    }
}
