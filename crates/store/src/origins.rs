//! Web origins paired with the localhost bridge. A page asks to pair (pending); the user
//! approves it (optionally allowing it to dial without a confirmation) or revokes it.

use chrono::Utc;
use rusqlite::{params, OptionalExtension, Row};

use crate::convert::{from_ms, opt_from_ms, to_ms};
use crate::error::sql;
use crate::{Store, StoreError};

pub use dialtone_api::{OriginEntry, OriginState};

/// Normalises a web origin to `scheme://host[:port]`: lowercase scheme and host (IDNs in
/// punycode), the default port (80/443) dropped, no trailing slash. Accepts only `http` and
/// `https` origins with nothing after the host and port (a lone trailing `/` is tolerated);
/// rejects `null`, user info, paths, queries and fragments.
pub fn normalize_origin(s: &str) -> Result<String, StoreError> {
    let invalid = |reason| StoreError::InvalidOrigin {
        origin: s.to_owned(),
        reason,
    };
    let trimmed = s.trim();
    if trimmed.eq_ignore_ascii_case("null") {
        return Err(invalid("the opaque origin `null` cannot be paired"));
    }
    let Some((scheme, rest)) = trimmed.split_once("://") else {
        return Err(invalid("expected scheme://host[:port]"));
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(invalid("only http and https origins can be paired"));
    }
    // Checked on the raw text: the URL parser would turn `\` into `/` and drop an empty `?`.
    if rest.contains(['@', '?', '#', '\\']) {
        return Err(invalid("an origin has no user info, query or fragment"));
    }
    let url = url::Url::parse(trimmed).map_err(|_| invalid("not a valid URL"))?;
    if url.path() != "/" {
        return Err(invalid("an origin has no path"));
    }
    if url.host().is_none() {
        return Err(invalid("an origin needs a host"));
    }
    Ok(url.origin().ascii_serialization())
}

type RawOrigin = (String, String, bool, i64, Option<i64>);

fn raw_origin(r: &Row<'_>) -> rusqlite::Result<RawOrigin> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn entry(
    (origin, state, silent_dial, requested_at, approved_at): RawOrigin,
) -> Result<OriginEntry, StoreError> {
    let state = match state.as_str() {
        "pending" => OriginState::Pending,
        "approved" => OriginState::Approved,
        _ => {
            return Err(StoreError::CorruptValue {
                what: "origins.state",
                value: state,
            })
        }
    };
    Ok(OriginEntry {
        origin,
        state,
        silent_dial,
        requested_at: from_ms("origins.requested_at", requested_at)?,
        approved_at: opt_from_ms("origins.approved_at", approved_at)?,
    })
}

const ORIGIN_COLUMNS: &str = "origin, state, silent_dial, requested_at, approved_at";

fn read_origin(
    conn: &rusqlite::Connection,
    origin: &str,
) -> Result<Option<OriginEntry>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {ORIGIN_COLUMNS} FROM origins WHERE origin = ?1"
    ))
    .and_then(|mut s| s.query_row(params![origin], raw_origin).optional())
    .map_err(sql("read a paired origin"))?
    .map(entry)
    .transpose()
}

impl Store {
    /// Records that `origin` asks to pair, as pending. An origin already pending or approved is
    /// returned unchanged.
    pub fn request_pairing(&self, origin: &str) -> Result<OriginEntry, StoreError> {
        let origin = normalize_origin(origin)?;
        let now = to_ms(Utc::now());
        self.write("request pairing", |tx| {
            tx.prepare_cached(
                "INSERT INTO origins (origin, state, silent_dial, requested_at)
                 VALUES (?1, 'pending', 0, ?2)
                 ON CONFLICT (origin) DO NOTHING",
            )
            .and_then(|mut s| s.execute(params![origin, now]))
            .map_err(sql("request pairing"))?;
            read_origin(tx, &origin)?.ok_or(StoreError::CorruptValue {
                what: "origins (row missing after insert)",
                value: origin.clone(),
            })
        })
    }

    /// Approves `origin` (pending or never seen) and sets whether it may dial silently.
    /// Re-approving keeps the first approval time. Returns whether the origin was known before.
    pub fn approve_origin(&self, origin: &str, silent_dial: bool) -> Result<bool, StoreError> {
        let origin = normalize_origin(origin)?;
        let now = to_ms(Utc::now());
        self.write("approve an origin", |tx| {
            let existed = read_origin(tx, &origin)?.is_some();
            tx.prepare_cached(
                "INSERT INTO origins (origin, state, silent_dial, requested_at, approved_at)
                 VALUES (?1, 'approved', ?2, ?3, ?3)
                 ON CONFLICT (origin) DO UPDATE SET
                     state = 'approved',
                     silent_dial = excluded.silent_dial,
                     approved_at = coalesce(origins.approved_at, excluded.approved_at)",
            )
            .and_then(|mut s| s.execute(params![origin, silent_dial, now]))
            .map_err(sql("approve an origin"))?;
            Ok(existed)
        })
    }

    /// Forgets `origin` (a pending request is refused, an approval withdrawn). Returns whether
    /// it was known.
    pub fn revoke_origin(&self, origin: &str) -> Result<bool, StoreError> {
        let origin = normalize_origin(origin)?;
        let n = self
            .conn()
            .prepare_cached("DELETE FROM origins WHERE origin = ?1")
            .and_then(|mut s| s.execute(params![origin]))
            .map_err(sql("revoke an origin"))?;
        Ok(n > 0)
    }

    /// All known origins, pending and approved, by origin.
    pub fn origins(&self) -> Result<Vec<OriginEntry>, StoreError> {
        let conn = self.conn();
        let raws = conn
            .prepare_cached(&format!(
                "SELECT {ORIGIN_COLUMNS} FROM origins ORDER BY origin"
            ))
            .and_then(|mut s| {
                s.query_map([], raw_origin)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(sql("list paired origins"))?;
        raws.into_iter().map(entry).collect()
    }

    /// The entry for `origin` if it is approved. An origin that is not a valid http(s) origin
    /// (including `null`) is simply not approved: `Ok(None)`.
    pub fn is_origin_approved(&self, origin: &str) -> Result<Option<OriginEntry>, StoreError> {
        let Ok(origin) = normalize_origin(origin) else {
            return Ok(None);
        };
        let found = read_origin(&self.conn(), &origin)?;
        Ok(found.filter(|e| e.state == OriginState::Approved))
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_origin;

    #[test]
    fn normalises() {
        for (input, want) in [
            ("HTTPS://CRM.Example.COM", "https://crm.example.com"),
            ("https://crm.example.com/", "https://crm.example.com"),
            ("https://crm.example.com:443", "https://crm.example.com"),
            ("http://localhost:80", "http://localhost"),
            ("http://localhost:8080", "http://localhost:8080"),
            (
                "https://crm.example.com:8443",
                "https://crm.example.com:8443",
            ),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://[::1]:3000", "http://[::1]:3000"),
        ] {
            assert_eq!(
                normalize_origin(input).ok().as_deref(),
                Some(want),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects() {
        for input in [
            "null",
            "NULL",
            "",
            "crm.example.com",
            "ftp://crm.example.com",
            "file:///etc/passwd",
            "https://user:pw@crm.example.com",
            "https://crm.example.com/path",
            "https://crm.example.com?x=1",
            "https://crm.example.com#frag",
            "https://crm.example.com:99999",
            "https://",
            "javascript://alert(1)",
        ] {
            assert!(normalize_origin(input).is_err(), "{input:?} accepted");
        }
    }
}
