//! The CSV export, byte for byte.

mod common;

use common::{answered, dialing, ended, incoming, party, record_all, ringing};
use dialtone_api::{Direction, EndCause};
use dialtone_store::{HistoryQuery, Store};

#[test]
fn exact_bytes_with_quoting_crlf_and_formula_guard() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("dialtone.db"))?;
    record_all(
        &store,
        &[
            incoming(
                "c-1",
                party(
                    "sip:+4930123@pbx.example.com",
                    Some("+4930123"),
                    Some("=HYPERLINK(\"x\"), Smith\nJr"),
                ),
                "2026-11-21T10:00:00Z",
            ),
            answered("c-1", "PCMU/8000", "2026-11-21T10:00:03.250Z"),
            ended(
                "c-1",
                EndCause::Completed,
                None,
                63_000,
                59_750,
                "2026-11-21T10:01:03Z",
            ),
            dialing(
                "c-2",
                party("sip:1002@pbx", Some("1002"), None),
                "2026-11-21T11:00:00Z",
            ),
            ringing("c-2", "2026-11-21T11:00:01Z"),
            ended(
                "c-2",
                EndCause::Busy,
                Some(486),
                2_000,
                0,
                "2026-11-21T11:00:02Z",
            ),
        ],
    );
    let mut out = Vec::new();
    // offset/limit are ignored by the export.
    let query = HistoryQuery {
        offset: 5,
        limit: 1,
        ..Default::default()
    };
    let n = store.write_history_csv(&query, &mut out)?;
    assert_eq!(n, 2);
    let want = concat!(
        "callId,accountId,direction,remoteUri,remoteNumber,remoteName,startedAt,ringingAt,",
        "answeredAt,endedAt,durationMs,talkMs,endCause,sipStatus,codec\r\n",
        "c-2,work,outgoing,sip:1002@pbx,1002,,2026-11-21T11:00:00Z,2026-11-21T11:00:01Z,,",
        "2026-11-21T11:00:02Z,2000,0,busy,486,\r\n",
        "c-1,work,incoming,sip:+4930123@pbx.example.com,+4930123,",
        "\"'=HYPERLINK(\"\"x\"\"), Smith\nJr\",2026-11-21T10:00:00Z,,2026-11-21T10:00:03Z,",
        "2026-11-21T10:01:03Z,63000,59750,completed,,PCMU/8000\r\n",
    );
    assert_eq!(String::from_utf8(out)?, want);

    // Filters apply.
    let mut out = Vec::new();
    let query = HistoryQuery {
        direction: Some(Direction::Incoming),
        ..Default::default()
    };
    assert_eq!(store.write_history_csv(&query, &mut out)?, 1);
    let text = String::from_utf8(out)?;
    assert!(text.contains("c-1,") && !text.contains("c-2,"), "{text}");
    Ok(())
}

#[test]
fn empty_history_is_just_the_header() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("dialtone.db"))?;
    let mut out = Vec::new();
    assert_eq!(
        store.write_history_csv(&HistoryQuery::default(), &mut out)?,
        0
    );
    let text = String::from_utf8(out)?;
    assert!(
        text.starts_with("callId,") && text.ends_with("codec\r\n"),
        "{text}"
    );
    assert_eq!(text.matches("\r\n").count(), 1);
    Ok(())
}

#[test]
fn a_failing_writer_is_an_error() -> anyhow::Result<()> {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "gone"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "gone"))
        }
    }
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("dialtone.db"))?;
    let err = store.write_history_csv(&HistoryQuery::default(), Broken);
    assert!(
        matches!(err, Err(dialtone_store::StoreError::Csv { .. })),
        "{err:?}"
    );
    Ok(())
}
