//! OpenAPI schemas for api types that do not derive `utoipa::ToSchema` themselves.

use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// `Direction` on the wire: `"outgoing"` or `"incoming"`.
pub(crate) fn direction_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["outgoing", "incoming"]))
        .description(Some("Which way the call went."))
        .into()
}
