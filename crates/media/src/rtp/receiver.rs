//! The receiving side: per-SSRC sequence tracking (RFC 3550 A.1), loss (A.3) and
//! interarrival jitter (A.8).

use std::collections::HashMap;
use std::time::Instant;

const RTP_SEQ_MOD: u32 = 1 << 16;
const MAX_DROPOUT: u32 = 3000;
const MAX_MISORDER: u32 = 100;
const MIN_SEQUENTIAL: u32 = 2;
/// Sources remembered at most (a stream that keeps changing SSRC must not grow memory).
const MAX_SOURCES: usize = 8;

/// The reception state of one SSRC.
#[derive(Debug, Clone)]
pub struct SourceStats {
    pub ssrc: u32,
    max_seq: u16,
    cycles: u32,
    base_seq: u32,
    bad_seq: u32,
    probation: u32,
    received: u32,
    expected_prior: u32,
    received_prior: u32,
    /// Relative transit time of the last packet, in RTP ticks.
    transit: Option<u32>,
    /// Interarrival jitter estimate, in RTP ticks.
    jitter: f64,
    pub last_arrival: Instant,
}

impl SourceStats {
    pub fn new(ssrc: u32, seq: u16, now: Instant) -> Self {
        let mut s = SourceStats {
            ssrc,
            max_seq: seq,
            cycles: 0,
            base_seq: u32::from(seq),
            bad_seq: RTP_SEQ_MOD + 1,
            probation: MIN_SEQUENTIAL,
            received: 0,
            expected_prior: 0,
            received_prior: 0,
            transit: None,
            jitter: 0.0,
            last_arrival: now,
        };
        s.init_seq(seq);
        s.max_seq = seq.wrapping_sub(1);
        s
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = u32::from(seq);
        self.max_seq = seq;
        self.bad_seq = RTP_SEQ_MOD + 1;
        self.cycles = 0;
        self.received = 0;
        self.received_prior = 0;
        self.expected_prior = 0;
    }

    /// RFC 3550 A.1 `update_seq`: true when the packet counts (the source is out of
    /// probation and the sequence number is plausible).
    pub fn update_seq(&mut self, seq: u16) -> bool {
        let udelta = u32::from(seq.wrapping_sub(self.max_seq));
        if self.probation > 0 {
            if seq == self.max_seq.wrapping_add(1) {
                self.probation -= 1;
                self.max_seq = seq;
                if self.probation == 0 {
                    self.init_seq(seq);
                    self.received += 1;
                    return true;
                }
            } else {
                self.probation = MIN_SEQUENTIAL - 1;
                self.max_seq = seq;
            }
            return false;
        } else if udelta < MAX_DROPOUT {
            if seq < self.max_seq {
                self.cycles = self.cycles.wrapping_add(RTP_SEQ_MOD);
            }
            self.max_seq = seq;
        } else if udelta <= RTP_SEQ_MOD - MAX_MISORDER {
            if u32::from(seq) == self.bad_seq {
                // Two sequential packets after a big jump: the sender restarted.
                self.init_seq(seq);
            } else {
                self.bad_seq = (u32::from(seq) + 1) & (RTP_SEQ_MOD - 1);
                return false;
            }
        }
        // else: duplicate or reordered packet, counted.
        self.received += 1;
        true
    }

    /// RFC 3550 A.8, with `arrival` the arrival time in RTP ticks.
    pub fn update_jitter(&mut self, arrival: u32, timestamp: u32) {
        let transit = arrival.wrapping_sub(timestamp);
        if let Some(prev) = self.transit {
            let d = f64::from((transit.wrapping_sub(prev) as i32).unsigned_abs());
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.transit = Some(transit);
    }

    pub fn is_valid(&self) -> bool {
        self.probation == 0
    }

    pub fn extended_max(&self) -> u32 {
        self.cycles.wrapping_add(u32::from(self.max_seq))
    }

    pub fn expected(&self) -> u32 {
        if !self.is_valid() {
            return 0;
        }
        self.extended_max()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    pub fn received(&self) -> u32 {
        self.received
    }

    /// Cumulative packets lost (negative with duplicates).
    pub fn lost(&self) -> i64 {
        i64::from(self.expected()) - i64::from(self.received)
    }

    /// Jitter in RTP ticks (as RTCP carries it).
    pub fn jitter_ticks(&self) -> u32 {
        self.jitter as u32
    }

    /// The loss fraction since the last call (RFC 3550 A.3), as RTCP's 8-bit fixed point;
    /// moves the interval on.
    pub fn take_fraction_lost(&mut self) -> u8 {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        self.expected_prior = expected;
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.received_prior = self.received;
        let lost_interval = i64::from(expected_interval) - i64::from(received_interval);
        if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / i64::from(expected_interval)).min(255) as u8
        }
    }
}

/// All sources heard on the stream, and the one currently playing.
#[derive(Debug, Clone)]
pub struct Receiver {
    sources: HashMap<u32, SourceStats>,
    current: Option<u32>,
    /// Arrival times count from the first packet.
    epoch: Option<Instant>,
    clock_rate: u32,
}

impl Receiver {
    pub fn new(clock_rate: u32) -> Self {
        Receiver {
            sources: HashMap::new(),
            current: None,
            epoch: None,
            clock_rate,
        }
    }

    pub fn set_clock_rate(&mut self, clock_rate: u32) {
        self.clock_rate = clock_rate;
    }

    /// One received packet. `audio` is false for telephone-event packets, which repeat
    /// timestamps and so stay out of the jitter estimate. Returns whether it counts (A.1)
    /// and whether its SSRC is new.
    pub fn on_packet(
        &mut self,
        now: Instant,
        ssrc: u32,
        seq: u16,
        timestamp: u32,
        audio: bool,
    ) -> (bool, bool) {
        let is_new = !self.sources.contains_key(&ssrc);
        if is_new && self.sources.len() >= MAX_SOURCES {
            // Forget the quietest source.
            if let Some(oldest) = self
                .sources
                .values()
                .min_by_key(|s| s.last_arrival)
                .map(|s| s.ssrc)
            {
                self.sources.remove(&oldest);
            }
        }
        let arrival = self.arrival_ticks(now);
        let source = self
            .sources
            .entry(ssrc)
            .or_insert_with(|| SourceStats::new(ssrc, seq, now));
        let valid = source.update_seq(seq);
        source.last_arrival = now;
        if audio {
            source.update_jitter(arrival, timestamp);
        }
        self.current = Some(ssrc);
        (valid, is_new)
    }

    fn arrival_ticks(&mut self, now: Instant) -> u32 {
        let since = now.saturating_duration_since(*self.epoch.get_or_insert(now));
        (since.as_nanos() * u128::from(self.clock_rate) / 1_000_000_000) as u32
    }

    /// The source currently heard.
    pub fn current(&self) -> Option<&SourceStats> {
        self.current.and_then(|s| self.sources.get(&s))
    }

    pub fn current_mut(&mut self) -> Option<&mut SourceStats> {
        self.current.and_then(|s| self.sources.get_mut(&s))
    }

    pub fn clock_rate(&self) -> u32 {
        self.clock_rate
    }

    /// Packets counted over every source.
    pub fn received(&self) -> u64 {
        self.sources.values().map(|s| u64::from(s.received())).sum()
    }

    /// Packets lost over every source (never negative).
    pub fn lost(&self) -> u64 {
        self.sources.values().map(|s| s.lost().max(0) as u64).sum()
    }

    pub fn expected(&self) -> u64 {
        self.sources.values().map(|s| u64::from(s.expected())).sum()
    }
}
