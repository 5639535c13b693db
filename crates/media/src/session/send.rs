//! The sending half: audio frames, DTMF events and RTCP reports into datagrams.

use std::time::Instant;

use super::{MediaSession, Transmit, TransmitKind};
use crate::rtp::{build_compound, ntp, ReportBlock, SenderInfo};

impl MediaSession {
    /// One frame of PCM ([`frame_samples`](Self::frame_samples) samples at
    /// [`sample_rate`](Self::sample_rate); shorter frames are padded with silence, longer ones
    /// cut). Encoded and queued unless the direction forbids sending or a DTMF event is on;
    /// muted, encoded silence goes out instead. Call it every ptime: it is also the stream's
    /// clock for RTP timestamps.
    pub fn send_audio(&mut self, now: Instant, pcm: &[i16]) {
        self.touch(now);
        self.pump_dtmf(now);
        let destination = self.rtp_destination();
        let dtmf_on = self.dtmf_tx.as_ref().is_some_and(|d| d.is_sending());
        let Some(stream) = &mut self.stream else {
            return;
        };
        let ticks = stream.frame_ticks;
        let Some(to) = destination else {
            self.sender.skip(ticks, true);
            return;
        };
        if dtmf_on {
            self.sender.skip(ticks, false);
            return;
        }
        let n = stream.frame_samples;
        let mut frame = vec![0i16; n];
        if !self.muted {
            let len = pcm.len().min(n);
            frame[..len].copy_from_slice(&pcm[..len]);
        }
        let mut payload = Vec::with_capacity(n);
        if let Err(e) = stream.codec.encode(&frame, &mut payload) {
            tracing::warn!(error = %e, "encoding a frame failed");
            self.sender.skip(ticks, true);
            return;
        }
        let pt = stream.negotiated.send_payload_type;
        match self.sender.audio(now, pt, &payload, ticks) {
            Ok(data) => self.transmits.push_back(Transmit {
                to,
                data,
                kind: TransmitKind::Rtp,
            }),
            Err(e) => tracing::warn!(error = %e, "marshalling RTP failed"),
        }
    }

    /// Sends every DTMF packet due at `now`.
    pub(super) fn pump_dtmf(&mut self, now: Instant) {
        let Some(pt) = self
            .negotiated()
            .and_then(|n| n.dtmf)
            .map(|d| d.send_payload_type)
        else {
            return;
        };
        let to = self.rtp_destination();
        // Bounded: a tone has a handful of packets.
        for _ in 0..64 {
            let Some(dtmf) = self.dtmf_tx.as_mut() else {
                return;
            };
            let Some(packet) = dtmf.poll(now, self.sender.timestamp()) else {
                break;
            };
            let after = dtmf.after_last();
            if let Some(to) = to {
                let payload = packet.payload.encode();
                match self
                    .sender
                    .packet(now, pt, packet.marker, packet.timestamp, &payload)
                {
                    Ok(data) => self.transmits.push_back(Transmit {
                        to,
                        data,
                        kind: TransmitKind::Rtp,
                    }),
                    Err(e) => tracing::warn!(error = %e, "marshalling DTMF failed"),
                }
            }
            if packet.payload.end {
                if let Some(after) = after {
                    self.sender.advance_to(after);
                }
            }
        }
    }

    /// An RTCP compound packet: SR if we sent since the last report, else RR; a report block
    /// about the peer's stream once it is valid; CNAME; BYE when closing.
    pub(super) fn send_rtcp(&mut self, now: Instant, bye: bool) {
        let Some(clock) = self.ntp else {
            return;
        };
        let mux = self.negotiated().is_some_and(|n| n.rtcp_mux);
        let to = if mux {
            self.latch.destination()
        } else {
            self.rtcp_dest
        };
        let Some(to) = to.filter(|a| !a.ip().is_unspecified() && a.port() != 0) else {
            return;
        };
        let we_sent = match self.last_rtcp_sent {
            Some(at) => self.sender.sent_since(at),
            None => self.sender.packets_sent() > 0,
        };
        let sender = we_sent.then(|| SenderInfo {
            ntp_time: clock.ntp(now),
            rtp_time: self.sender.rtp_time_at(now),
            packet_count: self.sender.packets_sent() as u32,
            octet_count: self.sender.octets_sent() as u32,
        });
        let last_sr = self.last_sr;
        let block = self
            .receiver
            .current_mut()
            .filter(|s| s.is_valid())
            .map(|s| {
                let (lsr, dlsr) = match last_sr {
                    Some((ssrc, lsr, at)) if ssrc == s.ssrc => {
                        (lsr, ntp::to_compact(now.saturating_duration_since(at)))
                    }
                    _ => (0, 0),
                };
                ReportBlock {
                    ssrc: s.ssrc,
                    fraction_lost: s.take_fraction_lost(),
                    cumulative_lost: s.lost().clamp(i64::from(i32::MIN), i64::from(i32::MAX))
                        as i32,
                    extended_highest_seq: s.extended_max(),
                    jitter: s.jitter_ticks(),
                    last_sr: lsr,
                    delay_since_last_sr: dlsr,
                }
            });
        let blocks: Vec<ReportBlock> = block.into_iter().collect();
        match build_compound(self.sender.ssrc(), sender, &blocks, &self.cname, bye) {
            Ok(data) => {
                self.transmits.push_back(Transmit {
                    to,
                    data,
                    kind: if mux {
                        TransmitKind::Rtp
                    } else {
                        TransmitKind::Rtcp
                    },
                });
                self.last_rtcp_sent = Some(now);
            }
            Err(e) => tracing::warn!(error = %e, "marshalling RTCP failed"),
        }
    }
}
