//! Opening the database: creation, migrations, WAL, crash recovery, refusing bad files.

mod common;

use common::{answered, dialing, incoming, party, record_all, ringing, t};
use dialtone_store::{HistoryQuery, Store, StoreError, INTERRUPTED, SCHEMA_VERSION};

#[test]
fn creates_dir_and_file_and_migrates_then_reopens() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nested/deeper/dialtone.db");
    {
        let store = Store::open(&path)?;
        assert_eq!(store.path(), path);
        assert_eq!(store.interrupted_on_open(), 0);
        store.set_setting("k", "v")?;
    }
    assert!(path.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode {mode:o}");
    }
    let raw = rusqlite::Connection::open(&path)?;
    let version: i64 = raw.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = raw.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    assert_eq!(mode, "wal");
    drop(raw);

    let store = Store::open(&path)?;
    assert_eq!(store.setting("k")?.as_deref(), Some("v"));
    assert_eq!(store.setting("missing")?, None);
    store.set_setting("k", "w")?;
    assert_eq!(store.setting("k")?.as_deref(), Some("w"));
    Ok(())
}

#[test]
fn tightens_an_existing_world_readable_file() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dialtone.db");
    std::fs::write(&path, b"")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644))?;
        Store::open(&path)?;
        let mode = std::fs::metadata(&path)?.permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    Ok(())
}

#[test]
fn another_connection_sees_committed_wal_data() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dialtone.db");
    let store = Store::open(&path)?;
    record_all(
        &store,
        &[dialing(
            "c-1",
            party("sip:1002@pbx", Some("1002"), None),
            "2026-11-21T10:00:00Z",
        )],
    );
    // The store stays open (data still in the WAL, not checkpointed): a separate connection,
    // as another process would have, must see it.
    let other = rusqlite::Connection::open(&path)?;
    let (id, number): (String, String) =
        other.query_row("SELECT call_id, remote_number FROM calls", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    assert_eq!((id.as_str(), number.as_str()), ("c-1", "1002"));
    // And a second Store on the same file sees it through the API.
    let second = Store::open(&path)?;
    assert!(second.history_entry("c-1")?.is_some());
    Ok(())
}

#[test]
fn calls_left_open_by_a_crash_become_interrupted() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dialtone.db");
    {
        let store = Store::open(&path)?;
        record_all(
            &store,
            &[
                dialing(
                    "c-out",
                    party("sip:1002@pbx", Some("1002"), None),
                    "2026-11-21T10:00:00Z",
                ),
                ringing("c-out", "2026-11-21T10:00:02Z"),
                incoming(
                    "c-in",
                    party("sip:1003@pbx", Some("1003"), None),
                    "2026-11-21T11:00:00Z",
                ),
                answered("c-in", "PCMU/8000", "2026-11-21T11:00:05Z"),
            ],
        );
        // A tool opening the file beside the running phone leaves its calls alone.
        let tool = Store::open_beside_phone(&path)?;
        assert_eq!(tool.interrupted_on_open(), 0);
        let live = tool
            .history_entry("c-out")?
            .ok_or_else(|| anyhow::anyhow!("row lost"))?;
        assert_eq!(live.end_cause, None);
        // Dropped without call.ended: the crash.
    }
    let store = Store::open(&path)?;
    assert_eq!(store.interrupted_on_open(), 2);
    let out = store
        .history_entry("c-out")?
        .ok_or_else(|| anyhow::anyhow!("row lost"))?;
    assert_eq!(out.end_cause.as_deref(), Some(INTERRUPTED));
    assert_eq!(out.ended_at, Some(t("2026-11-21T10:00:02Z")));
    assert_eq!(out.duration_ms, Some(2_000));
    assert_eq!(out.talk_ms, Some(0));
    let inc = store
        .history_entry("c-in")?
        .ok_or_else(|| anyhow::anyhow!("row lost"))?;
    assert_eq!(inc.end_cause.as_deref(), Some(INTERRUPTED));
    assert_eq!(inc.ended_at, Some(t("2026-11-21T11:00:05Z")));
    assert_eq!(inc.duration_ms, Some(5_000));
    let page = store.history(&HistoryQuery {
        cause: Some(INTERRUPTED.into()),
        ..Default::default()
    })?;
    assert_eq!(page.total, 2);
    drop(store);
    // Nothing left to interrupt the next time.
    assert_eq!(Store::open(&path)?.interrupted_on_open(), 0);
    Ok(())
}

#[test]
fn garbage_file_is_a_clear_error_naming_the_path() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dialtone.db");
    std::fs::write(&path, vec![b'x'; 8192])?;
    match Store::open(&path) {
        Err(err @ StoreError::NotADatabase { .. }) => {
            let text = err.to_string();
            assert!(text.contains(&path.display().to_string()), "{text}");
        }
        other => panic!("expected NotADatabase, got {other:?}"),
    }
    Ok(())
}

#[test]
fn a_newer_schema_is_refused() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dialtone.db");
    drop(Store::open(&path)?);
    let raw = rusqlite::Connection::open(&path)?;
    raw.pragma_update(None, "user_version", SCHEMA_VERSION + 5)?;
    drop(raw);
    match Store::open(&path) {
        Err(StoreError::TooNew {
            found, supported, ..
        }) => {
            assert_eq!(found, SCHEMA_VERSION + 5);
            assert_eq!(supported, SCHEMA_VERSION);
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
    Ok(())
}

#[test]
fn a_directory_in_the_way_is_an_error_not_a_panic() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("dialtone.db");
    std::fs::create_dir(&path)?;
    let err = Store::open(&path)
        .err()
        .ok_or_else(|| anyhow::anyhow!("opened a directory"))?;
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    Ok(())
}

#[test]
fn store_is_clone_send_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<Store>();
}

#[test]
fn clones_write_from_several_threads() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("dialtone.db"))?;
    let handles: Vec<_> = (0..4)
        .map(|n| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    let id = format!("c-{n}-{i}");
                    store.record(&dialing(
                        &id,
                        party("sip:1@pbx", None, None),
                        "2026-11-21T10:00:00Z",
                    ))?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| anyhow::anyhow!("thread panicked"))??;
    }
    assert_eq!(store.history(&HistoryQuery::default())?.total, 200);
    Ok(())
}
