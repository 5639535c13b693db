//! NTP timestamps for RTCP, derived from the `Instant`s passed in. They are consistent within
//! one session (which is all LSR/DLSR round-trip times need) but not wall-clock time: a
//! sans-IO session never reads the clock.

use std::time::{Duration, Instant};

/// Maps `Instant`s to 64-bit NTP timestamps (32.32 fixed point seconds).
#[derive(Debug, Clone, Copy)]
pub struct NtpClock {
    epoch: Instant,
    /// NTP seconds at `epoch`.
    base_seconds: u64,
}

/// 2024-01-01 in NTP seconds: a plausible base so that timestamps are not near zero.
const BASE: u64 = 3_913_056_000;

impl NtpClock {
    /// `offset_seconds` spreads sessions apart (drawn from the session's seed).
    pub fn new(epoch: Instant, offset_seconds: u32) -> Self {
        NtpClock {
            epoch,
            base_seconds: BASE + u64::from(offset_seconds),
        }
    }

    pub fn ntp(&self, now: Instant) -> u64 {
        let since = now.saturating_duration_since(self.epoch);
        let seconds = self.base_seconds + since.as_secs();
        let fraction = (u64::from(since.subsec_nanos()) << 32) / 1_000_000_000;
        (seconds << 32) | fraction
    }

    /// The middle 32 bits of the NTP timestamp of `now`, as LSR uses them.
    pub fn compact(&self, now: Instant) -> u32 {
        compact(self.ntp(now))
    }
}

/// The middle 32 bits of a 64-bit NTP timestamp (16.16 fixed point seconds).
pub fn compact(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}

/// A duration in 1/65536 s units, as DLSR carries it.
pub fn to_compact(d: Duration) -> u32 {
    let units = d.as_nanos() * 65536 / 1_000_000_000;
    units.min(u128::from(u32::MAX)) as u32
}

pub fn from_compact(units: u32) -> Duration {
    Duration::from_nanos(u64::from(units) * 1_000_000_000 / 65536)
}
