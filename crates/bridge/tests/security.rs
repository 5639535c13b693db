//! Every security rule of the bridge, each met with the hostile request it exists for.

mod common;

use anyhow::Result;
use common::contract::Contract;
use common::{code, has_cors, header, parts, raw, Harness};
use dialtone_bridge::BridgeConfig;
use reqwest::header::{CONTENT_TYPE, ORIGIN};
use reqwest::Method;
use serde_json::json;

const EVIL: &str = "https://evil.example";
const CRM: &str = "https://crm.example.com";

#[tokio::test]
async fn no_token_is_401_with_bearer_challenge() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    let (status, headers, body) = parts(h.bare(Method::GET, "/v1/status").send().await?).await?;
    assert_eq!(status, 401);
    assert_eq!(code(&body), "unauthorized");
    assert_eq!(header(&headers, "www-authenticate"), Some("Bearer"));
    contract.check("GET", "/v1/status", status, &body)?;
    // Unknown paths are not revealed either.
    let (status, _, _) = parts(h.bare(Method::GET, "/v1/nothing").send().await?).await?;
    assert_eq!(status, 401);
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn wrong_token_is_401() -> Result<()> {
    let h = Harness::start().await?;
    for value in [
        format!("Bearer {}x", h.token),
        format!("Bearer {}", &h.token[..h.token.len() - 1]),
        "Bearer ".to_string(),
        format!("Basic {}", h.token),
        h.token.clone(),
    ] {
        let response = h
            .bare(Method::GET, "/v1/status")
            .header("authorization", value)
            .send()
            .await?;
        let (status, _, body) = parts(response).await?;
        assert_eq!(status, 401);
        assert_eq!(code(&body), "unauthorized");
    }
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn token_in_the_query_string_is_not_accepted() -> Result<()> {
    let h = Harness::start().await?;
    for query in ["token", "access_token", "bearer"] {
        let path = format!("/v1/status?{query}={}", h.token);
        let (status, _, body) = parts(h.bare(Method::GET, &path).send().await?).await?;
        assert_eq!(status, 401, "?{query}=");
        assert_eq!(code(&body), "unauthorized");
    }
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_foreign_host_is_refused() -> Result<()> {
    let h = Harness::start().await?;
    let port = h.port;
    for host in [
        format!("evil.com:{port}"),
        format!("127.0.0.1.evil.com:{port}"),
        format!("localhost.evil.com:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "127.0.0.1".to_string(),
        "localhost".to_string(),
    ] {
        let request = h.with_host(h.authed(Method::GET, "/v1/status"), &host);
        let (status, headers, body) = parts(request.send().await?).await?;
        assert_eq!(status, 403, "Host: {host}");
        assert_eq!(code(&body), "bad_host", "Host: {host}");
        assert!(!has_cors(&headers));
    }
    for host in [
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        let request = h.with_host(h.authed(Method::GET, "/v1/status"), &host);
        assert_eq!(request.send().await?.status(), 200, "Host: {host}");
    }
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_missing_host_is_400() -> Result<()> {
    let h = Harness::start().await?;
    let request = format!(
        "GET /v1/status HTTP/1.1\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
        h.token
    );
    let (status, text) = raw::send(h.port, request.as_bytes()).await?;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("\"bad_request\""), "{text}");
    // An absolute-form target naming another host is refused even with a good Host header.
    let request = format!(
        "GET http://evil.com:{0}/v1/status HTTP/1.1\r\nHost: 127.0.0.1:{0}\r\nAuthorization: Bearer {1}\r\nConnection: close\r\n\r\n",
        h.port, h.token
    );
    let (status, text) = raw::send(h.port, request.as_bytes()).await?;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("\"bad_host\""), "{text}");
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_unpaired_origin_is_refused_without_cors() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    let (status, headers, body) =
        parts(h.page(EVIL, Method::GET, "/v1/status").send().await?).await?;
    assert_eq!(status, 403);
    assert_eq!(code(&body), "origin_not_allowed");
    assert!(!has_cors(&headers), "{headers:?}");
    // A pending pairing is not an approved one.
    let (status, _, _) = parts(h.page(EVIL, Method::POST, "/v1/pair").send().await?).await?;
    assert_eq!(status, 202);
    let response = h
        .page(EVIL, Method::POST, "/v1/calls")
        .header(CONTENT_TYPE, "application/json")
        .body(json!({"to": "1002"}).to_string())
        .send()
        .await?;
    let (status, headers, body) = parts(response).await?;
    assert_eq!(status, 403);
    assert_eq!(code(&body), "origin_not_allowed");
    assert!(!has_cors(&headers));
    contract.check("POST", "/v1/calls", status, &body)?;
    assert!(h.phone.status().calls.is_empty());
    // `null` (sandboxed frames, file://) is no origin to trust.
    let (status, _, body) = parts(h.page("null", Method::GET, "/v1/status").send().await?).await?;
    assert_eq!(status, 403);
    assert_eq!(code(&body), "origin_not_allowed");
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_preflight_from_an_unpaired_origin_is_refused_without_cors() -> Result<()> {
    let h = Harness::start().await?;
    let response = h
        .bare(Method::OPTIONS, "/v1/calls")
        .header(ORIGIN, EVIL)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .header("access-control-request-private-network", "true")
        .send()
        .await?;
    let (status, headers, body) = parts(response).await?;
    assert_eq!(status, 403);
    assert_eq!(code(&body), "origin_not_allowed");
    assert!(!has_cors(&headers), "{headers:?}");
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_approved_origin_gets_cors_and_private_network_access() -> Result<()> {
    let h = Harness::start().await?;
    h.approve(CRM, false).await?;
    let response = h
        .bare(Method::OPTIONS, "/v1/calls")
        .header(ORIGIN, CRM)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .header("access-control-request-private-network", "true")
        .send()
        .await?;
    let (status, headers, _) = parts(response).await?;
    assert_eq!(status, 204);
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(CRM));
    assert_eq!(
        header(&headers, "access-control-allow-private-network"),
        Some("true")
    );
    let methods = header(&headers, "access-control-allow-methods").unwrap_or_default();
    assert!(
        methods.contains("POST") && methods.contains("GET"),
        "{methods}"
    );
    let allowed = header(&headers, "access-control-allow-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));
    assert!(header(&headers, "access-control-max-age").is_some());
    assert!(header(&headers, "vary").is_some_and(|v| v.contains("Origin")));

    let (status, headers, _) = parts(h.page(CRM, Method::GET, "/v1/status").send().await?).await?;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(CRM));
    // Without the token the page is refused, but may read why.
    let response = h
        .bare(Method::GET, "/v1/status")
        .header(ORIGIN, CRM)
        .send()
        .await?;
    let (status, headers, _) = parts(response).await?;
    assert_eq!(status, 401);
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(CRM));
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_page_cannot_approve_itself() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    // Unpaired, pending, and even approved pages may not manage pairings.
    let (status, _, body) = parts(h.page(EVIL, Method::POST, "/v1/pair").send().await?).await?;
    assert_eq!(status, 202);
    assert_eq!(body["state"], "pending");
    contract.check("POST", "/v1/pair", status, &body)?;
    h.approve(CRM, false).await?;
    for origin in [EVIL, CRM, &h.own_origin()] {
        let response = h
            .page(origin, Method::POST, "/v1/pairings/approve")
            .header(CONTENT_TYPE, "application/json")
            .body(json!({"origin": EVIL, "silentDial": true}).to_string())
            .send()
            .await?;
        let (status, headers, body) = parts(response).await?;
        assert_eq!(status, 403, "from {origin}");
        assert_eq!(code(&body), "browser_not_allowed");
        contract.check("POST", "/v1/pairings/approve", status, &body)?;
        if origin == EVIL {
            assert!(!has_cors(&headers));
        }
        let (status, _, body) =
            parts(h.page(origin, Method::GET, "/v1/pairings").send().await?).await?;
        assert_eq!((status, code(&body)), (403, "browser_not_allowed"));
        let response = h
            .page(origin, Method::POST, "/v1/pairings/revoke")
            .header(CONTENT_TYPE, "application/json")
            .body(json!({"origin": CRM}).to_string())
            .send()
            .await?;
        let (status, _, body) = parts(response).await?;
        assert_eq!((status, code(&body)), (403, "browser_not_allowed"));
    }
    // Still pending; the CRM still approved.
    let (status, _, body) = parts(h.authed(Method::GET, "/v1/pairings").send().await?).await?;
    assert_eq!(status, 200);
    contract.check("GET", "/v1/pairings", status, &body)?;
    let state_of = |o: &str| {
        body.as_array()
            .and_then(|a| a.iter().find(|p| p["origin"] == o))
            .map(|p| p["state"].clone())
    };
    assert_eq!(state_of(EVIL), Some(json!("pending")));
    assert_eq!(state_of(CRM), Some(json!("approved")));
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_page_may_ask_to_pair_through_a_preflight() -> Result<()> {
    let h = Harness::start().await?;
    let response = h
        .bare(Method::OPTIONS, "/v1/pair")
        .header(ORIGIN, EVIL)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization")
        .send()
        .await?;
    let (status, headers, _) = parts(response).await?;
    assert_eq!(status, 204);
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(EVIL));
    let (status, headers, body) =
        parts(h.page(EVIL, Method::POST, "/v1/pair").send().await?).await?;
    assert_eq!(status, 202);
    assert_eq!(body["origin"], EVIL);
    assert_eq!(body["state"], "pending");
    assert_eq!(body["silentDial"], false);
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(EVIL));
    // Without the token, no pairing request.
    let response = h
        .bare(Method::POST, "/v1/pair")
        .header(ORIGIN, "https://other.example")
        .send()
        .await?;
    assert_eq!(response.status(), 401);
    let (_, _, body) = parts(h.authed(Method::GET, "/v1/pairings").send().await?).await?;
    assert_eq!(body.as_array().map(Vec::len), Some(1));
    // Approved: 200.
    h.approve(EVIL, false).await?;
    let (status, _, body) = parts(h.page(EVIL, Method::POST, "/v1/pair").send().await?).await?;
    assert_eq!(status, 200);
    assert_eq!(body["state"], "approved");
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn get_on_a_post_route_is_405_and_changes_nothing() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    for path in [
        "/v1/calls/c-1/answer",
        "/v1/calls/c-1/hangup",
        "/v1/calls/c-1/dtmf",
        "/v1/pair",
        "/v1/pairings/approve",
    ] {
        for method in [Method::GET, Method::HEAD] {
            let (status, _, body) = parts(h.authed(method.clone(), path).send().await?).await?;
            assert_eq!(status, 405, "{method} {path}");
            if method == Method::GET {
                assert_eq!(code(&body), "method_not_allowed");
            }
        }
    }
    contract.template("/v1/pair")?;
    // A query string does not turn a GET into a dial.
    let (status, _, body) = parts(
        h.authed(Method::GET, "/v1/calls?to=1002&accountId=local")
            .send()
            .await?,
    )
    .await?;
    assert_eq!(status, 200);
    assert_eq!(body, json!([]));
    assert!(h.phone.status().calls.is_empty());
    let (_, _, pairings) = parts(h.authed(Method::GET, "/v1/pairings").send().await?).await?;
    assert_eq!(pairings, json!([]));
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_oversized_body_is_413() -> Result<()> {
    let h = Harness::with(BridgeConfig {
        port: 0,
        max_body_bytes: 1024,
        ..BridgeConfig::default()
    })
    .await?;
    let big = json!({"to": "1002", "pad": "x".repeat(4096)});
    let (status, _, body) = parts(h.post_json("/v1/calls", big).await?).await?;
    assert_eq!(status, 413);
    assert_eq!(code(&body), "payload_too_large");
    // Chunked, so no Content-Length to look at first.
    let chunk = format!("{{\"to\":\"1002\",\"pad\":\"{}\"}}", "y".repeat(4000));
    let request = format!(
        "POST /v1/calls HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        h.port,
        h.token,
        chunk.len()
    );
    let (status, text) = raw::send(h.port, request.as_bytes()).await?;
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("payload_too_large"));
    assert!(h.phone.status().calls.is_empty());
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn long_uris_and_bad_bodies_are_refused() -> Result<()> {
    let h = Harness::start().await?;
    let path = format!("/v1/calls/{}", "a".repeat(3000));
    let (status, _, body) = parts(h.authed(Method::GET, &path).send().await?).await?;
    assert_eq!(status, 414);
    assert_eq!(code(&body), "uri_too_long");

    let response = h
        .authed(Method::POST, "/v1/calls")
        .header(CONTENT_TYPE, "text/plain")
        .body(json!({"to": "1002"}).to_string())
        .send()
        .await?;
    let (status, _, body) = parts(response).await?;
    assert_eq!(status, 415);
    assert_eq!(code(&body), "unsupported_media_type");

    let response = h
        .authed(Method::POST, "/v1/calls")
        .header(CONTENT_TYPE, "application/json")
        .body("{\"to\": ")
        .send()
        .await?;
    let (status, _, body) = parts(response).await?;
    assert_eq!(status, 400);
    assert_eq!(code(&body), "bad_request");
    let (status, _, body) =
        parts(h.post_json("/v1/calls", json!({"number": "1002"})).await?).await?;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("number"),
        "{body}"
    );
    assert!(h.phone.status().calls.is_empty());
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn dialling_is_rate_limited() -> Result<()> {
    let h = Harness::with(BridgeConfig {
        port: 0,
        rate_limit_per_minute: 3,
        ..BridgeConfig::default()
    })
    .await?;
    let contract = Contract::fetch(&h).await?;
    for _ in 0..3 {
        let (status, _, body) =
            parts(h.post_json("/v1/calls", json!({"to": "10<02"})).await?).await?;
        assert_eq!((status, code(&body)), (400, "bad_number"));
    }
    let (status, headers, body) =
        parts(h.post_json("/v1/calls", json!({"to": "1002"})).await?).await?;
    assert_eq!(status, 429);
    assert_eq!(code(&body), "rate_limited");
    let retry: u64 = header(&headers, "retry-after")
        .unwrap_or_default()
        .parse()?;
    assert!((1..=20).contains(&retry), "Retry-After: {retry}");
    contract.check("POST", "/v1/calls", status, &body)?;
    assert!(h.phone.status().calls.is_empty());
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_embed_origin_list_is_for_the_embed_page_only() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    h.approve(CRM, false).await?;
    let (status, _, body) = parts(
        h.page(&h.own_origin(), Method::GET, "/v1/embed/origins")
            .send()
            .await?,
    )
    .await?;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"origins": [CRM]}));
    contract.check("GET", "/v1/embed/origins", status, &body)?;
    let (status, _, body) =
        parts(h.page(CRM, Method::GET, "/v1/embed/origins").send().await?).await?;
    assert_eq!((status, code(&body)), (403, "browser_not_allowed"));
    let (status, _, _) = parts(h.bare(Method::GET, "/v1/embed/origins").send().await?).await?;
    assert_eq!(status, 401);
    h.shutdown().await;
    Ok(())
}
