//! The bridge's settings.

/// The port the bridge listens on unless configured otherwise (`bridge.port`).
pub const DEFAULT_PORT: u16 = 17380;

/// How the bridge listens and what it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeConfig {
    /// The loopback port (both 127.0.0.1 and [::1]); 0 picks any free port (tests).
    pub port: u16,
    /// How many `POST /v1/calls` the bridge accepts per minute (a token bucket).
    pub rate_limit_per_minute: u32,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
}

impl Default for BridgeConfig {
    fn default() -> Self {
        Self {
            port: DEFAULT_PORT,
            rate_limit_per_minute: 6,
            max_body_bytes: 16 * 1024,
        }
    }
}
