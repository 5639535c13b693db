//! What a call needs from outside besides its inputs: timer lengths, the wall-clock moment it
//! started, and whether it answers itself.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// Timer lengths of one call. `Default` gives the values the phone uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallConfig {
    /// Outgoing: give up (CANCEL, `no_answer`) when not answered this long after dialling.
    pub no_answer_timeout: Duration,
    /// Incoming: stop ringing (480, `missed`) when not answered this long.
    pub ring_timeout: Duration,
    /// How long to wait for the far end to finish a CANCEL or BYE, or for a provisional
    /// response that a pending CANCEL needs, before giving up on it (64*T1 = 32 s).
    pub guard_timeout: Duration,
}

impl Default for CallConfig {
    fn default() -> Self {
        Self {
            no_answer_timeout: Duration::from_secs(60),
            ring_timeout: Duration::from_secs(60),
            guard_timeout: Duration::from_secs(32),
        }
    }
}

/// The same moment on the monotonic clock (timers, durations) and the wall clock (the
/// `startedAt`/`answeredAt` of [`dialtone_api::CallInfo`]). Only constructors need it; later
/// wall-clock times are derived from the monotonic difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    pub instant: Instant,
    pub wall: DateTime<Utc>,
}

impl Now {
    pub fn new(instant: Instant, wall: DateTime<Utc>) -> Self {
        Self { instant, wall }
    }
}

/// Whether an incoming call answers itself (decided by [`crate::policy::auto_answer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AutoAnswer {
    #[default]
    Never,
    /// Answer by itself this long after it arrived, unless answered or rejected first.
    After(Duration),
}

/// How long to wait before retrying a re-INVITE that got 491 Request Pending (RFC 3261
/// 14.1): 2.1–4 s in 10 ms steps when we own the dialog's Call-ID (we placed the call),
/// 0–2 s otherwise. The step comes from a hash of the call id, which is random already, so
/// the call machine needs no randomness of its own; the two ranges do not overlap, so the
/// two ends never collide twice.
pub fn glare_delay(call_id: &str, call_id_owner: bool) -> Duration {
    // FNV-1a, 64 bit.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in call_id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    if call_id_owner {
        Duration::from_millis(2100 + (hash % 191) * 10)
    } else {
        Duration::from_millis((hash % 201) * 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glare_delay_stays_in_rfc3261_ranges() {
        for i in 0..500 {
            let id = format!("c-{i}");
            let owner = glare_delay(&id, true);
            assert!(owner >= Duration::from_millis(2100) && owner <= Duration::from_secs(4));
            assert_eq!(owner.as_millis() % 10, 0);
            let other = glare_delay(&id, false);
            assert!(other <= Duration::from_secs(2));
            assert_eq!(glare_delay(&id, false), other, "deterministic");
        }
        assert_ne!(glare_delay("c-1", false), glare_delay("c-2", false));
    }
}
