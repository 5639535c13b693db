//! The sending side of one RTP stream: SSRC, sequence number and timestamp start at random
//! values (from the session's seeded RNG), the timestamp advances by one frame's ticks per
//! frame whether or not the frame was sent, and the marker bit flags the first packet of a
//! talkspurt (the first packet, and the first after a pause).

use std::time::Instant;

use bytes::Bytes;
use rand::Rng;
use rtp::header::Header;
use rtp::packet::Packet;
use webrtc_util::marshal::Marshal;

use crate::MediaError;

#[derive(Debug, Clone)]
pub struct RtpSender {
    ssrc: u32,
    sequence: u16,
    /// The timestamp of the next audio frame.
    timestamp: u32,
    marker_next: bool,
    clock_rate: u32,
    packets_sent: u64,
    octets_sent: u64,
    /// When the last packet went out and with what timestamp (for SR's RTP time).
    last_sent: Option<(Instant, u32)>,
}

impl RtpSender {
    pub fn new(rng: &mut impl Rng, clock_rate: u32) -> Self {
        RtpSender {
            ssrc: rng.gen(),
            sequence: rng.gen(),
            timestamp: rng.gen(),
            marker_next: true,
            clock_rate,
            packets_sent: 0,
            octets_sent: 0,
            last_sent: None,
        }
    }

    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The timestamp the next audio frame will carry.
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    pub fn packets_sent(&self) -> u64 {
        self.packets_sent
    }

    pub fn octets_sent(&self) -> u64 {
        self.octets_sent
    }

    /// A new negotiated codec may have another RTP clock (timestamps stay continuous).
    pub fn set_clock_rate(&mut self, clock_rate: u32) {
        self.clock_rate = clock_rate;
    }

    /// One audio frame of `ticks`, marshalled; the timestamp then moves on by `ticks`.
    pub fn audio(
        &mut self,
        now: Instant,
        payload_type: u8,
        payload: &[u8],
        ticks: u32,
    ) -> Result<Vec<u8>, MediaError> {
        let marker = std::mem::take(&mut self.marker_next);
        let timestamp = self.timestamp;
        let data = self.packet(now, payload_type, marker, timestamp, payload)?;
        self.timestamp = self.timestamp.wrapping_add(ticks);
        Ok(data)
    }

    /// A frame's worth of time with no audio packet. After a `pause` (hold, nothing to
    /// send) the next audio packet carries the marker; frames replaced by DTMF events do not.
    pub fn skip(&mut self, ticks: u32, pause: bool) {
        self.timestamp = self.timestamp.wrapping_add(ticks);
        self.marker_next |= pause;
    }

    /// Makes sure the next audio timestamp is not before `timestamp` (after a DTMF event
    /// that outlasted the audio frames around it).
    pub fn advance_to(&mut self, timestamp: u32) {
        if (timestamp.wrapping_sub(self.timestamp) as i32) > 0 {
            self.timestamp = timestamp;
        }
    }

    /// Any packet of this stream (telephone-event uses this with its own timestamp).
    pub fn packet(
        &mut self,
        now: Instant,
        payload_type: u8,
        marker: bool,
        timestamp: u32,
        payload: &[u8],
    ) -> Result<Vec<u8>, MediaError> {
        let packet = Packet {
            header: Header {
                version: 2,
                marker,
                payload_type,
                sequence_number: self.sequence,
                timestamp,
                ssrc: self.ssrc,
                ..Header::default()
            },
            payload: Bytes::copy_from_slice(payload),
        };
        let data = packet.marshal()?;
        self.sequence = self.sequence.wrapping_add(1);
        self.packets_sent += 1;
        self.octets_sent += payload.len() as u64;
        self.last_sent = Some((now, timestamp));
        Ok(data.to_vec())
    }

    /// The RTP timestamp that corresponds to `now` (for a sender report): the last sent
    /// timestamp plus the time since, at the stream's clock rate.
    pub fn rtp_time_at(&self, now: Instant) -> u32 {
        match self.last_sent {
            Some((at, ts)) => {
                let elapsed = now.saturating_duration_since(at);
                let ticks = elapsed.as_nanos() * u128::from(self.clock_rate) / 1_000_000_000;
                ts.wrapping_add(ticks as u32)
            }
            None => self.timestamp,
        }
    }

    /// Whether a packet went out since `since`.
    pub fn sent_since(&self, since: Instant) -> bool {
        self.last_sent.is_some_and(|(at, _)| at >= since)
    }
}
