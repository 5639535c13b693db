//! Forwards every engine event to the windows and turns some of them into shell reactions:
//! the tray's state, notifications, the incoming-call window, showing the main window.
//!
//! The decisions are pure ([`tray_state`], [`Reactor::react`]); [`run`] carries them out.

use std::collections::HashMap;

use dialtone_api::{
    CallId, CallState, EndCause, Envelope, Event, Party, RegistrationState, Status,
};
use tauri::{AppHandle, Emitter};
use tokio::sync::{broadcast, mpsc};
use tracing::{debug, warn};

/// The event every window listens to for engine events.
pub const EVENT: &str = "dialtone://event";

/// What the tray icon shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    Registered,
    Registering,
    Failed,
    Dnd,
    InCall,
}

impl TrayState {
    /// The tooltip text.
    pub fn text(self) -> &'static str {
        match self {
            TrayState::Registered => "Dialtone: ready",
            TrayState::Registering => "Dialtone: connecting…",
            TrayState::Failed => "Dialtone: not registered",
            TrayState::Dnd => "Dialtone: do not disturb",
            TrayState::InCall => "Dialtone: in a call",
        }
    }
}

/// A call in progress wins, then do-not-disturb, then the best account's registration.
/// Whether any call is still up.
pub fn calls_up(status: &Status) -> bool {
    status.calls.iter().any(|c| c.state != CallState::Ended)
}

pub fn tray_state(status: &Status) -> TrayState {
    if calls_up(status) {
        return TrayState::InCall;
    }
    if status.dnd {
        return TrayState::Dnd;
    }
    let enabled = status.accounts.iter().filter(|a| a.enabled);
    let mut registering = false;
    for account in enabled {
        match account.state {
            RegistrationState::Registered => return TrayState::Registered,
            RegistrationState::Registering => registering = true,
            _ => {}
        }
    }
    if registering {
        TrayState::Registering
    } else {
        TrayState::Failed
    }
}

/// Something the shell does in answer to an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellAction {
    /// Send the envelope to every window (always first).
    Forward,
    ShowIncoming {
        call_id: CallId,
    },
    CloseIncoming {
        call_id: CallId,
    },
    NotifyIncoming {
        call_id: CallId,
        caller: String,
    },
    CloseNotification {
        call_id: CallId,
    },
    NotifyMissed {
        caller: String,
    },
    /// Show and focus the main window (a dial waits for the person's yes).
    ShowMain,
    /// Recompute the tray from the phone's status.
    RefreshTray,
    /// Rebuild the tray's recent-calls menu from the history.
    RefreshRecent,
    /// Send the device lists to the windows.
    RefreshDevices,
    /// Restart the phone if saved settings wait for the calls to end.
    RestartIfPending,
}

/// How a caller is named in a notification: their name, else their number, else the URI.
pub fn caller_text(party: &Party) -> String {
    party
        .display_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| party.number.clone())
        .unwrap_or_else(|| party.uri.clone())
}

/// Remembers the calls ringing here, so their popup and notification close when they stop.
#[derive(Debug, Default)]
pub struct Reactor {
    ringing: HashMap<CallId, String>,
}

impl Reactor {
    pub fn react(&mut self, env: &Envelope) -> Vec<ShellAction> {
        let mut actions = vec![ShellAction::Forward];
        match &env.event {
            Event::CallIncoming(e) => {
                let caller = caller_text(&e.from);
                self.ringing.insert(e.call_id.clone(), caller.clone());
                actions.extend([
                    ShellAction::ShowIncoming {
                        call_id: e.call_id.clone(),
                    },
                    ShellAction::NotifyIncoming {
                        call_id: e.call_id.clone(),
                        caller,
                    },
                    ShellAction::RefreshTray,
                ]);
            }
            Event::CallAnswered(e) => {
                if self.stop_ringing(&e.call_id).is_some() {
                    actions.extend(close_both(&e.call_id));
                }
                actions.push(ShellAction::RefreshTray);
            }
            Event::CallEnded(e) => {
                if let Some(caller) = self.stop_ringing(&e.call_id) {
                    actions.extend(close_both(&e.call_id));
                    if e.cause == EndCause::Missed {
                        actions.push(ShellAction::NotifyMissed { caller });
                    }
                }
                actions.extend([
                    ShellAction::RefreshTray,
                    ShellAction::RefreshRecent,
                    ShellAction::RestartIfPending,
                ]);
            }
            Event::RegistrationChanged(_) | Event::DndChanged(_) | Event::CallDialing(_) => {
                actions.push(ShellAction::RefreshTray);
            }
            Event::DialConfirmRequested(_) => actions.push(ShellAction::ShowMain),
            Event::AudioDeviceChanged(_) => actions.push(ShellAction::RefreshDevices),
            _ => {}
        }
        actions
    }

    fn stop_ringing(&mut self, call_id: &str) -> Option<String> {
        self.ringing.remove(call_id)
    }
}

fn close_both(call_id: &str) -> [ShellAction; 2] {
    [
        ShellAction::CloseIncoming {
            call_id: call_id.to_owned(),
        },
        ShellAction::CloseNotification {
            call_id: call_id.to_owned(),
        },
    ]
}

/// Forwards the phone's events, and after a restart the new phone's: each new stream
/// arrives on `next` and replaces the old one. Ends when `next` closes (the app exits).
pub async fn supervise(
    app: AppHandle,
    first: broadcast::Receiver<Envelope>,
    mut next: mpsc::UnboundedReceiver<broadcast::Receiver<Envelope>>,
) {
    let mut events = first;
    loop {
        tokio::select! {
            () = run(app.clone(), events) => match next.recv().await {
                Some(e) => events = e,
                None => break,
            },
            new = next.recv() => match new {
                Some(e) => events = e,
                None => break,
            },
        }
    }
}

/// Forwards until the phone's event stream closes (the service stopped or restarts).
async fn run(app: AppHandle, mut events: broadcast::Receiver<Envelope>) {
    let mut reactor = Reactor::default();
    crate::tray::refresh(&app).await;
    crate::tray::refresh_recent(&app).await;
    loop {
        let env = match events.recv().await {
            Ok(env) => env,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                warn!(missed = n, "the shell fell behind the phone's events");
                crate::tray::refresh(&app).await;
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => break,
        };
        for action in reactor.react(&env) {
            apply(&app, &env, action).await;
        }
    }
    debug!("event forwarding stopped");
}

async fn apply(app: &AppHandle, env: &Envelope, action: ShellAction) {
    match action {
        ShellAction::Forward => {
            if let Err(e) = app.emit(EVENT, env) {
                warn!(error = %e, "cannot forward an event to the windows");
            }
        }
        ShellAction::ShowIncoming { call_id } => crate::windows::open_incoming(app, &call_id),
        ShellAction::CloseIncoming { call_id } => crate::windows::close_incoming(app, &call_id),
        ShellAction::NotifyIncoming { call_id, caller } => {
            crate::notify::incoming(app, call_id, caller)
        }
        ShellAction::CloseNotification { call_id } => crate::notify::close(app, &call_id),
        ShellAction::NotifyMissed { caller } => crate::notify::missed(app, caller),
        ShellAction::ShowMain => crate::windows::show_main(app),
        ShellAction::RefreshTray => crate::tray::refresh(app).await,
        ShellAction::RefreshRecent => crate::tray::refresh_recent(app).await,
        ShellAction::RefreshDevices => crate::commands::audio::emit_devices(app),
        ShellAction::RestartIfPending => {
            // Not awaited here: the restart ends this forwarder (its stream closes).
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                crate::restart::restart_if_pending(&app).await;
            });
        }
    }
}

#[cfg(test)]
#[path = "forward_tests.rs"]
mod tests;
