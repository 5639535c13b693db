//! The service layer's one error enum.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    #[error("no place for the history database: set [history] database in the config")]
    NoDatabasePath,
    #[error("history database {path}: {source}")]
    Store {
        path: PathBuf,
        #[source]
        source: dialtone_store::StoreError,
    },
    #[error(transparent)]
    Engine(#[from] dialtone_engine::EngineError),
}
