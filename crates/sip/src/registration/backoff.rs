//! Exponential backoff with jitter for retrying a registrar that does not answer.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// `min * 2^(n-1)` capped at `max`, then scaled by a random factor in `[0.5, 1.0]` ("equal
/// jitter") so that a fleet of phones behind one dead PBX does not retry in lock-step.
#[derive(Debug)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    failures: u32,
    rng: StdRng,
}

impl Backoff {
    /// `seed` makes the jitter reproducible in tests; the engine passes real randomness.
    pub fn new(min: Duration, max: Duration, seed: u64) -> Self {
        let min = min.max(Duration::from_millis(100));
        Self {
            min,
            max: max.max(min),
            failures: 0,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Records one more failure and returns how long to wait before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let exp = self.failures.saturating_sub(1).min(20);
        let base = self.min.saturating_mul(1u32 << exp).min(self.max);
        let factor: f64 = self.rng.gen_range(0.5..=1.0);
        base.mul_f64(factor).max(self.min.mul_f64(0.5))
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_jitter_and_caps() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(300), 7);
        let bases = [1u64, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300];
        for base in bases {
            let d = b.next_delay();
            let base = Duration::from_secs(base);
            assert!(d <= base, "{d:?} > {base:?}");
            assert!(d >= base / 2, "{d:?} < half of {base:?}");
        }
        assert_eq!(b.failures(), 12);
        b.reset();
        assert!(b.next_delay() <= Duration::from_secs(1));
    }

    #[test]
    fn same_seed_same_sequence_other_seed_differs() {
        let seq = |seed| {
            let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(300), seed);
            (0..8).map(|_| b.next_delay()).collect::<Vec<_>>()
        };
        assert_eq!(seq(1), seq(1));
        assert_ne!(seq(1), seq(2));
    }
}
