//! `Phone`: the cloneable handle to a running engine.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use dialtone_api::{
    AccountStatus, Command, CommandResult, DialConfirmOutcome, DialConfirmRequested,
    DialConfirmResolved, DndChanged, Envelope, Event, RegistrationChanged, RegistrationState,
    Status, LOCAL_ACCOUNT_ID,
};
use dialtone_sip::agent::{AgentEvent, AgentSettings, StrayPolicy as SipStrayPolicy, UserAgent};
use dialtone_sip::digest::Password;
use dialtone_sip::registration::{Registration, RegistrationSettings};
use dialtone_sip::transport::{Target, TlsSettings, TransportKind};
use dialtone_sip::wire::{self, RegisterBinding};
use tokio::sync::{broadcast, mpsc, oneshot};
use tracing::{info, warn};

use crate::account::{AccountInput, AccountPlan, AccountTask};
use crate::calls::profile::{self, CallProfile};
use crate::calls::setup::{self as call_setup, Manager};
use crate::calls::ManagerInput;
use crate::config::{AccountConfig, Config, ConfirmPolicy, StrayPolicy, Transport};
use crate::dial_gate::{outcome_name, DialGate, DialRequest};
use crate::error::EngineError;
use crate::events::EventBus;
use crate::journal::Journal;
use crate::secrets;

/// How long a REGISTER may go unanswered before the registrar counts as unreachable
/// (Timer F shortened from RFC 3261's 32 s so that a dead registrar shows within seconds).
const REGISTER_TIMEOUT: Duration = Duration::from_secs(8);
/// How long an OPTIONS keep-alive may go unanswered.
const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(4);
/// How long shutdown waits for the SIP sockets to close.
const SOCKETS_CLOSE: Duration = Duration::from_secs(1);
/// How often the local address towards each registrar is checked for a network change.
const ADDRESS_CHECK: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct Phone {
    inner: Arc<Inner>,
}

struct Inner {
    events: EventBus,
    agent: UserAgent,
    accounts: BTreeMap<String, mpsc::Sender<AccountInput>>,
    order: Vec<String>,
    calls: Manager,
    gate: DialGate,
}

impl Phone {
    /// Binds the SIP sockets and starts every account. The receiver returned is subscribed
    /// before anything happens, so it sees every event from the first one.
    pub async fn start(
        config: &Config,
    ) -> Result<(Phone, broadcast::Receiver<Envelope>), EngineError> {
        Self::start_with(config, None).await
    }

    /// As [`Phone::start`], with every event written to `journal` before it is broadcast.
    pub async fn start_journaled(
        config: &Config,
        journal: Box<dyn Journal>,
    ) -> Result<(Phone, broadcast::Receiver<Envelope>), EngineError> {
        Self::start_with(config, Some(journal)).await
    }

    async fn start_with(
        config: &Config,
        journal: Option<Box<dyn Journal>>,
    ) -> Result<(Phone, broadcast::Receiver<Envelope>), EngineError> {
        let events = EventBus::new(journal);
        let first_subscriber = events.subscribe();
        let settings = AgentSettings {
            listen: config.sip.listen,
            port: config.sip.port,
            user_agent: config
                .sip
                .user_agent
                .clone()
                .unwrap_or_else(|| format!("Dialtone/{}", env!("CARGO_PKG_VERSION"))),
            stray: match config.sip.stray_requests {
                StrayPolicy::Reject => SipStrayPolicy::Reject,
                StrayPolicy::Drop => SipStrayPolicy::Drop,
            },
        };
        let (agent, agent_events) = UserAgent::start(settings).await?;

        let mut plans = Vec::new();
        let mut profiles = Vec::new();
        for account in &config.accounts {
            let (plan, profile) = plan_account(config, account, &agent).await?;
            plans.push(plan);
            profiles.push(profile);
        }
        if profiles.is_empty() {
            profiles.push(profile::for_local(config, agent.local_addr()));
        }
        let mut order = Vec::new();
        let mut accounts = BTreeMap::new();
        if plans.is_empty() {
            agent.set_trusted(None);
            let status = local_account(config, agent.local_addr());
            order.push(status.id.clone());
            events.publish_status(status.clone());
            events.emit(Event::RegistrationChanged(RegistrationChanged {
                account_id: status.id.clone(),
                state: status.state,
                reason: status.reason.clone(),
                expires_at: None,
            }));
        } else {
            let trusted: Vec<IpAddr> = plans.iter().map(|p| p.target.addr.ip()).collect();
            agent.set_trusted(Some(trusted));
        }
        for plan in plans {
            let id = plan.status.id.clone();
            events.publish_status(plan.status.clone());
            let (tx, rx) = mpsc::channel(16);
            tokio::spawn(AccountTask::new(plan, agent.clone(), events.clone()).run(rx));
            order.push(id.clone());
            accounts.insert(id, tx);
        }
        let calls = call_setup::start(config, agent.clone(), events.clone(), profiles);
        let phone = Phone {
            inner: Arc::new(Inner {
                events,
                agent,
                accounts,
                order,
                calls,
                gate: DialGate::new(config.dialing.clone()),
            }),
        };
        tokio::spawn(phone.clone().forward_agent_events(agent_events));
        Ok((phone, first_subscriber))
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Envelope> {
        self.inner.events.subscribe()
    }

    /// The address SIP listens on.
    pub fn sip_address(&self) -> SocketAddr {
        self.inner.agent.local_addr()
    }

    pub fn status(&self) -> Status {
        Status {
            version: env!("CARGO_PKG_VERSION").to_string(),
            accounts: self.inner.events.accounts(&self.inner.order),
            dnd: self.inner.calls.dnd.load(Ordering::Relaxed),
            calls: self
                .inner
                .calls
                .infos
                .lock()
                .map(|c| c.clone())
                .unwrap_or_default(),
        }
    }

    pub async fn execute(&self, command: Command) -> Result<CommandResult, EngineError> {
        let (id, input) = match command {
            Command::EnableAccount { account_id } => (account_id, AccountInput::Enable),
            Command::DisableAccount { account_id } => (account_id, AccountInput::Disable),
            Command::Reregister { account_id } => (account_id, AccountInput::Reregister),
            Command::ConfirmDial { request_id, accept } => {
                return if self.inner.gate.resolve(&request_id, accept) {
                    Ok(CommandResult::default())
                } else {
                    Err(EngineError::UnknownDialRequest(request_id))
                };
            }
            Command::SetDnd { enabled } => {
                let was = self.inner.calls.dnd.swap(enabled, Ordering::Relaxed);
                if was != enabled {
                    info!(enabled, "do not disturb");
                    self.inner
                        .events
                        .emit(Event::DndChanged(DndChanged { enabled }));
                }
                return Ok(CommandResult::default());
            }
            call => {
                let (reply, answer) = oneshot::channel();
                self.inner
                    .calls
                    .inputs
                    .send(ManagerInput::Command {
                        command: call,
                        reply,
                    })
                    .await
                    .map_err(|_| EngineError::Stopped)?;
                return answer.await.map_err(|_| EngineError::Stopped)?;
            }
        };
        let sender = self
            .inner
            .accounts
            .get(&id)
            .ok_or_else(|| EngineError::UnknownAccount(id.clone()))?;
        sender.send(input).await.map_err(|_| EngineError::Stopped)?;
        Ok(CommandResult::default())
    }

    /// Places a call asked for by `req.source`: dials at once when the source may dial
    /// silently, else applies `[dialing] confirm` (ask: emits `dial.confirm_requested` and
    /// waits for `dial.confirm` or the timeout). The number is checked before anyone is asked.
    pub async fn request_dial(&self, req: DialRequest) -> Result<CommandResult, EngineError> {
        let dial = Command::Dial {
            to: req.to.clone(),
            account_id: req.account_id.clone(),
        };
        if !self.inner.gate.needs_confirmation(&req) {
            return self.execute(dial).await;
        }
        let gate = &self.inner.gate;
        let target = self.check_dial(&req.to, req.account_id.as_deref()).await?;
        match gate.policy.confirm {
            ConfirmPolicy::Allow => return self.execute(dial).await,
            ConfirmPolicy::Deny => return Err(EngineError::DialRefused { to: req.to }),
            _ => {}
        }
        let (request_id, answer) = gate.open();
        let within = Duration::from_secs(gate.policy.confirm_timeout);
        let expires_at = chrono::Utc::now()
            + chrono::Duration::from_std(within).unwrap_or_else(|_| chrono::Duration::zero());
        info!(request = %request_id, to = %req.to, source = ?req.source.kind, origin = ?req.source.origin, "dial waits for confirmation");
        self.inner
            .events
            .emit(Event::DialConfirmRequested(DialConfirmRequested {
                request_id: request_id.clone(),
                to: req.to.clone(),
                target,
                account_id: req.account_id.clone(),
                source: req.source.clone(),
                expires_at,
            }));
        let outcome = match tokio::time::timeout(within, answer).await {
            Ok(Ok(true)) => DialConfirmOutcome::Accepted,
            Ok(_) => DialConfirmOutcome::Declined,
            Err(_) => {
                gate.close(&request_id);
                DialConfirmOutcome::Expired
            }
        };
        if outcome != DialConfirmOutcome::Accepted {
            self.resolved(&request_id, outcome, None);
            return Err(EngineError::DialNotConfirmed {
                request_id,
                to: req.to,
                outcome: outcome_name(outcome),
            });
        }
        let result = self.execute(dial).await;
        let call_id = result.as_ref().ok().and_then(|r| r.call_id.clone());
        self.resolved(&request_id, outcome, call_id);
        result
    }

    fn resolved(&self, request_id: &str, outcome: DialConfirmOutcome, call_id: Option<String>) {
        self.inner
            .events
            .emit(Event::DialConfirmResolved(DialConfirmResolved {
                request_id: request_id.to_owned(),
                outcome,
                call_id,
            }));
    }

    /// Checks that `to` can be dialled from the account (before asking anyone to confirm);
    /// gives the URI that would be dialled.
    async fn check_dial(&self, to: &str, account_id: Option<&str>) -> Result<String, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.inner
            .calls
            .inputs
            .send(ManagerInput::CheckDial {
                to: to.to_owned(),
                account_id: account_id.map(str::to_owned),
                reply,
            })
            .await
            .map_err(|_| EngineError::Stopped)?;
        answer.await.map_err(|_| EngineError::Stopped)?
    }

    /// Unregisters every account (Expires: 0), waiting at most `within`, then closes the
    /// sockets.
    pub async fn shutdown(&self, within: Duration) {
        let (done, calls_ended) = oneshot::channel();
        if self
            .inner
            .calls
            .inputs
            .send(ManagerInput::Shutdown(done))
            .await
            .is_ok()
            && tokio::time::timeout(within / 2, calls_ended).await.is_err()
        {
            warn!("not every call ended cleanly before shutdown");
        }
        let mut waits = Vec::new();
        for (id, sender) in &self.inner.accounts {
            let (tx, rx) = oneshot::channel();
            if sender.send(AccountInput::Shutdown(tx)).await.is_ok() {
                waits.push((id.clone(), rx));
            }
        }
        let all = async {
            for (id, rx) in waits {
                if rx.await.is_err() {
                    warn!(account = %id, "account task ended before unregistering");
                }
            }
        };
        if tokio::time::timeout(within, all).await.is_err() {
            warn!(
                ?within,
                "not every account confirmed its unregistration in time"
            );
        }
        // A phone started right after (settings saved in the app) binds the same SIP port.
        if !self.inner.agent.shutdown(SOCKETS_CLOSE).await {
            warn!("the SIP sockets did not close in time");
        }
    }

    async fn forward_agent_events(self, mut events: mpsc::Receiver<AgentEvent>) {
        while let Some(event) = events.recv().await {
            match event {
                AgentEvent::ConnectionLost { kind, remote, .. } => {
                    for sender in self.inner.accounts.values() {
                        let _ = sender
                            .send(AccountInput::ConnectionLost { kind, remote })
                            .await;
                    }
                }
                AgentEvent::IncomingCall(call) => {
                    let _ = self
                        .inner
                        .calls
                        .inputs
                        .send(ManagerInput::Incoming(call))
                        .await;
                }
                _ => {}
            }
        }
    }
}

fn local_account(config: &Config, addr: SocketAddr) -> AccountStatus {
    let aor = format!("sip:{}@{}", config.local.user, wire::host_port(addr));
    AccountStatus {
        id: LOCAL_ACCOUNT_ID.to_string(),
        display_name: config.local.display_name.clone(),
        aor: aor.clone(),
        transport: "udp".into(),
        enabled: true,
        state: RegistrationState::Registered,
        reason: Some(format!(
            "local account: no registrar; call and be called directly at {aor}"
        )),
        expires_at: None,
    }
}

fn transport_kind(
    account: &AccountConfig,
    transport: Transport,
) -> Result<TransportKind, EngineError> {
    match transport {
        Transport::Udp => Ok(TransportKind::Udp),
        Transport::Tcp => Ok(TransportKind::Tcp),
        Transport::Tls => Ok(TransportKind::Tls),
        other => Err(EngineError::UnsupportedTransport {
            account: account.id.clone(),
            transport: other.to_string(),
        }),
    }
}

async fn resolve(
    account: &AccountConfig,
    host: &str,
    port: u16,
) -> Result<SocketAddr, EngineError> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let mut addrs = tokio::net::lookup_host((host, port))
        .await
        .map_err(|source| EngineError::Resolve {
            account: account.id.clone(),
            host: host.to_string(),
            message: source.to_string(),
        })?;
    addrs.next().ok_or_else(|| EngineError::Resolve {
        account: account.id.clone(),
        host: host.to_string(),
        message: "no address".into(),
    })
}

async fn plan_account(
    config: &Config,
    account: &AccountConfig,
    agent: &UserAgent,
) -> Result<(AccountPlan, CallProfile), EngineError> {
    let (host, port, transport, route) = match &account.proxy {
        Some(proxy) => {
            let transport = proxy.transport.unwrap_or(if proxy.secure {
                Transport::Tls
            } else {
                account.transport
            });
            let port = proxy.port.unwrap_or(transport.default_port());
            let host = proxy.host.clone();
            let kind = transport_kind(account, transport)?;
            let param = kind
                .uri_param()
                .map(|t| format!(";transport={t}"))
                .unwrap_or_default();
            let bracketed = if host.contains(':') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            let route = format!("<sip:{bracketed}:{port}{param};lr>");
            (host, port, transport, Some(route))
        }
        None => (
            account.domain.host.clone(),
            account
                .domain
                .port
                .unwrap_or(account.transport.default_port()),
            account.transport,
            None,
        ),
    };
    let kind = transport_kind(account, transport)?;
    let addr = resolve(account, &host, port).await?;
    let target = Target {
        kind,
        addr,
        tls_name: (kind == TransportKind::Tls).then(|| host.clone()),
    };
    let tls = TlsSettings {
        extra_ca_file: account.tls_ca_file.clone(),
    };

    let password = match secrets::password_for(account) {
        Ok(p) => Some(Password::new(p)),
        Err(e) => {
            warn!(account = %account.id, error = %e, "no password: digest challenges cannot be answered");
            None
        }
    };
    let request_uri = format!("sip:{}", account.domain);
    let call_profile = profile::for_account(
        config,
        account,
        target.clone(),
        tls.clone(),
        route.clone(),
        password.clone(),
    );
    let registration = Registration::new(RegistrationSettings {
        auth_user: account.auth_user().to_string(),
        password,
        request_uri: request_uri.clone(),
        expires: account.expires,
        realm: account.realm.clone(),
        retry_min: Duration::from_secs(config.registration.retry_min),
        retry_max: Duration::from_secs(config.registration.retry_max),
        jitter_seed: rand::random(),
    });
    let binding = RegisterBinding {
        request_uri,
        aor: account.aor(),
        display_name: account.display_name.clone(),
        contact_user: account.user.clone(),
        transport: kind,
        call_id: wire::random_token(24),
        from_tag: wire::random_token(10),
        user_agent: agent.user_agent().to_string(),
        route,
    };
    let keepalive = account
        .keepalive_interval
        .unwrap_or(config.sip.keepalive_interval);
    info!(account = %account.id, target = %addr, transport = kind.via_name(), "account configured");
    let plan = AccountPlan {
        status: AccountStatus {
            id: account.id.clone(),
            display_name: account.display_name.clone(),
            aor: account.aor(),
            transport: account.transport.to_string(),
            enabled: account.enabled && account.register,
            state: RegistrationState::Unregistered,
            reason: None,
            expires_at: None,
        },
        target,
        tls,
        binding,
        registration,
        keepalive: (keepalive > 0).then(|| Duration::from_secs(keepalive)),
        register_timeout: REGISTER_TIMEOUT,
        keepalive_timeout: KEEPALIVE_TIMEOUT,
        address_check: ADDRESS_CHECK,
    };
    Ok((plan, call_profile))
}
