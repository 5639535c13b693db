//! SIP calls for a user agent (RFC 3261 12–17): INVITE client and server transactions,
//! CANCEL, dialogs with BYE, re-INVITE and INFO, digest authentication of the INVITE.
//!
//! Each call is a sans-IO state machine (`core::Call` and the transaction/dialog types it
//! owns) run by one tokio task (`driver`). The engine sees [`CallHandle`] for commands and a
//! channel of [`CallEvent`]s; SDP bodies are opaque strings here.

mod auth;
mod core;
mod dialog;
mod driver;
mod dtmf;
mod handle;
mod in_dialog;
mod input;
mod invite_client;
mod invite_server;
mod message;
mod name_addr;
mod non_invite_client;
mod types;
mod uac;
mod uas;

#[cfg(test)]
mod tests;

pub use handle::CallHandle;
pub use name_addr::NameAddr;
pub use types::{CallEvent, Credentials, IncomingCall, OutgoingCall};

pub(crate) use self::core::{Call, CallSetup};
pub(crate) use auth::Auth;
pub(crate) use driver::{spawn, Calls, Inbound};
pub(crate) use message::{build_request, call_id, extra_header, Body, RequestParts, ALLOW};
pub(crate) use types::user_part;
pub(crate) use uas::read_incoming;

/// Whether a request carries a To tag (belongs to a dialog).
pub(crate) fn has_to_tag(request: &rsipstack::sip::Request) -> bool {
    request.headers.iter().any(|h| match h {
        rsipstack::sip::Header::To(to) => name_addr::tag_of(to.value()).is_some(),
        _ => false,
    })
}
