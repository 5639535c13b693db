//! The OpenAPI 3.1 document, generated from the handlers and the api types.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api_error::{ErrorBody, ErrorDetail};
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Dialtone bridge", description = "The localhost API of the Dialtone softphone. Every request needs `Authorization: Bearer <token>`; browsers must be paired (`POST /v1/pair`, then approved in the app)."),
    paths(
        routes::get_status,
        routes::create_call,
        routes::list_calls,
        routes::get_call,
        routes::answer_call,
        routes::reject_call,
        routes::hangup_call,
        routes::hold_call,
        routes::resume_call,
        routes::mute_call,
        routes::unmute_call,
        routes::send_dtmf,
        routes::get_history,
        routes::get_history_csv,
        routes::events,
        routes::pair,
        routes::list_pairings,
        routes::approve_pairing,
        routes::revoke_pairing,
        routes::embed_origins,
        routes::openapi_json,
        routes::embed_page,
        routes::embed_script,
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        dialtone_api::Envelope,
        dialtone_api::Event,
        routes::SnapshotMessage,
        routes::EventsLostMessage,
    )),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The bridge's OpenAPI document.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}
