//! The one place the bridge asks the engine to dial.

use dialtone_api::{CommandResult, DialSource};
use dialtone_engine::{EngineError, Phone};

/// A dial request as the bridge makes it.
pub(crate) struct Dial {
    pub to: String,
    pub account_id: Option<String>,
    pub source: DialSource,
    /// The caller vouches the source may dial without the person confirming.
    pub trusted: bool,
}

/// TODO(integration): `phone.request_dial(DialRequest { to, account_id, source, trusted })`
/// once it is on main; until then every bridge dial goes straight to `call.dial`.
pub(crate) async fn dial(phone: &Phone, dial: Dial) -> Result<CommandResult, EngineError> {
    let _ = (&dial.source, dial.trusted);
    phone
        .execute(dialtone_api::Command::Dial {
            to: dial.to,
            account_id: dial.account_id,
        })
        .await
}
