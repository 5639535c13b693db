//! The jitter buffer: packets in, by RTP sequence number and timestamp; one frame of PCM out
//! per playout tick, decoded, recovered from FEC or concealed.
//!
//! Time is passed in. Every packet's transit time (arrival minus RTP timestamp, as time) is
//! measured; the fastest recent one is the reference for "on time", and a frame is played
//! `target` after it would have arrived on that fastest path. The target follows the RFC
//! 3550 jitter estimate and the worst recent delay, between `min_delay` and `max_delay`.
//! How far the playout point is from that ideal is the *margin*; when it leaves the band
//! around the target (network delay changed, or the sender's clock runs fast or slow) a
//! frame is dropped or a made-up frame inserted, so the buffer neither grows nor starves.

mod delay;
mod timeline;

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::codec::{AudioCodec, CodecInfo};
use crate::MediaError;
use delay::DelayEstimator;
use timeline::{SeqUnwrapper, TsUnwrapper};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JitterConfig {
    /// PCM samples per playout frame (ptime at the codec's sample rate).
    pub frame_samples: usize,
    /// RTP timestamp ticks per frame (ptime at the codec's RTP clock rate).
    pub frame_ticks: u32,
    pub ptime: Duration,
    /// The least delay the buffer adds (its starting target).
    pub min_delay: Duration,
    /// The most delay the buffer adds, however bad the jitter.
    pub max_delay: Duration,
}

impl JitterConfig {
    /// A buffer for `info` at `ptime_ms` per frame, holding 20..=300 ms.
    pub fn for_codec(info: &CodecInfo, ptime_ms: u32) -> Self {
        JitterConfig {
            frame_samples: info.samples_per_frame(ptime_ms),
            frame_ticks: info.rtp_ticks_per_frame(ptime_ms),
            ptime: Duration::from_millis(u64::from(ptime_ms)),
            min_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(300),
        }
    }
}

impl Default for JitterConfig {
    /// 20 ms frames of 8 kHz audio (G.711).
    fn default() -> Self {
        JitterConfig::for_codec(&crate::codec::g711::PCMU, 20)
    }
}

/// What one playout frame was made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Playout {
    /// Nothing has arrived yet (or the buffer is still filling, or the stream went quiet):
    /// silence.
    Silence,
    Decoded,
    /// The packet was lost or late (or the buffer stretched to let its delay grow): made up
    /// by the codec.
    Concealed,
    /// The packet was lost but recovered from the next packet's FEC.
    Recovered,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JitterStats {
    /// How long the frame being played has been waiting, counted from when it would have
    /// arrived on the fastest recent path (the delay the buffer adds).
    pub delay: Duration,
    /// The delay the buffer is aiming for.
    pub target_delay: Duration,
    /// The RFC 3550 interarrival jitter estimate.
    pub jitter: Duration,
    /// Packets decoded (a packet longer than ptime plays over several pops).
    pub decoded: u64,
    /// Lost frames made up by the codec. This includes the up to 200 ms concealed when a
    /// stream stops (hold, end, Opus DTX) before the buffer goes quiet: it cannot tell
    /// that from loss until then.
    pub concealed: u64,
    /// Lost frames rebuilt from the next packet's FEC.
    pub recovered: u64,
    /// Packets that arrived after their frame had been played (and were dropped).
    pub late: u64,
    pub duplicates: u64,
    /// Frames thrown away to bring the delay down (a fast sender clock, a shorter path).
    pub dropped: u64,
    /// Frames made up to let the delay grow (a slow sender clock, more jitter).
    pub stretched: u64,
    /// Times the buffer started over on a new timeline (sender restart, long silence).
    pub resyncs: u64,
    /// Packets the codec could not decode (concealed instead).
    pub corrupt: u64,
}

/// Frames dropped only after the margin has been above the band this many pops in a row.
const DROP_AFTER_POPS: u32 = 5;
/// A stream that has delivered nothing for this long is quiet: stop concealing.
const QUIET_AFTER: Duration = Duration::from_millis(200);
/// Packets this far from the playout point (beyond `max_delay`) start a new timeline.
const RESYNC_BEYOND: Duration = Duration::from_secs(2);
/// Timestamps of recently decoded frames, to tell duplicates from late packets.
const PLAYED_MEMORY: usize = 64;

pub struct JitterBuffer {
    config: JitterConfig,
    /// Microseconds per `frame_ticks`, for turning RTP ticks into time.
    frame_us: i64,
    state: State,
    packets: BTreeMap<i64, Vec<u8>>,
    delay: DelayEstimator,
    ts: TsUnwrapper,
    seq: SeqUnwrapper,
    /// The (extended) RTP timestamp of the next frame to play.
    next: i64,
    /// Pops in a row with the margin above the band.
    over_band: u32,
    /// Frames in a row made up with nothing in the buffer.
    starving: u32,
    played: VecDeque<i64>,
    /// A packet far off the timeline, kept until a second one confirms a new timeline.
    far_candidate: Option<FarPacket>,
    /// Decoded samples beyond one frame (a packet longer than ptime).
    overflow: Vec<i16>,
    scratch: Vec<i16>,
    stats: JitterStats,
}

/// A packet far off the timeline, waiting for confirmation.
#[derive(Debug, Clone)]
struct FarPacket {
    at: Instant,
    seq: u16,
    timestamp: u32,
    ext: i64,
    ext_seq: i64,
    payload: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No packet yet, or quiet after the stream stopped: silence until one arrives.
    Idle,
    /// Packets are arriving; silence until the first frame has waited the target delay.
    Filling {
        epoch: Instant,
    },
    Playing {
        epoch: Instant,
    },
}

impl JitterBuffer {
    pub fn new(config: JitterConfig) -> Self {
        let frame_us = config.ptime.as_micros().max(1) as i64;
        let delay = DelayEstimator::new(
            config.min_delay.as_micros() as i64,
            config.max_delay.as_micros() as i64,
        );
        JitterBuffer {
            stats: JitterStats {
                delay: Duration::ZERO,
                target_delay: config.min_delay,
                ..JitterStats::default()
            },
            config,
            frame_us,
            state: State::Idle,
            packets: BTreeMap::new(),
            delay,
            ts: TsUnwrapper::default(),
            seq: SeqUnwrapper::default(),
            next: 0,
            over_band: 0,
            starving: 0,
            played: VecDeque::with_capacity(PLAYED_MEMORY),
            far_candidate: None,
            overflow: Vec::new(),
            scratch: Vec::new(),
        }
    }

    pub fn config(&self) -> &JitterConfig {
        &self.config
    }

    /// A received audio packet.
    pub fn push(&mut self, now: Instant, seq: u16, timestamp: u32, payload: &[u8]) {
        if self.state == State::Idle {
            self.start(now, seq, timestamp);
        }
        let ext = self.ts.extend(timestamp);
        let ext_seq = self.seq.extend(seq);
        let resync_ticks =
            self.us_to_ticks((RESYNC_BEYOND + self.config.max_delay).as_micros() as i64);
        if (ext - self.next).abs() <= resync_ticks {
            self.far_candidate = None;
            self.accept(now, seq, timestamp, ext, ext_seq, payload);
            return;
        }
        // Far off the timeline: either a new one (sender restart, a jump after a long
        // silence) or one stray packet. A jump that continues the sequence numbers, or a
        // second far packet that agrees with the first, is a new timeline.
        let continues = self.seq.last() == Some(ext_seq - 1);
        let candidate = self.far_candidate.take().filter(|c| {
            (1..=3).contains(&(ext_seq - c.ext_seq)) && (ext - c.ext).abs() <= resync_ticks
        });
        if !continues && candidate.is_none() {
            self.far_candidate = Some(FarPacket {
                at: now,
                seq,
                timestamp,
                ext,
                ext_seq,
                payload: payload.to_vec(),
            });
            return;
        }
        self.stats.resyncs += 1;
        tracing::debug!(seq, timestamp, "RTP timeline jumped: resynchronising");
        match candidate {
            Some(first) => {
                self.remap(first.at, first.seq, first.timestamp);
                self.push_mapped(first.at, first.seq, first.timestamp, &first.payload);
            }
            None => self.remap(now, seq, timestamp),
        }
        self.push_mapped(now, seq, timestamp, payload);
    }

    /// Pushes a packet of the current timeline.
    fn push_mapped(&mut self, now: Instant, seq: u16, timestamp: u32, payload: &[u8]) {
        let ext = self.ts.extend(timestamp);
        let ext_seq = self.seq.extend(seq);
        self.accept(now, seq, timestamp, ext, ext_seq, payload);
    }

    /// Places a packet that jumped off the timeline where it would be on time, after
    /// everything already buffered, so that the old stream plays out and the new one follows
    /// without a gap or a pause.
    fn remap(&mut self, at: Instant, seq: u16, timestamp: u32) {
        let (State::Filling { epoch } | State::Playing { epoch }) = self.state else {
            return self.start(at, seq, timestamp);
        };
        let arrival = at.saturating_duration_since(epoch).as_micros() as i64;
        let on_time = match self.delay.base() {
            Some(base) => self.us_to_ticks(arrival - base),
            None => self.next,
        };
        let after_buffered = self
            .packets
            .last_key_value()
            .map_or(self.next, |(&last, _)| {
                last + i64::from(self.config.frame_ticks)
            });
        self.ts
            .accept(timestamp, on_time.max(after_buffered).max(self.next));
        let last_seq = self.seq.last().unwrap_or(0);
        self.seq.accept(seq, last_seq + 1);
    }

    /// Takes a packet on the timeline into the buffer (or counts it as late or duplicate).
    fn accept(
        &mut self,
        now: Instant,
        seq: u16,
        timestamp: u32,
        ext: i64,
        ext_seq: i64,
        payload: &[u8],
    ) {
        let (State::Filling { epoch } | State::Playing { epoch }) = self.state else {
            return;
        };
        self.ts.accept(timestamp, ext);
        self.seq.accept(seq, ext_seq);

        let arrival = now.saturating_duration_since(epoch).as_micros() as i64;
        self.delay.arrival(arrival - self.ticks_to_us(ext));
        self.stats.target_delay = Duration::from_micros(self.delay.target_us().max(0) as u64);
        self.stats.jitter = Duration::from_micros(self.delay.jitter_us() as u64);

        if ext < self.next {
            if matches!(self.state, State::Filling { .. }) {
                // Reordered before playout began: start from the earlier packet.
                self.next = ext;
            } else if self.played.contains(&ext) {
                self.stats.duplicates += 1;
                return;
            } else {
                self.stats.late += 1;
                return;
            }
        }
        if self.packets.contains_key(&ext) {
            self.stats.duplicates += 1;
            return;
        }
        self.packets.insert(ext, payload.to_vec());
    }

    /// One frame of playout, appended to `out` (always `frame_samples` long).
    pub fn pop(
        &mut self,
        now: Instant,
        codec: &mut dyn AudioCodec,
        out: &mut Vec<i16>,
    ) -> Result<Playout, MediaError> {
        let frame = self.config.frame_samples;
        let start = out.len();
        let kind = self.pop_frame(now, codec, out)?;
        out.resize(start + frame, 0);
        Ok(kind)
    }

    fn pop_frame(
        &mut self,
        now: Instant,
        codec: &mut dyn AudioCodec,
        out: &mut Vec<i16>,
    ) -> Result<Playout, MediaError> {
        let frame = self.config.frame_samples;
        if self.overflow.len() >= frame {
            out.extend(self.overflow.drain(..frame));
            return Ok(Playout::Decoded);
        }
        let epoch = match self.state {
            State::Idle => return Ok(silence(out, frame)),
            State::Filling { epoch } | State::Playing { epoch } => epoch,
        };
        let Some(margin) = self.margin_us(now, epoch) else {
            return Ok(silence(out, frame));
        };
        self.stats.delay = Duration::from_micros(margin.max(0) as u64);
        let target = self.delay.target_us();

        if matches!(self.state, State::Filling { .. }) {
            if margin < target {
                return Ok(silence(out, frame));
            }
            self.state = State::Playing { epoch };
        }

        let present = self.packets.contains_key(&self.next);
        // Too early: let the delay grow by one made-up frame, without moving on.
        if margin < target - self.frame_us || (!present && margin < target) {
            self.stats.stretched += 1;
            codec.conceal(frame, out)?;
            return Ok(Playout::Concealed);
        }
        if !present {
            return self.lost_frame(codec, out);
        }
        self.starving = 0;

        // Too late for long enough: throw one frame away (decoded, so that the decoder's
        // state stays continuous) and play the one after it.
        self.over_band = if margin > target + self.frame_us * 3 / 2 {
            self.over_band + 1
        } else {
            0
        };
        let following = self.next + i64::from(self.config.frame_ticks);
        if self.over_band >= DROP_AFTER_POPS && self.packets.contains_key(&following) {
            self.over_band = 0;
            self.stats.dropped += 1;
            let mut scratch = std::mem::take(&mut self.scratch);
            scratch.clear();
            self.decode_next(codec, &mut scratch)?;
            self.scratch = scratch;
        }
        self.decode_next(codec, out)
    }

    /// Plays the frame at `next` from its packet (which is in the buffer).
    fn decode_next(
        &mut self,
        codec: &mut dyn AudioCodec,
        out: &mut Vec<i16>,
    ) -> Result<Playout, MediaError> {
        let frame = self.config.frame_samples;
        let Some(payload) = self.packets.remove(&self.next) else {
            return self.lost_frame(codec, out);
        };
        let start = out.len();
        if let Err(error) = codec.decode(&payload, out) {
            tracing::debug!(%error, "undecodable audio packet, concealed");
            out.truncate(start);
            self.stats.corrupt += 1;
            self.stats.concealed += 1;
            self.advance(1);
            codec.conceal(frame, out)?;
            return Ok(Playout::Concealed);
        }
        if self.played.len() == PLAYED_MEMORY {
            self.played.pop_front();
        }
        self.played.push_back(self.next);
        self.stats.decoded += 1;
        // A packet longer than a frame: keep the rest for the next pops.
        let decoded = out.len() - start;
        let frames = decoded.div_ceil(frame).max(1);
        if decoded > frame {
            self.overflow.extend(out.drain(start + frame..));
        }
        self.advance(frames as i64);
        Ok(Playout::Decoded)
    }

    /// The frame at `next` is missing and due: rebuild it from FEC or make it up.
    fn lost_frame(
        &mut self,
        codec: &mut dyn AudioCodec,
        out: &mut Vec<i16>,
    ) -> Result<Playout, MediaError> {
        let frame = self.config.frame_samples;
        if self.packets.is_empty() {
            self.starving += 1;
            if Duration::from_micros(self.frame_us as u64 * u64::from(self.starving)) > QUIET_AFTER
            {
                // The stream has stopped (DTX, hold, a dead path): stop making things up and
                // start over from whatever arrives next.
                self.state = State::Idle;
                return Ok(silence(out, frame));
            }
        }
        let following = self.next + i64::from(self.config.frame_ticks);
        self.advance(1);
        if let Some(next_payload) = self.packets.get(&following) {
            let start = out.len();
            match codec.recover(next_payload, frame, out) {
                Ok(true) => {
                    self.stats.recovered += 1;
                    return Ok(Playout::Recovered);
                }
                Ok(false) => {}
                Err(error) => {
                    tracing::debug!(%error, "FEC recovery failed, concealing");
                    out.truncate(start);
                }
            }
        }
        self.stats.concealed += 1;
        codec.conceal(frame, out)?;
        Ok(Playout::Concealed)
    }

    fn advance(&mut self, frames: i64) {
        self.next += frames * i64::from(self.config.frame_ticks);
    }

    /// How long ago (µs) the frame at `next` would have arrived on the fastest recent path.
    fn margin_us(&self, now: Instant, epoch: Instant) -> Option<i64> {
        let base = self.delay.base()?;
        let now_us = now.saturating_duration_since(epoch).as_micros() as i64;
        Some(now_us - base - self.ticks_to_us(self.next))
    }

    fn ticks_to_us(&self, ticks: i64) -> i64 {
        ticks * self.frame_us / i64::from(self.config.frame_ticks.max(1))
    }

    fn us_to_ticks(&self, us: i64) -> i64 {
        us * i64::from(self.config.frame_ticks.max(1)) / self.frame_us
    }

    /// Anchors a new timeline at this packet.
    fn start(&mut self, now: Instant, seq: u16, timestamp: u32) {
        self.ts.restart(timestamp);
        self.seq.restart(seq);
        self.delay.restart();
        self.packets.clear();
        self.played.clear();
        self.overflow.clear();
        self.far_candidate = None;
        self.next = 0;
        self.over_band = 0;
        self.starving = 0;
        self.state = State::Filling { epoch: now };
    }

    pub fn stats(&self) -> JitterStats {
        self.stats.clone()
    }

    /// Packets waiting to be played.
    pub fn buffered(&self) -> usize {
        self.packets.len()
    }

    /// Forgets everything (a new SSRC, a re-INVITE that changed the codec). The statistics
    /// and the learnt delay target are kept.
    pub fn reset(&mut self) {
        self.packets.clear();
        self.played.clear();
        self.overflow.clear();
        self.far_candidate = None;
        self.delay.restart();
        self.state = State::Idle;
    }
}

fn silence(out: &mut Vec<i16>, frame: usize) -> Playout {
    out.resize(out.len() + frame, 0);
    Playout::Silence
}

#[cfg(test)]
mod tests;
