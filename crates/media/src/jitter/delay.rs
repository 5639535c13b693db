//! How long to hold packets: the RFC 3550 interarrival jitter estimate, the fastest recent
//! transit time (the reference for "on time"), and the target delay derived from them.

use std::collections::VecDeque;

/// Recent packets remembered for the transit minimum and the worst relative delay.
const WINDOW: usize = 64;
/// The target covers this many times the RFC 3550 jitter estimate ...
const JITTER_FACTOR: f64 = 3.0;
/// ... and the worst recent relative delay; it rises at once and falls by this fraction of
/// the difference per packet (about 5 s to settle at 50 packets a second).
const TARGET_DECAY: f64 = 1.0 / 256.0;

/// Transit times are `arrival - sent`, in microseconds, where "sent" is the RTP timestamp
/// turned into time; they carry an unknown constant offset (the clocks are not synchronised)
/// and only their differences mean anything.
#[derive(Debug, Clone)]
pub(super) struct DelayEstimator {
    /// RFC 3550 6.4.1 `J`, in microseconds.
    jitter_us: f64,
    last_transit: Option<i64>,
    recent: VecDeque<i64>,
    /// The fastest transit in `recent`: a packet that took this long is "on time".
    base: i64,
    target_us: f64,
    min_us: f64,
    max_us: f64,
}

impl DelayEstimator {
    pub(super) fn new(min_us: i64, max_us: i64) -> Self {
        let min_us = min_us.max(0) as f64;
        DelayEstimator {
            jitter_us: 0.0,
            last_transit: None,
            recent: VecDeque::with_capacity(WINDOW),
            base: 0,
            target_us: min_us,
            min_us,
            max_us: (max_us as f64).max(min_us),
        }
    }

    /// Forgets the packets (a new stream) but keeps the target and jitter learnt so far.
    pub(super) fn restart(&mut self) {
        self.last_transit = None;
        self.recent.clear();
        self.base = 0;
    }

    /// Takes note of one arrival (in arrival order, late ones included).
    pub(super) fn arrival(&mut self, transit: i64) {
        if let Some(last) = self.last_transit {
            let d = (transit - last).abs() as f64;
            self.jitter_us += (d - self.jitter_us) / 16.0;
        }
        self.last_transit = Some(transit);
        if self.recent.len() == WINDOW {
            self.recent.pop_front();
        }
        self.recent.push_back(transit);
        self.base = self.recent.iter().copied().min().unwrap_or(transit);
        let worst = self.recent.iter().copied().max().unwrap_or(transit) - self.base;

        let wanted = (JITTER_FACTOR * self.jitter_us)
            .max(worst as f64)
            .clamp(self.min_us, self.max_us);
        if wanted > self.target_us {
            self.target_us = wanted;
        } else {
            self.target_us -= (self.target_us - wanted) * TARGET_DECAY;
        }
    }

    /// The fastest recent transit (the reference for the playout point).
    pub(super) fn base(&self) -> Option<i64> {
        (!self.recent.is_empty()).then_some(self.base)
    }

    pub(super) fn jitter_us(&self) -> f64 {
        self.jitter_us
    }

    pub(super) fn target_us(&self) -> i64 {
        self.target_us as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steady_arrivals_have_no_jitter_and_keep_the_minimum_target() {
        let mut e = DelayEstimator::new(20_000, 200_000);
        for _ in 0..100 {
            e.arrival(5_000);
        }
        assert_eq!(e.jitter_us(), 0.0);
        assert_eq!(e.target_us(), 20_000);
        assert_eq!(e.base(), Some(5_000));
    }

    #[test]
    fn jitter_follows_rfc3550() {
        let mut e = DelayEstimator::new(0, 1_000_000);
        e.arrival(0);
        e.arrival(16_000);
        // J = 0 + (16000 - 0) / 16
        assert!((e.jitter_us() - 1_000.0).abs() < 1e-6);
        e.arrival(0);
        assert!((e.jitter_us() - (1_000.0 + 15_000.0 / 16.0)).abs() < 1e-6);
    }

    #[test]
    fn the_target_rises_at_once_and_falls_slowly_within_its_bounds() {
        let mut e = DelayEstimator::new(20_000, 120_000);
        for i in 0..64 {
            e.arrival(if i % 2 == 0 { 0 } else { 80_000 });
        }
        let high = e.target_us();
        assert!(high >= 80_000, "covers the 80 ms swing: {high}");
        for _ in 0..1000 {
            e.arrival(0);
        }
        assert!(
            e.target_us() > 20_000 && e.target_us() < 25_000,
            "{}",
            e.target_us()
        );
        for _ in 0..64 {
            e.arrival(0);
            e.arrival(1_000_000);
        }
        assert_eq!(e.target_us(), 120_000, "capped at max_delay");
    }
}
