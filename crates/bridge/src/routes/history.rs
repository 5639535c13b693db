//! Call history: a JSON page, or every matching call as CSV.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dialtone_store::{HistoryPage, HistoryQuery};

use crate::api_error::{ApiError, ErrorBody};
use crate::state::Shared;

type QueryResult = Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>;

fn query(query: QueryResult) -> Result<HistoryQuery, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::bad_request(format!("bad history query: {}", e.body_text())))
}

fn blocking_failed(e: tokio::task::JoinError) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        format!("the history query did not finish: {e}"),
    )
}

/// A page of the call history, newest first.
#[utoipa::path(get, path = "/v1/history", tag = "history", params(HistoryQuery),
    responses(
        (status = 200, description = "A page of history", body = HistoryPage),
        (status = 400, description = "bad_request: a malformed query", body = ErrorBody),
        (status = 401, description = "No or wrong token", body = ErrorBody),
    ))]
pub(crate) async fn get_history(
    State(state): State<Shared>,
    raw: QueryResult,
) -> Result<Json<HistoryPage>, ApiError> {
    let query = query(raw)?;
    let store = state.store.clone();
    let page = tokio::task::spawn_blocking(move || store.history(&query))
        .await
        .map_err(blocking_failed)??;
    Ok(Json(page))
}

/// Every call matching the filters (offset and limit ignored) as CSV.
#[utoipa::path(get, path = "/v1/history.csv", tag = "history", params(HistoryQuery),
    responses(
        (status = 200, description = "RFC 4180 CSV, a header row first", content_type = "text/csv"),
        (status = 400, description = "bad_request: a malformed query", body = ErrorBody),
        (status = 401, description = "No or wrong token", body = ErrorBody),
    ))]
pub(crate) async fn get_history_csv(
    State(state): State<Shared>,
    raw: QueryResult,
) -> Result<Response, ApiError> {
    let query = query(raw)?;
    let store = state.store.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        store.write_history_csv(&query, &mut out).map(|_| out)
    })
    .await
    .map_err(blocking_failed)??;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"dialtone-history.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
