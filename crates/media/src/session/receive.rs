//! The receiving half: RTP into the jitter buffer and DTMF receiver, RTCP into round-trip
//! time and remote loss, and playout.

use std::net::SocketAddr;
use std::time::Instant;

use rtp::packet::Packet;
use webrtc_util::marshal::Unmarshal;

use super::{MediaEvent, MediaSession};
use crate::jitter::Playout;
use crate::rtp::{is_rtcp, parse_compound, LatchDecision};

impl MediaSession {
    /// A datagram that arrived on the RTP socket from `from`. RTCP on the same port (a peer
    /// using rtcp-mux, payload types 200-204) is passed to [`handle_rtcp`](Self::handle_rtcp).
    pub fn handle_rtp(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        self.touch(now);
        if is_rtcp(data) {
            self.handle_rtcp(now, from, data);
            return;
        }
        let mut buf = data;
        let packet = match Packet::unmarshal(&mut buf) {
            Ok(p) if p.header.version == 2 => p,
            _ => {
                self.malformed += 1;
                return;
            }
        };
        let Some(stream) = &self.stream else {
            return;
        };
        let header = &packet.header;
        let audio = header.payload_type == stream.negotiated.recv_payload_type;
        let event = stream
            .negotiated
            .dtmf
            .is_some_and(|d| d.recv_payload_type == header.payload_type);
        if !audio && !event {
            self.unknown_payload_type += 1;
            return;
        }
        match self
            .latch
            .on_packet(from, header.ssrc, header.sequence_number)
        {
            LatchDecision::Ignore => return,
            LatchDecision::Accept => {}
            LatchDecision::Latched(addr) => {
                if self.negotiated().is_some_and(|n| n.rtcp_mux) {
                    self.rtcp_dest = Some(addr);
                }
                self.events
                    .push_back(MediaEvent::RemoteAddressLatched(addr));
            }
        }
        let previous_ssrc = self.receiver.current().map(|s| s.ssrc);
        self.receiver.on_packet(
            now,
            header.ssrc,
            header.sequence_number,
            header.timestamp,
            audio,
        );
        self.last_rtp_at = Some(now);
        self.timeout_reported = false;
        if !self.first_packet_seen {
            self.first_packet_seen = true;
            self.events.push_back(MediaEvent::FirstPacket);
        }
        if !self.direction().receives() {
            return;
        }
        let Some(stream) = &mut self.stream else {
            return;
        };
        if previous_ssrc.is_some_and(|s| s != header.ssrc) {
            // A new source (the peer restarted its stream): timestamps start over.
            stream.jitter.reset();
        }
        if audio {
            stream.jitter.push(
                now,
                header.sequence_number,
                header.timestamp,
                &packet.payload,
            );
        } else if let Some(digit) = self.dtmf_rx.on_packet(header.timestamp, &packet.payload) {
            self.events.push_back(MediaEvent::DtmfReceived(digit));
        }
    }

    /// A datagram that arrived on the RTCP socket (or RTCP demuxed from the RTP socket).
    /// Accepted from the peer's addresses only (its SDP RTCP address or the IP its RTP comes
    /// from); then our RTCP goes back to where it came from.
    pub fn handle_rtcp(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        self.touch(now);
        let from_peer = Some(from) == self.rtcp_dest
            || Some(from.ip()) == self.peer_ip()
            || self
                .negotiated()
                .is_some_and(|n| n.remote_rtcp.ip() == from.ip());
        if !from_peer {
            return;
        }
        let parsed = match parse_compound(data) {
            Ok(p) => p,
            Err(_) => {
                self.malformed += 1;
                return;
            }
        };
        if !self.negotiated().is_some_and(|n| n.rtcp_mux) {
            self.rtcp_dest = Some(from);
        }
        let Some(clock) = self.ntp else {
            return;
        };
        for sr in &parsed.sender_reports {
            self.last_sr = Some((sr.ssrc, crate::rtp::ntp::compact(sr.ntp_time), now));
        }
        let ours = self.sender.ssrc();
        for report in parsed.blocks.iter().filter(|r| r.block.ssrc == ours) {
            if let Some(rtt) = report.block.round_trip(clock.compact(now)) {
                self.rtt = Some(rtt);
            }
            self.remote_block = Some(report.block);
        }
        if !parsed.bye.is_empty() {
            self.events.push_back(MediaEvent::RemoteBye);
        }
    }

    /// One frame of playout appended to `out` (always [`frame_samples`](Self::frame_samples)
    /// samples): decoded, concealed, or silence when receiving is off or nothing arrived.
    /// Call it every ptime.
    pub fn play_audio(&mut self, now: Instant, out: &mut Vec<i16>) -> Playout {
        self.touch(now);
        let receiving = self.direction().receives();
        let n = self.frame_samples();
        let Some(stream) = self.stream.as_mut() else {
            out.resize(out.len() + n, 0);
            return Playout::Silence;
        };
        if !receiving {
            // Held: whatever was buffered is stale by the time we listen again.
            stream.jitter.reset();
            out.resize(out.len() + n, 0);
            return Playout::Silence;
        }
        let start = out.len();
        match stream.jitter.pop(now, stream.codec.as_mut(), out) {
            Ok(kind) => kind,
            Err(e) => {
                tracing::warn!(error = %e, "decoding a frame failed");
                out.truncate(start);
                out.resize(start + n, 0);
                Playout::Silence
            }
        }
    }
}
