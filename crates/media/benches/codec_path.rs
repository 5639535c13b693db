//! The per-frame cost of the media path, per codec, for one 20 ms frame:
//! - `send`: encode the PCM frame and packetize it into a marshalled RTP packet;
//! - `receive`: unmarshal an RTP packet, push it into the jitter buffer and pop (decode)
//!   one frame, in steady state (one packet in, one frame out every 20 ms of injected time).
//!
//! RTP is webrtc-rs's `rtp` crate, the one the media session uses.
//! `cargo bench -p dialtone-media --bench codec_path -- --warm-up-time 1 --measurement-time 3`

#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dialtone_media::codec::{self, CodecInfo};
use dialtone_media::jitter::{JitterBuffer, JitterConfig};
use rtp::header::Header;
use rtp::packet::Packet;
use webrtc_util::{Marshal, Unmarshal};

const PTIME_MS: u32 = 20;
/// Distinct frames to cycle through (1 s), so the codecs do not see one frame forever.
const FRAMES: usize = 50;
const SSRC: u32 = 0x1234_5678;

fn payload_type(info: &CodecInfo) -> u8 {
    info.static_payload_type
        .unwrap_or(codec::opus::OPUS_DYNAMIC_PAYLOAD_TYPE)
}

/// One second of a 440 Hz + 1.3 kHz mix with a tremolo, at the codec's rate, in frames.
fn frames(info: &CodecInfo) -> Vec<Vec<i16>> {
    let rate = f64::from(info.sample_rate);
    let n = info.samples_per_frame(PTIME_MS);
    (0..FRAMES)
        .map(|f| {
            (0..n)
                .map(|i| {
                    let t = (f * n + i) as f64 / rate;
                    let level = 0.6 + 0.4 * (2.0 * std::f64::consts::PI * 3.0 * t).sin();
                    let tone = (2.0 * std::f64::consts::PI * 440.0 * t).sin()
                        + 0.5 * (2.0 * std::f64::consts::PI * 1300.0 * t).sin();
                    (6000.0 * level * tone) as i16
                })
                .collect()
        })
        .collect()
}

fn rtp_packet(info: &CodecInfo, seq: u16, timestamp: u32, payload: Bytes) -> Packet {
    Packet {
        header: Header {
            version: 2,
            payload_type: payload_type(info),
            sequence_number: seq,
            timestamp,
            ssrc: SSRC,
            ..Header::default()
        },
        payload,
    }
}

fn send(c: &mut Criterion) {
    let mut group = c.benchmark_group("send");
    group.throughput(Throughput::Elements(1));
    for info in codec::supported() {
        let pcm = frames(info);
        let ticks = info.rtp_ticks_per_frame(PTIME_MS);
        let mut encoder = codec::instantiate(info).unwrap();
        let mut payload = Vec::with_capacity(1500);
        let mut wire = vec![0u8; 1500];
        let mut k: u32 = 0;
        group.bench_function(BenchmarkId::from_parameter(info.name), |b| {
            b.iter(|| {
                payload.clear();
                encoder
                    .encode(&pcm[k as usize % FRAMES], &mut payload)
                    .unwrap();
                let packet = rtp_packet(
                    info,
                    k as u16,
                    k.wrapping_mul(ticks),
                    Bytes::copy_from_slice(&payload),
                );
                let n = packet.marshal_to(&mut wire).unwrap();
                k = k.wrapping_add(1);
                black_box(&wire[..n]);
            });
        });
    }
    group.finish();
}

fn receive(c: &mut Criterion) {
    let mut group = c.benchmark_group("receive");
    group.throughput(Throughput::Elements(1));
    for info in codec::supported() {
        let ticks = info.rtp_ticks_per_frame(PTIME_MS);
        // One second of real packets from the codec, marshalled.
        let mut encoder = codec::instantiate(info).unwrap();
        let wire: Vec<Vec<u8>> = frames(info)
            .iter()
            .enumerate()
            .map(|(k, pcm)| {
                let mut payload = Vec::new();
                encoder.encode(pcm, &mut payload).unwrap();
                let p = rtp_packet(info, k as u16, k as u32 * ticks, payload.into());
                p.marshal().unwrap().to_vec()
            })
            .collect();

        let mut decoder = codec::instantiate(info).unwrap();
        let mut jb = JitterBuffer::new(JitterConfig::for_codec(info, PTIME_MS));
        let base = Instant::now();
        let mut out = Vec::with_capacity(info.samples_per_frame(PTIME_MS));
        let mut datagram = Vec::with_capacity(1500);
        let mut k: u32 = 0;
        group.bench_function(BenchmarkId::from_parameter(info.name), |b| {
            b.iter(|| {
                // Packet k arrives at k × 20 ms (sequence number and timestamp keep counting
                // as the second of packets repeats).
                datagram.clear();
                datagram.extend_from_slice(&wire[k as usize % FRAMES]);
                datagram[2..4].copy_from_slice(&(k as u16).to_be_bytes());
                datagram[4..8].copy_from_slice(&k.wrapping_mul(ticks).to_be_bytes());
                let now = base + Duration::from_millis(u64::from(k) * u64::from(PTIME_MS));
                let mut buf = datagram.as_slice();
                let packet = Packet::unmarshal(&mut buf).unwrap();
                jb.push(
                    now,
                    packet.header.sequence_number,
                    packet.header.timestamp,
                    &packet.payload,
                );
                out.clear();
                let kind = jb.pop(now, decoder.as_mut(), &mut out).unwrap();
                k = k.wrapping_add(1);
                black_box((kind, &out));
            });
        });
        let stats = jb.stats();
        println!(
            "  {}: {} decoded, {} concealed, {} late (steady state check)",
            info.name, stats.decoded, stats.concealed, stats.late
        );
    }
    group.finish();
}

criterion_group!(benches, send, receive);
criterion_main!(benches);
