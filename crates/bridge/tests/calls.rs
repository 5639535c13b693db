//! Calls through the bridge on the local account: placing, listing, acting, refusing, and
//! who the engine is told asked (tool, page, embed) with the confirmation that follows.

mod common;

use anyhow::Result;
use common::contract::Contract;
use common::{closed_udp_port, code, header, parts, wait_for, Harness};
use dialtone_api::{Command, DialSourceKind, Event};
use reqwest::header::CONTENT_TYPE;
use reqwest::Method;
use serde_json::{json, Value};

const CRM: &str = "https://crm.example.com";

fn nowhere() -> Result<String> {
    Ok(format!("sip:nobody@127.0.0.1:{}", closed_udp_port()?))
}

#[tokio::test]
async fn a_tool_places_lists_and_hangs_up_a_call() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    let mut events = h.phone.subscribe();
    let (status, headers, body) =
        parts(h.post_json("/v1/calls", json!({"to": nowhere()?})).await?).await?;
    assert_eq!(status, 201, "{body}");
    contract.check("POST", "/v1/calls", status, &body)?;
    let call_id = body["callId"].as_str().unwrap_or_default().to_string();
    assert!(!call_id.is_empty());
    assert_eq!(
        header(&headers, "location"),
        Some(format!("/v1/calls/{call_id}").as_str())
    );
    // A tool holding the token is trusted: no confirmation was asked for.
    let dialing = wait_for(&mut events, |e| match e {
        Event::DialConfirmRequested(_) => Some(None),
        Event::CallDialing(d) => Some(Some(d.call_id.clone())),
        _ => None,
    })
    .await?;
    assert_eq!(dialing.as_deref(), Some(call_id.as_str()));

    let (status, _, list) = parts(h.authed(Method::GET, "/v1/calls").send().await?).await?;
    assert_eq!(status, 200);
    contract.check("GET", "/v1/calls", status, &list)?;
    assert!(list
        .as_array()
        .is_some_and(|a| a.iter().any(|c| c["callId"] == call_id.as_str())));
    let path = format!("/v1/calls/{call_id}");
    let (status, _, one) = parts(h.authed(Method::GET, &path).send().await?).await?;
    assert_eq!(status, 200);
    contract.check("GET", &path, status, &one)?;
    assert_eq!(one["direction"], "outgoing");

    let (status, _, status_body) = parts(h.authed(Method::GET, "/v1/status").send().await?).await?;
    contract.check("GET", "/v1/status", status, &status_body)?;
    assert_eq!(status_body["accounts"][0]["id"], "local");

    // An outgoing call cannot be rejected.
    let reject = format!("/v1/calls/{call_id}/reject");
    let (status, _, body) = parts(h.post_json(&reject, json!({"busy": true})).await?).await?;
    assert_eq!((status, code(&body)), (409, "wrong_state"), "{body}");
    contract.check("POST", &reject, status, &body)?;

    let hangup = format!("/v1/calls/{call_id}/hangup");
    let (status, _, body) = parts(h.authed(Method::POST, &hangup).send().await?).await?;
    assert_eq!(status, 204, "{body}");
    contract.check("POST", &hangup, status, &body)?;
    // Nobody answered the INVITE, so there is nothing to CANCEL yet: the call is ending.
    let (status, _, one) = parts(h.authed(Method::GET, &path).send().await?).await?;
    assert_eq!(status, 200);
    assert_eq!(one["state"], "ending");
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_bad_number_is_400_before_any_call() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    let mut events = h.phone.subscribe();
    for to in ["", "10<02", "sip:@", "1002\u{7}"] {
        let (status, _, body) = parts(h.post_json("/v1/calls", json!({"to": to})).await?).await?;
        assert_eq!((status, code(&body)), (400, "bad_number"), "{to:?}: {body}");
        contract.check("POST", "/v1/calls", status, &body)?;
    }
    let (status, _, body) = parts(
        h.post_json("/v1/calls", json!({"to": "1002", "accountId": "nope"}))
            .await?,
    )
    .await?;
    assert_eq!((status, code(&body)), (400, "unknown_account"), "{body}");
    assert!(h.phone.status().calls.is_empty());
    assert!(matches!(
        events.try_recv(),
        Err(tokio::sync::broadcast::error::TryRecvError::Empty)
    ));
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_unknown_call_is_404() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    for action in [
        "answer", "reject", "hangup", "hold", "resume", "mute", "unmute",
    ] {
        let path = format!("/v1/calls/c-nope/{action}");
        let (status, _, body) = parts(h.authed(Method::POST, &path).send().await?).await?;
        assert_eq!((status, code(&body)), (404, "unknown_call"), "{action}");
        contract.check("POST", &path, status, &body)?;
    }
    let (status, _, body) = parts(
        h.post_json("/v1/calls/c-nope/dtmf", json!({"digits": "12#"}))
            .await?,
    )
    .await?;
    assert_eq!((status, code(&body)), (404, "unknown_call"));
    contract.check("POST", "/v1/calls/c-nope/dtmf", status, &body)?;
    let (status, _, body) = parts(h.authed(Method::GET, "/v1/calls/c-nope").send().await?).await?;
    assert_eq!((status, code(&body)), (404, "unknown_call"));
    let (status, _, body) = parts(h.authed(Method::GET, "/v1/nothing").send().await?).await?;
    assert_eq!((status, code(&body)), (404, "not_found"));
    h.shutdown().await;
    Ok(())
}

/// Posts a dial as a page at `origin` in the background.
fn dial_from_page(
    h: &Harness,
    origin: &str,
    body: Value,
) -> tokio::task::JoinHandle<Result<(u16, Value)>> {
    let request = h
        .page(origin, Method::POST, "/v1/calls")
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string());
    tokio::spawn(async move {
        let (status, _, body) = parts(request.send().await?).await?;
        Ok((status, body))
    })
}

#[tokio::test]
async fn a_page_dial_waits_for_the_person_and_a_no_is_403() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    h.approve(CRM, false).await?;
    let mut events = h.phone.subscribe();
    let pending = dial_from_page(&h, CRM, json!({"to": nowhere()?}));
    let asked = wait_for(&mut events, |e| match e {
        Event::DialConfirmRequested(r) => Some(r.clone()),
        Event::CallDialing(_) => Some(panic_event("dialled without asking")),
        _ => None,
    })
    .await?;
    assert_eq!(asked.source.kind, DialSourceKind::Api);
    assert_eq!(asked.source.origin.as_deref(), Some(CRM));
    h.phone
        .execute(Command::ConfirmDial {
            request_id: asked.request_id.clone(),
            accept: false,
        })
        .await?;
    let (status, body) = pending.await??;
    assert_eq!((status, code(&body)), (403, "dial_declined"), "{body}");
    contract.check("POST", "/v1/calls", status, &body)?;
    assert!(h.phone.status().calls.is_empty());
    h.shutdown().await;
    Ok(())
}

fn panic_event(why: &str) -> dialtone_api::DialConfirmRequested {
    panic!("{why}")
}

#[tokio::test]
async fn a_page_paired_for_silent_dialling_dials_at_once() -> Result<()> {
    let h = Harness::start().await?;
    h.approve(CRM, true).await?;
    let mut events = h.phone.subscribe();
    let (status, body) = dial_from_page(&h, CRM, json!({"to": nowhere()?})).await??;
    assert_eq!(status, 201, "{body}");
    let first = wait_for(&mut events, |e| match e {
        Event::DialConfirmRequested(_) => Some("asked"),
        Event::CallDialing(_) => Some("dialled"),
        _ => None,
    })
    .await?;
    assert_eq!(first, "dialled");
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_embed_page_dials_for_its_approved_parent() -> Result<()> {
    let h = Harness::start().await?;
    h.approve(CRM, false).await?;
    let mut events = h.phone.subscribe();
    let own = h.own_origin();
    // An unpaired parent is refused before the person is bothered.
    let (status, body) = dial_from_page(
        &h,
        &own,
        json!({"to": "1002", "source": "embed", "parentOrigin": "https://evil.example"}),
    )
    .await??;
    assert_eq!((status, code(&body)), (403, "origin_not_allowed"));
    // Another page cannot claim to be the embed page.
    let pending = dial_from_page(
        &h,
        CRM,
        json!({"to": nowhere()?, "source": "embed", "parentOrigin": CRM}),
    );
    let asked = wait_for(&mut events, |e| match e {
        Event::DialConfirmRequested(r) => Some(r.clone()),
        _ => None,
    })
    .await?;
    assert_eq!(asked.source.kind, DialSourceKind::Api);
    h.phone
        .execute(Command::ConfirmDial {
            request_id: asked.request_id,
            accept: false,
        })
        .await?;
    assert_eq!(pending.await??.0, 403);

    let pending = dial_from_page(
        &h,
        &own,
        json!({"to": nowhere()?, "source": "embed", "parentOrigin": CRM}),
    );
    let asked = wait_for(&mut events, |e| match e {
        Event::DialConfirmRequested(r) => Some(r.clone()),
        _ => None,
    })
    .await?;
    assert_eq!(asked.source.kind, DialSourceKind::Embed);
    assert_eq!(asked.source.origin.as_deref(), Some(CRM));
    h.phone
        .execute(Command::ConfirmDial {
            request_id: asked.request_id,
            accept: true,
        })
        .await?;
    let (status, body) = pending.await??;
    assert_eq!(status, 201, "{body}");
    assert!(body["callId"].is_string());
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_finished_call_is_in_the_history_as_json_and_csv() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    let peer = common::sip::busy_peer().await?;
    let mut events = h.phone.subscribe();
    let to = format!("sip:1002@127.0.0.1:{}", peer.port);
    let (status, _, body) = parts(h.post_json("/v1/calls", json!({"to": to})).await?).await?;
    assert_eq!(status, 201, "{body}");
    let call_id = body["callId"].as_str().unwrap_or_default().to_string();
    // The phone's owner records history from the events; here the test does.
    let store = h.store.clone();
    let ended = wait_for(&mut events, |e| {
        if let Err(e) = store.record(&dialtone_api::Envelope::new(e.clone(), chrono::Utc::now())) {
            panic!("recording: {e}");
        }
        match e {
            Event::CallEnded(end) if end.call_id == call_id => Some(end.clone()),
            _ => None,
        }
    })
    .await?;
    assert_eq!(ended.cause, dialtone_api::EndCause::Busy);

    let (status, _, page) = parts(
        h.authed(
            Method::GET,
            "/v1/history?limit=10&direction=outgoing&q=1002",
        )
        .send()
        .await?,
    )
    .await?;
    assert_eq!(status, 200, "{page}");
    contract.check("GET", "/v1/history", status, &page)?;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["callId"], call_id.as_str());
    assert_eq!(page["items"][0]["endCause"], "busy");
    let (_, _, none) = parts(
        h.authed(Method::GET, "/v1/history?direction=incoming")
            .send()
            .await?,
    )
    .await?;
    assert_eq!(none["total"], 0);
    let (status, _, body) = parts(
        h.authed(Method::GET, "/v1/history?limit=many")
            .send()
            .await?,
    )
    .await?;
    assert_eq!((status, code(&body)), (400, "bad_request"));
    contract.check("GET", "/v1/history", status, &body)?;

    let response = h.authed(Method::GET, "/v1/history.csv").send().await?;
    assert_eq!(response.status(), 200);
    let headers = response.headers().clone();
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert!(header(&headers, "content-disposition").is_some_and(|d| d.starts_with("attachment")));
    let csv = response.text().await?;
    assert!(csv.starts_with(dialtone_store::CSV_HEADER[0]), "{csv}");
    assert!(csv.contains(&call_id), "{csv}");
    assert_eq!(csv.lines().count(), 2, "{csv}");
    h.shutdown().await;
    Ok(())
}
