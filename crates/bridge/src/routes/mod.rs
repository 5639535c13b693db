//! The route table.

mod calls;
mod embed;
mod events;
mod history;
mod meta;
mod pairing;
mod status;

pub(crate) use calls::*;
pub(crate) use embed::*;
pub(crate) use events::*;
pub(crate) use history::*;
pub(crate) use meta::*;
pub(crate) use pairing::*;
pub(crate) use status::*;

use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;

use crate::guard::guard;
use crate::state::Shared;

pub(crate) fn router(state: Shared) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .route("/v1/status", get(get_status))
        .route("/v1/calls", get(list_calls).post(create_call))
        .route("/v1/calls/{id}", get(get_call))
        .route("/v1/calls/{id}/answer", post(answer_call))
        .route("/v1/calls/{id}/reject", post(reject_call))
        .route("/v1/calls/{id}/hangup", post(hangup_call))
        .route("/v1/calls/{id}/hold", post(hold_call))
        .route("/v1/calls/{id}/resume", post(resume_call))
        .route("/v1/calls/{id}/mute", post(mute_call))
        .route("/v1/calls/{id}/unmute", post(unmute_call))
        .route("/v1/calls/{id}/dtmf", post(send_dtmf))
        .route("/v1/history", get(get_history))
        .route("/v1/history.csv", get(get_history_csv))
        .route("/v1/events", get(events))
        .route("/v1/pair", post(pair))
        .route("/v1/pairings", get(list_pairings))
        .route("/v1/pairings/approve", post(approve_pairing))
        .route("/v1/pairings/revoke", post(revoke_pairing))
        .route("/v1/embed/origins", get(embed_origins))
        .route("/v1/openapi.json", get(openapi_json))
        .route("/embed", get(embed_page))
        .route("/embed.js", get(embed_script))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(from_fn_with_state(state.clone(), guard))
        .with_state(state)
}
