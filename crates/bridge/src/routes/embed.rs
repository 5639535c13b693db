//! `/embed` and `/embed.js`: the page a CRM puts in an iframe. Static; the token travels in
//! the URL fragment (`/embed#token=...`), which the browser never sends.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::state::Shared;
use crate::store_access;

const PAGE: &str = include_str!("../../assets/embed.html");
const SCRIPT: &str = include_str!("../../assets/embed.js");

/// The embed page, with a CSP that lets only approved origins frame it.
#[utoipa::path(get, path = "/embed", tag = "embed", security(()),
    responses((status = 200, description = "The embed page", content_type = "text/html")))]
pub(crate) async fn embed_page(State(state): State<Shared>) -> Response {
    let ancestors = match store_access::approved_origins(&state.store) {
        Ok(origins) => origins
            .into_iter()
            .filter(|o| is_csp_safe(o))
            .collect::<Vec<_>>()
            .join(" "),
        Err(_) => String::new(),
    };
    let ancestors = if ancestors.is_empty() {
        "'none'".to_string()
    } else {
        ancestors
    };
    let port = state.port;
    let csp = format!(
        "default-src 'none'; script-src 'self'; \
         connect-src 'self' ws://127.0.0.1:{port} ws://localhost:{port} ws://[::1]:{port}; \
         frame-ancestors {ancestors}; base-uri 'none'; form-action 'none'"
    );
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], PAGE).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    common_headers(headers);
    response
}

/// The embed page's script.
#[utoipa::path(get, path = "/embed.js", tag = "embed", security(()),
    responses((status = 200, description = "The embed page's script", content_type = "text/javascript")))]
pub(crate) async fn embed_script() -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response();
    common_headers(response.headers_mut());
    response
}

fn common_headers(headers: &mut axum::http::HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
}

/// An origin can go into a CSP source list only if it cannot end the directive or list.
fn is_csp_safe(origin: &str) -> bool {
    origin
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '.' | '-' | '[' | ']'))
}
