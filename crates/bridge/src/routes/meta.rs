//! The OpenAPI document and the answers for unknown paths and methods.

use axum::http::StatusCode;
use axum::Json;

use crate::api_error::{ApiError, ErrorBody};

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"),
        (status = 401, description = "No or wrong token", body = ErrorBody),
    ))]
pub(crate) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::openapi_document())
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found("no such path")
}

pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this path does not take that method (every change is a POST)",
    )
}
