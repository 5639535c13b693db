//! The session ending (logout, shutdown, `kill`): SIGTERM, SIGINT and SIGHUP quit the app as
//! the tray's Quit does, so calls end, accounts unregister (bounded) and the window state is
//! saved. A second signal while that runs exits at once.

use tauri::AppHandle;
use tracing::{info, warn};

pub fn quit_on_signals(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut signals = match Signals::new() {
            Ok(s) => s,
            Err(e) => {
                warn!(error = %e, "cannot listen for termination signals");
                return;
            }
        };
        let name = signals.next().await;
        info!(signal = name, "quitting");
        crate::tray::quit(&app);
        let name = signals.next().await;
        warn!(signal = name, "second signal while quitting: exiting now");
        std::process::exit(1);
    });
}

#[cfg(unix)]
struct Signals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            hup: signal(SignalKind::hangup())?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
            _ = self.hup.recv() => "SIGHUP",
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Signals> {
        Ok(Signals)
    }

    async fn next(&mut self) -> &'static str {
        match tokio::signal::ctrl_c().await {
            Ok(()) => "Ctrl+C",
            Err(_) => std::future::pending().await,
        }
    }
}
