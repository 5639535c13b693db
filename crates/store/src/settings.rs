//! A tiny key/value table for state that is not configuration (e.g. the bridge's token id, the
//! last window size).

use rusqlite::{params, OptionalExtension};

use crate::error::sql;
use crate::{Store, StoreError};

impl Store {
    /// The value stored under `key`, if any.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn()
            .prepare_cached("SELECT value FROM settings WHERE key = ?1")
            .and_then(|mut s| s.query_row(params![key], |r| r.get(0)).optional())
            .map_err(sql("read a setting"))
    }

    /// Stores `value` under `key`, replacing any previous value.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .and_then(|mut s| s.execute(params![key, value]))
            .map(drop)
            .map_err(sql("write a setting"))
    }
}
