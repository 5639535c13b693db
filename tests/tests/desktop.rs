//! The desktop smoke test: the real `dialtone-desktop` (Tauri) under WebDriver on a private
//! Xvfb display, registered as 1001 at a private Kamailio, dials a baresip peer (1003) from
//! its window, sees the call come up, hangs up, and reports a tray icon; answers and
//! declines calls from the incoming-call window; answers from the incoming-call
//! notification and reopens the window from a missed-call notification (a notification server
//! on the private bus, `dialtone_e2e::notifications`, presses the buttons); and hands a
//! `tel:` link from a second start to the running app. The rig they share (the app, its
//! peer, registrar, tray host and the steps) is `dialtone_e2e::desktop_app`.
//!
//! Needs `cd ui && npm run build` and `cargo build -p dialtone-desktop` first (same
//! CARGO_TARGET_DIR), plus tauri-driver, WebKitWebDriver and Xvfb; skipped with a printed
//! reason when one of those tools is missing. A screenshot goes to
//! `$DIALTONE_ARTIFACTS/desktop/main.png`.

use anyhow::{ensure, Context, Result};
use dialtone_e2e::desktop_app::*;
use dialtone_e2e::kamailio::Kamailio;

#[test]
fn desktop_app_dials_hangs_up_and_has_a_tray() -> Result<()> {
    with_app(true, "main-failed.png", |s| {
        let input = s.session.wait_for("#dial-input", WAIT)?;
        s.session.type_text(&input, PEER)?;
        s.press(r#"[data-testid="dial-button"]"#)?;
        s.session
            .wait_for(r#"[data-testid="active-call"][data-state="active"]"#, WAIT)
            .context("the call never showed as active")?;
        s.peer
            .wait_call_established(WAIT)
            .context("baresip never saw the call established")?;
        screenshot(&s.session, "main.png")?;
        s.hang_up()?;
        let info = s.session.invoke("shell_info")?;
        ensure!(info["tray"] == true, "shell_info says no tray: {info}");
        // Settings come from the config file the app was started with.
        let settings = s.session.invoke("settings_get")?;
        ensure!(
            settings["accounts"][0]["id"] == "work"
                && settings["app"]["checkUpdatesAtStart"] == false,
            "settings_get does not reflect the config: {settings}"
        );
        Ok(())
    })
}

/// The incoming-call window shows the caller; its Answer button answers, the window closes
/// and the main window shows the call.
#[test]
fn an_incoming_call_is_answered_from_the_popup() -> Result<()> {
    with_app(false, "incoming-failed.png", |s| {
        let (main, popup) = s.ring()?;
        s.session.switch_to(&popup)?;
        // No screenshot here: under Xvfb, WebKitWebDriver's snapshot of this always-on-top,
        // unfocused window sometimes never answers.
        let caller = s
            .session
            .wait_for(r#"[data-testid="incoming-caller"]"#, WAIT)
            .context("the popup shows no caller")?;
        let shown = s.session.text(&caller)?;
        ensure!(
            shown.contains(PEER),
            "the popup names {shown:?}, not {PEER}"
        );
        s.press(r#"[data-testid="answer"]"#)?;
        s.peer
            .wait_call_established(WAIT)
            .context("baresip never saw the call answered")?;
        s.session.switch_to(&main)?;
        s.wait_popup_closed()?;
        s.session
            .wait_for(r#"[data-testid="active-call"][data-state="active"]"#, WAIT)
            .context("the answered call never showed as active")?;
        s.hang_up()?;
        Ok(())
    })
}

/// Decline in the incoming-call window rejects the call: baresip hears the refusal and the
/// window closes.
#[test]
fn an_incoming_call_is_declined_from_the_popup() -> Result<()> {
    with_app(false, "decline-failed.png", |s| {
        let (main, popup) = s.ring()?;
        s.session.switch_to(&popup)?;
        s.press(r#"[data-testid="decline"]"#)?;
        s.peer
            .wait_call_closed(WAIT)
            .context("baresip never heard the call declined")?;
        s.session.switch_to(&main)?;
        s.wait_popup_closed()?;
        s.session
            .wait_gone(r#"[data-testid="active-call"]"#, WAIT)
            .context("the declined call stayed on screen")?;
        Ok(())
    })
}

/// The incoming-call notification names the caller and offers Answer and Decline; Answer
/// answers the call.
#[test]
fn an_incoming_call_is_answered_from_its_notification() -> Result<()> {
    with_app(false, "notification-answer-failed.png", |s| {
        s.ring()?;
        let note = s.notifications.wait_for("Incoming call", WAIT)?;
        ensure!(note.app_name == "Dialtone", "{note:?}");
        ensure!(
            note.body.contains(PEER),
            "the notification names {:?}",
            note.body
        );
        for action in ["default", "answer", "decline"] {
            ensure!(
                note.actions.iter().any(|a| a == action),
                "no {action:?} button: {note:?}"
            );
        }
        s.notifications.press_until(note.id, "answer", WAIT, || {
            Ok(s.session
                .find(r#"[data-testid="active-call"][data-state="active"]"#)?
                .is_some())
        })?;
        s.peer
            .wait_call_established(WAIT)
            .context("baresip never saw the call answered")?;
        s.wait_popup_closed()?;
        s.hang_up()?;
        Ok(())
    })
}

/// A call that rings out unanswered gives a missed-call notification; clicking it brings the
/// main window back from the tray.
#[test]
fn a_missed_call_notification_shows_the_hidden_window_when_clicked() -> Result<()> {
    with_app(false, "notification-missed-failed.png", |s| {
        let hidden = s.session.invoke("window_close_self")?;
        ensure!(hidden.is_null(), "window_close_self: {hidden}");
        ensure!(
            s.shell("mainWindowVisible")? == false,
            "the main window did not hide"
        );
        s.ring()?;
        s.peer.hangup()?;
        let note = s.notifications.wait_for("Missed call", WAIT)?;
        ensure!(
            note.body.contains(PEER),
            "the notification names {:?}",
            note.body
        );
        s.notifications.press_until(note.id, "default", WAIT, || {
            Ok(s.shell("mainWindowVisible")? == true)
        })?;
        s.wait_popup_closed()?;
        Ok(())
    })
}

/// Settings saved from the window go into the config file (its comments kept) and apply
/// without a restart of the app: a new display name re-registers the account and shows in
/// the header; "Start at login" writes the XDG autostart entry.
#[test]
fn settings_saved_from_the_window_apply_and_persist() -> Result<()> {
    with_app(true, "settings-failed.png", |s| {
        let config_path = s.dir.path().join("config.toml");
        s.open_settings("accounts")?;
        s.press(r#"[data-testid="account-edit"]"#)?;
        let name = s
            .session
            .wait_for(r#"[data-testid="account-display-name"]"#, WAIT)?;
        s.session.clear(&name)?;
        s.session.type_text(&name, "Agent Seven")?;
        // "Test registration" saves, restarts the phone with the new account and registers.
        s.press(r#"[data-testid="account-test"]"#)?;
        let result = s
            .session
            .wait_for(r#"[data-testid="account-test-result"]"#, WAIT)?;
        dialtone_e2e::desktop::wait_until(WAIT, || {
            Ok(s.session.text(&result)?.starts_with("registered"))
        })
        .with_context(|| {
            format!(
                "the test registration said {:?}",
                s.session.text(&result).unwrap_or_default()
            )
        })?;
        dialtone_e2e::desktop::wait_until(WAIT, || {
            let Some(state) = s
                .session
                .find(r#"[data-testid="account-state"][data-state="registered"]"#)?
            else {
                return Ok(false);
            };
            Ok(s.session.text(&state)?.contains("Agent Seven"))
        })
        .context("the header never showed the new display name, registered")?;
        let saved = std::fs::read_to_string(&config_path)?;
        ensure!(
            saved.contains(r#"display_name = "Agent Seven""#),
            "the display name is not in the file:\n{saved}"
        );
        ensure!(
            saved.contains(KEPT_COMMENT),
            "the comment was lost:\n{saved}"
        );

        s.press("#tab-app")?;
        s.press(r#"[data-testid="start-at-login"]"#)?;
        s.press(r#"[data-testid="settings-save"]"#)?;
        // The status still says "Saved." from the account's save: wait for the effects.
        let autostart = s.dir.path().join("home/.config/autostart");
        let mut entries: Vec<String> = Vec::new();
        dialtone_e2e::desktop::wait_until(WAIT, || {
            entries = std::fs::read_dir(&autostart)
                .map(|dir| {
                    dir.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            Ok(!entries.is_empty())
        })
        .with_context(|| format!("no autostart entry in {}", autostart.display()))?;
        ensure!(
            entries == ["Dialtone.desktop"],
            "unexpected autostart entries in {}: {entries:?}",
            autostart.display()
        );
        // The file is written before start at login is applied.
        let saved = std::fs::read_to_string(&config_path)?;
        ensure!(
            saved.contains("start_at_login = true"),
            "start_at_login is not in the file:\n{saved}"
        );
        let status = s
            .session
            .wait_for(r#"[data-testid="settings-status"]"#, WAIT)?;
        dialtone_e2e::desktop::wait_until(WAIT, || Ok(s.session.text(&status)? == "Saved."))
            .context("the window never said the settings were saved")?;
        let entry = std::fs::read_to_string(autostart.join("Dialtone.desktop"))?;
        ensure!(
            entry.contains(&format!("Exec={} --minimised", s.app.display())),
            "the autostart entry does not start this app in the tray:\n{entry}"
        );
        Ok(())
    })
}

/// The audio settings: the level meter moves with the microphone's signal and "Play test
/// tone" plays on the speaker (ALSA devices backed by files, see [`sound_card`]).
#[test]
fn the_microphone_meter_moves_and_the_speaker_test_plays() -> Result<()> {
    with_app(true, "audio-failed.png", |s| {
        s.open_settings("audio")?;
        let meter = s.session.wait_for(r#"[data-testid="mic-level"]"#, WAIT)?;
        s.press(r#"[data-testid="mic-test"]"#)?;
        let mut peak = 0.0;
        dialtone_e2e::desktop::wait_until(WAIT, || {
            peak = s.session.property(&meter, "value")?.as_f64().unwrap_or(0.0);
            Ok(peak > 0.2)
        })
        .with_context(|| format!("the meter stayed at {peak} with a 0.5 tone at the microphone"))?;
        println!("microphone meter peak: {peak:.3}");
        s.press(r#"[data-testid="mic-test"]"#)?;
        dialtone_e2e::desktop::wait_until(WAIT, || {
            Ok(s.session.property(&meter, "value")?.as_f64() == Some(0.0))
        })
        .context("the meter did not reset when stopped")?;

        let speaker_file = s.dir.path().join("speaker.raw");
        s.press(r#"[data-testid="speaker-test"]"#)?;
        let mut loudest = 0.0_f32;
        dialtone_e2e::desktop::wait_until(WAIT, || {
            let bytes = std::fs::read(&speaker_file).unwrap_or_default();
            loudest = bytes
                .chunks_exact(4)
                .filter_map(|c| <[u8; 4]>::try_from(c).ok())
                .map(|c| f32::from_le_bytes(c).abs())
                .filter(|v| v.is_finite())
                .fold(0.0, f32::max);
            Ok(loudest > 0.05)
        })
        .with_context(|| format!("the speaker got no tone (loudest sample {loudest})"))?;
        println!("speaker test loudest sample: {loudest:.3}");
        let error = s
            .session
            .wait_for(r#"[data-testid="settings-error"]"#, WAIT)?;
        let shown = s.session.text(&error)?;
        ensure!(shown.is_empty(), "the settings show an error: {shown}");
        Ok(())
    })
}

/// An update offered with a signature from a key other than the app's is found by "Check for
/// updates now" and refused at "Install and restart": the app keeps running and its
/// executable is not touched.
#[test]
fn an_update_with_a_foreign_signature_is_refused() -> Result<()> {
    with_app(true, "update-failed.png", |s| {
        let updates = s.dir.path().join("updates");
        let artifact = updates.join("Dialtone_9.9.9_amd64.AppImage.tar.gz");
        std::fs::write(&artifact, b"not Dialtone at all")?;
        let signature = sign_with_throwaway_key(s.dir.path(), &artifact)?;
        std::fs::write(
            updates.join("latest.json"),
            serde_json::to_vec(&serde_json::json!({
                "version": "9.9.9",
                "notes": "A test release",
                "pub_date": "2026-11-21T00:00:00Z",
                "platforms": {
                    "linux-x86_64": {
                        "signature": signature,
                        "url": format!("{}/Dialtone_9.9.9_amd64.AppImage.tar.gz", s.updates.origin()),
                    }
                }
            }))?,
        )?;
        let before = std::fs::read(&s.app)?;

        s.open_settings("app")?;
        s.press(r#"[data-testid="update-check"]"#)?;
        let info = s.session.wait_for(r#"[data-testid="update-info"]"#, WAIT)?;
        let mut said = String::new();
        dialtone_e2e::desktop::wait_until(WAIT, || {
            said = s.session.text(&info)?;
            Ok(said.contains("9.9.9 is available"))
        })
        .with_context(|| format!("the check said {said:?}"))?;
        s.press(r#"[data-testid="update-install"]"#)?;
        dialtone_e2e::desktop::wait_until(WAIT, || {
            said = s.session.text(&info)?;
            Ok(said.to_lowercase().contains("signature"))
        })
        .with_context(|| format!("the install said {said:?}"))?;
        println!("install refused: {said}");
        let running = s.session.invoke("shell_info")?;
        ensure!(
            running["version"] == "0.1.0",
            "the app is not the one that was running: {running}"
        );
        ensure!(
            std::fs::read(&s.app)? == before,
            "the app's executable changed"
        );
        Ok(())
    })
}

/// The session ending (SIGTERM, as at logout) quits like the tray's Quit: the account is
/// unregistered at the registrar, and the window's place and size come back at the next
/// start.
#[test]
fn sigterm_unregisters_and_the_window_comes_back_where_it_was() -> Result<()> {
    with_app(true, "sigterm-failed.png", |s| {
        let config_path = s.dir.path().join("config.toml");
        let before = s.session.rect()?;
        s.session.set_rect(140, 60, 460, 680)?;
        let placed = s.session.rect()?;
        ensure!(
            placed != before,
            "the window did not move or resize: {before:?} -> {placed:?}"
        );
        println!("window moved from {before:?} to {placed:?}");
        let bindings = |k: &Kamailio| -> Result<usize> {
            Ok(k.bindings()?.iter().filter(|b| b.aor == PHONE_USER).count())
        };
        let registered = bindings(&s.k)?;
        ensure!(
            registered == 1,
            "{registered} bindings for {PHONE_USER} before quitting"
        );
        let pid = app_pid(&config_path)?.context("the app's process was not found")?;
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()?;
        ensure!(killed.success(), "kill -TERM {pid} failed");
        dialtone_e2e::desktop::wait_until(WAIT, || {
            Ok(!std::path::Path::new(&format!("/proc/{pid}")).exists())
        })
        .context("the app did not quit on SIGTERM")?;
        let left = bindings(&s.k)?;
        ensure!(
            left == 0,
            "{left} bindings for {PHONE_USER} left after SIGTERM"
        );

        // The driver allows one session: end the one whose app has gone.
        s.session.delete()?;
        let config_arg = config_path.display().to_string();
        s.session = s.desktop.session(&s.app, &["--config", &config_arg])?;
        s.session
            .wait_for(
                r#"[data-testid="account-state"][data-state="registered"]"#,
                START,
            )
            .context("the app did not register again after its restart")?;
        let restored = s.session.rect()?;
        ensure!(
            restored == placed,
            "the window came back at {restored:?}, not where it was ({placed:?})"
        );
        Ok(())
    })
}

/// The tray as a desktop panel sees it over D-Bus (StatusNotifierItem and dbusmenu): its
/// icon follows the state (registered, DND, in a call), and its menu toggles DND, calls back
/// from Recent calls, shows and hides the window, and quits (unregistering first).
#[test]
fn the_tray_icon_follows_the_state_and_its_menu_works() -> Result<()> {
    with_app(true, "tray-failed.png", |s| {
        s.wait_tray_icon("registered")?;
        let menu = s.tray.menu(WAIT)?;
        let labels: Vec<&str> = menu.children.iter().map(|c| c.label.as_str()).collect();
        ensure!(
            labels
                == [
                    "Show/Hide",
                    "Do not disturb",
                    "Recent calls",
                    "",
                    "Check for updates",
                    "Quit"
                ],
            "tray menu: {labels:?}"
        );

        // Do not disturb from the tray: the window's switch and the icon follow.
        s.tray_click("Do not disturb")?;
        let dnd = s.session.wait_for("#dnd-toggle", WAIT)?;
        dialtone_e2e::desktop::wait_until(
            WAIT,
            || Ok(s.session.property(&dnd, "checked")? == true),
        )
        .context("DND from the tray did not reach the window")?;
        s.wait_tray_icon("dnd")?;
        let toggled = s.tray.menu(WAIT)?;
        ensure!(
            toggled.find("Do not disturb").and_then(|e| e.toggle_state) == Some(1),
            "the DND entry is not checked: {toggled:#?}"
        );
        s.tray_click("Do not disturb")?;
        s.wait_tray_icon("registered")?;

        // A call from the window shows the in-call icon and lands in Recent calls.
        let input = s.session.wait_for("#dial-input", WAIT)?;
        s.session.type_text(&input, PEER)?;
        s.press(r#"[data-testid="dial-button"]"#)?;
        s.peer
            .wait_call_established(WAIT)
            .context("baresip never saw the call")?;
        s.wait_tray_icon("in_call")?;
        s.hang_up()?;
        s.wait_tray_icon("registered")?;
        let mut recent = None;
        dialtone_e2e::desktop::wait_until(WAIT, || {
            let menu = s.tray.menu(WAIT)?;
            recent = menu
                .find("Recent calls")
                .and_then(|r| r.children.iter().find(|c| c.label.contains(PEER)))
                .map(|c| c.id);
            Ok(recent.is_some())
        })
        .context("the call never showed in Recent calls")?;
        // Calling back from Recent calls.
        s.tray.click(recent.unwrap_or_default(), WAIT)?;
        s.peer
            .wait_call_established(WAIT)
            .context("Recent calls did not call baresip back")?;
        s.hang_up()?;

        // Show/Hide hides the window, and shows it again.
        s.tray_click("Show/Hide")?;
        dialtone_e2e::desktop::wait_until(WAIT, || Ok(s.shell("mainWindowVisible")? == false))
            .context("Show/Hide did not hide the window")?;
        s.tray_click("Show/Hide")?;
        dialtone_e2e::desktop::wait_until(WAIT, || Ok(s.shell("mainWindowVisible")? == true))
            .context("Show/Hide did not show the window")?;

        // Quit unregisters and ends the app.
        let config_path = s.dir.path().join("config.toml");
        let pid = app_pid(&config_path)?.context("the app's process was not found")?;
        s.tray_click("Quit")?;
        dialtone_e2e::desktop::wait_until(WAIT, || {
            Ok(!std::path::Path::new(&format!("/proc/{pid}")).exists())
        })
        .context("Quit did not end the app")?;
        let left =
            s.k.bindings()?
                .iter()
                .filter(|b| b.aor == PHONE_USER)
                .count();
        ensure!(
            left == 0,
            "{left} bindings for {PHONE_USER} left after Quit"
        );
        Ok(())
    })
}

/// A link opened while the app runs (a second start with the link as its argument, as the
/// desktop's URL handler does) reaches the running app, which asks before dialling.
#[test]
fn a_link_reaches_the_running_app_and_is_dialled_after_the_person_says_yes() -> Result<()> {
    with_app(true, "link-failed.png", |s| {
        let mut second = std::process::Command::new(&s.app)
            .arg(format!("tel:{PEER}"))
            .env("DISPLAY", &s.desktop.display)
            .env("DBUS_SESSION_BUS_ADDRESS", &s.desktop.bus_address)
            .env("GDK_BACKEND", "x11")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .context("starting a second dialtone-desktop")?;
        let mut exited = None;
        let waited = dialtone_e2e::desktop::wait_until(WAIT, || {
            exited = second.try_wait()?;
            Ok(exited.is_some())
        });
        if waited.is_err() {
            let _ = second.kill();
            let _ = second.wait();
        }
        waited.context("the second start did not hand over and exit")?;
        s.session
            .wait_for(r#"dialog[data-testid="confirm-dial"][open]"#, WAIT)
            .context("no confirmation asked for the link")?;
        ensure!(
            s.peer.calls()?.is_empty(),
            "the link was dialled before the person said yes"
        );
        s.press(r#"[data-testid="confirm-accept"]"#)?;
        s.peer
            .wait_call_established(WAIT)
            .context("baresip never saw the link's call")?;
        s.session
            .wait_for(r#"[data-testid="active-call"][data-state="active"]"#, WAIT)
            .context("the link's call never showed as active")?;
        s.hang_up()?;
        Ok(())
    })
}
