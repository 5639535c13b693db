//! Dialtone's SQLite database (one file, WAL): call history built from the phone's events, the
//! durable webhook outbox and its delivery log, the web origins paired with the localhost
//! bridge, and a few settings.
//!
//! [`Store`] is a cheap `Clone + Send + Sync` handle; its methods are synchronous and short.
//! From async code, call single-row methods directly and put bulk ones (big history pages, CSV
//! export, pruning) in `spawn_blocking`.
//!
//! Times are stored as UTC milliseconds: a time read back is the one written, truncated to
//! the millisecond.
//!
//! The CSV export guards against spreadsheet formula injection: text cells that start with
//! `=`, `+`, `-`, `@`, a tab or a carriage return are written with a leading `'` (phone
//! numbers such as `+4930123456` are left alone).

mod convert;
mod csv_export;
mod error;
mod history;
mod migrations;
mod origins;
mod outbox;
mod settings;
mod store;

pub use csv_export::CSV_HEADER;
pub use dialtone_api::{
    HistoryEntry, HistoryPage, HistoryQuery, DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT,
};
pub use dialtone_api::{OriginEntry, OriginState};
pub use error::StoreError;
pub use history::INTERRUPTED;
pub use migrations::SCHEMA_VERSION;
pub use origins::normalize_origin;
pub use outbox::{Delivery, DeliveryLogEntry, DeliveryState, NextStep};
pub use store::Store;
