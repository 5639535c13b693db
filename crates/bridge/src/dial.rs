//! The one place the bridge asks the engine to dial.

use dialtone_api::{CommandResult, DialSource};
use dialtone_engine::{DialRequest, EngineError, Phone};

/// A dial request as the bridge makes it.
pub(crate) struct Dial {
    pub to: String,
    pub account_id: Option<String>,
    pub source: DialSource,
    /// The caller vouches the source may dial without the person confirming.
    pub trusted: bool,
}

/// Dials through the engine's confirmation gate: an untrusted source waits for the person.
pub(crate) async fn dial(phone: &Phone, dial: Dial) -> Result<CommandResult, EngineError> {
    phone
        .request_dial(DialRequest {
            to: dial.to,
            account_id: dial.account_id,
            source: dial.source,
            trusted: dial.trusted,
        })
        .await
}
