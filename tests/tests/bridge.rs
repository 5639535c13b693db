//! The localhost bridge of the real `dialtone serve`, over real HTTP and WebSocket: each
//! security rule refuses its hostile request; click-to-dial reaches a real baresip through
//! Kamailio with the events in order on the WebSocket; the call is in /v1/history and the
//! CSV; a web page's dial waits for the person's confirmation.

use std::time::Duration;

use anyhow::{ensure, Result};
use dialtone_e2e::baresip::PCMU;
use dialtone_e2e::bridge::BridgeRig;
use dialtone_e2e::http::send;
use serde_json::json;

const PEER: &str = "1003";
const WAIT: Duration = Duration::from_secs(10);
const CRM: &str = "https://crm.example.com";

#[test]
fn every_security_rule_refuses_its_hostile_request() -> Result<()> {
    let b = BridgeRig::start("rate_limit_per_minute = 3", "")?;
    let p = b.port;
    let host = b.host();
    let auth = format!("Bearer {}", b.token);

    // A bearer token on every request.
    let r = send(p, "GET", "/v1/status", &[("Host", &host)], None)?;
    ensure!(
        r.status == 401 && r.error_code() == "unauthorized",
        "{}",
        r.text()
    );
    ensure!(r.header("www-authenticate") == Some("Bearer"));
    let r = send(
        p,
        "GET",
        "/v1/status",
        &[("Host", &host), ("Authorization", "Bearer nope")],
        None,
    )?;
    ensure!(r.status == 401, "wrong token: {}", r.status);
    let path = format!("/v1/status?access_token={}", b.token);
    let r = send(p, "GET", &path, &[("Host", &host)], None)?;
    ensure!(r.status == 401, "token in the query string: {}", r.status);
    let r = send(
        p,
        "GET",
        "/v1/status",
        &[("Host", &host), ("Authorization", &auth)],
        None,
    )?;
    ensure!(
        r.status == 200 && r.json()?["accounts"][0]["state"] == "registered",
        "{}",
        r.text()
    );

    // Host must be the bridge's own (DNS rebinding).
    for bad in [
        format!("evil.com:{p}"),
        format!("127.0.0.1.evil.com:{p}"),
        "127.0.0.1:80".into(),
    ] {
        let r = send(
            p,
            "GET",
            "/v1/status",
            &[("Host", &bad), ("Authorization", &auth)],
            None,
        )?;
        ensure!(
            r.status == 403 && r.error_code() == "bad_host",
            "Host {bad}: {}",
            r.status
        );
    }
    for good in [format!("localhost:{p}"), format!("[::1]:{p}")] {
        let r = send(
            p,
            "GET",
            "/v1/status",
            &[("Host", &good), ("Authorization", &auth)],
            None,
        )?;
        ensure!(r.status == 200, "Host {good}: {}", r.status);
    }

    // A browser's Origin must be approved; no CORS headers otherwise, preflight included.
    let with_origin = |method: &str, path: &str, extra: &[(&str, &str)]| {
        let mut h = vec![
            ("Host", host.as_str()),
            ("Authorization", auth.as_str()),
            ("Origin", CRM),
        ];
        h.extend_from_slice(extra);
        send(p, method, path, &h, None)
    };
    let r = with_origin("GET", "/v1/status", &[])?;
    ensure!(
        r.status == 403 && r.error_code() == "origin_not_allowed",
        "{}",
        r.text()
    );
    ensure!(r.header("access-control-allow-origin").is_none());
    let preflight = |origin: &str| {
        send(
            p,
            "OPTIONS",
            "/v1/calls",
            &[
                ("Host", host.as_str()),
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                (
                    "Access-Control-Request-Headers",
                    "authorization, content-type",
                ),
                ("Access-Control-Request-Private-Network", "true"),
            ],
            None,
        )
    };
    let r = preflight(CRM)?;
    ensure!(
        r.status == 403 && r.header("access-control-allow-origin").is_none(),
        "{}",
        r.status
    );

    // Pairing: the page asks, cannot approve itself, the person approves with the CLI.
    let r = send(
        p,
        "POST",
        "/v1/pair",
        &[("Host", &host), ("Authorization", &auth), ("Origin", CRM)],
        None,
    )?;
    ensure!(
        r.status == 202 && r.json()?["state"] == "pending",
        "{}",
        r.text()
    );
    let body = serde_json::to_vec(&json!({"origin": CRM, "silentDial": true}))?;
    let r = send(
        p,
        "POST",
        "/v1/pairings/approve",
        &[
            ("Host", &host),
            ("Authorization", &auth),
            ("Origin", CRM),
            ("Content-Type", "application/json"),
        ],
        Some(&body),
    )?;
    ensure!(
        r.status == 403 && r.error_code() == "browser_not_allowed",
        "{}",
        r.text()
    );
    ensure!(b.cli(&["pair", "list"])?.contains("pending"));
    b.cli(&["pair", "approve", CRM])?;
    let r = with_origin("GET", "/v1/status", &[])?;
    ensure!(
        r.status == 200 && r.header("access-control-allow-origin") == Some(CRM),
        "{}",
        r.status
    );
    let r = preflight(CRM)?;
    ensure!(r.status == 204, "approved preflight: {}", r.status);
    ensure!(r.header("access-control-allow-private-network") == Some("true"));
    ensure!(r.header("access-control-allow-origin") == Some(CRM));
    b.cli(&["pair", "revoke", CRM])?;
    ensure!(
        with_origin("GET", "/v1/status", &[])?.status == 403,
        "revoked origin refused"
    );

    // No state change on GET.
    let r = b.call("GET", "/v1/calls/c-1/hangup", None)?;
    ensure!(r.status == 405, "GET on a POST route: {}", r.status);
    let r = send(
        p,
        "GET",
        "/v1/calls?to=1003",
        &[("Host", &host), ("Authorization", &auth)],
        None,
    )?;
    ensure!(
        r.status == 200 && r.json()?.as_array().is_some_and(|a| a.is_empty()),
        "{}",
        r.text()
    );

    // Size limits.
    let big = format!("{{\"to\":\"{}\"}}", "1".repeat(20_000));
    let r = send(
        p,
        "POST",
        "/v1/calls",
        &[
            ("Host", &host),
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        Some(big.as_bytes()),
    )?;
    ensure!(
        r.status == 413 && r.error_code() == "payload_too_large",
        "{}",
        r.status
    );

    // Numbers are validated before dialling; unknown calls are 404; errors have a code.
    let r = b.call("POST", "/v1/calls", Some(&json!({"to": "12<script>"})))?;
    ensure!(
        r.status == 400 && r.error_code() == "bad_number",
        "{}",
        r.text()
    );
    let r = b.call("POST", "/v1/calls/c-nope/hangup", None)?;
    ensure!(
        r.status == 404 && r.error_code() == "unknown_call",
        "{}",
        r.text()
    );
    ensure!(
        b.rig.phone.status()?.calls.is_empty(),
        "nothing was dialled"
    );

    // Rate limit on POST /v1/calls: 3 per minute here (the bad number took one).
    let mut last = 0;
    for _ in 0..4 {
        last = b
            .call("POST", "/v1/calls", Some(&json!({"to": "+"})))?
            .status;
        if last == 429 {
            break;
        }
    }
    ensure!(last == 429, "no 429 after the limit");

    // The WebSocket without a token.
    let r = send(
        p,
        "GET",
        "/v1/events",
        &[
            ("Host", &host),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ],
        None,
    )?;
    ensure!(r.status == 401, "WebSocket without token: {}", r.status);

    // The OpenAPI document is served and describes the routes used here.
    let doc = b.call("GET", "/v1/openapi.json", None)?.json()?;
    for path in [
        "/v1/status",
        "/v1/calls",
        "/v1/calls/{id}/hangup",
        "/v1/history",
        "/v1/events",
        "/v1/pair",
    ] {
        ensure!(
            doc["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    Ok(())
}

#[test]
fn click_to_dial_reaches_baresip_with_events_in_order_and_lands_in_history() -> Result<()> {
    let b = BridgeRig::start("", "")?;
    let mut peer = b.rig.peer(PEER, 440.0, PCMU, true)?;
    let mut events = b.events()?;
    let snapshot = events.next(WAIT)?;
    ensure!(snapshot["event"] == "snapshot", "first message: {snapshot}");
    ensure!(
        snapshot["data"]["accounts"][0]["state"] == "registered",
        "{snapshot}"
    );

    let r = b.call("POST", "/v1/calls", Some(&json!({"to": PEER})))?;
    ensure!(r.status == 201, "{}", r.text());
    let call_id = r.json()?["callId"].as_str().unwrap_or_default().to_owned();
    let (_, before) = events.until("call.answered", Some(&call_id), WAIT)?;
    peer.wait_call_established(WAIT)?;
    let info = b
        .call("GET", &format!("/v1/calls/{call_id}"), None)?
        .json()?;
    ensure!(info["state"] == "active", "{info}");

    let r = b.call(
        "POST",
        &format!("/v1/calls/{call_id}/dtmf"),
        Some(&json!({"digits": "42"})),
    )?;
    ensure!(r.status == 204, "dtmf: {}", r.text());
    peer.wait_dtmf("42", WAIT)?;
    let r = b.call("POST", &format!("/v1/calls/{call_id}/hangup"), None)?;
    ensure!(r.status == 204, "{}", r.text());
    let (ended, after) = events.until("call.ended", Some(&call_id), WAIT)?;
    ensure!(ended["data"]["cause"] == "completed", "{ended}");

    let order: Vec<String> = before
        .iter()
        .chain(after.iter())
        .filter(|n| {
            [
                "call.dialing",
                "call.ringing",
                "call.answered",
                "call.ended",
            ]
            .contains(&n.as_str())
        })
        .cloned()
        .collect();
    println!("events on the WebSocket: {order:?}");
    ensure!(
        order.first().map(String::as_str) == Some("call.dialing"),
        "{order:?}"
    );
    ensure!(
        order.last().map(String::as_str) == Some("call.ended"),
        "{order:?}"
    );
    let pos = |n: &str| order.iter().position(|x| x == n);
    ensure!(pos("call.dialing") < pos("call.answered"), "{order:?}");

    let page = b
        .call("GET", "/v1/history?limit=5&direction=outgoing", None)?
        .json()?;
    let row = &page["items"][0];
    ensure!(
        row["callId"] == call_id.as_str() && row["endCause"] == "completed",
        "{page}"
    );
    ensure!(row["remoteNumber"] == PEER, "{row}");
    let q = b
        .call("GET", "/v1/history?q=no-such-caller", None)?
        .json()?;
    ensure!(q["total"] == 0, "{q}");
    let csv = b.call("GET", "/v1/history.csv", None)?;
    ensure!(
        csv.status == 200
            && csv
                .header("content-type")
                .is_some_and(|c| c.starts_with("text/csv"))
    );
    let text = csv.text();
    ensure!(
        text.starts_with("callId,") && text.contains(&call_id),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_web_page_dial_waits_for_the_persons_confirmation() -> Result<()> {
    let b = BridgeRig::start("", "")?;
    let mut peer = b.rig.peer(PEER, 440.0, PCMU, true)?;
    b.cli(&["pair", "approve", CRM])?;
    let mut events = b.events()?;
    let dial = b.page_dial(CRM, PEER);
    let (asked, _) = events.until("dial.confirm_requested", None, WAIT)?;
    ensure!(asked["data"]["source"]["origin"] == CRM, "{asked}");
    ensure!(
        b.rig.phone.status()?.calls.is_empty(),
        "nothing dialled before the yes"
    );
    let request_id = asked["data"]["requestId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    b.rig.phone.cli(&["confirm", &request_id])?;
    let r = dial
        .join()
        .map_err(|_| anyhow::anyhow!("dial thread panicked"))??;
    ensure!(
        r.status == 201 && r.header("access-control-allow-origin") == Some(CRM),
        "{}",
        r.text()
    );
    peer.wait_call_established(WAIT)?;

    // Declined: 403 dial_declined and no call.
    let dial = b.page_dial(CRM, "1004");
    let (asked, _) = events.until("dial.confirm_requested", None, WAIT)?;
    let request_id = asked["data"]["requestId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    b.rig.phone.cli(&["confirm", &request_id, "--decline"])?;
    let r = dial
        .join()
        .map_err(|_| anyhow::anyhow!("dial thread panicked"))??;
    ensure!(
        r.status == 403 && r.error_code() == "dial_declined",
        "{}",
        r.text()
    );
    ensure!(
        b.rig.phone.status()?.calls.len() == 1,
        "only the confirmed call"
    );
    Ok(())
}

#[test]
fn without_a_registered_account_click_to_dial_is_503() -> Result<()> {
    use dialtone_api::RegistrationState;
    use dialtone_e2e::kamailio::{free_port, Kamailio};
    use dialtone_e2e::phone::Dialtone;

    let kamailio = Kamailio::start()?;
    let port = free_port()?;
    let config = format!(
        "[sip]\nlisten = \"127.0.0.1\"\nport = 0\n[audio]\nbackend = \"null\"\n[bridge]\nport = {port}\n\
         [[accounts]]\nid = \"work\"\nuser = \"1001\"\ndomain = \"127.0.0.1:{}\"\npassword_env = \"DT_WRONG\"\n",
        kamailio.udp_port()
    );
    let mut phone = Dialtone::start(&config, &[("DT_WRONG", "not-the-password")])?;
    phone.wait_registration("work", RegistrationState::AuthFailed, WAIT)?;
    let out = std::process::Command::new(dialtone_e2e::phone::binary()?)
        .args(["token", "--config"])
        .arg(phone.dir().join("config.toml"))
        .output()?;
    let token = String::from_utf8(out.stdout)?.trim().to_owned();
    let r = dialtone_e2e::http::call(
        port,
        &token,
        "POST",
        "/v1/calls",
        Some(&json!({"to": PEER})),
    )?;
    ensure!(
        r.status == 503 && r.error_code() == "no_registered_account",
        "{}",
        r.text()
    );
    Ok(())
}
