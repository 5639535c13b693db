//! One call's media, sans-IO: SDP offer/answer, an RTP/RTCP stream, codec, jitter buffer,
//! DTMF and quality statistics. The engine passes in time, packets and PCM frames, and takes
//! out datagrams ([`MediaSession::poll_transmit`]), events ([`MediaSession::poll_event`]) and
//! the next deadline ([`MediaSession::poll_timeout`]).

mod config;
mod events;
mod receive;
mod send;
mod stream;
mod timers;

pub use config::MediaConfig;
pub use events::{MediaEvent, Transmit, TransmitKind};

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::codec::{self, CodecInfo};
use crate::dtmf::{DtmfReceiver, DtmfSender};
use crate::rtp::{Latch, NtpClock, Receiver, ReportBlock, RtpSender};
use crate::sdp::{Direction, LocalParams, Negotiated, OfferAnswer};
use crate::stats::{self, CallQuality};
use crate::MediaError;
use stream::Stream;

/// The media of one call.
pub struct MediaSession {
    config: MediaConfig,
    rng: StdRng,
    oa: OfferAnswer,
    /// What we want (hold = sendonly/inactive).
    local_direction: Direction,
    /// The codec, jitter buffer and frame sizes, once negotiated.
    stream: Option<Stream>,
    sender: RtpSender,
    receiver: Receiver,
    latch: Latch,
    /// Where RTCP goes (symmetric: the source of the peer's RTCP once heard).
    rtcp_dest: Option<SocketAddr>,
    dtmf_tx: Option<DtmfSender>,
    dtmf_rx: DtmfReceiver,
    muted: bool,
    closed: bool,
    cname: String,

    /// The first `now` seen, and the latest.
    ntp: Option<NtpClock>,
    last_now: Option<Instant>,

    transmits: VecDeque<Transmit>,
    events: VecDeque<MediaEvent>,

    next_rtcp: Option<Instant>,
    last_rtcp_sent: Option<Instant>,
    next_stats: Option<Instant>,
    /// The last RTP packet from the peer, or when we started expecting one.
    last_rtp_at: Option<Instant>,
    timeout_reported: bool,
    first_packet_seen: bool,

    /// The compact NTP time of the peer's last SR and when it arrived (for LSR/DLSR).
    last_sr: Option<(u32, u32, Instant)>,
    rtt: Option<Duration>,
    remote_block: Option<ReportBlock>,

    malformed: u64,
    unknown_payload_type: u64,
}

impl MediaSession {
    pub fn new(config: MediaConfig) -> Self {
        let mut rng = StdRng::seed_from_u64(config.seed);
        let codecs: Vec<&'static CodecInfo> = config
            .codecs
            .iter()
            .copied()
            .filter(|c| codec::supported().contains(c))
            .collect();
        let first_clock = codecs.first().map_or(8000, |c| c.clock_rate);
        let sender = RtpSender::new(&mut rng, first_clock);
        let session_id = rng.gen_range(1_000_000_000u64..9_000_000_000);
        let cname = format!("{:016x}@dialtone", rng.gen::<u64>());
        let params = LocalParams {
            address: config.local_rtp.ip(),
            rtp_port: config.local_rtp.port(),
            codecs: codecs.clone(),
            ptime_ms: config.ptime_ms.max(10),
            dtmf_payload_type: config.dtmf_payload_type,
        };
        MediaSession {
            config: MediaConfig { codecs, ..config },
            rng,
            oa: OfferAnswer::new(params, session_id),
            local_direction: Direction::SendRecv,
            stream: None,
            sender,
            receiver: Receiver::new(first_clock),
            latch: Latch::new(None),
            rtcp_dest: None,
            dtmf_tx: None,
            dtmf_rx: DtmfReceiver::new(),
            muted: false,
            closed: false,
            cname,
            ntp: None,
            last_now: None,
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            next_rtcp: None,
            last_rtcp_sent: None,
            next_stats: None,
            last_rtp_at: None,
            timeout_reported: false,
            first_packet_seen: false,
            last_sr: None,
            rtt: None,
            remote_block: None,
            malformed: 0,
            unknown_payload_type: 0,
        }
    }

    // ---- SDP ----

    /// A new SDP offer (initial INVITE, or a re-INVITE after [`set_direction`] or an address
    /// change) with `direction`.
    ///
    /// [`set_direction`]: Self::set_direction
    pub fn create_offer(&mut self, direction: Direction) -> String {
        self.local_direction = direction;
        self.oa.set_direction(direction);
        self.oa.create_offer(direction)
    }

    /// The peer's answer to our last offer; the stream starts (or changes) here.
    pub fn apply_answer(&mut self, sdp: &str) -> Result<(), MediaError> {
        let negotiated = self.oa.apply_answer(sdp)?.clone();
        self.apply_negotiated(negotiated)
    }

    /// The peer's offer (INVITE or re-INVITE): returns our answer; `local_direction` is what
    /// we want (sendrecv, or sendonly/inactive while we hold).
    pub fn accept_offer(
        &mut self,
        sdp: &str,
        local_direction: Direction,
    ) -> Result<String, MediaError> {
        let (answer, negotiated) = self.oa.accept_offer(sdp, local_direction)?;
        let negotiated = negotiated.clone();
        self.local_direction = local_direction;
        self.apply_negotiated(negotiated)?;
        Ok(answer)
    }

    /// The peer refused our re-offer: keep the media as it was.
    pub fn offer_rejected(&mut self) {
        self.oa.offer_rejected();
    }

    /// Hold/resume: what we want to send and receive. Takes effect at once for our side
    /// (sendonly/inactive stop playout, inactive/recvonly stop sending) and goes into the
    /// next offer.
    pub fn set_direction(&mut self, direction: Direction) {
        self.local_direction = direction;
        self.oa.set_direction(direction);
        if let Some(s) = &mut self.stream {
            s.negotiated.local_direction = direction;
        }
        self.rearm_receive_timeout();
    }

    /// Our media moved (another interface after a network change): the next offer or answer
    /// carries the new address.
    pub fn set_local_rtp(&mut self, local_rtp: SocketAddr) {
        self.config.local_rtp = local_rtp;
        self.oa.set_local_address(local_rtp.ip(), local_rtp.port());
    }

    pub fn negotiated(&self) -> Option<&Negotiated> {
        self.stream.as_ref().map(|s| &s.negotiated)
    }

    /// `PCMU/8000`, `opus/48000/2`; `None` before negotiation.
    pub fn codec_name(&self) -> Option<String> {
        self.negotiated().map(Negotiated::codec_name)
    }

    /// The direction in effect (ours and the peer's together); inactive before negotiation.
    pub fn direction(&self) -> Direction {
        self.negotiated()
            .map_or(Direction::Inactive, Negotiated::direction)
    }

    /// PCM samples per frame for [`send_audio`](Self::send_audio) and
    /// [`play_audio`](Self::play_audio): the negotiated codec's (else our first codec's)
    /// ptime at its PCM rate.
    pub fn frame_samples(&self) -> usize {
        self.current_codec()
            .map_or(160, |c| c.samples_per_frame(self.config.ptime_ms))
    }

    /// The PCM sample rate of the negotiated (else our first) codec.
    pub fn sample_rate(&self) -> u32 {
        self.current_codec().map_or(8000, |c| c.sample_rate)
    }

    fn current_codec(&self) -> Option<&'static CodecInfo> {
        self.negotiated()
            .map(|n| n.codec)
            .or_else(|| self.config.codecs.first().copied())
    }

    /// The `o=` version of our last SDP.
    pub fn sdp_version(&self) -> u64 {
        self.oa.session_version()
    }

    pub fn local_ssrc(&self) -> u32 {
        self.sender.ssrc()
    }

    // ---- controls ----

    /// Muted: the stream keeps going (encoded silence every ptime) so that the peer and
    /// NATs still see it.
    pub fn set_muted(&mut self, muted: bool) {
        self.muted = muted;
    }

    pub fn is_muted(&self) -> bool {
        self.muted
    }

    /// Queues DTMF digits (0-9 * # A-D) as RFC 4733 events; all or none.
    pub fn send_dtmf(&mut self, digits: &str) -> Result<(), MediaError> {
        let dtmf = self.dtmf_tx.as_mut().ok_or(MediaError::DtmfNotNegotiated)?;
        dtmf.enqueue(digits)?;
        if let Some(now) = self.last_now {
            self.pump_dtmf(now);
        }
        Ok(())
    }

    /// Ends the stream: an RTCP BYE goes out, nothing more is sent.
    pub fn close(&mut self, now: Instant) {
        self.touch(now);
        if !self.closed {
            self.send_rtcp(now, true);
            self.closed = true;
        }
    }

    // ---- output ----

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<MediaEvent> {
        self.events.pop_front()
    }

    /// The call quality now.
    pub fn stats(&self) -> CallQuality {
        let codec = self.codec_name().unwrap_or_default();
        let clock = f64::from(self.receiver.clock_rate().max(1));
        let expected = self.receiver.expected();
        let lost = self.receiver.lost();
        let loss_percent = if expected > 0 {
            lost as f64 * 100.0 / expected as f64
        } else {
            0.0
        };
        let jitter_ms = self
            .receiver
            .current()
            .map_or(0.0, |s| f64::from(s.jitter_ticks()) * 1000.0 / clock);
        let send_clock = f64::from(self.negotiated().map_or(8000, |n| n.codec.clock_rate));
        let (jitter_buffer_ms, concealed) = self.stream.as_ref().map_or((0.0, 0), |s| {
            let js = s.jitter.stats();
            (js.delay.as_secs_f64() * 1000.0, js.concealed)
        });
        let rtt_ms = self.rtt.map(|d| d.as_secs_f64() * 1000.0);
        CallQuality {
            mos: stats::estimate_mos(&codec, loss_percent, rtt_ms, jitter_buffer_ms),
            codec,
            packets_sent: self.sender.packets_sent(),
            packets_received: self.receiver.received(),
            packets_lost: lost,
            loss_percent,
            remote_loss_percent: self
                .remote_block
                .map(|b| f64::from(b.fraction_lost) * 100.0 / 256.0),
            jitter_ms,
            remote_jitter_ms: self
                .remote_block
                .map(|b| f64::from(b.jitter) * 1000.0 / send_clock),
            rtt_ms,
            jitter_buffer_ms,
            concealed_frames: concealed,
            ignored_packets: self.latch.ignored(),
        }
    }

    /// Packets that did not parse as RTP/RTCP, and RTP packets with a payload type we did
    /// not negotiate.
    pub fn dropped_counts(&self) -> (u64, u64) {
        (self.malformed, self.unknown_payload_type)
    }

    // ---- internals shared by the submodules ----

    /// Records the time; the first call starts the NTP clock and the timers.
    fn touch(&mut self, now: Instant) {
        if self.ntp.is_none() {
            let offset = self.rng.gen_range(0..86_400);
            self.ntp = Some(NtpClock::new(now, offset));
            self.next_stats = Some(now + self.config.stats_interval);
        }
        if self.stream.is_some() && self.next_rtcp.is_none() && !self.closed {
            let first = self.rtcp_delay() / 2;
            self.next_rtcp = Some(now + first);
        }
        if self.last_rtp_at.is_none() && self.stream.is_some() {
            self.last_rtp_at = Some(now);
        }
        self.last_now = Some(now);
    }

    /// 0.5–1.5 times the RTCP interval (RFC 3550 6.3.1), from the seeded RNG.
    fn rtcp_delay(&mut self) -> Duration {
        let factor: f64 = self.rng.gen_range(0.5..1.5);
        self.config.rtcp_interval.mul_f64(factor)
    }

    fn apply_negotiated(&mut self, negotiated: Negotiated) -> Result<(), MediaError> {
        let same_codec = self.stream.as_ref().is_some_and(|s| {
            s.negotiated.codec == negotiated.codec
                && s.negotiated.recv_payload_type == negotiated.recv_payload_type
        });
        let remote_ip = negotiated.remote_rtp.ip();
        let expected = (!remote_ip.is_unspecified()).then_some(negotiated.remote_rtp);
        let address_changed =
            self.stream.as_ref().map(|s| s.negotiated.remote_rtp) != Some(negotiated.remote_rtp);
        self.latch.reset(expected);
        if address_changed || self.rtcp_dest.is_none() {
            self.rtcp_dest =
                (!negotiated.remote_rtcp.ip().is_unspecified()).then_some(negotiated.remote_rtcp);
        }
        let ptime = Duration::from_millis(u64::from(self.config.ptime_ms.max(10)));
        self.dtmf_tx = negotiated
            .dtmf
            .map(|d| DtmfSender::new(ptime, d.clock_rate));
        if same_codec {
            if let Some(s) = &mut self.stream {
                s.negotiated = negotiated;
            }
        } else {
            let stream = Stream::new(negotiated, &self.config)?;
            self.sender
                .set_clock_rate(stream.negotiated.codec.clock_rate);
            self.receiver
                .set_clock_rate(stream.negotiated.codec.clock_rate);
            self.stream = Some(stream);
        }
        if let Some(now) = self.last_now {
            self.touch(now);
        }
        self.rearm_receive_timeout();
        Ok(())
    }

    /// Starts the RTP inactivity clock afresh (new negotiation, direction change).
    fn rearm_receive_timeout(&mut self) {
        self.last_rtp_at = self.last_now;
        self.timeout_reported = false;
    }

    /// The peer should be sending to us and we want to hear it.
    fn expecting_rtp(&self) -> bool {
        !self.closed && self.direction().receives()
    }

    /// Where RTP goes now, if we may send at all.
    fn rtp_destination(&self) -> Option<SocketAddr> {
        if self.closed || !self.direction().sends() {
            return None;
        }
        self.latch
            .destination()
            .filter(|a| !a.ip().is_unspecified() && a.port() != 0)
    }

    /// The IP the peer's RTP comes from (latched), else its SDP address.
    fn peer_ip(&self) -> Option<IpAddr> {
        self.latch.destination().map(|a| a.ip())
    }
}
