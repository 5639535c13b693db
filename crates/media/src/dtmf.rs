//! RFC 4733 telephone-events for DTMF digits 0-9 * # A-D.
//!
//! Sending: each digit becomes one event, all its packets with the same RTP timestamp: the
//! first with the marker bit, then one every ptime with a growing duration until the tone
//! length (100 ms by default), then three end packets (E bit) with the final duration. The
//! next queued digit starts after a gap (100 ms by default). The session sends no audio while
//! an event is on.
//!
//! Receiving: a digit is reported once, on the FIRST packet of its event (the lowest
//! latency, and it survives the loss of the end packets); the repeats and the three end
//! packets of the same event (same RTP timestamp and event code) are dropped as duplicates.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::MediaError;

/// The digits an event code 0-15 stands for.
const DIGITS: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D',
];

/// The RFC 4733 event code of a DTMF digit (`a`-`d` taken as `A`-`D`).
pub fn event_code(digit: char) -> Option<u8> {
    let d = digit.to_ascii_uppercase();
    DIGITS.iter().position(|&c| c == d).map(|i| i as u8)
}

/// The digit of an event code, `None` for non-DTMF events (flash, tones).
pub fn event_digit(code: u8) -> Option<char> {
    DIGITS.get(usize::from(code)).copied()
}

/// The 4-byte telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventPayload {
    pub event: u8,
    pub end: bool,
    /// Power level in -dBm0 (0-63).
    pub volume: u8,
    /// In RTP ticks of the telephone-event clock.
    pub duration: u16,
}

impl EventPayload {
    pub fn encode(&self) -> [u8; 4] {
        let [hi, lo] = self.duration.to_be_bytes();
        [
            self.event,
            (u8::from(self.end) << 7) | (self.volume & 0x3f),
            hi,
            lo,
        ]
    }

    pub fn decode(data: &[u8]) -> Option<Self> {
        let [event, flags, hi, lo] = *data.get(..4)?.first_chunk::<4>()?;
        Some(EventPayload {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3f,
            duration: u16::from_be_bytes([hi, lo]),
        })
    }
}

/// One telephone-event packet to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPacket {
    pub marker: bool,
    pub timestamp: u32,
    pub payload: EventPayload,
}

/// The volume we send at (-10 dBm0, a usual DTMF level).
const VOLUME: u8 = 10;
const END_PACKETS: u8 = 3;

#[derive(Debug, Clone)]
enum SendState {
    /// Waiting for a digit; the next may start at `ready_at` (`None`: at once).
    Idle { ready_at: Option<Instant> },
    Tone {
        event: u8,
        timestamp: u32,
        sent: u32,
        next_at: Instant,
    },
    Ending {
        event: u8,
        timestamp: u32,
        duration: u16,
        remaining: u8,
        at: Instant,
    },
}

/// Turns queued digits into paced telephone-event packets.
#[derive(Debug, Clone)]
pub struct DtmfSender {
    queue: VecDeque<u8>,
    state: SendState,
    tone: Duration,
    gap: Duration,
    ptime: Duration,
    clock_rate: u32,
    /// The timestamp right after the last event, so that the next never overlaps it.
    after_last: Option<u32>,
}

impl DtmfSender {
    /// Default timing: 100 ms tone, 100 ms gap.
    pub fn new(ptime: Duration, clock_rate: u32) -> Self {
        DtmfSender {
            queue: VecDeque::new(),
            state: SendState::Idle { ready_at: None },
            tone: Duration::from_millis(100),
            gap: Duration::from_millis(100),
            ptime: ptime.max(Duration::from_millis(5)),
            clock_rate,
            after_last: None,
        }
    }

    pub fn with_timing(mut self, tone: Duration, gap: Duration) -> Self {
        self.tone = tone.max(self.ptime);
        self.gap = gap;
        self
    }

    /// Queues every digit, or none if one is not a DTMF digit.
    pub fn enqueue(&mut self, digits: &str) -> Result<(), MediaError> {
        let codes = digits
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| event_code(c).ok_or(MediaError::InvalidDtmfDigit(c)))
            .collect::<Result<Vec<u8>, _>>()?;
        self.queue.extend(codes);
        Ok(())
    }

    /// Drops queued digits (the one on the air still ends properly).
    pub fn clear_queue(&mut self) {
        self.queue.clear();
    }

    /// An event is on the air: no audio now.
    pub fn is_sending(&self) -> bool {
        !matches!(self.state, SendState::Idle { .. })
    }

    /// Anything left to do.
    pub fn is_idle(&self) -> bool {
        !self.is_sending() && self.queue.is_empty()
    }

    /// When [`poll`](Self::poll) has the next packet; `Some(None)` means at once, `None`
    /// means nothing to do.
    pub fn next_due(&self) -> Option<Option<Instant>> {
        match &self.state {
            SendState::Idle { ready_at } => (!self.queue.is_empty()).then_some(*ready_at),
            SendState::Tone { next_at, .. } => Some(Some(*next_at)),
            SendState::Ending { at, .. } => Some(Some(*at)),
        }
    }

    fn ticks(&self, d: Duration) -> u32 {
        (d.as_nanos() * u128::from(self.clock_rate) / 1_000_000_000) as u32
    }

    fn tone_ticks(&self) -> u16 {
        self.ticks(self.tone).min(u32::from(u16::MAX)) as u16
    }

    /// The next packet due at `now`, if any. `audio_timestamp` is the timestamp the next
    /// audio frame would carry: a new event starts there.
    pub fn poll(&mut self, now: Instant, audio_timestamp: u32) -> Option<DtmfPacket> {
        match self.state.clone() {
            SendState::Idle { ready_at } => {
                if ready_at.is_some_and(|at| now < at) {
                    return None;
                }
                let event = self.queue.pop_front()?;
                let timestamp = match self.after_last {
                    Some(after) if (after.wrapping_sub(audio_timestamp) as i32) > 0 => after,
                    _ => audio_timestamp,
                };
                let duration = self.ticks(self.ptime).min(u32::from(self.tone_ticks())) as u16;
                self.state = SendState::Tone {
                    event,
                    timestamp,
                    sent: 1,
                    next_at: now + self.ptime,
                };
                if u32::from(duration) >= u32::from(self.tone_ticks()) {
                    self.state = self.ending(event, timestamp, now + self.ptime);
                }
                Some(DtmfPacket {
                    marker: true,
                    timestamp,
                    payload: EventPayload {
                        event,
                        end: false,
                        volume: VOLUME,
                        duration,
                    },
                })
            }
            SendState::Tone {
                event,
                timestamp,
                sent,
                next_at,
            } => {
                if now < next_at {
                    return None;
                }
                let tone = self.tone_ticks();
                let duration = (self.ticks(self.ptime) * (sent + 1)).min(u32::from(tone)) as u16;
                self.state = if duration >= tone {
                    self.ending(event, timestamp, next_at + self.ptime)
                } else {
                    SendState::Tone {
                        event,
                        timestamp,
                        sent: sent + 1,
                        next_at: next_at + self.ptime,
                    }
                };
                Some(DtmfPacket {
                    marker: false,
                    timestamp,
                    payload: EventPayload {
                        event,
                        end: false,
                        volume: VOLUME,
                        duration,
                    },
                })
            }
            SendState::Ending {
                event,
                timestamp,
                duration,
                remaining,
                at,
            } => {
                if now < at {
                    return None;
                }
                self.state = if remaining > 1 {
                    SendState::Ending {
                        event,
                        timestamp,
                        duration,
                        remaining: remaining - 1,
                        at,
                    }
                } else {
                    self.after_last = Some(timestamp.wrapping_add(u32::from(duration)));
                    SendState::Idle {
                        ready_at: Some(at + self.gap),
                    }
                };
                Some(DtmfPacket {
                    marker: false,
                    timestamp,
                    payload: EventPayload {
                        event,
                        end: true,
                        volume: VOLUME,
                        duration,
                    },
                })
            }
        }
    }

    fn ending(&self, event: u8, timestamp: u32, at: Instant) -> SendState {
        SendState::Ending {
            event,
            timestamp,
            duration: self.tone_ticks(),
            remaining: END_PACKETS,
            at,
        }
    }

    /// The timestamp right after the last finished event (for the audio to resume at).
    pub fn after_last(&self) -> Option<u32> {
        self.after_last
    }
}

/// How many past events to remember for duplicates that arrive late.
const REMEMBERED: usize = 4;

/// Turns received telephone-event packets into digits, once each.
#[derive(Debug, Clone, Default)]
pub struct DtmfReceiver {
    /// (RTP timestamp, event code) of recent events.
    seen: VecDeque<(u32, u8)>,
}

impl DtmfReceiver {
    pub fn new() -> Self {
        Self::default()
    }

    /// One telephone-event packet; the digit when it starts a new event.
    pub fn on_packet(&mut self, timestamp: u32, payload: &[u8]) -> Option<char> {
        let event = EventPayload::decode(payload)?;
        let key = (timestamp, event.event);
        if self.seen.contains(&key) {
            return None;
        }
        if self.seen.len() == REMEMBERED {
            self.seen.pop_front();
        }
        self.seen.push_back(key);
        event_digit(event.event)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn drain(s: &mut DtmfSender, start: Instant, until_ms: u64) -> Vec<(u64, DtmfPacket)> {
        let mut out = Vec::new();
        let mut audio_ts = 1000u32;
        for ms in (0..until_ms).step_by(5) {
            let now = start + Duration::from_millis(ms);
            while let Some(p) = s.poll(now, audio_ts) {
                out.push((ms, p));
            }
            if ms % 20 == 0 {
                audio_ts += 160;
            }
        }
        out
    }

    #[test]
    fn codes_cover_the_sixteen_digits() {
        assert_eq!(event_code('0'), Some(0));
        assert_eq!(event_code('*'), Some(10));
        assert_eq!(event_code('#'), Some(11));
        assert_eq!(event_code('d'), Some(15));
        assert_eq!(event_code('E'), None);
        for c in "0123456789*#ABCD".chars() {
            assert_eq!(event_digit(event_code(c).unwrap()), Some(c));
        }
        assert_eq!(event_digit(16), None);
    }

    #[test]
    fn payload_round_trips() {
        let p = EventPayload {
            event: 11,
            end: true,
            volume: 10,
            duration: 800,
        };
        assert_eq!(p.encode(), [11, 0x8a, 0x03, 0x20]);
        assert_eq!(EventPayload::decode(&p.encode()), Some(p));
        assert_eq!(EventPayload::decode(&[1, 2, 3]), None);
    }

    #[test]
    fn invalid_digit_queues_nothing() {
        let mut s = DtmfSender::new(Duration::from_millis(20), 8000);
        assert!(matches!(
            s.enqueue("12x"),
            Err(MediaError::InvalidDtmfDigit('x'))
        ));
        assert!(s.is_idle());
    }

    #[test]
    fn one_digit_makes_five_tone_packets_and_three_ends() {
        let mut s = DtmfSender::new(Duration::from_millis(20), 8000);
        s.enqueue("5").unwrap();
        let t0 = Instant::now();
        let packets = drain(&mut s, t0, 400);
        let durations: Vec<u16> = packets.iter().map(|(_, p)| p.payload.duration).collect();
        assert_eq!(durations, [160, 320, 480, 640, 800, 800, 800, 800]);
        let times: Vec<u64> = packets.iter().map(|(ms, _)| *ms).collect();
        assert_eq!(times, [0, 20, 40, 60, 80, 100, 100, 100]);
        assert!(packets[0].1.marker);
        assert!(packets[1..].iter().all(|(_, p)| !p.marker));
        let ends: Vec<bool> = packets.iter().map(|(_, p)| p.payload.end).collect();
        assert_eq!(ends, [false, false, false, false, false, true, true, true]);
        assert!(packets
            .iter()
            .all(|(_, p)| p.timestamp == 1000 && p.payload.event == 5));
        assert!(s.is_idle());
    }

    #[test]
    fn digits_are_spaced_by_the_gap_and_never_overlap() {
        let mut s = DtmfSender::new(Duration::from_millis(20), 8000);
        s.enqueue("12").unwrap();
        let packets = drain(&mut s, Instant::now(), 600);
        let starts: Vec<(u64, u32)> = packets
            .iter()
            .filter(|(_, p)| p.marker)
            .map(|(ms, p)| (*ms, p.timestamp))
            .collect();
        assert_eq!(starts.len(), 2);
        assert_eq!(starts[1].0 - starts[0].0, 200, "100 ms tone + 100 ms gap");
        assert!(starts[1].1 >= starts[0].1 + 800);
    }

    #[test]
    fn receiver_reports_each_event_once() {
        let mut s = DtmfSender::new(Duration::from_millis(20), 8000);
        s.enqueue("1231").unwrap();
        let packets = drain(&mut s, Instant::now(), 2000);
        let mut r = DtmfReceiver::new();
        let mut digits = String::new();
        for (_, p) in &packets {
            let payload = p.payload.encode();
            if let Some(d) = r.on_packet(p.timestamp, &payload) {
                digits.push(d);
            }
            // A duplicated packet changes nothing.
            assert_eq!(r.on_packet(p.timestamp, &payload), None);
        }
        assert_eq!(digits, "1231");
    }

    #[test]
    fn receiver_reports_a_digit_whose_start_was_lost() {
        let mut r = DtmfReceiver::new();
        let end = EventPayload {
            event: 9,
            end: true,
            volume: 10,
            duration: 800,
        }
        .encode();
        assert_eq!(r.on_packet(5000, &end), Some('9'));
        assert_eq!(r.on_packet(5000, &end), None);
        assert_eq!(r.on_packet(5000, &[1]), None, "short payload ignored");
    }
}
