//! Pairing web origins: a page asks (`POST /v1/pair`), the person approves in the app or with
//! the command line (`/v1/pairings/*`, refused to anything carrying an `Origin`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use crate::api_error::{ApiError, ErrorBody};
use crate::extract::JsonBody;
use crate::state::{Caller, Shared};
use crate::store_access::{self, OriginEntry as Pairing, OriginState as PairingState};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ApproveBody {
    /// `https://crm.example.com`
    origin: String,
    /// Let this origin dial without the person confirming each call.
    #[serde(default)]
    silent_dial: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RevokeBody {
    origin: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmbedOrigins {
    /// The approved origins, normalised.
    origins: Vec<String>,
}

/// Ask to pair the request's `Origin` with the phone; the person approves it in the app.
#[utoipa::path(post, path = "/v1/pair", tag = "pairing",
    responses(
        (status = 200, description = "The origin is already approved", body = Pairing),
        (status = 202, description = "Pairing requested; waiting for the person", body = Pairing),
        (status = 400, description = "No Origin, or not a web origin", body = ErrorBody),
        (status = 401, description = "No or wrong token", body = ErrorBody),
    ))]
pub(crate) async fn pair(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, ApiError> {
    let origin = caller.origin.ok_or_else(|| {
        ApiError::bad_request("pairing is for web pages: the request carries no Origin header")
    })?;
    if caller.own_origin {
        return Err(ApiError::bad_request(
            "the bridge's own pages need no pairing",
        ));
    }
    let pairing = store_access::request_pairing(&state.store, &origin)?;
    let status = match pairing.state {
        PairingState::Approved => StatusCode::OK,
        _ => StatusCode::ACCEPTED,
    };
    Ok((status, Json(pairing)).into_response())
}

/// Every paired or pending origin. Not for web pages.
#[utoipa::path(get, path = "/v1/pairings", tag = "pairing",
    responses(
        (status = 200, description = "Paired and pending origins", body = Vec<Pairing>),
        (status = 401, description = "No or wrong token", body = ErrorBody),
        (status = 403, description = "browser_not_allowed", body = ErrorBody),
    ))]
pub(crate) async fn list_pairings(
    State(state): State<Shared>,
) -> Result<Json<Vec<Pairing>>, ApiError> {
    Ok(Json(store_access::pairings(&state.store)?))
}

/// Approve an origin (pending or not). Not for web pages.
#[utoipa::path(post, path = "/v1/pairings/approve", tag = "pairing", request_body = ApproveBody,
    responses(
        (status = 200, description = "Approved", body = Pairing),
        (status = 400, description = "Not a web origin", body = ErrorBody),
        (status = 401, description = "No or wrong token", body = ErrorBody),
        (status = 403, description = "browser_not_allowed", body = ErrorBody),
    ))]
pub(crate) async fn approve_pairing(
    State(state): State<Shared>,
    JsonBody(body): JsonBody<ApproveBody>,
) -> Result<Json<Pairing>, ApiError> {
    Ok(Json(store_access::approve(
        &state.store,
        &body.origin,
        body.silent_dial,
    )?))
}

/// Forget an origin. Not for web pages.
#[utoipa::path(post, path = "/v1/pairings/revoke", tag = "pairing", request_body = RevokeBody,
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No or wrong token", body = ErrorBody),
        (status = 403, description = "browser_not_allowed", body = ErrorBody),
        (status = 404, description = "not_found: the origin was not paired", body = ErrorBody),
    ))]
pub(crate) async fn revoke_pairing(
    State(state): State<Shared>,
    JsonBody(body): JsonBody<RevokeBody>,
) -> Result<StatusCode, ApiError> {
    if store_access::revoke(&state.store, &body.origin)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "`{}` is not paired",
            body.origin
        )))
    }
}

/// The approved origins, for the embed page to check its parent against.
#[utoipa::path(get, path = "/v1/embed/origins", tag = "pairing",
    responses(
        (status = 200, description = "Approved origins", body = EmbedOrigins),
        (status = 401, description = "No or wrong token", body = ErrorBody),
        (status = 403, description = "browser_not_allowed: only the embed page itself may ask", body = ErrorBody),
    ))]
pub(crate) async fn embed_origins(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<EmbedOrigins>, ApiError> {
    if caller.origin.is_some() && !caller.own_origin {
        return Err(ApiError::forbidden(
            "browser_not_allowed",
            "only the bridge's own embed page may list the approved origins",
        ));
    }
    Ok(Json(EmbedOrigins {
        origins: store_access::approved_origins(&state.store)?,
    }))
}
