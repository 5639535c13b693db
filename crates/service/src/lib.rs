//! The phone and everything around it, started and stopped together: the engine's
//! [`Phone`](dialtone_engine::Phone), the call history, webhooks, screen pop and the localhost
//! bridge. The headless `dialtone serve` and the desktop app both run a [`Service`], so a link,
//! a CRM request or a call behaves the same in either.

mod error;
mod journal;
mod screen_pop;
mod service;
pub mod webhooks;

pub use error::ServiceError;
pub use service::Service;
