//! The tray icon: its picture and tooltip follow the phone's state; its menu shows/hides the
//! window, toggles do-not-disturb, redials a recent call, checks for updates and quits.

use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Duration;

use dialtone_api::{Command, HistoryEntry, HistoryQuery};
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};
use tracing::{info, warn};

use crate::forward::{tray_state, TrayState};
use crate::state::Shell;

const TRAY_ID: &str = "dialtone";
const RECENT: usize = 5;
/// How long Quit waits for the accounts to unregister.
const QUIT_WITHIN: Duration = Duration::from_secs(3);

/// The menu items the tray changes later.
struct TrayMenu {
    dnd: CheckMenuItem<Wry>,
    recent: Submenu<Wry>,
    /// What each recent-call item dials, by position.
    numbers: Mutex<Vec<String>>,
    shown: Mutex<Option<TrayState>>,
}

fn icon(state: TrayState) -> &'static [u8] {
    match state {
        TrayState::Registered => include_bytes!("../icons/tray/registered.png"),
        TrayState::Registering => include_bytes!("../icons/tray/registering.png"),
        TrayState::Failed => include_bytes!("../icons/tray/failed.png"),
        TrayState::Dnd => include_bytes!("../icons/tray/dnd.png"),
        TrayState::InCall => include_bytes!("../icons/tray/in_call.png"),
    }
}

/// Creates the tray icon; returns whether it exists.
pub fn build(app: &AppHandle) -> bool {
    match try_build(app) {
        Ok(()) => {
            app.state::<Shell>().tray.store(true, Ordering::Relaxed);
            true
        }
        Err(e) => {
            warn!(error = %e, "no tray icon: closing the window will quit");
            false
        }
    }
}

fn try_build(app: &AppHandle) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "Show/Hide", true, None::<&str>)?;
    let dnd = CheckMenuItem::with_id(app, "dnd", "Do not disturb", true, false, None::<&str>)?;
    let recent = Submenu::with_id(app, "recent", "Recent calls", true)?;
    recent.append(&no_calls_item(app)?)?;
    let updates = MenuItem::with_id(app, "updates", "Check for updates", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &show,
            &dnd,
            &recent,
            &PredefinedMenuItem::separator(app)?,
            &updates,
            &quit,
        ],
    )?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(icon(TrayState::Registering))?)
        .tooltip(TrayState::Registering.text())
        .menu(&menu)
        .on_menu_event(on_menu)
        .build(app)?;
    app.manage(TrayMenu {
        dnd,
        recent,
        numbers: Mutex::new(Vec::new()),
        shown: Mutex::new(Some(TrayState::Registering)),
    });
    Ok(())
}

fn on_menu(app: &AppHandle, event: MenuEvent) {
    let id = event.id().as_ref();
    match id {
        "show" => crate::windows::toggle_main(app),
        "dnd" => spawn_command(app, |status_dnd| Command::SetDnd {
            enabled: !status_dnd,
        }),
        "updates" => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                crate::updates::check_from_tray(&app).await;
            });
        }
        "quit" => quit(app),
        _ => {
            if let Some(n) = id
                .strip_prefix("recent-")
                .and_then(|n| n.parse::<usize>().ok())
            {
                redial(app, n);
            }
        }
    }
}

fn spawn_command(app: &AppHandle, command: impl FnOnce(bool) -> Command + Send + 'static) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let shell = app.state::<Shell>();
        match shell.phone().await {
            Ok(phone) => {
                let command = command(phone.status().dnd);
                if let Err(e) = phone.execute(command).await {
                    warn!(error = %e, "tray command failed");
                }
            }
            Err(e) => warn!(error = %e, "tray command while the phone is stopped"),
        }
        refresh(&app).await;
    });
}

fn redial(app: &AppHandle, n: usize) {
    let Some(menu) = app.try_state::<TrayMenu>() else {
        return;
    };
    let to = menu
        .numbers
        .lock()
        .ok()
        .and_then(|numbers| numbers.get(n).cloned());
    if let Some(to) = to {
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            if let Err(e) = crate::commands::phone::dial_from_app(&app, to, None).await {
                warn!(error = %e, "redial from the tray failed");
            }
        });
    }
}

/// Unregisters and ends the calls (bounded), then exits.
pub fn quit(app: &AppHandle) {
    stop_then(app, false);
}

/// Stops the phone (bounded), then exits or restarts the app.
pub fn stop_then(app: &AppHandle, restart: bool) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        info!(restart, "stopping");
        if let Some(service) = app.state::<Shell>().take_service().await {
            service.shutdown(QUIT_WITHIN).await;
        }
        if restart {
            app.restart();
        } else {
            app.exit(0);
        }
    });
}

/// Sets the icon, tooltip and DND check from the phone's status.
pub async fn refresh(app: &AppHandle) {
    let Some(menu) = app.try_state::<TrayMenu>() else {
        return;
    };
    let Ok(phone) = app.state::<Shell>().phone().await else {
        return;
    };
    let status = phone.status();
    let state = tray_state(&status);
    if let Err(e) = menu.dnd.set_checked(status.dnd) {
        warn!(error = %e, "tray: cannot set the DND check");
    }
    let changed = menu
        .shown
        .lock()
        .map(|mut shown| shown.replace(state) != Some(state))
        .unwrap_or(true);
    if !changed {
        return;
    }
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let set = Image::from_bytes(icon(state))
            .and_then(|img| tray.set_icon(Some(img)))
            .and_then(|()| tray.set_tooltip(Some(state.text())));
        if let Err(e) = set {
            warn!(error = %e, "tray: cannot show the state");
        }
    }
}

/// The disabled placeholder of an empty recent-calls submenu.
fn no_calls_item(app: &AppHandle) -> tauri::Result<MenuItem<tauri::Wry>> {
    MenuItem::with_id(app, "recent-none", "No calls yet", false, None::<&str>)
}

/// What a recent call's menu item says and dials.
pub fn recent_item(entry: &HistoryEntry) -> (String, String) {
    let arrow = match entry.direction {
        dialtone_api::Direction::Incoming => "↙",
        dialtone_api::Direction::Outgoing => "↗",
    };
    let who = entry
        .remote_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .or_else(|| entry.remote_number.clone())
        .unwrap_or_else(|| entry.remote_uri.clone());
    let to = entry
        .remote_number
        .clone()
        .unwrap_or_else(|| entry.remote_uri.clone());
    (format!("{arrow} {who}"), to)
}

/// Rebuilds the recent-calls submenu from the last few history entries.
pub async fn refresh_recent(app: &AppHandle) {
    let Some(menu) = app.try_state::<TrayMenu>() else {
        return;
    };
    let Ok(store) = app.state::<Shell>().store().await else {
        return;
    };
    let query = HistoryQuery {
        limit: RECENT as u32,
        ..HistoryQuery::default()
    };
    let entries = match store.history(&query) {
        Ok(page) => page.items,
        Err(e) => {
            warn!(error = %e, "tray: cannot read the recent calls");
            return;
        }
    };
    let result = (|| -> tauri::Result<Vec<String>> {
        while menu.recent.remove_at(0)?.is_some() {}
        let mut numbers = Vec::new();
        for (i, entry) in entries.iter().take(RECENT).enumerate() {
            let (label, to) = recent_item(entry);
            menu.recent.append(&MenuItem::with_id(
                app,
                format!("recent-{i}"),
                label,
                true,
                None::<&str>,
            )?)?;
            numbers.push(to);
        }
        if numbers.is_empty() {
            menu.recent.append(&no_calls_item(app)?)?;
        }
        Ok(numbers)
    })();
    match result {
        Ok(numbers) => {
            if let Ok(mut n) = menu.numbers.lock() {
                *n = numbers;
            }
        }
        Err(e) => warn!(error = %e, "tray: cannot rebuild the recent calls"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use dialtone_api::Direction;

    fn entry(name: Option<&str>, number: Option<&str>) -> HistoryEntry {
        serde_json::from_value(serde_json::json!({
            "callId": "c-1", "accountId": "a", "direction": "incoming",
            "remoteUri": "sip:1002@pbx", "remoteNumber": number, "remoteName": name,
            "startedAt": Utc::now(), "ringingAt": null, "answeredAt": null, "endedAt": null,
            "durationMs": null, "talkMs": null, "endCause": "missed"
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_recent_call_shows_its_name_and_dials_its_number() {
        let (label, to) = recent_item(&entry(Some("Ada"), Some("1002")));
        assert_eq!(label, "↙ Ada");
        assert_eq!(to, "1002");
    }

    #[test]
    fn without_a_number_the_uri_is_dialled() {
        let mut e = entry(None, None);
        e.direction = Direction::Outgoing;
        let (label, to) = recent_item(&e);
        assert_eq!(label, "↗ sip:1002@pbx");
        assert_eq!(to, "sip:1002@pbx");
    }

    #[test]
    fn every_state_has_a_distinct_icon() {
        let all = [
            TrayState::Registered,
            TrayState::Registering,
            TrayState::Failed,
            TrayState::Dnd,
            TrayState::InCall,
        ];
        for (i, a) in all.iter().enumerate() {
            assert!(Image::from_bytes(icon(*a)).is_ok());
            for b in &all[i + 1..] {
                assert_ne!(icon(*a), icon(*b));
            }
        }
    }
}
