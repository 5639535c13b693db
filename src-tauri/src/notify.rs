//! Desktop notifications (notify-rust): an incoming call with Answer and Decline, a missed
//! call. Clicking one shows the main window. No notification daemon is logged once, never fatal.

use std::sync::atomic::Ordering;
use std::time::Duration;

use dialtone_api::Command;
use notify_rust::{Notification, NotificationResponse, Timeout, Urgency};
use tauri::{AppHandle, Manager};
use tokio::sync::oneshot;
use tracing::{info, warn};

use crate::state::Shell;

const APP_NAME: &str = "Dialtone";
/// An incoming call's notification waits at most this long (the call ends sooner).
const INCOMING_AT_MOST: Duration = Duration::from_secs(180);
/// A missed call's notification is watched for a click this long.
const MISSED_WATCH: Duration = Duration::from_secs(60);

/// What the person chose on a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Answer,
    Decline,
    Open,
    Nothing,
}

pub fn choice(response: &NotificationResponse) -> Choice {
    match response {
        NotificationResponse::Action(a) if a == "answer" => Choice::Answer,
        NotificationResponse::Action(a) if a == "decline" => Choice::Decline,
        NotificationResponse::Default => Choice::Open,
        _ => Choice::Nothing,
    }
}

/// Shows the incoming-call notification until the person acts or [`close`] is called for it.
pub fn incoming(app: &AppHandle, call_id: String, caller: String) {
    let (stop, stopped) = oneshot::channel();
    if let Ok(mut pending) = app.state::<Shell>().notifications.lock() {
        pending.insert(call_id.clone(), stop);
    }
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut note = Notification::new();
        note.appname(APP_NAME)
            .summary("Incoming call")
            .body(&caller)
            .icon("call-start")
            .urgency(Urgency::Critical)
            .timeout(Timeout::Never)
            .action("default", "Show")
            .action("answer", "Answer")
            .action("decline", "Decline");
        let handle = match note.show_async().await {
            Ok(h) => h,
            Err(e) => {
                no_daemon(&app, &e);
                return;
            }
        };
        let mut picked = Choice::Nothing;
        let wait = handle.wait_for_action_async(|r| picked = choice(r));
        let acted = tokio::select! {
            () = wait => true,
            _ = stopped => false,
            () = tokio::time::sleep(INCOMING_AT_MOST) => false,
        };
        if !acted {
            handle.close_async().await;
            return;
        }
        act(&app, &call_id, picked).await;
    });
}

async fn act(app: &AppHandle, call_id: &str, picked: Choice) {
    let command = match picked {
        Choice::Answer => Command::Answer {
            call_id: call_id.to_owned(),
        },
        Choice::Decline => Command::Reject {
            call_id: call_id.to_owned(),
            busy: false,
        },
        Choice::Open => {
            crate::windows::show_main(app);
            return;
        }
        Choice::Nothing => return,
    };
    if picked == Choice::Answer {
        crate::windows::show_main(app);
    }
    match app.state::<Shell>().phone().await {
        Ok(phone) => {
            if let Err(e) = phone.execute(command).await {
                warn!(error = %e, "notification action failed");
            }
        }
        Err(e) => warn!(error = %e, "notification action while the phone is stopped"),
    }
}

/// Closes the incoming-call notification of `call_id`, if one is up.
pub fn close(app: &AppHandle, call_id: &str) {
    let stop = app
        .state::<Shell>()
        .notifications
        .lock()
        .ok()
        .and_then(|mut pending| pending.remove(call_id));
    if let Some(stop) = stop {
        let _ = stop.send(());
    }
}

pub fn missed(app: &AppHandle, caller: String) {
    let mut note = Notification::new();
    note.appname(APP_NAME)
        .summary("Missed call")
        .body(&caller)
        .icon("call-missed")
        .action("default", "Show");
    show_opening_main(app, note);
}

/// A plain notification (update results); clicking it shows the main window.
pub fn plain(app: &AppHandle, summary: &str, body: String) {
    let mut note = Notification::new();
    note.appname(APP_NAME)
        .summary(summary)
        .body(&body)
        .action("default", "Show");
    show_opening_main(app, note);
}

/// Shows `note`; clicking it (within [`MISSED_WATCH`]) shows the main window.
fn show_opening_main(app: &AppHandle, note: Notification) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match note.show_async().await {
            Ok(handle) => {
                let mut picked = Choice::Nothing;
                let wait = handle.wait_for_action_async(|r| picked = choice(r));
                if tokio::time::timeout(MISSED_WATCH, wait).await.is_ok() && picked == Choice::Open
                {
                    crate::windows::show_main(&app);
                }
            }
            Err(e) => no_daemon(&app, &e),
        }
    });
}

fn no_daemon(app: &AppHandle, error: &notify_rust::error::Error) {
    let shell = app.state::<Shell>();
    if !shell.notify_warned.swap(true, Ordering::Relaxed) {
        warn!(%error, "no desktop notifications (is a notification daemon running?)");
    } else {
        info!(%error, "notification not shown");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_map_to_choices() {
        assert_eq!(
            choice(&NotificationResponse::Action("answer".into())),
            Choice::Answer
        );
        assert_eq!(
            choice(&NotificationResponse::Action("decline".into())),
            Choice::Decline
        );
        assert_eq!(choice(&NotificationResponse::Default), Choice::Open);
        assert_eq!(
            choice(&NotificationResponse::Action("other".into())),
            Choice::Nothing
        );
    }
}
