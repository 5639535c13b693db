//! Error responses: always `{"error": {"code": "...", "message": "..."}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dialtone_engine::EngineError;
use serde::{Deserialize, Serialize};
use tracing::warn;

use crate::store_access::StoreError;

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code: `unauthorized`, `bad_host`, `origin_not_allowed`,
    /// `browser_not_allowed`, `bad_request`, `bad_number`, `bad_dtmf`, `unknown_account`,
    /// `unknown_call`, `not_found`, `method_not_allowed`, `wrong_state`, `dial_declined`,
    /// `payload_too_large`, `uri_too_long`, `headers_too_large`, `unsupported_media_type`,
    /// `rate_limited`, `no_registered_account`, `stopped`, `internal`.
    pub code: String,
    /// A human explanation.
    pub message: String,
}

/// An error answer of the bridge: a status, a code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds, for `429` answers.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid `Authorization: Bearer <token>` header is required (the token is in the app's settings)",
        )
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many calls placed; try again in {retry_after} s"),
            )
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        let message = error.to_string();
        let (status, code) = match &error {
            EngineError::BadNumber { .. } => (StatusCode::BAD_REQUEST, "bad_number"),
            EngineError::BadDtmf(_) => (StatusCode::BAD_REQUEST, "bad_dtmf"),
            EngineError::UnknownAccount(_) => (StatusCode::BAD_REQUEST, "unknown_account"),
            EngineError::UnknownCall(_) => (StatusCode::NOT_FOUND, "unknown_call"),
            EngineError::WrongState { .. } => (StatusCode::CONFLICT, "wrong_state"),
            EngineError::NoAccount(_) => (StatusCode::SERVICE_UNAVAILABLE, "no_registered_account"),
            EngineError::DialNotConfirmed { .. } | EngineError::DialRefused { .. } => {
                (StatusCode::FORBIDDEN, "dial_declined")
            }
            EngineError::Stopped => (StatusCode::SERVICE_UNAVAILABLE, "stopped"),
            EngineError::Unsupported(_) => (StatusCode::NOT_IMPLEMENTED, "unsupported"),
            _ => {
                warn!(error = %message, "engine error answering a bridge request");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        Self::new(status, code, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if let StoreError::InvalidOrigin { .. } = error {
            return Self::bad_request(error.to_string());
        }
        warn!(%error, "store error answering a bridge request");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            error.to_string(),
        )
    }
}
