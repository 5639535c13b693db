//! When to try a delivery again, and which answers deserve another try.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::outbox::NextStep;

/// How far a delay may stray from its nominal value, either way.
pub const JITTER: f64 = 0.2;

/// How often and how soon deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; a delivery still failing after this many is given up.
    pub max_attempts: u32,
    /// The delay after the first failed attempt; doubled after each further one.
    pub base: Duration,
    /// No delay is longer, `Retry-After` included.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts, 5 s doubling (5 s, 10 s, 20 s …), at most 15 min apart.
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base: Duration::from_secs(5),
            cap: Duration::from_secs(15 * 60),
        }
    }
}

impl RetryPolicy {
    /// The delay after `attempt` failed attempts (1 = after the first): `base * 2^(attempt-1)`,
    /// ±20 % jitter, never above `cap`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.backoff_jittered(attempt, rand::thread_rng().gen_range(-1.0..=1.0))
    }

    /// `backoff` with the jitter chosen by the caller: `unit` in -1.0..=1.0 maps to -20 %..+20 %.
    pub fn backoff_jittered(&self, attempt: u32, unit: f64) -> Duration {
        let doublings = attempt.saturating_sub(1);
        let nominal = 1_u32
            .checked_shl(doublings)
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.cap, |d| d.min(self.cap));
        let factor = 1.0 + JITTER * unit.clamp(-1.0, 1.0);
        nominal.mul_f64(factor).min(self.cap)
    }

    /// What to record after attempt number `attempts` (1 = the first) ended in `verdict` at `now`.
    pub fn next_step(&self, attempts: u32, verdict: Verdict, now: DateTime<Utc>) -> NextStep {
        match verdict {
            Verdict::Delivered => NextStep::Delivered,
            Verdict::GiveUp => NextStep::GiveUp,
            Verdict::Retry { .. } if attempts >= self.max_attempts => NextStep::GiveUp,
            Verdict::Retry { retry_after } => {
                let delay = retry_after.map_or_else(|| self.backoff(attempts), |d| d.min(self.cap));
                let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX);
                NextStep::RetryAt(
                    now.checked_add_signed(delay)
                        .unwrap_or(DateTime::<Utc>::MAX_UTC),
                )
            }
        }
    }
}

/// `backoff` under the default policy: 5 s, 10 s, 20 s … capped at 15 min, ±20 %.
pub fn backoff(attempt: u32) -> Duration {
    RetryPolicy::default().backoff(attempt)
}

/// What one attempt's answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// 2xx.
    Delivered,
    /// No answer, a timeout, 5xx or 429: try again, after `retry_after` if the server said.
    Retry { retry_after: Option<Duration> },
    /// Any other status (4xx; 3xx, since redirects are not followed): trying again won't help.
    GiveUp,
}

/// Classifies an attempt: `status` is `None` when no response came (connection refused, reset,
/// timeout); `retry_after` is the `Retry-After` header, honoured in its seconds form on 429 and
/// 503 (the HTTP-date form falls back to the backoff).
pub fn classify(status: Option<u16>, retry_after: Option<&str>) -> Verdict {
    match status {
        None => Verdict::Retry { retry_after: None },
        Some(200..=299) => Verdict::Delivered,
        Some(429 | 503) => Verdict::Retry {
            retry_after: retry_after
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
        },
        Some(500..=599) => Verdict::Retry { retry_after: None },
        Some(_) => Verdict::GiveUp,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn default_backoff_doubles_from_5s_and_caps_at_15min() {
        let p = RetryPolicy::default();
        let nominal: Vec<Duration> = (1..=10).map(|a| p.backoff_jittered(a, 0.0)).collect();
        assert_eq!(
            nominal,
            [
                S(5),
                S(10),
                S(20),
                S(40),
                S(80),
                S(160),
                S(320),
                S(640),
                S(900),
                S(900)
            ]
        );
        assert_eq!(p.backoff_jittered(0, 0.0), S(5));
        assert_eq!(p.backoff_jittered(u32::MAX, 0.0), S(900));
        assert_eq!(
            p.backoff_jittered(40, 1.0),
            S(900),
            "jitter never exceeds the cap"
        );
    }

    #[test]
    fn jitter_stays_within_20_percent() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_jittered(2, -1.0), S(8));
        assert_eq!(p.backoff_jittered(2, 1.0), S(12));
        assert_eq!(
            p.backoff_jittered(2, 7.0),
            S(12),
            "out-of-range jitter is clamped"
        );
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            let d = backoff(3);
            assert!(d >= S(16) && d <= S(24), "{d:?}");
            seen.insert(d);
        }
        assert!(
            seen.len() > 10,
            "jitter varies: {} distinct delays",
            seen.len()
        );
        for _ in 0..50 {
            let d = backoff(12);
            assert!(d >= S(720) && d <= S(900), "{d:?}");
        }
    }

    #[test]
    fn classification_table() {
        let retry = Verdict::Retry { retry_after: None };
        let cases: &[(Option<u16>, Option<&str>, Verdict)] = &[
            (None, None, retry),
            (Some(200), None, Verdict::Delivered),
            (Some(204), None, Verdict::Delivered),
            (Some(299), None, Verdict::Delivered),
            (Some(301), None, Verdict::GiveUp),
            (Some(302), None, Verdict::GiveUp),
            (Some(307), None, Verdict::GiveUp),
            (Some(400), None, Verdict::GiveUp),
            (Some(401), None, Verdict::GiveUp),
            (Some(404), None, Verdict::GiveUp),
            (Some(410), None, Verdict::GiveUp),
            (Some(429), None, retry),
            (
                Some(429),
                Some("7"),
                Verdict::Retry {
                    retry_after: Some(S(7)),
                },
            ),
            (
                Some(429),
                Some(" 30 "),
                Verdict::Retry {
                    retry_after: Some(S(30)),
                },
            ),
            (Some(429), Some("Wed, 21 Oct 2015 07:28:00 GMT"), retry),
            (Some(500), None, retry),
            (Some(500), Some("7"), retry),
            (Some(502), None, retry),
            (
                Some(503),
                Some("2"),
                Verdict::Retry {
                    retry_after: Some(S(2)),
                },
            ),
            (Some(504), None, retry),
            (Some(100), None, Verdict::GiveUp),
        ];
        for (status, retry_after, want) in cases {
            assert_eq!(
                classify(*status, *retry_after),
                *want,
                "{status:?} {retry_after:?}"
            );
        }
    }

    #[test]
    fn next_step_gives_up_after_max_attempts_and_caps_retry_after() {
        let p = RetryPolicy {
            max_attempts: 3,
            base: S(1),
            cap: S(60),
        };
        let now = Utc::now();
        let retry = Verdict::Retry { retry_after: None };
        assert_eq!(p.next_step(1, Verdict::Delivered, now), NextStep::Delivered);
        assert_eq!(p.next_step(1, Verdict::GiveUp, now), NextStep::GiveUp);
        assert_eq!(p.next_step(3, retry, now), NextStep::GiveUp);
        let NextStep::RetryAt(at) = p.next_step(2, retry, now) else {
            panic!("second attempt is retried");
        };
        let delay = (at - now).to_std().unwrap_or_default();
        assert!(delay >= Duration::from_millis(1600) && delay <= Duration::from_millis(2400));
        let long = Verdict::Retry {
            retry_after: Some(S(3600)),
        };
        assert_eq!(
            p.next_step(1, long, now),
            NextStep::RetryAt(now + chrono::Duration::seconds(60))
        );
        let short = Verdict::Retry {
            retry_after: Some(S(5)),
        };
        assert_eq!(
            p.next_step(1, short, now),
            NextStep::RetryAt(now + chrono::Duration::seconds(5))
        );
    }
}
