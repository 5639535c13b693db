//! `dialtone serve`: the engine, the control socket and the event printer, until a signal.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use dialtone_api::Envelope;
use dialtone_engine::config::{AudioBackendKind, Config};
use dialtone_engine::secrets;
use dialtone_service::Service;
use tokio::sync::broadcast;
use tracing::{info, warn};

use crate::{control, logging};

/// How long shutdown waits for the registrars to confirm the unregistrations.
const UNREGISTER_WITHIN: Duration = Duration::from_secs(5);

/// Exit code for a config that cannot be used.
const EXIT_CONFIG: u8 = 2;

fn load(path: Option<PathBuf>) -> Result<Config, ExitCode> {
    Config::load_or_default(path.as_deref()).map_err(|e| {
        eprintln!("dialtone: config error: {e}");
        ExitCode::from(EXIT_CONFIG)
    })
}

pub fn check_config(path: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    match load(path) {
        Ok(config) => {
            let source = config
                .source
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "built-in defaults".into());
            println!("{source}: ok, {} account(s)", config.accounts.len());
            Ok(ExitCode::SUCCESS)
        }
        Err(code) => Ok(code),
    }
}

pub fn set_password(account: &str) -> anyhow::Result<ExitCode> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(!password.is_empty(), "empty password");
    secrets::store_password(account, password)?;
    println!("password for `{account}` stored in the OS keyring");
    Ok(ExitCode::SUCCESS)
}

/// `--audio-in` / `--audio-out`: WAV files instead of sound devices.
pub struct AudioFiles {
    pub input: Option<PathBuf>,
    pub output: Option<PathBuf>,
}

pub fn run(
    config: Option<PathBuf>,
    print_events: bool,
    control: Option<PathBuf>,
    files: AudioFiles,
) -> anyhow::Result<ExitCode> {
    let mut config = match load(config) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    if files.input.is_some() || files.output.is_some() {
        if let Some(input) = &files.input {
            if !input.is_file() {
                eprintln!("dialtone: --audio-in {}: no such file", input.display());
                return Ok(ExitCode::from(EXIT_CONFIG));
            }
        }
        config.audio.backend = AudioBackendKind::File;
        config.audio.input_file = files.input;
        config.audio.output_file = files.output;
    }
    logging::init(&config.log.level, config.log.file.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config, print_events, control))
}

async fn serve(
    config: Config,
    print_events: bool,
    control: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let (service, events) = Service::start(&config)
        .await
        .context("cannot start the phone")?;
    let phone = service.phone().clone();
    info!(sip = %phone.sip_address(), accounts = config.accounts.len(), "dialtone running");
    // The control socket first: whoever sees the first printed event (a tool or a test
    // waiting for "registered") can send commands at once.
    let socket = control::socket_path(control)?;
    let server = control::serve(phone.clone(), socket.clone()).await?;
    let printer = print_events.then(|| tokio::spawn(print(events)));

    wait_for_signal().await?;
    info!("shutting down: unregistering");
    service.shutdown(UNREGISTER_WITHIN).await;
    server.abort();
    let _ = std::fs::remove_file(&socket);
    if let Some(printer) = printer {
        // Let the printer write the last events (the unregistrations) before exiting.
        drop(phone);
        let _ = tokio::time::timeout(Duration::from_millis(500), printer).await;
    }
    Ok(ExitCode::SUCCESS)
}

async fn print(mut events: broadcast::Receiver<Envelope>) {
    loop {
        match events.recv().await {
            Ok(envelope) => {
                let Ok(line) = serde_json::to_string(&envelope) else {
                    continue;
                };
                let mut out = std::io::stdout().lock();
                if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
                    return; // stdout closed
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                warn!(missed = n, "event printer fell behind")
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

async fn wait_for_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
