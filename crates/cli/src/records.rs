//! Commands that use the phone's database beside it: `dialtone history`, `token`, `pair`
//! and `webhook test|log`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use dialtone_engine::config::Config;
use dialtone_store::{HistoryQuery, Store};

/// The database of the config (opened without touching the running phone's calls).
fn open_store(config: &Config) -> anyhow::Result<Store> {
    let path = config
        .history
        .database_path()
        .context("no history database path: set [history] database")?;
    Store::open_beside_phone(&path)
        .with_context(|| format!("cannot open the history database {}", path.display()))
}

fn load(config: Option<PathBuf>) -> anyhow::Result<Config> {
    Config::load_or_default(config.as_deref()).map_err(|e| anyhow::anyhow!("config error: {e}"))
}

pub fn history(config: Option<PathBuf>, limit: u32, csv: bool) -> anyhow::Result<ExitCode> {
    let store = open_store(&load(config)?)?;
    if csv {
        let out = std::io::stdout().lock();
        store.write_history_csv(&HistoryQuery::default(), out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let page = store.history(&HistoryQuery {
        limit,
        ..HistoryQuery::default()
    })?;
    println!("{}", serde_json::to_string_pretty(&page)?);
    Ok(ExitCode::SUCCESS)
}

pub fn webhook_test(config: Option<PathBuf>, name: &str) -> anyhow::Result<ExitCode> {
    let config = load(config)?;
    let Some(entry) = config.webhooks.iter().find(|w| w.name == name) else {
        let known: Vec<&str> = config.webhooks.iter().map(|w| w.name.as_str()).collect();
        bail!(
            "no webhook `{name}` in the config (configured: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        );
    };
    let endpoint = dialtone_service::webhooks::endpoint(entry)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let report = runtime.block_on(dialtone_webhooks::test_delivery(&endpoint))?;
    println!(
        "webhook `{name}`: HTTP {} in {} ms",
        report.status,
        report.elapsed.as_millis()
    );
    Ok(if (200..300).contains(&report.status) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn webhook_log(config: Option<PathBuf>, limit: u32) -> anyhow::Result<ExitCode> {
    let store = open_store(&load(config)?)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&store.delivery_log(limit)?)?
    );
    Ok(ExitCode::SUCCESS)
}

/// `dialtone token`: the bridge's bearer token (created if the phone never ran), or a new one.
pub fn token(config: Option<PathBuf>, regenerate: bool) -> anyhow::Result<ExitCode> {
    let store = open_store(&load(config)?)?;
    let token = if regenerate {
        dialtone_bridge::regenerate_token(&store)?
    } else {
        dialtone_bridge::ensure_token(&store)?
    };
    println!("{token}");
    if regenerate {
        eprintln!("the old token no longer works; update the CRMs and tools that used it");
    }
    Ok(ExitCode::SUCCESS)
}

/// `dialtone pair list`: the web origins that asked to pair or are approved.
pub fn pair_list(config: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let store = open_store(&load(config)?)?;
    let origins = store.origins()?;
    if origins.is_empty() {
        println!("no paired or pending origins");
    }
    for o in origins {
        let state = match o.state {
            dialtone_store::OriginState::Approved if o.silent_dial => "approved, silent dialling",
            dialtone_store::OriginState::Approved => "approved",
            _ => "pending (approve with `dialtone pair approve <origin>`)",
        };
        println!("{:<40} {state}", o.origin);
    }
    Ok(ExitCode::SUCCESS)
}

/// `dialtone pair approve <origin>`: lets a web origin use the bridge (and, with
/// `--silent-dial`, dial without a confirmation).
pub fn pair_approve(
    config: Option<PathBuf>,
    origin: &str,
    silent_dial: bool,
) -> anyhow::Result<ExitCode> {
    let store = open_store(&load(config)?)?;
    let normal = dialtone_store::normalize_origin(origin)?;
    store.approve_origin(&normal, silent_dial)?;
    println!(
        "{normal}: approved{}",
        if silent_dial {
            ", may dial without confirmation"
        } else {
            "; its dial requests are confirmed first"
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub fn pair_revoke(config: Option<PathBuf>, origin: &str) -> anyhow::Result<ExitCode> {
    let store = open_store(&load(config)?)?;
    let normal = dialtone_store::normalize_origin(origin)?;
    if store.revoke_origin(&normal)? {
        println!("{normal}: revoked");
        Ok(ExitCode::SUCCESS)
    } else {
        bail!("{normal} was not paired")
    }
}
