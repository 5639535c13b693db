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
    #[error("webhook `{name}`: {source}")]
    WebhookSecret {
        name: String,
        #[source]
        source: dialtone_engine::secrets::SecretError,
    },
    #[error("webhook `{name}`: {source}")]
    Webhook {
        name: String,
        #[source]
        source: dialtone_webhooks::WebhookError,
    },
    #[error(transparent)]
    Bridge(#[from] dialtone_bridge::BridgeError),
    #[error(transparent)]
    Engine(#[from] dialtone_engine::EngineError),
}
