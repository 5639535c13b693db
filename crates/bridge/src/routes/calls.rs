//! Calls: place one, list them, act on one.

use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use dialtone_api::{CallInfo, Command, DialSource, DialSourceKind};
use serde::{Deserialize, Serialize};

use crate::api_error::{ApiError, ErrorBody};
use crate::dial::{dial, Dial};
use crate::extract::{JsonBody, OptionalJsonBody};
use crate::state::{Caller, Shared};
use crate::store_access;

/// Who is asking to dial, as the request says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum RequestSource {
    Api,
    /// The bridge's own embed page, relaying a dial from the CRM page around it.
    Embed,
}

/// `POST /v1/calls`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DialBody {
    /// A number or a SIP URI.
    to: String,
    /// The account to call from; the first registered one when left out.
    #[serde(default)]
    account_id: Option<String>,
    /// `embed` only from the bridge's own embed page; anything else counts as `api`.
    #[serde(default)]
    source: Option<RequestSource>,
    /// With `source: embed`: the approved origin of the page around the embed iframe.
    #[serde(default)]
    parent_origin: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CallCreated {
    call_id: String,
}

/// `POST /v1/calls/{id}/reject`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RejectBody {
    /// 486 Busy Here instead of 603 Decline.
    #[serde(default)]
    busy: bool,
}

/// `POST /v1/calls/{id}/dtmf`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DtmfBody {
    /// `0-9`, `*`, `#`, `A-D`; at most 64.
    digits: String,
}

/// Place a call. Untrusted sources (a web page whose pairing does not allow silent dialling)
/// go through the phone's dial confirmation: the person is asked first.
#[utoipa::path(post, path = "/v1/calls", tag = "calls", request_body = DialBody,
    responses(
        (status = 201, description = "The call is being placed", body = CallCreated),
        (status = 400, description = "bad_number, unknown_account or bad_request", body = ErrorBody),
        (status = 401, description = "No or wrong token", body = ErrorBody),
        (status = 403, description = "origin_not_allowed or dial_declined", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 429, description = "Too many calls; see Retry-After", body = ErrorBody),
        (status = 503, description = "no_registered_account or stopped", body = ErrorBody),
    ))]
pub(crate) async fn create_call(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<DialBody>,
) -> Result<Response, ApiError> {
    {
        let mut bucket = state.dial_bucket.lock().map_err(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "rate limiter poisoned",
            )
        })?;
        if let Err(wait) = bucket.take(Instant::now()) {
            return Err(ApiError::rate_limited(
                wait.as_secs_f64().ceil().max(1.0) as u64
            ));
        }
    }
    let (source, trusted) = if body.source == Some(RequestSource::Embed) && caller.own_origin {
        let parent = body.parent_origin.ok_or_else(|| {
            ApiError::bad_request("`parentOrigin` is required with `source: embed`")
        })?;
        let pairing = store_access::approved(&state.store, &parent)?.ok_or_else(|| {
            ApiError::forbidden(
                "origin_not_allowed",
                format!("the embedding page's origin `{parent}` is not paired with this phone"),
            )
        })?;
        (
            DialSource::with_origin(DialSourceKind::Embed, Some(pairing.origin)),
            pairing.silent_dial,
        )
    } else {
        // No Origin: a tool or script holding the token, trusted as the person's own.
        let trusted = caller.origin.is_none() || caller.silent_dial;
        (
            DialSource::with_origin(DialSourceKind::Api, caller.origin.clone()),
            trusted,
        )
    };
    let result = dial(
        &state.phone,
        Dial {
            to: body.to,
            account_id: body.account_id,
            source,
            trusted,
        },
    )
    .await?;
    let call_id = result.call_id.ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the phone placed no call",
        )
    })?;
    let mut response = (
        StatusCode::CREATED,
        Json(CallCreated {
            call_id: call_id.clone(),
        }),
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/calls/{call_id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// The calls that have not ended.
#[utoipa::path(get, path = "/v1/calls", tag = "calls",
    responses(
        (status = 200, description = "Calls that have not ended", body = Vec<CallInfo>),
        (status = 401, description = "No or wrong token", body = ErrorBody),
    ))]
pub(crate) async fn list_calls(State(state): State<Shared>) -> Json<Vec<CallInfo>> {
    Json(state.phone.status().calls)
}

/// One call that has not ended.
#[utoipa::path(get, path = "/v1/calls/{id}", tag = "calls",
    params(("id" = String, Path, description = "The call id")),
    responses(
        (status = 200, description = "The call", body = CallInfo),
        (status = 401, description = "No or wrong token", body = ErrorBody),
        (status = 404, description = "unknown_call", body = ErrorBody),
    ))]
pub(crate) async fn get_call(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<CallInfo>, ApiError> {
    state
        .phone
        .status()
        .calls
        .into_iter()
        .find(|c| c.call_id == id)
        .map(Json)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_call",
                format!("no call `{id}`"),
            )
        })
}

async fn run(state: &Shared, command: Command) -> Result<StatusCode, ApiError> {
    state.phone.execute(command).await?;
    Ok(StatusCode::NO_CONTENT)
}

macro_rules! call_action {
    ($name:ident, $path:literal, $doc:literal, $variant:ident) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "calls",
            params(("id" = String, Path, description = "The call id")),
            responses(
                (status = 204, description = "Done"),
                (status = 401, description = "No or wrong token", body = ErrorBody),
                (status = 404, description = "unknown_call", body = ErrorBody),
                (status = 409, description = "wrong_state: the call cannot do that now", body = ErrorBody),
            ))]
        pub(crate) async fn $name(
            State(state): State<Shared>,
            Path(id): Path<String>,
        ) -> Result<StatusCode, ApiError> {
            run(&state, Command::$variant { call_id: id }).await
        }
    };
}

call_action!(
    answer_call,
    "/v1/calls/{id}/answer",
    "Answer a ringing incoming call.",
    Answer
);
call_action!(
    hangup_call,
    "/v1/calls/{id}/hangup",
    "End a call in any state.",
    Hangup
);
call_action!(
    hold_call,
    "/v1/calls/{id}/hold",
    "Put an active call on hold.",
    Hold
);
call_action!(
    resume_call,
    "/v1/calls/{id}/resume",
    "Take a held call off hold.",
    Resume
);
call_action!(
    mute_call,
    "/v1/calls/{id}/mute",
    "Stop sending the microphone.",
    Mute
);
call_action!(
    unmute_call,
    "/v1/calls/{id}/unmute",
    "Send the microphone again.",
    Unmute
);

/// Refuse a ringing incoming call: 603 Decline, or 486 Busy Here with `busy`.
#[utoipa::path(post, path = "/v1/calls/{id}/reject", tag = "calls",
    params(("id" = String, Path, description = "The call id")),
    request_body(content = Option<RejectBody>, description = "Optional"),
    responses(
        (status = 204, description = "Done"),
        (status = 401, description = "No or wrong token", body = ErrorBody),
        (status = 404, description = "unknown_call", body = ErrorBody),
        (status = 409, description = "wrong_state: the call is not ringing here", body = ErrorBody),
    ))]
pub(crate) async fn reject_call(
    State(state): State<Shared>,
    Path(id): Path<String>,
    OptionalJsonBody(body): OptionalJsonBody<RejectBody>,
) -> Result<StatusCode, ApiError> {
    let busy = body.unwrap_or_default().busy;
    run(&state, Command::Reject { call_id: id, busy }).await
}

/// Send DTMF digits.
#[utoipa::path(post, path = "/v1/calls/{id}/dtmf", tag = "calls",
    params(("id" = String, Path, description = "The call id")),
    request_body = DtmfBody,
    responses(
        (status = 204, description = "Sent"),
        (status = 400, description = "bad_dtmf or bad_request", body = ErrorBody),
        (status = 401, description = "No or wrong token", body = ErrorBody),
        (status = 404, description = "unknown_call", body = ErrorBody),
        (status = 409, description = "wrong_state", body = ErrorBody),
    ))]
pub(crate) async fn send_dtmf(
    State(state): State<Shared>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<DtmfBody>,
) -> Result<StatusCode, ApiError> {
    run(
        &state,
        Command::SendDtmf {
            call_id: id,
            digits: body.digits,
        },
    )
    .await
}
