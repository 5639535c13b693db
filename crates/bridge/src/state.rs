//! What every handler shares.

use std::sync::{Arc, Mutex};

use dialtone_engine::Phone;
use tokio::sync::watch;

use crate::config::BridgeConfig;
use crate::rate_limit::TokenBucket;
use crate::store_access::Store;

pub(crate) type Shared = Arc<AppState>;

pub(crate) struct AppState {
    pub phone: Phone,
    pub store: Store,
    pub token: String,
    pub port: u16,
    pub config: BridgeConfig,
    pub dial_bucket: Mutex<TokenBucket>,
    /// Turns true when the bridge shuts down (WebSockets close on it).
    pub shutdown: watch::Receiver<bool>,
}

impl AppState {
    /// The origins of the bridge's own pages (`/embed`).
    pub fn own_origins(&self) -> [String; 3] {
        let port = self.port;
        [
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
            format!("http://[::1]:{port}"),
        ]
    }

    pub fn is_own_origin(&self, origin: &str) -> bool {
        let origin = origin.to_ascii_lowercase();
        self.own_origins().contains(&origin)
    }
}

/// Who sent a request, as the guard established it; handlers read it as an extension.
#[derive(Debug, Clone, Default)]
pub(crate) struct Caller {
    /// The request's `Origin`, normalised, if it carried one.
    pub origin: Option<String>,
    /// The origin is one of the bridge's own (the embed page).
    pub own_origin: bool,
    /// The origin's pairing allows dialling without confirmation.
    pub silent_dial: bool,
}
