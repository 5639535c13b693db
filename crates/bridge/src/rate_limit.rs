//! A token bucket for `POST /v1/calls`: `per_minute` calls at once, refilled evenly.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct TokenBucket {
    capacity: f64,
    per_second: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub(crate) fn per_minute(per_minute: u32, now: Instant) -> Self {
        let capacity = f64::from(per_minute);
        Self {
            capacity,
            per_second: capacity / 60.0,
            tokens: capacity,
            last: now,
        }
    }

    /// Takes one token, or says how long until one is there.
    pub(crate) fn take(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        if self.per_second <= 0.0 {
            return Err(Duration::from_secs(60));
        }
        Err(Duration::from_secs_f64(
            (1.0 - self.tokens) / self.per_second,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refills() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::per_minute(6, t0);
        for _ in 0..6 {
            assert!(bucket.take(t0).is_ok());
        }
        let wait = bucket.take(t0).err();
        assert!(wait.is_some_and(|w| w <= Duration::from_secs(10) && w > Duration::from_secs(9)));
        assert!(bucket.take(t0 + Duration::from_secs(10)).is_ok());
        assert!(bucket.take(t0 + Duration::from_secs(10)).is_err());
    }

    #[test]
    fn zero_per_minute_refuses_everything() {
        let t0 = Instant::now();
        let mut bucket = TokenBucket::per_minute(0, t0);
        assert!(bucket.take(t0).is_err());
    }
}
