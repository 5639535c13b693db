#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;
use rtp::packet::Packet;
use webrtc_util::marshal::Unmarshal;

use super::*;

fn parse_rtp(data: &[u8]) -> Packet {
    let mut buf = data;
    Packet::unmarshal(&mut buf).unwrap()
}

#[test]
fn sender_numbers_packets_and_marks_talkspurts() {
    let now = Instant::now();
    let mut rng = StdRng::seed_from_u64(7);
    let mut s = RtpSender::new(&mut rng, 8000);
    let first = parse_rtp(&s.audio(now, 0, &[1, 2, 3], 160).unwrap());
    let second = parse_rtp(&s.audio(now, 0, &[4], 160).unwrap());
    assert!(first.header.marker);
    assert!(!second.header.marker);
    assert_eq!(first.header.ssrc, s.ssrc());
    assert_eq!(
        second.header.sequence_number,
        first.header.sequence_number.wrapping_add(1)
    );
    assert_eq!(
        second.header.timestamp,
        first.header.timestamp.wrapping_add(160)
    );
    assert_eq!(&first.payload[..], &[1, 2, 3]);

    // A frame replaced by DTMF: timestamp moves on, no marker.
    s.skip(160, false);
    let third = parse_rtp(&s.audio(now, 0, &[5], 160).unwrap());
    assert!(!third.header.marker);
    assert_eq!(
        third.header.timestamp,
        first.header.timestamp.wrapping_add(480)
    );
    // After a pause: marker.
    s.skip(160, true);
    let fourth = parse_rtp(&s.audio(now, 0, &[6], 160).unwrap());
    assert!(fourth.header.marker);
    assert_eq!(s.packets_sent(), 4);
    assert_eq!(s.octets_sent(), 6);
}

#[test]
fn sender_start_values_come_from_the_seed() {
    let a = RtpSender::new(&mut StdRng::seed_from_u64(1), 8000);
    let b = RtpSender::new(&mut StdRng::seed_from_u64(1), 8000);
    let c = RtpSender::new(&mut StdRng::seed_from_u64(2), 8000);
    assert_eq!((a.ssrc(), a.timestamp()), (b.ssrc(), b.timestamp()));
    assert_ne!(a.ssrc(), c.ssrc());
}

#[test]
fn receiver_counts_loss_across_a_sequence_wrap() {
    let t0 = Instant::now();
    let mut r = Receiver::new(8000);
    let mut seq: u16 = 65500;
    let mut ts: u32 = 1000;
    for i in 0..100u32 {
        let now = t0 + Duration::from_millis(20 * u64::from(i));
        if i % 20 != 10 {
            r.on_packet(now, 42, seq, ts, true);
        }
        seq = seq.wrapping_add(1);
        ts = ts.wrapping_add(160);
    }
    let s = r.current().unwrap();
    assert_eq!(s.ssrc, 42);
    // The first packet is spent on probation (A.1), so 99 are expected from the second.
    assert_eq!(s.expected(), 99);
    assert_eq!(s.lost(), 5);
    assert!(s.extended_max() > 65535, "cycles counted");
    // Perfectly paced packets: no jitter.
    assert_eq!(s.jitter_ticks(), 0);
    let s = r.current_mut().unwrap();
    let fraction = s.take_fraction_lost();
    assert_eq!(fraction, (5 * 256 / 99) as u8);
    assert_eq!(
        s.take_fraction_lost(),
        0,
        "nothing new since the last report"
    );
}

#[test]
fn receiver_measures_jitter() {
    let t0 = Instant::now();
    let mut r = Receiver::new(8000);
    for i in 0..200u32 {
        let wobble = if i % 2 == 0 { 0 } else { 10 };
        let now = t0 + Duration::from_millis(20 * u64::from(i) + wobble);
        r.on_packet(now, 1, i as u16, i * 160, true);
    }
    // Alternating 10 ms offsets: |D| = 80 ticks every packet, so J converges to 80.
    let j = r.current().unwrap().jitter_ticks();
    assert!((75..=80).contains(&j), "{j}");
}

#[test]
fn latch_to_sdp_address_at_once_and_ignore_others() {
    let sdp: SocketAddr = "127.0.0.1:4000".parse().unwrap();
    let other: SocketAddr = "127.0.0.1:5000".parse().unwrap();
    let mut l = Latch::new(Some(sdp));
    assert_eq!(l.on_packet(sdp, 1, 10), LatchDecision::Latched(sdp));
    assert_eq!(l.on_packet(sdp, 1, 11), LatchDecision::Accept);
    assert_eq!(l.on_packet(other, 1, 12), LatchDecision::Ignore);
    assert_eq!(l.ignored(), 1);
    assert_eq!(l.destination(), Some(sdp));
}

#[test]
fn latch_to_a_nat_address_after_two_packets_in_sequence() {
    let sdp: SocketAddr = "192.0.2.1:4000".parse().unwrap();
    let nat: SocketAddr = "127.0.0.1:6000".parse().unwrap();
    let stray: SocketAddr = "127.0.0.1:7000".parse().unwrap();
    let mut l = Latch::new(Some(sdp));
    assert_eq!(l.on_packet(nat, 9, 100), LatchDecision::Ignore);
    assert_eq!(l.on_packet(stray, 3, 5), LatchDecision::Ignore);
    assert_eq!(
        l.on_packet(nat, 9, 101),
        LatchDecision::Ignore,
        "candidate was replaced"
    );
    assert_eq!(l.on_packet(nat, 9, 102), LatchDecision::Latched(nat));
    assert_eq!(l.destination(), Some(nat));
    assert_eq!(l.on_packet(stray, 3, 6), LatchDecision::Ignore);
    // Same SDP address again: still latched; a new one: unlatched.
    l.reset(Some(sdp));
    assert_eq!(l.latched(), Some(nat));
    l.reset(Some(stray));
    assert_eq!(l.latched(), None);
    assert_eq!(l.destination(), Some(stray));
}

#[test]
fn compound_rtcp_round_trips_with_bye() {
    let block = ReportBlock {
        ssrc: 0x1234,
        fraction_lost: 25,
        cumulative_lost: -3,
        extended_highest_seq: 70_000,
        jitter: 80,
        last_sr: 0xabcd_0000,
        delay_since_last_sr: 65536,
    };
    let info = SenderInfo {
        ntp_time: 0x1122_3344_5566_7788,
        rtp_time: 99,
        packet_count: 10,
        octet_count: 1600,
    };
    let data = build_compound(0x5678, Some(info), &[block], "a@dialtone", true).unwrap();
    assert!(is_rtcp(&data));
    let parsed = parse_compound(&data).unwrap();
    assert_eq!(parsed.sender_reports.len(), 1);
    assert_eq!(parsed.sender_reports[0].ntp_time, info.ntp_time);
    assert_eq!(parsed.sender_reports[0].ssrc, 0x5678);
    assert_eq!(
        parsed.blocks,
        vec![RemoteReport {
            reporter: 0x5678,
            block
        }]
    );
    assert_eq!(parsed.bye, vec![0x5678]);

    let rr = build_compound(0x5678, None, &[], "a@dialtone", false).unwrap();
    let parsed = parse_compound(&rr).unwrap();
    assert!(parsed.sender_reports.is_empty() && parsed.blocks.is_empty() && parsed.bye.is_empty());
    assert!(parse_compound(&[0x80, 0xc9, 0, 7, 1]).is_err());
}

#[test]
fn rtp_is_not_taken_for_rtcp() {
    let mut s = RtpSender::new(&mut StdRng::seed_from_u64(3), 8000);
    let rtp = s.audio(Instant::now(), 0, &[0; 160], 160).unwrap();
    assert!(!is_rtcp(&rtp));
    let te = s
        .packet(Instant::now(), 101, true, 0, &[1, 0, 0, 160])
        .unwrap();
    assert!(!is_rtcp(&te));
}

#[test]
fn round_trip_from_lsr_and_dlsr() {
    let t0 = Instant::now();
    let clock = NtpClock::new(t0, 17);
    // We sent an SR at t0 + 1 s; the peer held it 250 ms; its RR arrives at t0 + 1.4 s.
    let lsr = clock.compact(t0 + Duration::from_secs(1));
    let block = ReportBlock {
        ssrc: 1,
        fraction_lost: 0,
        cumulative_lost: 0,
        extended_highest_seq: 0,
        jitter: 0,
        last_sr: lsr,
        delay_since_last_sr: 65536 / 4,
    };
    let rtt = block
        .round_trip(clock.compact(t0 + Duration::from_millis(1400)))
        .unwrap();
    assert!((rtt.as_secs_f64() - 0.150).abs() < 0.001, "{rtt:?}");
    let no_sr = ReportBlock {
        last_sr: 0,
        ..block
    };
    assert_eq!(no_sr.round_trip(lsr), None);
}
