//! The UI's TypeScript types are generated from these Rust types and committed in
//! `ui/src/generated/`. This test regenerates them and fails when the committed files are
//! stale; `DIALTONE_WRITE_BINDINGS=1 cargo test -p dialtone-api --features ts` rewrites them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

use crate::*;

/// Every type the UI uses; their dependencies come along.
fn export_all(dir: &Path) -> Result<(), ts_rs::ExportError> {
    let cfg = Config::new().with_out_dir(dir).with_large_int("number");
    Command::export_all(&cfg)?;
    CommandResult::export_all(&cfg)?;
    Envelope::export_all(&cfg)?;
    Event::export_all(&cfg)?;
    Status::export_all(&cfg)?;
    HistoryQuery::export_all(&cfg)?;
    HistoryPage::export_all(&cfg)?;
    Settings::export_all(&cfg)?;
    AudioDevices::export_all(&cfg)?;
    AudioLevel::export_all(&cfg)?;
    BridgeInfo::export_all(&cfg)?;
    UpdateInfo::export_all(&cfg)?;
    ShellInfo::export_all(&cfg)?;
    Ok(())
}

fn read_dir_ts(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "ts") {
            let name = entry.file_name().to_string_lossy().into_owned();
            files.insert(name, std::fs::read_to_string(&path).unwrap_or_default());
        }
    }
    files
}

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/generated")
}

#[test]
fn committed_typescript_bindings_are_current() {
    let fresh = std::env::temp_dir().join(format!("dialtone-ts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fresh);
    export_all(&fresh).unwrap_or_else(|e| panic!("exporting TypeScript bindings: {e}"));
    let generated = read_dir_ts(&fresh);
    assert!(generated.contains_key("Command.ts") && generated.contains_key("Event.ts"));

    let committed_dir = committed_dir();
    if std::env::var("DIALTONE_WRITE_BINDINGS").is_ok_and(|v| v == "1") {
        let _ = std::fs::remove_dir_all(&committed_dir);
        std::fs::create_dir_all(&committed_dir).unwrap_or_else(|e| panic!("{e}"));
        for (name, text) in &generated {
            std::fs::write(committed_dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let committed = read_dir_ts(&committed_dir);
    let _ = std::fs::remove_dir_all(&fresh);
    let stale: Vec<&String> = generated
        .iter()
        .filter(|(name, text)| committed.get(*name) != Some(*text))
        .map(|(name, _)| name)
        .chain(committed.keys().filter(|n| !generated.contains_key(*n)))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/generated is stale ({stale:?}); run \
         DIALTONE_WRITE_BINDINGS=1 cargo test -p dialtone-api --features ts"
    );
}
