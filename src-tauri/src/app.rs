//! Starting the app: arguments, config, plugins, the service, the tray and the forwarder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dialtone_engine::config::Config;
use dialtone_service::Service;
use tauri::{App, AppHandle, Manager, RunEvent};
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_window_state::StateFlags;
use tracing::{error, info, warn};

use crate::links::{dial_links, parse_args, Args};
use crate::state::Shell;
use crate::windows::{self, INCOMING};

pub fn run() -> ExitCode {
    init_logging();
    let args = parse_args(std::env::args().skip(1));
    for flag in &args.unknown {
        warn!(%flag, "unknown option ignored");
    }
    let config_path = args.config.clone().or_else(Config::default_path);
    let config = match Config::load_or_default(args.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            return fatal(
                &format!("the config cannot be used: {e}"),
                config_path.as_deref(),
            )
        }
    };
    let setup_args = args.clone();
    let built = tauri::Builder::default()
        // First, so a second start hands its argv (and links) to the running app and exits
        // before it starts a phone of its own.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            let args = parse_args(argv.into_iter().skip(1));
            if args.links.is_empty() {
                windows::show_main(app);
            } else {
                dial_links(app, args.links);
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_denylist(&[INCOMING])
                .with_state_flags(StateFlags::all() - StateFlags::VISIBLE)
                .build(),
        )
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--minimised"]),
        ))
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(tauri_plugin_clipboard_manager::init())
        .on_window_event(windows::on_window_event)
        .invoke_handler(tauri::generate_handler![
            crate::commands::phone::phone_status,
            crate::commands::phone::phone_execute,
            crate::commands::history::history_query,
            crate::commands::settings::settings_get,
            crate::commands::settings::settings_save,
            crate::commands::settings::account_set_password,
            crate::commands::audio::audio_devices,
            crate::commands::audio::audio_meter_start,
            crate::commands::audio::audio_meter_stop,
            crate::commands::audio::audio_test_speaker,
            crate::commands::bridge::bridge_info,
            crate::commands::bridge::bridge_regenerate_token,
            crate::commands::bridge::bridge_approve_origin,
            crate::commands::bridge::bridge_revoke_origin,
            crate::commands::webhook::webhook_test,
            crate::commands::updates::clipboard_write,
            crate::commands::updates::updates_check,
            crate::commands::updates::updates_install,
            crate::commands::shell::shell_info,
            crate::commands::shell::window_show_main,
            crate::commands::shell::window_close_self,
        ])
        .setup(move |app| setup(app, config_path, config, setup_args))
        .build(tauri::generate_context!());
    let app = match built {
        Ok(app) => app,
        Err(e) => return fatal(&format!("the app cannot start: {e}"), None),
    };
    app.run(|app, event| {
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = event
        {
            // The last window closed without a tray: stop the phone properly first.
            api.prevent_exit();
            crate::tray::quit(app);
        }
    });
    ExitCode::SUCCESS
}

fn setup(
    app: &mut App,
    config_path: Option<PathBuf>,
    config: Config,
    args: Args,
) -> Result<(), Box<dyn std::error::Error>> {
    let (service, events) = tauri::async_runtime::block_on(Service::start(&config))?;
    info!(sip = %service.phone().sip_address(), bridge = ?service.bridge_port(), "phone started");
    let (next_events, restarted) = tokio::sync::mpsc::unbounded_channel();
    app.manage(Shell::new(config_path, config, service, next_events));
    let handle = app.handle().clone();
    crate::signals::quit_on_signals(&handle);
    crate::tray::build(&handle);
    tauri::async_runtime::spawn(crate::forward::supervise(handle.clone(), events, restarted));

    let app_config = handle.state::<Shell>().config().app;
    if !(args.minimised || app_config.start_minimised) {
        windows::show_main(&handle);
    }
    apply_start_at_login(&handle, app_config.start_at_login);
    if app_config.check_updates {
        crate::updates::check_at_start(&handle);
    }
    // On Linux and Windows a clicked link arrives as an argument (this start's, or a second
    // start's through single-instance); macOS delivers it as an event instead.
    #[cfg(target_os = "macos")]
    {
        let link_handle = handle.clone();
        app.deep_link().on_open_url(move |event| {
            let links = event.urls().into_iter().map(|u| u.to_string()).collect();
            dial_links(&link_handle, links);
        });
    }
    register_schemes(&handle);
    dial_links(&handle, args.links);
    Ok(())
}

/// Turns start-at-login on or off to match `[app] start_at_login` (only when it differs,
/// so nothing is written when it already matches).
pub fn apply_start_at_login(app: &AppHandle, wanted: bool) {
    let launcher = app.autolaunch();
    let result = match launcher.is_enabled() {
        Ok(now) if now == wanted => Ok(()),
        _ if wanted => launcher.enable(),
        _ => launcher.disable(),
    };
    if let Err(e) = result {
        warn!(error = %e, wanted, "cannot change start at login");
    }
}

/// An AppImage has no installed .desktop file: register the link schemes at run time. The
/// .deb's .desktop file carries them (bundle config).
fn register_schemes(app: &AppHandle) {
    if std::env::var_os("APPIMAGE").is_some() {
        if let Err(e) = app.deep_link().register_all() {
            warn!(error = %e, "cannot register tel:/sip: links");
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Says why the app cannot start where the person sees it (a notification, when a daemon
/// runs) and in the log, and exits non-zero.
fn fatal(message: &str, config: Option<&Path>) -> ExitCode {
    let message = match config {
        Some(path) => format!("{message}\n(config: {})", path.display()),
        None => message.to_owned(),
    };
    error!("{message}");
    eprintln!("dialtone-desktop: {message}");
    let _ = notify_rust::Notification::new()
        .appname("Dialtone")
        .summary("Dialtone cannot start")
        .body(&message)
        .show();
    ExitCode::from(2)
}
