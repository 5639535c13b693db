//! The OpenAPI document itself, and the static embed page.

mod common;

use anyhow::Result;
use common::contract::Contract;
use common::{header, parts, Harness};
use reqwest::Method;
use serde_json::json;

const ROUTES: [(&str, &str); 23] = [
    ("get", "/v1/status"),
    ("get", "/v1/calls"),
    ("post", "/v1/calls"),
    ("get", "/v1/calls/{id}"),
    ("post", "/v1/calls/{id}/answer"),
    ("post", "/v1/calls/{id}/reject"),
    ("post", "/v1/calls/{id}/hangup"),
    ("post", "/v1/calls/{id}/hold"),
    ("post", "/v1/calls/{id}/resume"),
    ("post", "/v1/calls/{id}/mute"),
    ("post", "/v1/calls/{id}/unmute"),
    ("post", "/v1/calls/{id}/dtmf"),
    ("get", "/v1/history"),
    ("get", "/v1/history.csv"),
    ("get", "/v1/events"),
    ("post", "/v1/pair"),
    ("get", "/v1/pairings"),
    ("post", "/v1/pairings/approve"),
    ("post", "/v1/pairings/revoke"),
    ("get", "/v1/embed/origins"),
    ("get", "/v1/openapi.json"),
    ("get", "/embed"),
    ("get", "/embed.js"),
];

#[tokio::test]
async fn the_document_describes_every_route_and_the_bearer_scheme() -> Result<()> {
    let h = Harness::start().await?;
    let contract = Contract::fetch(&h).await?;
    let doc = contract.doc();
    for (method, path) in ROUTES {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is missing"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"]
            .as_str()
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("bearer")
    );
    assert!(doc["security"].to_string().contains("bearer"));
    for schema in [
        "ErrorBody",
        "Status",
        "CallInfo",
        "Envelope",
        "HistoryPage",
        "OriginEntry",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    // The checker is not vacuous: a body that does not fit is caught.
    assert!(contract
        .check_named("ErrorBody", &json!({"error": {}}))
        .is_err());
    assert!(contract
        .check_named("Status", &json!({"version": 1}))
        .is_err());
    assert!(contract
        .check("GET", "/v1/status", 200, &json!({"accounts": "none"}))
        .is_err());
    assert!(contract.template("/v1/not-a-route").is_err());
    // The document needs the token like everything else.
    let response = h.bare(Method::GET, "/v1/openapi.json").send().await?;
    assert_eq!(response.status(), 401);
    h.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_embed_page_is_static_and_framed_only_by_approved_origins() -> Result<()> {
    let h = Harness::start().await?;
    let (status, headers, _) = parts(h.bare(Method::GET, "/embed").send().await?).await?;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").is_some_and(|t| t.starts_with("text/html")));
    let csp = header(&headers, "content-security-policy")
        .unwrap_or_default()
        .to_string();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains(&format!("ws://127.0.0.1:{}", h.port)), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));

    h.approve("https://crm.example.com", false).await?;
    h.approve("https://other.example:8443", false).await?;
    let response = h.bare(Method::GET, "/embed").send().await?;
    let csp = header(response.headers(), "content-security-policy")
        .unwrap_or_default()
        .to_string();
    assert!(
        csp.contains("frame-ancestors https://crm.example.com https://other.example:8443;"),
        "{csp}"
    );
    let html = response.text().await?;
    assert!(html.contains("<script src=\"/embed.js\"></script>"));
    assert!(!html.contains(&h.token));

    let response = h.bare(Method::GET, "/embed.js").send().await?;
    assert_eq!(response.status(), 200);
    assert!(header(response.headers(), "content-type").is_some_and(|t| t.contains("javascript")));
    let script = response.text().await?;
    assert!(script.contains("postMessage"));
    assert!(
        !script.contains("\"*\"") && !script.contains("'*'"),
        "never post to any origin"
    );
    // Still behind the Host check.
    let request = h.with_host(h.bare(Method::GET, "/embed"), "evil.com");
    assert_eq!(request.send().await?.status(), 403);
    h.shutdown().await;
    Ok(())
}
