//! The call manager: one task that owns every call. It feeds the pure state machines of
//! `dialtone-call` with commands, SIP call events and media events, and carries out what
//! they ask: SIP actions through `dialtone-sip`, media through [`media::MediaRuntime`], and
//! `api` events onto the bus.

mod actions;
mod dial;
mod incoming;
pub(crate) mod media;
pub(crate) mod profile;
pub(crate) mod setup;
pub(crate) mod target;
mod tones;
mod translate;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dialtone_api::{CallId, CallInfo, Command, CommandResult};
use dialtone_audio::AudioBackend;
use dialtone_call::{CallConfig, CallError, Calls, Input};
use dialtone_sip::agent::UserAgent;
use dialtone_sip::{CallEvent, CallHandle, IncomingCall};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, warn};

use crate::config::{AudioConfig, CallsConfig, MediaConfig as MediaSettings};
use crate::error::EngineError;
use crate::events::EventBus;

use self::media::{MediaNotice, MediaRuntime, PortRange};
use self::profile::CallProfile;

/// What reaches the call manager from the rest of the engine.
pub(crate) enum ManagerInput {
    Command {
        command: Command,
        reply: oneshot::Sender<Result<CommandResult, EngineError>>,
    },
    /// Would `to` be dialable from the account? Answers the URI it would dial.
    CheckDial {
        to: String,
        account_id: Option<String>,
        reply: oneshot::Sender<Result<String, EngineError>>,
    },
    Incoming(Box<IncomingCall>),
    /// Hang up everything; answered when every call has ended (or the time is up).
    Shutdown(oneshot::Sender<()>),
}

/// Settings the manager runs with, from the config.
pub(crate) struct ManagerSettings {
    pub calls: CallsConfig,
    pub media: MediaSettings,
    pub audio: AudioConfig,
    pub rtp: PortRange,
    pub user_agent: String,
}

/// One call's IO side: its SIP handle and its media.
struct Runtime {
    profile: Arc<CallProfile>,
    sip: Option<CallHandle>,
    media: MediaRuntime,
    /// The peer's SDP offer waiting for our answer (incoming INVITE or re-INVITE).
    pending_offer: Option<String>,
    /// Outgoing calls: where the INVITE goes.
    outgoing: Option<Outgoing>,
}

struct Outgoing {
    target: dialtone_sip::Target,
    dialled: target::DialTarget,
}

pub(crate) struct CallManager {
    settings: ManagerSettings,
    agent: UserAgent,
    events: EventBus,
    profiles: Vec<Arc<CallProfile>>,
    audio: Arc<dyn AudioBackend>,
    calls: Calls,
    runtimes: HashMap<CallId, Runtime>,
    /// Calls as the world sees them, for `Phone::status`.
    infos: Arc<Mutex<Vec<CallInfo>>>,
    dnd: Arc<AtomicBool>,
    sip_tx: mpsc::Sender<(CallId, CallEvent)>,
    sip_rx: mpsc::Receiver<(CallId, CallEvent)>,
    media_tx: mpsc::Sender<(CallId, MediaNotice)>,
    media_rx: mpsc::Receiver<(CallId, MediaNotice)>,
    shutdown: Option<oneshot::Sender<()>>,
    tones: tones::TonePlayer,
}

impl CallManager {
    pub(crate) fn new(
        settings: ManagerSettings,
        agent: UserAgent,
        events: EventBus,
        profiles: Vec<Arc<CallProfile>>,
        audio: Arc<dyn AudioBackend>,
        infos: Arc<Mutex<Vec<CallInfo>>>,
        dnd: Arc<AtomicBool>,
    ) -> Self {
        let (sip_tx, sip_rx) = mpsc::channel(256);
        let (media_tx, media_rx) = mpsc::channel(256);
        CallManager {
            settings,
            agent,
            events,
            profiles,
            audio,
            calls: Calls::new(),
            runtimes: HashMap::new(),
            infos,
            dnd,
            sip_tx,
            sip_rx,
            media_tx,
            media_rx,
            shutdown: None,
            tones: tones::TonePlayer::default(),
        }
    }

    fn call_config(&self) -> CallConfig {
        CallConfig {
            no_answer_timeout: Duration::from_secs(self.settings.calls.no_answer_timeout),
            ring_timeout: Duration::from_secs(self.settings.calls.ring_timeout),
            ..CallConfig::default()
        }
    }

    pub(crate) async fn run(mut self, mut inputs: mpsc::Receiver<ManagerInput>) {
        loop {
            let deadline = self
                .calls
                .poll_timeout()
                .map(tokio::time::Instant::from_std)
                .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                input = inputs.recv() => match input {
                    Some(ManagerInput::Command { command, reply }) => {
                        let result = self.command(command).await;
                        let _ = reply.send(result);
                    }
                    Some(ManagerInput::CheckDial { to, account_id, reply }) => {
                        let _ = reply.send(self.check_dial(&to, account_id.as_deref()));
                    }
                    Some(ManagerInput::Incoming(call)) => self.incoming(*call).await,
                    Some(ManagerInput::Shutdown(done)) => self.begin_shutdown(done),
                    None => return,
                },
                Some((id, event)) = self.sip_rx.recv() => self.sip_event(&id, event).await,
                Some((id, notice)) = self.media_rx.recv() => self.media_notice(&id, notice),
                _ = tokio::time::sleep_until(deadline) => {
                    self.calls.handle_timeout(std::time::Instant::now());
                }
            }
            self.drain().await;
            self.publish_infos();
            if self.shutdown.is_some() && self.runtimes.is_empty() {
                if let Some(done) = self.shutdown.take() {
                    let _ = done.send(());
                }
            }
        }
    }

    fn publish_infos(&self) {
        let infos = self.calls.infos();
        if let Ok(mut shared) = self.infos.lock() {
            *shared = infos;
        }
    }

    fn begin_shutdown(&mut self, done: oneshot::Sender<()>) {
        let ids: Vec<CallId> = self.runtimes.keys().cloned().collect();
        let now = std::time::Instant::now();
        for id in ids {
            if let Err(e) = self.calls.handle(now, &id, Input::Hangup) {
                debug!(call = %id, error = %e, "hangup at shutdown");
            }
        }
        self.shutdown = Some(done);
    }

    /// A command from the phone's user.
    async fn command(&mut self, command: Command) -> Result<CommandResult, EngineError> {
        let (call_id, input) = match command {
            Command::Dial { to, account_id } => {
                let call_id = self.dial(&to, account_id.as_deref()).await?;
                return Ok(CommandResult {
                    call_id: Some(call_id),
                });
            }
            Command::Answer { call_id } => (call_id, Input::Answer),
            Command::Reject { call_id, busy } => (call_id, Input::Reject { busy }),
            Command::Hangup { call_id } => (call_id, Input::Hangup),
            Command::Hold { call_id } => (call_id, Input::Hold),
            Command::Resume { call_id } => (call_id, Input::Resume),
            Command::Mute { call_id } => (call_id, Input::Mute),
            Command::Unmute { call_id } => (call_id, Input::Unmute),
            Command::SendDtmf { call_id, digits } => (call_id, Input::SendDtmf(digits)),
            other => return Err(EngineError::Unsupported(format!("{other:?}"))),
        };
        self.calls
            .handle(std::time::Instant::now(), &call_id, input)
            .map_err(|e| call_error(&call_id, e))?;
        Ok(CommandResult::default())
    }

    /// Forwards one call's SIP events to the manager, tagged with the call's id.
    fn forward_sip_events(&self, id: CallId, mut events: mpsc::Receiver<CallEvent>) {
        let tx = self.sip_tx.clone();
        tokio::spawn(async move {
            while let Some(e) = events.recv().await {
                if tx.send((id.clone(), e)).await.is_err() {
                    return;
                }
            }
        });
    }

    /// Feeds an input to a call, logging what the state machine refuses.
    fn feed(&mut self, id: &str, input: Input) {
        if let Err(e) = self.calls.handle(std::time::Instant::now(), id, input) {
            warn!(call = %id, error = %e, "call input refused");
        }
    }
}

fn call_error(call_id: &str, e: CallError) -> EngineError {
    match e {
        CallError::WrongState { state, command } => EngineError::WrongState {
            call_id: call_id.to_owned(),
            state: serde_name(&state),
            command: command.to_string(),
        },
        CallError::InvalidDtmf { digits } => EngineError::BadDtmf(digits),
        CallError::UnknownCall { call_id } => EngineError::UnknownCall(call_id),
        other => EngineError::Unsupported(other.to_string()),
    }
}

fn serde_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}
