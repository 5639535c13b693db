//! The checks every request passes before a handler sees it, in order: sizes, `Host`
//! (DNS rebinding), CORS preflight, the bearer token, and `Origin`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api_error::ApiError;
use crate::cors;
use crate::extract::BodyLimit;
use crate::state::{Caller, Shared};
use crate::store_access;
use crate::token;

/// The longest request target accepted, bytes.
const MAX_URI: usize = 2048;
/// The most header bytes accepted (names and values).
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The WebSocket subprotocol prefix that carries the token (browsers cannot set headers there).
pub(crate) const BEARER_PROTOCOL_PREFIX: &str = "dialtone.bearer.";

/// Paths under which pairings are managed: never from a web page.
const PAIRING_ADMIN: &str = "/v1/pairings";
/// The one route a page not yet approved may use (with the token).
const PAIR: &str = "/v1/pair";
/// Paths served without a token: the static embed page and its script.
const PUBLIC: [&str; 2] = ["/embed", "/embed.js"];

pub(crate) async fn guard(
    State(state): State<Shared>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Err(refused) = check_sizes(&request, state.config.max_body_bytes) {
        return refused.into_response();
    }
    if let Err(refused) = check_host(state.port, &request) {
        return refused.into_response();
    }

    let origin = match request.headers().get(header::ORIGIN) {
        None => None,
        Some(value) => match value.to_str() {
            Ok(text) => Some((value.clone(), text.to_string())),
            Err(_) => {
                return ApiError::bad_request("the Origin header is not text").into_response()
            }
        },
    };
    let mut caller = Caller::default();
    let mut allowed = false;
    if let Some((_, text)) = &origin {
        if state.is_own_origin(text) {
            allowed = true;
            caller.own_origin = true;
            caller.origin = Some(text.to_ascii_lowercase());
        } else {
            match store_access::approved(&state.store, text) {
                Ok(Some(pairing)) => {
                    allowed = true;
                    caller.silent_dial = pairing.silent_dial;
                    caller.origin = Some(pairing.origin);
                }
                Ok(None) => caller.origin = Some(text.to_string()),
                Err(e) => return ApiError::from(e).into_response(),
            }
        }
    }
    let cors_origin = origin.as_ref().filter(|_| allowed).map(|(v, _)| v.clone());

    let path = request.uri().path().to_string();
    let method = request.method().clone();
    // A page asks to pair before it is approved; its preflight must pass for that one route.
    let pairing_request = path == PAIR;
    let cors_origin = match (&cors_origin, &origin) {
        (None, Some((value, _))) if pairing_request => Some(value.clone()),
        _ => cors_origin,
    };
    if method == Method::OPTIONS {
        return match (&origin, &cors_origin) {
            (_, Some(value)) => cors::preflight(value, request.headers()),
            (None, None) => {
                let mut response = StatusCode::NO_CONTENT.into_response();
                response.headers_mut().insert(
                    header::ALLOW,
                    HeaderValue::from_static("GET, POST, OPTIONS"),
                );
                response
            }
            (Some((_, text)), None) => not_allowed(text).into_response(),
        };
    }
    if (method == Method::GET || method == Method::HEAD) && PUBLIC.contains(&path.as_str()) {
        return next.run(request).await;
    }

    // The token as stored now, so `dialtone token --regenerate` takes effect at once.
    let expected = state
        .store
        .setting(token::TOKEN_SETTING)
        .ok()
        .flatten()
        .unwrap_or_else(|| state.token.clone());
    let refusal = if !authorized(&expected, &path, request.headers()) {
        Some(ApiError::unauthorized())
    } else if origin.is_some() && (path == PAIRING_ADMIN || path.starts_with("/v1/pairings/")) {
        Some(ApiError::forbidden(
            "browser_not_allowed",
            "pairings are approved, revoked and listed from the app or the command line, never from a web page",
        ))
    } else if let (Some((_, text)), false) = (&origin, allowed) {
        if method == Method::POST && pairing_request {
            None
        } else {
            Some(not_allowed(text))
        }
    } else {
        None
    };

    let mut response = match refusal {
        Some(error) => error.into_response(),
        None => {
            request.extensions_mut().insert(caller);
            request
                .extensions_mut()
                .insert(BodyLimit(state.config.max_body_bytes));
            next.run(request).await
        }
    };
    let headers = response.headers_mut();
    cors::vary(headers);
    if let Some(value) = &cors_origin {
        cors::allow(headers, value);
    }
    response
}

fn not_allowed(origin: &str) -> ApiError {
    ApiError::forbidden(
        "origin_not_allowed",
        format!(
            "the origin `{origin}` is not paired with this phone: POST /v1/pair from it, then approve it in the app"
        ),
    )
}

fn check_sizes(request: &Request, max_body: usize) -> Result<(), ApiError> {
    let target = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if target > MAX_URI {
        return Err(ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request target is longer than {MAX_URI} bytes"),
        ));
    }
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            format!("the request headers are larger than {MAX_HEADER_BYTES} bytes"),
        ));
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body as u64) {
        return Err(too_large(max_body));
    }
    Ok(())
}

pub(crate) fn too_large(max_body: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body is larger than {max_body} bytes"),
    )
}

/// `Host` must name the bridge itself by loopback address or `localhost`, with its port:
/// a page on `evil.com` that rebinds its name to 127.0.0.1 still sends `Host: evil.com`.
fn check_host(port: u16, request: &Request) -> Result<(), ApiError> {
    let host = match request.headers().get(header::HOST) {
        None => {
            return Err(ApiError::bad_request("the Host header is missing"));
        }
        Some(value) => value.to_str().unwrap_or_default().to_ascii_lowercase(),
    };
    let ok = |h: &str| {
        let expected = [
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
            format!("localhost:{port}"),
        ];
        expected.iter().any(|e| e == h)
    };
    let authority_ok = request
        .uri()
        .authority()
        .is_none_or(|a| ok(&a.as_str().to_ascii_lowercase()));
    if ok(&host) && authority_ok {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "bad_host",
            format!(
                "the bridge answers only to 127.0.0.1:{port}, [::1]:{port} and localhost:{port}"
            ),
        ))
    }
}

/// The token from `Authorization: Bearer`, or on `/v1/events` from a
/// `Sec-WebSocket-Protocol: dialtone.bearer.<token>` entry. Never from the query string.
fn authorized(expected: &str, path: &str, headers: &HeaderMap) -> bool {
    let from_header = headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .any(|given| token::matches(expected, given));
    if from_header {
        return true;
    }
    if path != "/v1/events" {
        return false;
    }
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|p| p.trim().strip_prefix(BEARER_PROTOCOL_PREFIX))
        .any(|given| token::matches(expected, given))
}
