#![allow(clippy::unwrap_used)]

use super::*;
use crate::codec::g711::PCMU;

/// A codec that makes every frame recognisable: a payload is a list of 4-byte frame
/// numbers (one per 20 ms), decoded as frames whose samples all equal the number; a
/// concealed frame is all -1, a frame recovered from FEC is -(number of the next frame).
/// Payloads whose first byte is 0xfe carry FEC.
struct Marker {
    frame: usize,
}

const FEC_FLAG: u8 = 0xfe;

fn payload(frame_no: u32, fec: bool) -> Vec<u8> {
    let mut p = frame_no.to_be_bytes().to_vec();
    if fec {
        p[0] = FEC_FLAG;
    }
    p
}

fn number(p: &[u8]) -> Option<u32> {
    let mut b: [u8; 4] = p.get(..4)?.try_into().ok()?;
    if b[0] == FEC_FLAG {
        b[0] = 0;
    }
    Some(u32::from_be_bytes(b))
}

impl AudioCodec for Marker {
    fn info(&self) -> &CodecInfo {
        &PCMU
    }
    fn encode(&mut self, _pcm: &[i16], _out: &mut Vec<u8>) -> Result<(), MediaError> {
        Ok(())
    }
    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError> {
        if payload.is_empty() || payload.len() & 3 != 0 {
            return Err(MediaError::FrameSize {
                codec: "marker",
                samples: payload.len(),
            });
        }
        for chunk in payload.chunks(4) {
            let n = number(chunk).unwrap_or(0);
            out.extend(std::iter::repeat_n(n as i16, self.frame));
        }
        Ok(())
    }
    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) -> Result<(), MediaError> {
        out.extend(std::iter::repeat_n(-1, samples));
        Ok(())
    }
    fn recover(
        &mut self,
        next: &[u8],
        samples: usize,
        out: &mut Vec<i16>,
    ) -> Result<bool, MediaError> {
        if next.first() != Some(&FEC_FLAG) {
            return Ok(false);
        }
        out.extend(std::iter::repeat_n(
            -(number(next).unwrap_or(0) as i16),
            samples,
        ));
        Ok(true)
    }
}

const FRAME: usize = 160;
const TICKS: u32 = 160;

fn config() -> JitterConfig {
    JitterConfig {
        frame_samples: FRAME,
        frame_ticks: TICKS,
        ptime: Duration::from_millis(20),
        min_delay: Duration::from_millis(40),
        max_delay: Duration::from_millis(300),
    }
}

/// One packet on the wire: when it arrives (µs after the start), its RTP fields and
/// payload.
#[derive(Clone)]
struct Arrival {
    at_us: u64,
    seq: u16,
    ts: u32,
    payload: Vec<u8>,
}

/// Frame `n` of a stream starting at (`seq0`, `ts0`), sent at n × `period_us` and
/// arriving `delay_us` later.
fn packet(n: u32, seq0: u16, ts0: u32, period_us: u64, delay_us: u64) -> Arrival {
    Arrival {
        at_us: u64::from(n) * period_us + delay_us,
        seq: seq0.wrapping_add(n as u16),
        ts: ts0.wrapping_add(n * TICKS),
        payload: payload(n, false),
    }
}

/// What one pop produced: its kind and the frame's first sample (the marker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Out {
    kind: Playout,
    marker: i16,
}

/// Runs `jb` over the arrivals (in any order) with a pop every 20 ms from 0 for `pops`
/// pops, pushing everything that has arrived by each pop first.
fn run(jb: &mut JitterBuffer, arrivals: &[Arrival], pops: usize) -> Vec<Out> {
    let base = Instant::now();
    let mut arrivals = arrivals.to_vec();
    arrivals.sort_by_key(|a| a.at_us);
    let mut codec = Marker { frame: FRAME };
    let mut next_arrival = 0;
    let mut played = Vec::with_capacity(pops);
    let mut pcm = Vec::new();
    for i in 0..pops {
        let now_us = i as u64 * 20_000;
        while let Some(a) = arrivals.get(next_arrival).filter(|a| a.at_us <= now_us) {
            jb.push(
                base + Duration::from_micros(a.at_us),
                a.seq,
                a.ts,
                &a.payload,
            );
            next_arrival += 1;
        }
        pcm.clear();
        let kind = jb
            .pop(base + Duration::from_micros(now_us), &mut codec, &mut pcm)
            .unwrap();
        assert_eq!(pcm.len(), FRAME, "a pop is always one frame");
        played.push(Out {
            kind,
            marker: pcm[0],
        });
    }
    played
}

/// The frame numbers decoded, in playout order.
fn decoded(played: &[Out]) -> Vec<i16> {
    played
        .iter()
        .filter(|o| o.kind == Playout::Decoded)
        .map(|o| o.marker)
        .collect()
}

fn count(played: &[Out], kind: Playout) -> usize {
    played.iter().filter(|o| o.kind == kind).count()
}

/// The pops from the first decoded frame to the last: what the stream itself produced,
/// without the concealment that follows its end (the buffer cannot tell an end from a loss
/// until the stream has been quiet for 200 ms).
fn inner(played: &[Out]) -> &[Out] {
    let first = played.iter().position(|o| o.kind == Playout::Decoded);
    let last = played.iter().rposition(|o| o.kind == Playout::Decoded);
    match (first, last) {
        (Some(f), Some(l)) => &played[f..=l],
        _ => &[],
    }
}

/// Frames concealed after the stream's last decoded frame.
fn trailing_concealed(played: &[Out]) -> u64 {
    let last = played
        .iter()
        .rposition(|o| o.kind == Playout::Decoded)
        .map_or(0, |l| l + 1);
    count(&played[last..], Playout::Concealed) as u64
}

#[test]
fn in_order_packets_play_in_order_after_the_minimum_delay() {
    let mut jb = JitterBuffer::new(config());
    let arrivals: Vec<_> = (0..50)
        .map(|n| packet(n, 100, 1000, 20_000, 5_000))
        .collect();
    let played = run(&mut jb, &arrivals, 53);
    let first = played
        .iter()
        .position(|o| o.kind == Playout::Decoded)
        .unwrap();
    assert!(played[..first].iter().all(|o| o.kind == Playout::Silence));
    // The first packet arrives at 5 ms and waits 40 ms: the pop at 60 ms plays it.
    assert_eq!(first, 3);
    assert_eq!(decoded(&played), (0..50).collect::<Vec<i16>>());
    let s = jb.stats();
    assert_eq!(
        (s.decoded, s.concealed, s.stretched, s.late, s.duplicates),
        (50, 0, 0, 0, 0)
    );
}

#[test]
fn when_the_stream_stops_the_buffer_conceals_briefly_then_goes_silent() {
    let mut jb = JitterBuffer::new(config());
    let arrivals: Vec<_> = (0..50)
        .map(|n| packet(n, 100, 1000, 20_000, 5_000))
        .collect();
    let played = run(&mut jb, &arrivals, 100);
    let after = &played[53..];
    let concealed = count(after, Playout::Concealed);
    assert!(
        (5..=11).contains(&concealed),
        "{concealed} frames concealed"
    );
    assert!(after[concealed..]
        .iter()
        .all(|o| o.kind == Playout::Silence));
    // And a packet after the silence starts a fresh playout.
    let more = [packet(0, 150, 1000 + 50 * TICKS, 20_000, 0)];
    let played = run(&mut jb, &more, 5);
    assert_eq!(decoded(&played), [0]);
}

#[test]
fn nothing_pushed_is_silence() {
    let mut jb = JitterBuffer::new(config());
    let played = run(&mut jb, &[], 5);
    assert_eq!(count(&played, Playout::Silence), 5);
    assert!(played.iter().all(|o| o.marker == 0));
}

#[test]
fn reordered_packets_are_played_in_order() {
    let mut jb = JitterBuffer::new(config());
    // Pairs swapped: 1 before 0, 3 before 2, ... each within 20 ms.
    let arrivals: Vec<_> = (0..40)
        .map(|n| {
            let swap = if n % 2 == 0 { 15_000 } else { 0 };
            packet(n, 7, 0, 20_000, 1_000 + swap)
        })
        .collect();
    let played = run(&mut jb, &arrivals, 50);
    assert_eq!(decoded(&played), (0..40).collect::<Vec<i16>>());
    assert_eq!(jb.stats().late, 0);
}

#[test]
fn a_packet_earlier_than_the_first_one_starts_the_playout() {
    let mut jb = JitterBuffer::new(config());
    let mut arrivals: Vec<_> = (0..10).map(|n| packet(n, 0, 0, 20_000, 30_000)).collect();
    arrivals[0].at_us = 60_000; // frame 0 arrives after frame 1
    let played = run(&mut jb, &arrivals, 20);
    assert_eq!(decoded(&played)[..3], [0, 1, 2]);
}

#[test]
fn duplicates_are_dropped_and_counted() {
    let mut jb = JitterBuffer::new(config());
    let mut arrivals: Vec<_> = (0..20).map(|n| packet(n, 0, 0, 20_000, 1_000)).collect();
    // One copy still in the buffer, one after its frame was played.
    let mut waiting = arrivals[10].clone();
    waiting.at_us += 500;
    let mut replayed = arrivals[3].clone();
    replayed.at_us += 200_000;
    arrivals.push(waiting);
    arrivals.push(replayed);
    let played = run(&mut jb, &arrivals, 30);
    assert_eq!(decoded(&played), (0..20).collect::<Vec<i16>>());
    let s = jb.stats();
    assert_eq!((s.duplicates, s.late), (2, 0));
}

#[test]
fn a_late_packet_is_concealed_then_dropped_and_counted() {
    let mut jb = JitterBuffer::new(config());
    let mut arrivals: Vec<_> = (0..30).map(|n| packet(n, 0, 0, 20_000, 1_000)).collect();
    arrivals[12].at_us += 400_000; // long after its playout
    let played = run(&mut jb, &arrivals, 40);
    let frames = decoded(&played);
    assert!(!frames.contains(&12));
    assert_eq!(frames.len(), 29);
    assert_eq!(jb.stats().late, 1);
    assert_eq!(count(inner(&played), Playout::Concealed), 1);
}

#[test]
fn a_lost_frame_is_rebuilt_from_the_next_packets_fec() {
    let mut jb = JitterBuffer::new(config());
    let mut arrivals: Vec<_> = (0..20)
        .map(|n| {
            let mut a = packet(n, 0, 0, 20_000, 1_000);
            a.payload = payload(n, true);
            a
        })
        .collect();
    arrivals.remove(8);
    let played = run(&mut jb, &arrivals, 30);
    let i = played
        .iter()
        .position(|o| o.kind == Playout::Recovered)
        .unwrap();
    assert_eq!(played[i].marker, -9, "rebuilt from packet 9's FEC");
    assert_eq!((played[i - 1].marker, played[i + 1].marker), (7, 9));
    let s = jb.stats();
    assert_eq!(s.recovered, 1);
    assert_eq!(count(inner(&played), Playout::Concealed), 0);
}

#[test]
fn a_lost_frame_without_fec_is_concealed() {
    let mut jb = JitterBuffer::new(config());
    let mut arrivals: Vec<_> = (0..20).map(|n| packet(n, 0, 0, 20_000, 1_000)).collect();
    arrivals.remove(8);
    arrivals.remove(8); // 8 and 9: two in a row
    let played = run(&mut jb, &arrivals, 30);
    let i = played.iter().position(|o| o.marker == 7).unwrap();
    assert_eq!(played[i + 1].kind, Playout::Concealed);
    assert_eq!(played[i + 2].kind, Playout::Concealed);
    assert_eq!(played[i + 3].marker, 10);
    assert_eq!(jb.stats().concealed - trailing_concealed(&played), 2);
}

#[test]
fn sequence_numbers_and_timestamps_wrap() {
    let mut jb = JitterBuffer::new(config());
    let ts0 = u32::MAX - 5 * TICKS + 1;
    let arrivals: Vec<_> = (0..30)
        .map(|n| {
            packet(
                n,
                u16::MAX - 3,
                ts0,
                20_000,
                3_000 + u64::from(n % 3) * 4_000,
            )
        })
        .collect();
    let played = run(&mut jb, &arrivals, 40);
    assert_eq!(decoded(&played), (0..30).collect::<Vec<i16>>());
    let s = jb.stats();
    assert_eq!((s.late, s.resyncs), (0, 0));
    assert_eq!(count(inner(&played), Playout::Concealed), 0);
}

#[test]
fn the_target_delay_follows_the_jitter() {
    let mut jb = JitterBuffer::new(config());
    // 0..80 ms of extra delay, deterministic pseudo-random.
    let mut x: u64 = 1;
    let arrivals: Vec<_> = (0..500)
        .map(|n| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            packet(n, 0, 0, 20_000, (x >> 33) % 80_000)
        })
        .collect();
    let played = run(&mut jb, &arrivals, 520);
    let s = jb.stats();
    println!("{s:?}");
    assert!(s.jitter >= Duration::from_millis(15), "{:?}", s.jitter);
    assert!(
        s.target_delay >= Duration::from_millis(70),
        "{:?}",
        s.target_delay
    );
    assert!(s.target_delay <= Duration::from_millis(300));
    // Once adapted, hardly anything is late.
    assert!(s.late <= 10, "late {}", s.late);
    assert!(count(&played[100..], Playout::Decoded) >= 395);

    // Then the network calms down: the target comes back down towards min_delay.
    let mut calm = JitterBuffer::new(config());
    let mut arrivals: Vec<_> = arrivals[..200].to_vec();
    arrivals.extend((200..1500).map(|n| packet(n, 0, 0, 20_000, 2_000)));
    run(&mut calm, &arrivals, 1520);
    let s = calm.stats();
    assert!(
        s.target_delay < Duration::from_millis(50),
        "{:?}",
        s.target_delay
    );
    assert!(s.delay < Duration::from_millis(80), "delay {:?}", s.delay);
}

/// A sender whose clock runs `ppm` parts per million fast (or slow, negative) for 120 s,
/// with a little jitter: the buffer's delay must stay bounded.
fn drift(ppm: i64) -> (JitterStats, Vec<Out>, usize) {
    let mut jb = JitterBuffer::new(config());
    let period_us = (20_000 * (1_000_000 - ppm) / 1_000_000) as u64;
    let arrivals: Vec<_> = (0..6000)
        .map(|n| packet(n, 0, 0, period_us, 2_000 + u64::from(n % 5) * 1_000))
        .collect();
    let pops = 6000 + 40;
    let base = Instant::now();
    let mut codec = Marker { frame: FRAME };
    let mut pcm = Vec::new();
    let mut played = Vec::new();
    let mut most_buffered = 0;
    let mut next = 0;
    for i in 0..pops {
        let now_us = i as u64 * 20_000;
        while let Some(a) = arrivals.get(next).filter(|a| a.at_us <= now_us) {
            jb.push(
                base + Duration::from_micros(a.at_us),
                a.seq,
                a.ts,
                &a.payload,
            );
            next += 1;
        }
        most_buffered = most_buffered.max(jb.buffered());
        pcm.clear();
        let kind = jb
            .pop(base + Duration::from_micros(now_us), &mut codec, &mut pcm)
            .unwrap();
        played.push(Out {
            kind,
            marker: pcm[0],
        });
        // Over the last minute the delay stays near the target.
        if i > 3000 && i < 6000 {
            let s = jb.stats();
            assert!(
                s.delay < s.target_delay + Duration::from_millis(45),
                "pop {i}: delay {:?} target {:?}",
                s.delay,
                s.target_delay
            );
        }
    }
    (jb.stats(), played, most_buffered)
}

#[test]
fn a_fast_sender_clock_does_not_grow_the_buffer() {
    let (s, played, most_buffered) = drift(5_000); // +0.5 %
    println!("fast sender: {s:?}, most buffered {most_buffered}");
    // 120 s at +0.5 % is 600 ms of extra audio, 30 frames: dropped, not queued.
    assert!((25..=35).contains(&s.dropped), "dropped {}", s.dropped);
    assert!(most_buffered <= 8, "{most_buffered} packets queued");
    assert_eq!(s.late, 0);
    assert_eq!(count(inner(&played), Playout::Concealed), 0);
    let frames = decoded(&played);
    assert!(frames.windows(2).all(|w| w[1] > w[0]), "in order");
}

#[test]
fn a_slow_sender_clock_does_not_starve_the_buffer() {
    let (s, played, _) = drift(-5_000); // -0.5 %
    println!("slow sender: {s:?}");
    // 600 ms of audio missing over 120 s: about 30 frames stretched, none lost.
    assert!(
        (25..=40).contains(&s.stretched),
        "stretched {}",
        s.stretched
    );
    assert_eq!(s.late, 0);
    assert!(s.concealed <= trailing_concealed(&played), "nothing lost");
    assert!(count(inner(&played), Playout::Concealed) as u64 <= s.stretched);
    assert!(s.delay >= Duration::from_millis(15), "delay {:?}", s.delay);
    let frames = decoded(&played);
    assert!(frames.len() >= 5950, "{} decoded", frames.len());
    assert!(
        frames.windows(2).all(|w| w[1] == w[0] + 1),
        "nothing skipped"
    );
}

#[test]
fn a_sender_restart_resynchronises_instead_of_concealing() {
    let mut jb = JitterBuffer::new(config());
    let mut arrivals: Vec<_> = (0..50)
        .map(|n| packet(n, 500, 90_000, 20_000, 2_000))
        .collect();
    // Then the sender restarts: new sequence numbers and a timestamp far away.
    arrivals.extend((0..50).map(|n| {
        let mut a = packet(n, 31_000, 3_000_000_000, 20_000, 2_000);
        a.at_us += 1_000_000;
        a.payload = payload(1000 + n, false);
        a
    }));
    let played = run(&mut jb, &arrivals, 110);
    let s = jb.stats();
    assert_eq!(s.resyncs, 1);
    let frames = decoded(&played);
    // Nothing lost: the old stream plays out and the new one follows.
    assert_eq!(frames[..50], (0..50).collect::<Vec<i16>>()[..]);
    assert_eq!(frames[50..], (1000..1050).collect::<Vec<i16>>()[..]);
    assert!(count(inner(&played), Playout::Concealed) <= 2);
    assert!(count(inner(&played), Playout::Silence) == 0);
}

#[test]
fn a_timestamp_jump_after_a_long_silence_resynchronises() {
    let mut jb = JitterBuffer::new(config());
    let mut arrivals: Vec<_> = (0..50).map(|n| packet(n, 0, 0, 20_000, 2_000)).collect();
    // 5 s of DTX silence: nothing sent; the timestamp moves on 5 s, the sequence does not.
    arrivals.extend((0..50).map(|n| Arrival {
        at_us: 1_000_000 + 5_000_000 + u64::from(n) * 20_000 + 2_000,
        seq: 50 + n as u16,
        ts: (50 + 250 + n) * TICKS,
        payload: payload(2000 + n, false),
    }));
    let played = run(&mut jb, &arrivals, 360);
    let s = jb.stats();
    let frames = decoded(&played);
    assert_eq!(frames.len(), 100);
    assert_eq!(frames[50], 2000);
    // A few frames concealed when the packets stopped, then silence for the rest of it.
    assert!(
        s.concealed - trailing_concealed(&played) <= 10,
        "concealed {}",
        s.concealed
    );
    assert!(count(&played, Playout::Silence) > 200);
}

#[test]
fn a_single_stray_packet_far_off_does_not_resynchronise() {
    let mut jb = JitterBuffer::new(config());
    let mut arrivals: Vec<_> = (0..40).map(|n| packet(n, 0, 0, 20_000, 2_000)).collect();
    arrivals.push(Arrival {
        at_us: 300_500,
        seq: 9_000,
        ts: 2_000_000_000,
        payload: payload(77, false),
    });
    let played = run(&mut jb, &arrivals, 50);
    assert_eq!(jb.stats().resyncs, 0);
    assert_eq!(decoded(&played), (0..40).collect::<Vec<i16>>());
}

#[test]
fn a_packet_of_two_frames_plays_over_two_pops() {
    let mut jb = JitterBuffer::new(config());
    let arrivals: Vec<_> = (0..10)
        .map(|n| {
            let mut p = payload(2 * n, false);
            p.extend(payload(2 * n + 1, false));
            Arrival {
                at_us: u64::from(n) * 40_000 + 1_000,
                seq: n as u16,
                ts: n * 2 * TICKS,
                payload: p,
            }
        })
        .collect();
    let played = run(&mut jb, &arrivals, 30);
    assert_eq!(decoded(&played), (0..20).collect::<Vec<i16>>());
    assert_eq!(count(inner(&played), Playout::Concealed), 0);
}

#[test]
fn an_undecodable_packet_is_concealed_not_an_error() {
    let mut jb = JitterBuffer::new(config());
    let mut arrivals: Vec<_> = (0..10).map(|n| packet(n, 0, 0, 20_000, 1_000)).collect();
    arrivals[4].payload = vec![1, 2, 3];
    let played = run(&mut jb, &arrivals, 20);
    assert_eq!(decoded(&played).len(), 9);
    let s = jb.stats();
    assert_eq!(s.corrupt, 1);
    assert_eq!(s.concealed - trailing_concealed(&played), 1);
}

#[test]
fn reset_forgets_the_stream() {
    let mut jb = JitterBuffer::new(config());
    let arrivals: Vec<_> = (0..10).map(|n| packet(n, 0, 0, 20_000, 1_000)).collect();
    run(&mut jb, &arrivals, 5);
    assert!(jb.buffered() > 0);
    jb.reset();
    assert_eq!(jb.buffered(), 0);
    let played = run(&mut jb, &[], 3);
    assert_eq!(count(&played, Playout::Silence), 3);
}

#[test]
fn config_for_a_codec() {
    let c = JitterConfig::for_codec(&crate::codec::g722::G722, 20);
    assert_eq!((c.frame_samples, c.frame_ticks), (320, 160));
    let c = JitterConfig::for_codec(&crate::codec::opus::OPUS, 20);
    assert_eq!((c.frame_samples, c.frame_ticks), (960, 960));
    assert_eq!(JitterConfig::default().frame_samples, 160);
}
