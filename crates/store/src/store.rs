//! The [`Store`] handle: opening the file, its pragmas, and the crash sweep on open.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::error::sql;
use crate::migrations::migrate;
use crate::StoreError;

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Dialtone's database: call history, the webhook outbox and its delivery log, the web origins
/// paired with the localhost bridge, and a few settings.
///
/// Cheap to clone (one shared connection behind a mutex); `Send + Sync`. Every method is
/// synchronous and short (one indexed statement or a small transaction on a local file, WAL,
/// `synchronous=NORMAL`), so async callers may call them directly for single rows, and should
/// use `tokio::task::spawn_blocking` for the bulk ones (`history` with large pages,
/// `write_history_csv`, `prune_history`).
///
/// Open the file from the one process that owns it (the phone): opening marks every call that
/// never ended as `interrupted`, which is right after a crash and wrong for another live
/// process's calls.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Mutex<Connection>,
    path: PathBuf,
    interrupted_on_open: usize,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`: creates the parent directory,
    /// restricts the file to its owner (0600 on unix), switches to WAL, applies pending schema
    /// migrations, then closes every call left open by a previous run as `interrupted`
    /// (see [`Store::interrupted_on_open`]).
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, true)
    }

    /// Opens the database for a tool beside the running phone (`dialtone token`, `dialtone
    /// pair`, `dialtone history`): like [`Store::open`], but calls without an end are left
    /// alone, since they may be the running phone's.
    pub fn open_beside_phone(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, false)
    }

    fn open_with(path: &Path, owner: bool) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                path: dir.to_owned(),
                source,
            })?;
        }
        create_private_file(path)?;
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| open_error(path, source))?;
        configure(&conn).map_err(|source| open_error(path, source))?;
        migrate(&mut conn, path)?;
        let interrupted = if owner {
            crate::history::close_interrupted(&conn)?
        } else {
            0
        };
        Ok(Store {
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                path: path.to_owned(),
                interrupted_on_open: interrupted,
            }),
        })
    }

    /// How many calls the previous run left without an end, now marked `interrupted`.
    pub fn interrupted_on_open(&self) -> usize {
        self.inner.interrupted_on_open
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The connection. A panic in another thread while it held the lock leaves SQLite itself
    /// consistent (an open transaction rolls back when dropped), so poisoning is ignored.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        self.inner
            .conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// SQLite creates a missing file with the process umask; create it first, owner-only, and
/// tighten an existing one, so history (phone numbers, names) is not world-readable.
/// SQLite gives the `-wal` and `-shm` files the database file's permissions.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let failed = |source| StoreError::FileAccess {
        path: path.to_owned(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(failed)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(failed)?;
    }
    drop(file);
    Ok(())
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The first statement reads the header: a file that is not SQLite fails here.
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(format!("journal_mode stayed {mode:?}, WAL is required")),
        ));
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

fn open_error(path: &Path, source: rusqlite::Error) -> StoreError {
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::NotADatabase {
            path: path.to_owned(),
            source,
        },
        _ => StoreError::Open {
            path: path.to_owned(),
            source,
        },
    }
}

impl Store {
    /// Runs `f` in one IMMEDIATE transaction (takes the write lock up front, no upgrade
    /// deadlock), committing when it returns Ok.
    pub(crate) fn write<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql(op))?;
        let out = f(&tx)?;
        tx.commit().map_err(sql(op))?;
        Ok(out)
    }
}
