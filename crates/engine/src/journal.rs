//! The journal: a synchronous sink that sees every event before any subscriber does.
//!
//! The call history and the webhook outbox are written through it, so anything a client was
//! told (a CRM saw `call.answered`) is already on disk when the client hears it, and a crash
//! just after cannot leave the history saying less than the client saw.

use dialtone_api::Envelope;

/// Where events are written before they are broadcast. `write` runs on the task that raised
/// the event, one event at a time and in broadcast order, so it must be short (one small local
/// write) and must not call back into the phone. Failures are the journal's to log.
pub trait Journal: Send + Sync + 'static {
    fn write(&self, env: &Envelope);
}
