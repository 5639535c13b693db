//! Call history and webhooks end to end: the real `dialtone serve` calls a real baresip
//! through Kamailio; the history (SQLite, `dialtone history`, CSV) records the call, a crash
//! mid-call leaves an `interrupted` row, and a local webhook receiver gets signed deliveries,
//! failing the first with 500 and seeing it retried.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use dialtone_api::{Command, EndCause};
use dialtone_e2e::baresip::PCMU;
use dialtone_e2e::phone::Dialtone;
use dialtone_e2e::rig::{Rig, RigOptions};
use dialtone_e2e::webhook::WebhookReceiver;
use serde_json::Value;

const PEER: &str = "1003";
const WAIT: Duration = Duration::from_secs(10);
const SECRET: &str = "whsec-test-7f3a";
/// The dispatcher's first retry comes 5 s (±20 %) after a failure.
const RETRY_WAIT: Duration = Duration::from_secs(20);

fn history_rig(extra: String, env: Vec<(String, String)>) -> Result<Rig> {
    Rig::start(RigOptions {
        extra_tables: extra,
        env,
        ..RigOptions::default()
    })
}

fn history_json(phone: &Dialtone) -> Result<Value> {
    Ok(serde_json::from_str(&phone.tool(&["history"])?)?)
}

#[test]
fn a_call_is_in_the_history_and_its_webhooks_are_signed_and_retried() -> Result<()> {
    let mut hooks = WebhookReceiver::start(vec![500])?;
    let extra = format!(
        "[[webhooks]]\nname = \"crm\"\nurl = \"{}\"\nevents = [\"call.started\", \"call.answered\", \"call.ended\"]\nsecret_env = \"DT_HOOK_SECRET\"\n",
        hooks.url("/hooks/dialtone")
    );
    let mut rig = history_rig(extra, vec![("DT_HOOK_SECRET".into(), SECRET.into())])?;
    let peer = rig.peer(PEER, 440.0, PCMU, true)?;
    let id = rig.phone.dial(PEER)?;
    rig.phone
        .wait_answered(&id, WAIT)
        .with_context(|| format!("{}\n{}", rig.logs(), peer.log_tail(20)))?;

    // While the call is up, its row is already there.
    let live = history_json(&rig.phone)?;
    let row = &live["items"][0];
    ensure!(row["callId"] == id.as_str(), "{live}");
    ensure!(
        row["endedAt"].is_null() && !row["answeredAt"].is_null(),
        "{row}"
    );

    rig.phone.command(Command::Hangup {
        call_id: id.clone(),
    })?;
    let ended = rig.phone.wait_ended(&id, WAIT)?;
    ensure!(ended.cause == EndCause::Completed, "{ended:?}");

    // The history row, through the CLI that reads the database beside the running phone.
    let page = history_json(&rig.phone)?;
    ensure!(page["total"] == 1, "{page}");
    let row = &page["items"][0];
    ensure!(
        row["direction"] == "outgoing" && row["remoteNumber"] == PEER,
        "{row}"
    );
    ensure!(
        row["endCause"] == "completed" && row["accountId"] == "work",
        "{row}"
    );
    ensure!(row["talkMs"].as_u64().is_some_and(|t| t > 0), "{row}");
    ensure!(
        row["codec"].as_str().is_some_and(|c| c.starts_with("PCMU")),
        "{row}"
    );
    println!("history row: {row}");

    let csv = rig.phone.tool(&["history", "--csv"])?;
    let mut lines = csv.split("\r\n");
    let header = lines.next().unwrap_or_default();
    ensure!(header.starts_with("callId,"), "{csv}");
    let line = lines.next().unwrap_or_default();
    ensure!(
        line.starts_with(&id) && line.contains(",completed,"),
        "{csv}"
    );
    ensure!(
        line.contains(&format!(
            "{}Z",
            &row["startedAt"].as_str().unwrap_or("x")[..19]
        )),
        "UTC ISO-8601 times: {line}"
    );

    // Webhooks: call.started failed once with 500 and came again, same bytes and id.
    let first = hooks.wait_for(WAIT, "call.started", |r| {
        r.header("x-dialtone-event") == Some("call.started")
    })?;
    ensure!(
        first.answered == 500,
        "the receiver fails the first delivery"
    );
    ensure!(
        first.signature_valid(SECRET),
        "bad signature: {:?}",
        first.headers
    );
    ensure!(!first.signature_valid("wrong-secret"));
    ensure!(first.path == "/hooks/dialtone");
    let body = first.json()?;
    ensure!(
        body["event"] == "call.started" && body["data"]["callId"] == id.as_str(),
        "{body}"
    );
    ensure!(
        body["data"]["direction"] == "outgoing" && body["timestamp"].is_string(),
        "{body}"
    );
    let delivery = first
        .header("x-dialtone-delivery")
        .unwrap_or_default()
        .to_owned();
    let retry = hooks.wait_for(RETRY_WAIT, "retry of call.started", |r| {
        r.answered == 200 && r.header("x-dialtone-delivery") == Some(delivery.as_str())
    })?;
    ensure!(retry.body == first.body && retry.signature_valid(SECRET));
    let gap = retry.at.duration_since(first.at);
    ensure!(
        gap >= Duration::from_secs(3),
        "retried after {gap:?}: backoff"
    );
    println!("webhook retried after {gap:?}");

    for event in ["call.answered", "call.ended"] {
        let r = hooks.wait_for(RETRY_WAIT, event, |r| {
            r.header("x-dialtone-event") == Some(event)
        })?;
        ensure!(r.signature_valid(SECRET), "{event}");
    }
    let ended = hooks.wait_for(WAIT, "call.ended body", |r| {
        r.header("x-dialtone-event") == Some("call.ended")
    })?;
    let body = ended.json()?;
    ensure!(body["data"]["cause"] == "completed", "{body}");

    // The delivery log has the 500 and the 200.
    let log: Value = serde_json::from_str(&rig.phone.tool(&["webhook", "log"])?)?;
    let statuses: Vec<u64> = log
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["status"].as_u64()).collect())
        .unwrap_or_default();
    ensure!(statuses.contains(&500) && statuses.contains(&200), "{log}");
    drop(peer);
    Ok(())
}

#[test]
fn a_crash_mid_call_leaves_an_interrupted_row() -> Result<()> {
    let db_dir = tempfile::tempdir()?;
    let db = db_dir.path().join("dialtone.db");
    let extra = format!("[history]\ndatabase = \"{}\"\n", db.display());
    let mut rig = history_rig(extra, Vec::new())?;
    let _peer = rig.peer(PEER, 440.0, PCMU, true)?;
    let id = rig.phone.dial(PEER)?;
    rig.phone
        .wait_answered(&id, WAIT)
        .with_context(|| rig.logs())?;
    rig.phone.kill()?;

    // The next start finds the row without an end and marks it interrupted.
    let mut again = Dialtone::start(rig.config(), &as_refs(&rig.phone_env()))?;
    again.wait_registration("work", dialtone_api::RegistrationState::Registered, WAIT)?;
    let page = history_json(&again)?;
    let row = &page["items"][0];
    ensure!(row["callId"] == id.as_str(), "{page}");
    ensure!(row["endCause"] == "interrupted", "{row}");
    ensure!(
        !row["answeredAt"].is_null() && !row["endedAt"].is_null(),
        "{row}"
    );
    Ok(())
}

fn as_refs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}
