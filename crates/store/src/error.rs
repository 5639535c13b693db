use std::path::PathBuf;

/// Everything that can go wrong in the store. Each variant says what was being done and, where
/// it matters, which file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The directory that should hold the database could not be created.
    #[error("cannot create the directory {path} for the database: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The database file could not be created or restricted to its owner (mode 0600).
    #[error("cannot create or restrict the permissions of the database file {path}: {source}")]
    FileAccess {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// SQLite could not open the file, or setting it up (WAL, pragmas) failed.
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The file exists but is not an SQLite database, or it is corrupt.
    #[error("{path} is not a usable SQLite database (not SQLite, or corrupt): {source}")]
    NotADatabase {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The database was written by a newer Dialtone whose schema this build does not know.
    #[error(
        "the database {path} has schema version {found}, newer than the {supported} this \
         Dialtone supports; upgrade Dialtone or move the file away"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// A schema migration step failed (and was rolled back).
    #[error("migrating the database {path} to schema version {version} failed: {source}")]
    Migration {
        path: PathBuf,
        version: i64,
        #[source]
        source: rusqlite::Error,
    },
    /// A query failed; `op` says which operation.
    #[error("database operation failed ({op}): {source}")]
    Sqlite {
        op: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// A value read back from the database is not what the schema promises.
    #[error("the database holds an invalid value in {what}: {value}")]
    CorruptValue { what: &'static str, value: String },
    /// An event could not be turned into its stored form.
    #[error("cannot encode {what} for the database: {source}")]
    Encode {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// Writing the CSV export failed (usually the output went away).
    #[error("writing the history CSV failed: {source}")]
    Csv {
        #[source]
        source: csv::Error,
    },
    /// A web origin is not of the form `http(s)://host[:port]`.
    #[error("invalid web origin {origin:?}: {reason}")]
    InvalidOrigin {
        origin: String,
        reason: &'static str,
    },
    /// `record_attempt` named a delivery that is not in the outbox.
    #[error("no webhook delivery with id {id} in the outbox")]
    UnknownDelivery { id: i64 },
}

/// Wraps a rusqlite error with the name of the operation that failed.
pub(crate) fn sql(op: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sqlite { op, source }
}
