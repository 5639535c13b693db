//! `GET /v1/status`.

use axum::extract::State;
use axum::Json;
use dialtone_api::Status;

use crate::api_error::ErrorBody;
use crate::state::Shared;

/// The running phone: version, accounts and their registration, do-not-disturb, calls.
#[utoipa::path(get, path = "/v1/status", tag = "phone",
    responses(
        (status = 200, description = "A snapshot of the phone", body = Status),
        (status = 401, description = "No or wrong token", body = ErrorBody),
    ))]
pub(crate) async fn get_status(State(state): State<Shared>) -> Json<Status> {
    Json(state.phone.status())
}
