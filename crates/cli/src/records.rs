//! Commands that read the phone's database beside it: `dialtone history` and
//! `dialtone webhook test|log`.

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
