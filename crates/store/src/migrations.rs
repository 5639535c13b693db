//! The versioned schema. `PRAGMA user_version` holds the number of steps applied; each step runs
//! in its own `BEGIN IMMEDIATE` transaction together with the version bump, so a crash or a
//! failing step leaves the database at the previous version. Steps are append-only: never edit
//! a released one, add a new one.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// Schema steps, in order. Step `i` (0-based) brings the database to version `i + 1`.
const STEPS: &[&str] = &[
    // 1: history, webhook outbox + delivery log, paired origins, settings.
    "
    CREATE TABLE calls (
        call_id       TEXT PRIMARY KEY NOT NULL,
        account_id    TEXT NOT NULL,
        direction     TEXT NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
        remote_uri    TEXT NOT NULL,
        remote_number TEXT,
        remote_name   TEXT,
        started_at    INTEGER NOT NULL,
        ringing_at    INTEGER,
        answered_at   INTEGER,
        ended_at      INTEGER,
        end_cause     TEXT,
        sip_status    INTEGER,
        duration_ms   INTEGER,
        talk_ms       INTEGER,
        codec         TEXT
    );
    CREATE INDEX calls_started_at ON calls (started_at);
    CREATE INDEX calls_unended ON calls (ended_at) WHERE ended_at IS NULL;

    CREATE TABLE outbox (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        endpoint        TEXT NOT NULL,
        event           TEXT NOT NULL,
        timestamp       INTEGER NOT NULL,
        body            TEXT NOT NULL,
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        created_at      INTEGER NOT NULL,
        last_attempt_at INTEGER
    );
    CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

    CREATE TABLE delivery_log (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
        endpoint    TEXT NOT NULL,
        event       TEXT NOT NULL,
        attempt     INTEGER NOT NULL,
        at          INTEGER NOT NULL,
        status      INTEGER,
        error       TEXT
    );
    CREATE INDEX delivery_log_at ON delivery_log (at);
    CREATE INDEX delivery_log_delivery ON delivery_log (delivery_id);

    CREATE TABLE origins (
        origin       TEXT PRIMARY KEY NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('pending', 'approved')),
        silent_dial  INTEGER NOT NULL DEFAULT 0,
        requested_at INTEGER NOT NULL,
        approved_at  INTEGER
    );

    CREATE TABLE settings (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    );
    ",
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = STEPS.len() as i64;

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

fn too_new(path: &Path, found: i64) -> StoreError {
    StoreError::TooNew {
        path: path.to_owned(),
        found,
        supported: SCHEMA_VERSION,
    }
}

/// Brings the database up to [`SCHEMA_VERSION`]; refuses one that is newer.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found = user_version(conn).map_err(|source| StoreError::Migration {
        path: path.to_owned(),
        version: SCHEMA_VERSION,
        source,
    })?;
    if found > SCHEMA_VERSION {
        return Err(too_new(path, found));
    }
    for (index, sql) in STEPS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let version = index as i64 + 1;
        let failed = |source| StoreError::Migration {
            path: path.to_owned(),
            version,
            source,
        };
        // IMMEDIATE takes the write lock first; the version is read again under it, so two
        // processes opening the same fresh file do not both apply a step.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed)?;
        let found = user_version(&tx).map_err(failed)?;
        if found > SCHEMA_VERSION {
            return Err(too_new(path, found));
        }
        if found >= version {
            continue;
        }
        tx.execute_batch(sql).map_err(failed)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(failed)?;
        tx.commit().map_err(failed)?;
    }
    Ok(())
}
