//! Two media sessions talking through an in-memory network with simulated time: offer/answer,
//! tones both ways, DTMF, hold/resume, mute, RTCP round-trip time, stray packets, timeout.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use dialtone_media::codec::g711::PCMU;
use dialtone_media::sdp::Direction;
use dialtone_media::{MediaConfig, MediaEvent, MediaSession, TransmitKind};

const STEP: Duration = Duration::from_millis(5);
/// 20 ms frames on a 5 ms grid.
const STEPS_PER_FRAME: u64 = 4;
/// One-way network delay.
const DELAY: Duration = Duration::from_millis(15);

struct Peer {
    session: MediaSession,
    rtp: SocketAddr,
    rtcp: SocketAddr,
    tone_hz: f64,
    phase: f64,
    heard: Vec<i16>,
    events: Vec<MediaEvent>,
    rtp_sent: usize,
}

impl Peer {
    fn new(rtp: &str, seed: u64, tone_hz: f64) -> Self {
        let rtp: SocketAddr = rtp.parse().unwrap();
        let config = MediaConfig {
            codecs: vec![&PCMU],
            rtcp_interval: Duration::from_secs(1),
            rtp_timeout: Duration::from_secs(3),
            ..MediaConfig::new(rtp, seed)
        };
        Peer {
            session: MediaSession::new(config),
            rtp,
            rtcp: SocketAddr::new(rtp.ip(), rtp.port() + 1),
            tone_hz,
            phase: 0.0,
            heard: Vec::new(),
            events: Vec::new(),
            rtp_sent: 0,
        }
    }

    fn tone_frame(&mut self) -> Vec<i16> {
        let rate = f64::from(self.session.sample_rate());
        (0..self.session.frame_samples())
            .map(|_| {
                self.phase += 2.0 * std::f64::consts::PI * self.tone_hz / rate;
                (self.phase.sin() * 8000.0) as i16
            })
            .collect()
    }

    fn digits(&self) -> String {
        self.events
            .iter()
            .filter_map(|e| match e {
                MediaEvent::DtmfReceived(d) => Some(*d),
                _ => None,
            })
            .collect()
    }
}

struct Packet {
    at: Instant,
    from: SocketAddr,
    to: SocketAddr,
    data: Vec<u8>,
}

struct Net {
    a: Peer,
    b: Peer,
    now: Instant,
    /// Steps of `STEP` run so far.
    steps: u64,
    queue: VecDeque<Packet>,
    /// Drop everything A sends (to provoke B's timeout).
    cut_a: bool,
}

impl Net {
    fn new() -> Self {
        let now = Instant::now();
        Net {
            a: Peer::new("127.0.0.1:40000", 1, 440.0),
            b: Peer::new("127.0.0.1:50000", 2, 1000.0),
            now,
            steps: 0,
            queue: VecDeque::new(),
            cut_a: false,
        }
    }

    /// A offers, B answers.
    fn connect() -> Self {
        let mut net = Net::new();
        let offer = net.a.session.create_offer(Direction::SendRecv);
        let answer = net
            .b
            .session
            .accept_offer(&offer, Direction::SendRecv)
            .unwrap();
        net.a.session.apply_answer(&answer).unwrap();
        net
    }

    /// A re-offers with `direction`, B answers wanting sendrecv.
    fn reoffer_from_a(&mut self, direction: Direction) {
        self.a.session.set_direction(direction);
        let offer = self.a.session.create_offer(direction);
        let answer = self
            .b
            .session
            .accept_offer(&offer, Direction::SendRecv)
            .unwrap();
        self.a.session.apply_answer(&answer).unwrap();
    }

    fn collect(&mut self, which: char) {
        let (peer, cut) = match which {
            'a' => (&mut self.a, self.cut_a),
            _ => (&mut self.b, false),
        };
        while let Some(t) = peer.session.poll_transmit() {
            let from = match t.kind {
                TransmitKind::Rtp => {
                    peer.rtp_sent += usize::from(t.data[1] & 0x7f < 72);
                    peer.rtp
                }
                _ => peer.rtcp,
            };
            if !cut {
                self.queue.push_back(Packet {
                    at: self.now + DELAY,
                    from,
                    to: t.to,
                    data: t.data,
                });
            }
        }
        while let Some(e) = peer.session.poll_event() {
            peer.events.push(e);
        }
    }

    fn deliver(&mut self) {
        let now = self.now;
        let (due, later): (VecDeque<Packet>, VecDeque<Packet>) =
            self.queue.drain(..).partition(|p| p.at <= now);
        self.queue = later;
        for p in due {
            let peer = if p.to.ip() == self.a.rtp.ip() && p.to.port() / 10000 == 4 {
                &mut self.a
            } else {
                &mut self.b
            };
            if p.to == peer.rtp {
                peer.session.handle_rtp(now, p.from, &p.data);
            } else if p.to == peer.rtcp {
                peer.session.handle_rtcp(now, p.from, &p.data);
            } else {
                panic!("packet to an address nobody listens on: {}", p.to);
            }
        }
    }

    /// Runs the simulated call for `d`: audio every ptime, timers whenever due.
    fn run(&mut self, d: Duration) {
        let end = self.now + d;
        let mut guard = 0;
        while self.now < end {
            guard += 1;
            assert!(guard < 1_000_000);
            let audio_tick = self.steps.is_multiple_of(STEPS_PER_FRAME);
            self.steps += 1;
            self.deliver();
            for peer in [&mut self.a, &mut self.b] {
                if peer.session.poll_timeout().is_some_and(|t| t <= self.now) {
                    peer.session.handle_timeout(self.now);
                }
                if audio_tick {
                    let frame = peer.tone_frame();
                    peer.session.send_audio(self.now, &frame);
                    peer.session.play_audio(self.now, &mut peer.heard);
                }
            }
            self.collect('a');
            self.collect('b');
            self.now += STEP;
        }
    }
}

/// Power of `f` in `samples` (Goertzel), normalised by the total energy: near 1 for a pure
/// tone at `f`, near 0 without it.
fn tone_share(samples: &[i16], f: f64, rate: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * f / rate;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut energy = 0.0;
    for &x in samples {
        let x = f64::from(x);
        energy += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    if energy == 0.0 {
        return 0.0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power / (energy * samples.len() as f64)
}

/// The last `ms` of what a peer heard.
fn last(heard: &[i16], ms: usize) -> &[i16] {
    &heard[heard.len().saturating_sub(ms * 8)..]
}

fn energy(samples: &[i16]) -> f64 {
    samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len().max(1) as f64
}

#[test]
fn tones_flow_both_ways() {
    let mut net = Net::connect();
    assert_eq!(net.a.session.codec_name().as_deref(), Some("PCMU/8000"));
    assert_eq!(net.b.session.frame_samples(), 160);
    net.run(Duration::from_secs(2));

    let b_heard = last(&net.b.heard, 1500);
    let a_heard = last(&net.a.heard, 1500);
    assert!(
        tone_share(b_heard, 440.0, 8000.0) > 0.8,
        "B hears A's 440 Hz"
    );
    assert!(tone_share(b_heard, 1000.0, 8000.0) < 0.05);
    assert!(
        tone_share(a_heard, 1000.0, 8000.0) > 0.8,
        "A hears B's 1000 Hz"
    );
    assert!(tone_share(a_heard, 440.0, 8000.0) < 0.05);

    for peer in [&net.a, &net.b] {
        assert_eq!(
            peer.events
                .iter()
                .filter(|e| **e == MediaEvent::FirstPacket)
                .count(),
            1
        );
    }
    assert!(net
        .b
        .events
        .contains(&MediaEvent::RemoteAddressLatched(net.a.rtp)));
    // 2 s at 20 ms: 100 packets each way, none lost.
    let q = net.b.session.stats();
    assert!((99..=101).contains(&q.packets_sent), "{q:?}");
    assert_eq!(q.packets_lost, 0);
    assert!(q.mos > 4.2, "{q:?}");
}

#[test]
fn dtmf_digits_arrive_once_each() {
    let mut net = Net::connect();
    net.run(Duration::from_millis(500));
    net.a.session.send_dtmf("123#").unwrap();
    net.run(Duration::from_secs(2));
    assert_eq!(net.b.digits(), "123#");
    assert_eq!(net.a.digits(), "");
    assert!(net.a.session.send_dtmf("12x").is_err());
    // The audio resumed after the digits.
    assert!(tone_share(last(&net.b.heard, 500), 440.0, 8000.0) > 0.8);
}

#[test]
fn hold_stops_audio_and_resume_brings_it_back() {
    let mut net = Net::connect();
    net.run(Duration::from_secs(1));

    // A holds with sendonly: B stops sending, A hears nothing; B may still hear A.
    net.reoffer_from_a(Direction::SendOnly);
    assert_eq!(net.a.session.direction(), Direction::SendOnly);
    assert_eq!(net.b.session.direction(), Direction::RecvOnly);
    net.run(Duration::from_millis(200));
    let b_sent = net.b.rtp_sent;
    net.run(Duration::from_secs(1));
    assert_eq!(net.b.rtp_sent, b_sent, "B sends no RTP while held");
    assert_eq!(energy(last(&net.a.heard, 800)), 0.0);
    assert!(tone_share(last(&net.b.heard, 800), 440.0, 8000.0) > 0.8);

    // Inactive: B no longer hears A either.
    net.reoffer_from_a(Direction::Inactive);
    net.run(Duration::from_secs(1));
    assert_eq!(energy(last(&net.b.heard, 800)), 0.0, "B hears nothing");
    assert_eq!(energy(last(&net.a.heard, 800)), 0.0);

    // Resume.
    net.reoffer_from_a(Direction::SendRecv);
    net.run(Duration::from_secs(1));
    assert!(tone_share(last(&net.b.heard, 600), 440.0, 8000.0) > 0.8);
    assert!(tone_share(last(&net.a.heard, 600), 1000.0, 8000.0) > 0.8);
}

#[test]
fn muted_side_keeps_sending_silence() {
    let mut net = Net::connect();
    net.run(Duration::from_millis(500));
    net.a.session.set_muted(true);
    let sent = net.a.rtp_sent;
    net.run(Duration::from_secs(1));
    assert!(
        net.a.rtp_sent - sent >= 49,
        "a packet every ptime: {}",
        net.a.rtp_sent - sent
    );
    assert_eq!(energy(last(&net.b.heard, 800)), 0.0, "B hears silence");
    net.a.session.set_muted(false);
    net.run(Duration::from_millis(500));
    assert!(tone_share(last(&net.b.heard, 300), 440.0, 8000.0) > 0.8);
}

#[test]
fn rtt_and_stats_after_rtcp_exchange() {
    let mut net = Net::connect();
    net.run(Duration::from_secs(6));
    for peer in [&net.a, &net.b] {
        let q = peer.session.stats();
        let rtt = q.rtt_ms.expect("an RTT after a few reports");
        // 15 ms each way, delivered on a 5 ms grid.
        assert!((25.0..=45.0).contains(&rtt), "{rtt}");
        assert_eq!(q.remote_loss_percent, Some(0.0));
        assert!(q.remote_jitter_ms.is_some());
        assert!(peer
            .events
            .iter()
            .any(|e| matches!(e, MediaEvent::Stats(s) if s.packets_received > 0)));
    }
}

#[test]
fn packets_from_a_third_address_are_ignored() {
    let mut net = Net::connect();
    net.run(Duration::from_millis(500));
    let third: SocketAddr = "127.0.0.1:45678".parse().unwrap();
    // A copy of a real packet of A's stream, replayed from elsewhere with a loud payload.
    let mut forged = rtp_packet(0, 7, 1234);
    for _ in 0..20 {
        net.b.session.handle_rtp(net.now, third, &forged);
        forged[3] = forged[3].wrapping_add(1);
    }
    net.run(Duration::from_millis(500));
    let q = net.b.session.stats();
    assert_eq!(q.ignored_packets, 20);
    assert!(!net
        .b
        .events
        .contains(&MediaEvent::RemoteAddressLatched(third)));
    // B still sends to A and hears A's tone only.
    while let Some(t) = net.b.session.poll_transmit() {
        assert_ne!(t.to, third);
    }
    assert!(tone_share(last(&net.b.heard, 400), 440.0, 8000.0) > 0.8);
}

#[test]
fn silence_from_the_peer_times_out_once() {
    let mut net = Net::connect();
    net.run(Duration::from_millis(500));
    net.cut_a = true;
    net.run(Duration::from_secs(5));
    let timeouts = net
        .b
        .events
        .iter()
        .filter(|e| **e == MediaEvent::Timeout)
        .count();
    assert_eq!(timeouts, 1);
    assert!(!net.a.events.contains(&MediaEvent::Timeout));
}

#[test]
fn close_sends_a_bye() {
    let mut net = Net::connect();
    net.run(Duration::from_millis(500));
    net.a.session.close(net.now);
    net.collect('a');
    net.run(Duration::from_millis(100));
    assert!(net.b.events.contains(&MediaEvent::RemoteBye));
}

/// An RTP packet with a loud µ-law payload (0x00 is full scale).
fn rtp_packet(pt: u8, ssrc: u32, seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, pt, (seq >> 8) as u8, seq as u8, 0, 0, 0, 160];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend(std::iter::repeat_n(0x00u8, 160));
    p
}

#[test]
fn rtcp_mux_peers_share_the_rtp_port() {
    let mut net = Net::new();
    let offer = net
        .a
        .session
        .create_offer(Direction::SendRecv)
        .replace("a=rtcp:40001\r\n", "a=rtcp-mux\r\n");
    let answer = net
        .b
        .session
        .accept_offer(&offer, Direction::SendRecv)
        .unwrap();
    assert!(answer.contains("a=rtcp-mux\r\n"));
    net.a.session.apply_answer(&answer).unwrap();
    assert!(net.a.session.negotiated().unwrap().rtcp_mux);
    net.run(Duration::from_secs(4));
    for peer in [&net.a, &net.b] {
        assert!(
            peer.session.stats().rtt_ms.is_some(),
            "RTCP demuxed from RTP"
        );
        assert_eq!(peer.session.dropped_counts(), (0, 0));
    }
}

#[test]
fn nothing_before_negotiation_and_clear_errors() {
    let mut net = Net::new();
    assert!(matches!(
        net.a.session.send_dtmf("1"),
        Err(dialtone_media::MediaError::DtmfNotNegotiated)
    ));
    net.run(Duration::from_millis(200));
    assert!(net.queue.is_empty(), "no packets before negotiation");
    assert_eq!(
        net.a.heard.len(),
        10 * 160,
        "playout is silence, frame by frame"
    );
    assert!(net.a.heard.iter().all(|&s| s == 0));
    let err = net
        .b
        .session
        .accept_offer("v=0\r\nnot sdp\r\n", Direction::SendRecv)
        .unwrap_err();
    assert_eq!(dialtone_media::sdp::rejection_status(&err), Some(400));
}
