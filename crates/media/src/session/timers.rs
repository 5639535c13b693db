//! Deadlines: RTCP reports, DTMF pacing, stats, RTP inactivity.

use std::time::Instant;

use super::{MediaEvent, MediaSession};

impl MediaSession {
    /// Does whatever is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.touch(now);
        self.pump_dtmf(now);
        if self.next_rtcp.is_some_and(|at| at <= now) && !self.closed {
            self.send_rtcp(now, false);
            let delay = self.rtcp_delay();
            self.next_rtcp = Some(now + delay);
        }
        if self.next_stats.is_some_and(|at| at <= now) {
            if self.stream.is_some() {
                self.events.push_back(MediaEvent::Stats(self.stats()));
            }
            self.next_stats = Some(now + self.config.stats_interval);
        }
        if let Some(deadline) = self.receive_deadline() {
            if deadline <= now {
                self.timeout_reported = true;
                self.events.push_back(MediaEvent::Timeout);
            }
        }
    }

    /// The next time [`handle_timeout`](Self::handle_timeout) has something to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let dtmf = self
            .dtmf_tx
            .as_ref()
            .and_then(|d| d.next_due())
            .and_then(|due| match due {
                Some(at) => Some(at),
                None => self.last_now,
            });
        [
            self.next_rtcp.filter(|_| !self.closed),
            self.next_stats,
            dtmf,
            self.receive_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn receive_deadline(&self) -> Option<Instant> {
        if self.timeout_reported || !self.expecting_rtp() {
            return None;
        }
        self.last_rtp_at.map(|at| at + self.config.rtp_timeout)
    }
}
