//! Conversions between Rust values and their stored column forms. Times are stored as INTEGER
//! milliseconds since the Unix epoch (UTC), so comparisons and indexes are plain integer ones.

use chrono::{DateTime, Utc};

use crate::StoreError;

pub(crate) fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn from_ms(what: &'static str, ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::<Utc>::from_timestamp_millis(ms).ok_or(StoreError::CorruptValue {
        what,
        value: ms.to_string(),
    })
}

pub(crate) fn opt_from_ms(
    what: &'static str,
    ms: Option<i64>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    ms.map(|ms| from_ms(what, ms)).transpose()
}

/// A stored integer that must fit the Rust type it is read into.
pub(crate) fn int<T: TryFrom<i64>>(what: &'static str, v: i64) -> Result<T, StoreError> {
    T::try_from(v).map_err(|_| StoreError::CorruptValue {
        what,
        value: v.to_string(),
    })
}

pub(crate) fn opt_int<T: TryFrom<i64>>(
    what: &'static str,
    v: Option<i64>,
) -> Result<Option<T>, StoreError> {
    v.map(|v| int(what, v)).transpose()
}

/// A u64 from an event, saturated into SQLite's signed 64-bit integer.
pub(crate) fn u64_to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
