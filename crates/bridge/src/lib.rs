//! The localhost bridge: REST for commands, a WebSocket for events, an OpenAPI document and
//! the CRM embed page, over a running [`dialtone_engine::Phone`].
//!
//! It is an attack surface (see ARCHITECTURE.md, rule 7): it binds loopback only, checks
//! `Host` and `Origin`, requires a bearer token, never changes state on GET, and lets the
//! engine's dial-confirmation policy ask the person before an untrusted source dials.

mod api_error;
mod config;
mod cors;
mod dial;
mod error;
mod extract;
mod guard;
mod openapi;
mod rate_limit;
mod routes;
mod server;
mod state;
mod store_access;
mod token;

pub use api_error::{ApiError, ErrorBody, ErrorDetail};
pub use config::{BridgeConfig, DEFAULT_PORT};
pub use error::BridgeError;
pub use openapi::openapi_document;
pub use server::{start, Bridge};
pub use store_access::Store;
pub use token::{ensure_token, regenerate_token, TOKEN_SETTING};
