//! The history as CSV (RFC 4180, CRLF line ends, UTC times), for spreadsheets and CRMs.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::{Store, StoreError};
use dialtone_api::{HistoryEntry, HistoryQuery};

/// The header row, in column order (the JSON field names of [`HistoryEntry`]).
pub const CSV_HEADER: [&str; 15] = [
    "callId",
    "accountId",
    "direction",
    "remoteUri",
    "remoteNumber",
    "remoteName",
    "startedAt",
    "ringingAt",
    "answeredAt",
    "endedAt",
    "durationMs",
    "talkMs",
    "endCause",
    "sipStatus",
    "codec",
];

/// Defuses spreadsheet formula injection (CSV injection, OWASP): a text cell that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so Excel, LibreOffice and
/// Google Sheets show it as text instead of evaluating it. A caller's display name is chosen by
/// whoever calls, so this matters. The cell then reads `'=cmd…` in the file.
fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// A number as the phone extracted it (`+4930123456`, `1002`, `*98#`) is left alone: a leading
/// `+` on digits is not a formula anything evaluates to something else. Anything else is
/// treated like free text.
fn defuse_number(number: &str) -> String {
    let digits = number.strip_prefix('+').unwrap_or(number);
    if !digits.is_empty()
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
    {
        number.to_owned()
    } else {
        defuse(number)
    }
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn num<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn record(e: HistoryEntry) -> [String; 15] {
    [
        e.call_id,
        e.account_id,
        match e.direction {
            dialtone_api::Direction::Outgoing => "outgoing".to_owned(),
            dialtone_api::Direction::Incoming => "incoming".to_owned(),
        },
        defuse(&e.remote_uri),
        e.remote_number
            .as_deref()
            .map(defuse_number)
            .unwrap_or_default(),
        e.remote_name.as_deref().map(defuse).unwrap_or_default(),
        time(Some(e.started_at)),
        time(e.ringing_at),
        time(e.answered_at),
        time(e.ended_at),
        num(e.duration_ms),
        num(e.talk_ms),
        e.end_cause.unwrap_or_default(),
        num(e.sip_status),
        e.codec.unwrap_or_default(),
    ]
}

impl Store {
    /// Writes every call matching `query`'s filters (offset and limit are ignored), newest
    /// first, as CSV: a header row ([`CSV_HEADER`]), RFC 4180 quoting, CRLF line ends, times as
    /// `2026-11-21T10:00:00Z` (UTC, whole seconds), empty cells for absent values. Text a
    /// spreadsheet would run as a formula gets a leading `'` (see the crate docs). Returns the
    /// number of calls written.
    ///
    /// The rows are read first and the database released before `out` is written, so a slow
    /// reader does not hold up the phone.
    pub fn write_history_csv<W: std::io::Write>(
        &self,
        query: &HistoryQuery,
        out: W,
    ) -> Result<usize, StoreError> {
        let entries = self.history_all(query)?;
        let count = entries.len();
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        let failed = |source| StoreError::Csv { source };
        writer.write_record(CSV_HEADER).map_err(failed)?;
        for entry in entries {
            writer.write_record(record(entry)).map_err(failed)?;
        }
        writer
            .flush()
            .map_err(|e| StoreError::Csv { source: e.into() })?;
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defuses_formulas_but_not_numbers() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("-2+3"), "'-2+3");
        assert_eq!(defuse("Alice"), "Alice");
        assert_eq!(defuse_number("+4930123456"), "+4930123456");
        assert_eq!(defuse_number("*98#"), "*98#");
        assert_eq!(defuse_number("+1+cmd"), "'+1+cmd");
        assert_eq!(defuse_number("-5"), "'-5");
    }
}
