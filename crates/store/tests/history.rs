//! History from call events: lifecycle, idempotence, filters and paging.

mod common;

use common::{answered, dialing, dtmf, ended, incoming, party, record_all, ringing, t};
use dialtone_api::{Direction, EndCause};
use dialtone_store::{HistoryQuery, Store};

fn open() -> anyhow::Result<(tempfile::TempDir, Store)> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("dialtone.db"))?;
    Ok((dir, store))
}

#[test]
fn full_lifecycle_fills_every_field() -> anyhow::Result<()> {
    let (_dir, store) = open()?;
    record_all(
        &store,
        &[
            dialing(
                "c-1",
                party(
                    "sip:+4930123@pbx.example.com",
                    Some("+4930123"),
                    Some("Alice"),
                ),
                "2026-11-21T10:00:00Z",
            ),
            ringing("c-1", "2026-11-21T10:00:01.500Z"),
            answered("c-1", "opus/48000/2", "2026-11-21T10:00:04Z"),
            dtmf("c-1", '5', "2026-11-21T10:00:05Z"),
            ended(
                "c-1",
                EndCause::Completed,
                None,
                64_000,
                60_000,
                "2026-11-21T10:01:04Z",
            ),
        ],
    );
    let e = store
        .history_entry("c-1")?
        .ok_or_else(|| anyhow::anyhow!("missing"))?;
    assert_eq!(e.call_id, "c-1");
    assert_eq!(e.account_id, "work");
    assert_eq!(e.direction, Direction::Outgoing);
    assert_eq!(e.remote_uri, "sip:+4930123@pbx.example.com");
    assert_eq!(e.remote_number.as_deref(), Some("+4930123"));
    assert_eq!(e.remote_name.as_deref(), Some("Alice"));
    assert_eq!(e.started_at, t("2026-11-21T10:00:00Z"));
    assert_eq!(e.ringing_at, Some(t("2026-11-21T10:00:01.500Z")));
    assert_eq!(e.answered_at, Some(t("2026-11-21T10:00:04Z")));
    assert_eq!(e.ended_at, Some(t("2026-11-21T10:01:04Z")));
    assert_eq!(e.duration_ms, Some(64_000));
    assert_eq!(e.talk_ms, Some(60_000));
    assert_eq!(e.end_cause.as_deref(), Some("completed"));
    assert_eq!(e.sip_status, None);
    assert_eq!(e.codec.as_deref(), Some("opus/48000/2"));

    let json = serde_json::to_value(&e)?;
    assert_eq!(json["callId"], "c-1");
    assert_eq!(json["direction"], "outgoing");
    assert_eq!(json["startedAt"], "2026-11-21T10:00:00Z");
    assert_eq!(json["ringingAt"], "2026-11-21T10:00:01.500Z");
    assert_eq!(json["endCause"], "completed");
    assert_eq!(json["talkMs"], 60_000);
    assert!(json.get("dtmf").is_none());

    // No DTMF digit anywhere in the file's tables.
    let raw = rusqlite::Connection::open(store.path())?;
    let digits: i64 = raw.query_row(
        "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%dtmf%' OR sql LIKE '%digit%'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(digits, 0);
    Ok(())
}

#[test]
fn incoming_missed_with_sip_status_and_cause_names() -> anyhow::Result<()> {
    let (_dir, store) = open()?;
    record_all(
        &store,
        &[
            incoming(
                "c-2",
                party("sip:1003@pbx", Some("1003"), None),
                "2026-11-21T10:00:00Z",
            ),
            ended(
                "c-2",
                EndCause::Missed,
                Some(487),
                9_000,
                0,
                "2026-11-21T10:00:09Z",
            ),
            dialing(
                "c-3",
                party("sip:1004@pbx", Some("1004"), None),
                "2026-11-21T10:05:00Z",
            ),
            ended(
                "c-3",
                EndCause::NoAnswer,
                Some(480),
                30_000,
                0,
                "2026-11-21T10:05:30Z",
            ),
        ],
    );
    let e = store
        .history_entry("c-2")?
        .ok_or_else(|| anyhow::anyhow!("missing"))?;
    assert_eq!(e.direction, Direction::Incoming);
    assert_eq!(e.end_cause.as_deref(), Some("missed"));
    assert_eq!(e.sip_status, Some(487));
    assert_eq!(e.answered_at, None);
    let e = store
        .history_entry("c-3")?
        .ok_or_else(|| anyhow::anyhow!("missing"))?;
    assert_eq!(e.end_cause.as_deref(), Some("no_answer"));
    Ok(())
}

#[test]
fn duplicates_and_unknown_calls_are_harmless() -> anyhow::Result<()> {
    let (_dir, store) = open()?;
    let first = dialing(
        "c-1",
        party("sip:1@pbx", Some("1"), Some("First")),
        "2026-11-21T10:00:00Z",
    );
    let again = dialing(
        "c-1",
        party("sip:2@pbx", Some("2"), Some("Second")),
        "2026-11-21T10:00:09Z",
    );
    record_all(
        &store,
        &[
            // Updates for calls never started: ignored, no error.
            ringing("c-unknown", "2026-11-21T09:00:00Z"),
            answered("c-unknown", "PCMU/8000", "2026-11-21T09:00:00Z"),
            ended(
                "c-unknown",
                EndCause::Failed,
                None,
                0,
                0,
                "2026-11-21T09:00:00Z",
            ),
            first,
            again,
            ringing("c-1", "2026-11-21T10:00:01Z"),
            ringing("c-1", "2026-11-21T10:00:02Z"),
            ended(
                "c-1",
                EndCause::Busy,
                Some(486),
                3_000,
                0,
                "2026-11-21T10:00:03Z",
            ),
            ended(
                "c-1",
                EndCause::Failed,
                Some(500),
                9_000,
                0,
                "2026-11-21T10:00:09Z",
            ),
        ],
    );
    assert!(store.history_entry("c-unknown")?.is_none());
    let page = store.history(&HistoryQuery::default())?;
    assert_eq!(page.total, 1);
    let e = &page.items[0];
    assert_eq!(e.remote_name.as_deref(), Some("First"));
    assert_eq!(e.started_at, t("2026-11-21T10:00:00Z"));
    assert_eq!(e.ringing_at, Some(t("2026-11-21T10:00:01Z")));
    assert_eq!(e.end_cause.as_deref(), Some("busy"));
    assert_eq!(e.sip_status, Some(486));
    assert_eq!(e.duration_ms, Some(3_000));
    Ok(())
}

/// Ten calls, one per hour from 2026-11-21T00:00Z: even ones outgoing, odd ones incoming,
/// plus special names and numbers for the text search.
fn seed(store: &Store) {
    for i in 0..10u32 {
        let id = format!("c-{i:02}");
        let at = format!("2026-11-21T{i:02}:00:00Z");
        let number = format!("10{i:02}");
        let name = match i {
            3 => "50% off".to_owned(),
            4 => "500 offices".to_owned(),
            5 => "under_score".to_owned(),
            6 => "underXscore".to_owned(),
            _ => format!("Person {i}"),
        };
        let p = party(&format!("sip:{number}@pbx"), Some(&number), Some(&name));
        let start = if i % 2 == 0 {
            dialing(&id, p, &at)
        } else {
            incoming(&id, p, &at)
        };
        let cause = if i % 2 == 0 {
            EndCause::Completed
        } else {
            EndCause::Missed
        };
        let end_at = format!("2026-11-21T{i:02}:00:30Z");
        record_all(store, &[start, ended(&id, cause, None, 30_000, 0, &end_at)]);
    }
}

fn ids(page: &dialtone_store::HistoryPage) -> Vec<&str> {
    page.items.iter().map(|e| e.call_id.as_str()).collect()
}

#[test]
fn filters_paging_and_total() -> anyhow::Result<()> {
    let (_dir, store) = open()?;
    seed(&store);

    let all = store.history(&HistoryQuery::default())?;
    assert_eq!(all.total, 10);
    assert_eq!(all.limit, 50);
    assert_eq!(ids(&all)[..3], ["c-09", "c-08", "c-07"], "newest first");

    let page = store.history(&HistoryQuery {
        offset: 2,
        limit: 3,
        ..Default::default()
    })?;
    assert_eq!((page.total, page.offset, page.limit), (10, 2, 3));
    assert_eq!(ids(&page), ["c-07", "c-06", "c-05"]);

    let past_end = store.history(&HistoryQuery {
        offset: 20,
        ..Default::default()
    })?;
    assert_eq!(past_end.total, 10);
    assert!(past_end.items.is_empty());

    let capped = store.history(&HistoryQuery {
        limit: 100_000,
        ..Default::default()
    })?;
    assert_eq!(capped.limit, 500);

    let incoming = store.history(&HistoryQuery {
        direction: Some(Direction::Incoming),
        ..Default::default()
    })?;
    assert_eq!(incoming.total, 5);
    assert!(incoming
        .items
        .iter()
        .all(|e| e.direction == Direction::Incoming));

    let window = store.history(&HistoryQuery {
        since: Some(t("2026-11-21T03:00:00Z")),
        until: Some(t("2026-11-21T06:00:00Z")),
        ..Default::default()
    })?;
    assert_eq!(
        ids(&window),
        ["c-05", "c-04", "c-03"],
        "since inclusive, until exclusive"
    );

    let missed = store.history(&HistoryQuery {
        cause: Some("missed".into()),
        direction: Some(Direction::Incoming),
        ..Default::default()
    })?;
    assert_eq!(missed.total, 5);
    let none = store.history(&HistoryQuery {
        account_id: Some("home".into()),
        ..Default::default()
    })?;
    assert_eq!(none.total, 0);
    let work = store.history(&HistoryQuery {
        account_id: Some("work".into()),
        ..Default::default()
    })?;
    assert_eq!(work.total, 10);
    Ok(())
}

#[test]
fn text_search_is_literal_substring_over_number_uri_and_name() -> anyhow::Result<()> {
    let (_dir, store) = open()?;
    seed(&store);
    let q = |text: &str| -> anyhow::Result<Vec<String>> {
        let page = store.history(&HistoryQuery {
            q: Some(text.into()),
            ..Default::default()
        })?;
        Ok(page.items.into_iter().map(|e| e.call_id).collect())
    };
    // `%` is literal: "50%" matches "50% off", not "500 offices".
    assert_eq!(q("50%")?, ["c-03"]);
    // `_` is literal: "r_s" matches "under_score", not "underXscore".
    assert_eq!(q("r_s")?, ["c-05"]);
    // Number, URI and (case-insensitive) name.
    assert_eq!(q("1007")?, ["c-07"]);
    assert_eq!(q("sip:1008@")?, ["c-08"]);
    assert_eq!(q("PERSON 9")?, ["c-09"]);
    assert!(q("nobody")?.is_empty());
    // An empty q filters nothing.
    assert_eq!(q("")?.len(), 10);
    Ok(())
}

#[test]
fn query_deserialises_from_a_query_string() -> anyhow::Result<()> {
    let q: HistoryQuery = serde_urlencoded::from_str(
        "offset=5&limit=20&direction=incoming&since=2026-11-21T00:00:00Z\
         &until=2026-11-22T00:00:00Z&q=50%25&accountId=work&cause=missed",
    )?;
    assert_eq!(
        q,
        HistoryQuery {
            offset: 5,
            limit: 20,
            direction: Some(Direction::Incoming),
            since: Some(t("2026-11-21T00:00:00Z")),
            until: Some(t("2026-11-22T00:00:00Z")),
            q: Some("50%".into()),
            account_id: Some("work".into()),
            cause: Some("missed".into()),
        }
    );
    let empty: HistoryQuery = serde_urlencoded::from_str("")?;
    assert_eq!(empty, HistoryQuery::default());
    assert_eq!(empty.limit, 50);
    Ok(())
}

#[test]
fn prune_removes_old_ended_calls_only() -> anyhow::Result<()> {
    let (_dir, store) = open()?;
    seed(&store);
    record_all(
        &store,
        &[dialing(
            "c-open",
            party("sip:1@pbx", None, None),
            "2026-11-20T00:00:00Z",
        )],
    );
    let removed = store.prune_history(t("2026-11-21T05:00:00Z"))?;
    assert_eq!(removed, 5);
    let page = store.history(&HistoryQuery::default())?;
    assert_eq!(page.total, 6);
    assert!(store.history_entry("c-04")?.is_none());
    assert!(store.history_entry("c-05")?.is_some());
    assert!(
        store.history_entry("c-open")?.is_some(),
        "a call still going on is kept"
    );
    Ok(())
}

#[test]
fn openapi_schemas_are_generated() -> anyhow::Result<()> {
    use utoipa::{IntoParams, PartialSchema};
    let entry = serde_json::to_value(dialtone_store::HistoryEntry::schema())?;
    let props = &entry["properties"];
    assert!(props.get("callId").is_some(), "{entry}");
    let direction = &props["direction"];
    assert!(
        direction["enum"] == serde_json::json!(["outgoing", "incoming"])
            || direction["$ref"] == "#/components/schemas/Direction",
        "{direction}"
    );
    let params = HistoryQuery::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query));
    let names: Vec<String> = params.iter().map(|p| p.name.clone()).collect();
    for want in [
        "offset",
        "limit",
        "direction",
        "since",
        "until",
        "q",
        "accountId",
        "cause",
    ] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
    Ok(())
}
