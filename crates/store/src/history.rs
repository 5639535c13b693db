//! Call history, built from the phone's call events.

use chrono::{DateTime, Utc};
use dialtone_api::{
    Direction, EndCause, Envelope, Event, HistoryEntry, HistoryPage, HistoryQuery, Party,
};
use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::convert::{from_ms, int, opt_from_ms, opt_int, to_ms, u64_to_i64};
use crate::error::sql;
use crate::{Store, StoreError};

/// The end cause given to calls a previous run never finished (a crash, a kill).
pub const INTERRUPTED: &str = "interrupted";

const COLUMNS: &str = "call_id, account_id, direction, remote_uri, remote_number, remote_name, \
     started_at, ringing_at, answered_at, ended_at, duration_ms, talk_ms, end_cause, \
     sip_status, codec";

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Outgoing => "outgoing",
        Direction::Incoming => "incoming",
    }
}

/// The wire name of an end cause (`no_answer`), taken from its serde form so a cause added to
/// the api is stored under its own name.
fn cause_name(cause: EndCause) -> Result<String, StoreError> {
    match serde_json::to_value(cause) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(StoreError::CorruptValue {
            what: "calls.end_cause (encoding)",
            value: other.to_string(),
        }),
        Err(source) => Err(StoreError::Encode {
            what: "an end cause",
            source,
        }),
    }
}

/// A row as read, before validation (rusqlite's row closure cannot return our error).
struct RawEntry {
    call_id: String,
    account_id: String,
    direction: String,
    remote_uri: String,
    remote_number: Option<String>,
    remote_name: Option<String>,
    started_at: i64,
    ringing_at: Option<i64>,
    answered_at: Option<i64>,
    ended_at: Option<i64>,
    duration_ms: Option<i64>,
    talk_ms: Option<i64>,
    end_cause: Option<String>,
    sip_status: Option<i64>,
    codec: Option<String>,
}

impl RawEntry {
    fn from_row(r: &Row<'_>) -> rusqlite::Result<RawEntry> {
        Ok(RawEntry {
            call_id: r.get(0)?,
            account_id: r.get(1)?,
            direction: r.get(2)?,
            remote_uri: r.get(3)?,
            remote_number: r.get(4)?,
            remote_name: r.get(5)?,
            started_at: r.get(6)?,
            ringing_at: r.get(7)?,
            answered_at: r.get(8)?,
            ended_at: r.get(9)?,
            duration_ms: r.get(10)?,
            talk_ms: r.get(11)?,
            end_cause: r.get(12)?,
            sip_status: r.get(13)?,
            codec: r.get(14)?,
        })
    }

    fn into_entry(self) -> Result<HistoryEntry, StoreError> {
        let direction = match self.direction.as_str() {
            "outgoing" => Direction::Outgoing,
            "incoming" => Direction::Incoming,
            _ => {
                return Err(StoreError::CorruptValue {
                    what: "calls.direction",
                    value: self.direction,
                })
            }
        };
        Ok(HistoryEntry {
            call_id: self.call_id,
            account_id: self.account_id,
            direction,
            remote_uri: self.remote_uri,
            remote_number: self.remote_number,
            remote_name: self.remote_name,
            started_at: from_ms("calls.started_at", self.started_at)?,
            ringing_at: opt_from_ms("calls.ringing_at", self.ringing_at)?,
            answered_at: opt_from_ms("calls.answered_at", self.answered_at)?,
            ended_at: opt_from_ms("calls.ended_at", self.ended_at)?,
            duration_ms: opt_int("calls.duration_ms", self.duration_ms)?,
            talk_ms: opt_int("calls.talk_ms", self.talk_ms)?,
            end_cause: self.end_cause,
            sip_status: opt_int("calls.sip_status", self.sip_status)?,
            codec: self.codec,
        })
    }
}

/// Escapes `\`, `%` and `_` for `LIKE … ESCAPE '\'` and wraps in `%…%`.
fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The WHERE clause and its parameters for a query's filters.
fn filter(q: &HistoryQuery) -> (String, Vec<Value>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    if let Some(d) = q.direction {
        clauses.push("direction = ?");
        values.push(Value::Text(direction_name(d).to_owned()));
    }
    if let Some(since) = q.since {
        clauses.push("started_at >= ?");
        values.push(Value::Integer(to_ms(since)));
    }
    if let Some(until) = q.until {
        clauses.push("started_at < ?");
        values.push(Value::Integer(to_ms(until)));
    }
    if let Some(text) = q.q.as_deref().filter(|t| !t.is_empty()) {
        clauses.push(
            "(remote_number LIKE ? ESCAPE '\\' OR remote_uri LIKE ? ESCAPE '\\' \
             OR remote_name LIKE ? ESCAPE '\\')",
        );
        let pattern = like_pattern(text);
        values.extend(std::iter::repeat_n(Value::Text(pattern), 3));
    }
    if let Some(account) = q.account_id.as_deref().filter(|a| !a.is_empty()) {
        clauses.push("account_id = ?");
        values.push(Value::Text(account.to_owned()));
    }
    if let Some(cause) = q.cause.as_deref().filter(|c| !c.is_empty()) {
        clauses.push("end_cause = ?");
        values.push(Value::Text(cause.to_owned()));
    }
    let clause = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (clause, values)
}

/// Marks every call without an end as ended `interrupted`, at the last moment the phone knew
/// about it (its latest ringing/answer/start time), and returns how many.
pub(crate) fn close_interrupted(conn: &Connection) -> Result<usize, StoreError> {
    conn.execute(
        "UPDATE calls SET
             ended_at = max(started_at, coalesce(ringing_at, started_at),
                            coalesce(answered_at, started_at)),
             end_cause = ?1,
             duration_ms = max(started_at, coalesce(ringing_at, started_at),
                               coalesce(answered_at, started_at)) - started_at,
             talk_ms = CASE WHEN answered_at IS NULL THEN 0
                            ELSE max(answered_at, coalesce(ringing_at, answered_at))
                                 - answered_at END
         WHERE ended_at IS NULL",
        params![INTERRUPTED],
    )
    .map_err(sql("mark unfinished calls interrupted"))
}

impl Store {
    /// Records a call event in the history. `call.dialing` and `call.incoming` create the row
    /// at once; `call.ringing`, `call.answered` and `call.ended` fill it in. Other events
    /// (including DTMF: digits are never stored) are ignored. Duplicates are harmless (the first
    /// ringing/answer/end wins) and an event for an unknown call is ignored.
    pub fn record(&self, env: &Envelope) -> Result<(), StoreError> {
        let at = to_ms(env.timestamp);
        let conn = self.conn();
        let start = |call_id: &str, account: &str, dir: Direction, party: &Party| {
            conn.prepare_cached(
                "INSERT INTO calls (call_id, account_id, direction, remote_uri, remote_number,
                                    remote_name, started_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (call_id) DO NOTHING",
            )
            .and_then(|mut s| {
                s.execute(params![
                    call_id,
                    account,
                    direction_name(dir),
                    party.uri,
                    party.number,
                    party.display_name,
                    at
                ])
            })
            .map(drop)
            .map_err(sql("record a new call"))
        };
        match &env.event {
            Event::CallDialing(e) => start(&e.call_id, &e.account_id, Direction::Outgoing, &e.to),
            Event::CallIncoming(e) => {
                start(&e.call_id, &e.account_id, Direction::Incoming, &e.from)
            }
            Event::CallRinging(e) => conn
                .prepare_cached(
                    "UPDATE calls SET ringing_at = coalesce(ringing_at, ?2) WHERE call_id = ?1",
                )
                .and_then(|mut s| s.execute(params![e.call_id, at]))
                .map(drop)
                .map_err(sql("record call ringing")),
            Event::CallAnswered(e) => conn
                .prepare_cached(
                    "UPDATE calls SET answered_at = coalesce(answered_at, ?2),
                                      codec = coalesce(codec, ?3)
                     WHERE call_id = ?1",
                )
                .and_then(|mut s| s.execute(params![e.call_id, at, e.codec]))
                .map(drop)
                .map_err(sql("record call answered")),
            Event::CallEnded(e) => {
                let cause = cause_name(e.cause)?;
                conn.prepare_cached(
                    "UPDATE calls SET ended_at = ?2, end_cause = ?3, sip_status = ?4,
                                      duration_ms = ?5, talk_ms = ?6
                     WHERE call_id = ?1 AND ended_at IS NULL",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        e.call_id,
                        at,
                        cause,
                        e.sip_status,
                        u64_to_i64(e.duration_ms),
                        u64_to_i64(e.talk_ms)
                    ])
                })
                .map(drop)
                .map_err(sql("record call ended"))
            }
            _ => Ok(()),
        }
    }

    /// One page of calls matching `query`, newest first, with the total count.
    pub fn history(&self, query: &HistoryQuery) -> Result<HistoryPage, StoreError> {
        let limit = query.effective_limit();
        let (clause, mut values) = filter(query);
        let conn = self.conn();
        let total: i64 = conn
            .prepare_cached(&format!("SELECT count(*) FROM calls{clause}"))
            .and_then(|mut s| s.query_row(rusqlite::params_from_iter(values.iter()), |r| r.get(0)))
            .map_err(sql("count history"))?;
        values.push(Value::Integer(i64::from(limit)));
        values.push(Value::Integer(i64::from(query.offset)));
        let items = select(
            &conn,
            &format!(
                "SELECT {COLUMNS} FROM calls{clause}
                 ORDER BY started_at DESC, call_id DESC LIMIT ? OFFSET ?"
            ),
            values,
        )?;
        Ok(HistoryPage {
            total: int("count(calls)", total)?,
            offset: query.offset,
            limit,
            items,
        })
    }

    /// Every call matching `query`'s filters (its offset and limit are ignored), newest first.
    pub(crate) fn history_all(
        &self,
        query: &HistoryQuery,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let (clause, values) = filter(query);
        let conn = self.conn();
        select(
            &conn,
            &format!("SELECT {COLUMNS} FROM calls{clause} ORDER BY started_at DESC, call_id DESC"),
            values,
        )
    }

    /// One call by id.
    pub fn history_entry(&self, call_id: &str) -> Result<Option<HistoryEntry>, StoreError> {
        let conn = self.conn();
        let raw = conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM calls WHERE call_id = ?1"))
            .and_then(|mut s| s.query_row(params![call_id], RawEntry::from_row).optional())
            .map_err(sql("read a history entry"))?;
        raw.map(RawEntry::into_entry).transpose()
    }

    /// Retention: deletes calls that started before `older_than` (and have ended), and webhook
    /// deliveries finished (delivered or given up) before it, with their log. Returns how many
    /// calls were deleted.
    pub fn prune_history(&self, older_than: DateTime<Utc>) -> Result<usize, StoreError> {
        let cutoff = to_ms(older_than);
        self.write("prune history", |tx| {
            let calls = tx
                .execute(
                    "DELETE FROM calls WHERE started_at < ?1 AND ended_at IS NOT NULL",
                    params![cutoff],
                )
                .map_err(sql("prune history"))?;
            tx.execute(
                "DELETE FROM outbox WHERE state <> 'pending'
                     AND coalesce(last_attempt_at, created_at) < ?1",
                params![cutoff],
            )
            .map_err(sql("prune finished webhook deliveries"))?;
            Ok(calls)
        })
    }
}

fn select(
    conn: &Connection,
    query: &str,
    values: Vec<Value>,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let raws = conn
        .prepare_cached(query)
        .and_then(|mut s| {
            s.query_map(rusqlite::params_from_iter(values), RawEntry::from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(sql("read history"))?;
    raws.into_iter().map(RawEntry::into_entry).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn limit_defaults_and_caps() {
        let mut q = HistoryQuery::default();
        assert_eq!(q.effective_limit(), 50);
        q.limit = 0;
        assert_eq!(q.effective_limit(), 50);
        q.limit = 10_000;
        assert_eq!(q.effective_limit(), 500);
    }
}
