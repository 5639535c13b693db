//! Opus (RFC 6716, RTP payload format RFC 7587) through libopus: `opus/48000/2` in SDP,
//! mono 48 kHz PCM here, 20 ms frames, the VoIP application with in-band FEC and a
//! packet-loss hint, DTX when configured or asked for. Concealment is libopus's PLC and a
//! lost frame can be recovered from the FEC (LBRR) data of the packet after it.

use opus::{Application, Bitrate, Channels, Signal};

use super::{AudioCodec, CodecInfo};
use crate::MediaError;

pub const OPUS: CodecInfo = CodecInfo {
    name: "opus",
    clock_rate: 48000,
    channels: Some(2),
    static_payload_type: None,
    sample_rate: 48000,
    fmtp: Some("minptime=10;useinbandfec=1"),
};

/// The dynamic payload type Dialtone offers Opus on (any 96..=127 works; 111 is what
/// browsers and most phones use).
pub const OPUS_DYNAMIC_PAYLOAD_TYPE: u8 = 111;

/// The largest packet libopus produces for one frame (RFC 6716 3.2.1).
const MAX_PACKET: usize = 1275;
/// The longest Opus packet is 120 ms: 5760 samples per channel at 48 kHz.
const MAX_DECODED: usize = 5760;

/// How our Opus encoder and decoder run for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpusConfig {
    /// Send in-band FEC (LBRR) so the peer can rebuild a lost frame from the next packet.
    pub inband_fec: bool,
    /// The loss the encoder plans its FEC for, in percent (0..=100).
    pub packet_loss_percent: u8,
    /// Discontinuous transmission: send (almost) nothing during silence.
    pub dtx: bool,
    /// The encoder's target bit rate, bits per second (6000..=510000).
    pub bitrate: u32,
    /// Decode as stereo and mix down (the peer said it sends stereo).
    pub stereo_decode: bool,
    /// Encoder complexity, 0..=10. libopus defaults to 10; 5 keeps wideband speech quality
    /// for about half the encoder's CPU (its noise shaping search is the cost), which is
    /// what a softphone beside a CRM in a browser should spend.
    pub complexity: u8,
}

impl Default for OpusConfig {
    fn default() -> Self {
        OpusConfig {
            inband_fec: true,
            packet_loss_percent: 10,
            dtx: false,
            bitrate: 32_000,
            stereo_decode: false,
            complexity: 5,
        }
    }
}

impl OpusConfig {
    /// Applies what the peer asked for in its `a=fmtp` (RFC 7587 section 6.1): its
    /// parameters describe what it prefers to receive, so `useinbandfec`, `usedtx` and
    /// `maxaveragebitrate` shape our encoder; `sprop-stereo` (and `stereo`) say it may send
    /// stereo, which we decode and mix down. An absent `useinbandfec`/`usedtx` means 0, as
    /// the RFC says; unknown or malformed parameters are ignored.
    pub fn with_remote_fmtp(mut self, fmtp: &str) -> Self {
        self.inband_fec = false;
        self.dtx = false;
        for param in fmtp.split(';') {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let Ok(value) = value.trim().parse::<u32>() else {
                continue;
            };
            match key.as_str() {
                "useinbandfec" => self.inband_fec = value == 1,
                "usedtx" => self.dtx = value == 1,
                "maxaveragebitrate" => self.bitrate = self.bitrate.min(value.clamp(6000, 510_000)),
                "stereo" | "sprop-stereo" => self.stereo_decode |= value == 1,
                _ => {}
            }
        }
        self
    }
}

/// One Opus encoder (mono) and decoder (mono, or stereo mixed down).
pub struct OpusCodec {
    encoder: opus::Encoder,
    decoder: opus::Decoder,
    decoder_channels: usize,
    config: OpusConfig,
    packet: Vec<u8>,
    decoded: Vec<i16>,
}

impl std::fmt::Debug for OpusCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusCodec")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn opus_error(context: &'static str) -> impl FnOnce(opus::Error) -> MediaError {
    move |source| MediaError::Opus { context, source }
}

impl OpusCodec {
    pub fn new() -> Result<Self, MediaError> {
        Self::with_config(OpusConfig::default())
    }

    pub fn with_config(config: OpusConfig) -> Result<Self, MediaError> {
        let rate = OPUS.sample_rate;
        let mut encoder = opus::Encoder::new(rate, Channels::Mono, Application::Voip)
            .map_err(opus_error("creating the encoder"))?;
        let bitrate = config.bitrate.clamp(6000, 510_000) as i32;
        encoder
            .set_bitrate(Bitrate::Bits(bitrate))
            .map_err(opus_error("setting the bit rate"))?;
        encoder
            .set_signal(Signal::Voice)
            .map_err(opus_error("setting the signal type"))?;
        encoder
            .set_inband_fec(config.inband_fec)
            .map_err(opus_error("setting in-band FEC"))?;
        encoder
            .set_packet_loss_perc(i32::from(config.packet_loss_percent.min(100)))
            .map_err(opus_error("setting the packet loss hint"))?;
        encoder
            .set_dtx(config.dtx)
            .map_err(opus_error("setting DTX"))?;
        encoder
            .set_complexity(i32::from(config.complexity.min(10)))
            .map_err(opus_error("setting the complexity"))?;
        let (channels, decoder_channels) = if config.stereo_decode {
            (Channels::Stereo, 2)
        } else {
            (Channels::Mono, 1)
        };
        let decoder =
            opus::Decoder::new(rate, channels).map_err(opus_error("creating the decoder"))?;
        Ok(OpusCodec {
            encoder,
            decoder,
            decoder_channels,
            config,
            packet: vec![0; MAX_PACKET],
            decoded: vec![0; MAX_DECODED * 2],
        })
    }

    pub fn config(&self) -> &OpusConfig {
        &self.config
    }

    /// Runs the decoder on `payload` (empty: PLC) for up to `samples` per channel and
    /// appends what it made, mixed down to mono.
    fn run_decoder(
        &mut self,
        payload: &[u8],
        samples: usize,
        fec: bool,
        out: &mut Vec<i16>,
        context: &'static str,
    ) -> Result<(), MediaError> {
        let ch = self.decoder_channels;
        let room = samples.min(MAX_DECODED) * ch;
        let n = self
            .decoder
            .decode(payload, &mut self.decoded[..room], fec)
            .map_err(opus_error(context))?;
        let pcm = &self.decoded[..n * ch];
        if ch == 1 {
            out.extend_from_slice(pcm);
        } else {
            out.extend(
                pcm.chunks_exact(2)
                    .map(|lr| ((i32::from(lr[0]) + i32::from(lr[1])) / 2) as i16),
            );
        }
        Ok(())
    }
}

impl AudioCodec for OpusCodec {
    fn info(&self) -> &CodecInfo {
        &OPUS
    }

    fn encode(&mut self, pcm: &[i16], out: &mut Vec<u8>) -> Result<(), MediaError> {
        // 2.5, 5, 10, 20, 40 or 60 ms at 48 kHz.
        if ![120, 240, 480, 960, 1920, 2880].contains(&pcm.len()) {
            return Err(MediaError::FrameSize {
                codec: OPUS.name,
                samples: pcm.len(),
            });
        }
        let n = self
            .encoder
            .encode(pcm, &mut self.packet)
            .map_err(opus_error("encoding"))?;
        out.extend_from_slice(&self.packet[..n]);
        Ok(())
    }

    fn decode(&mut self, payload: &[u8], out: &mut Vec<i16>) -> Result<(), MediaError> {
        self.run_decoder(payload, MAX_DECODED, false, out, "decoding")
    }

    fn conceal(&mut self, samples: usize, out: &mut Vec<i16>) -> Result<(), MediaError> {
        self.run_decoder(&[], samples, false, out, "concealing")
    }

    fn recover(
        &mut self,
        next_payload: &[u8],
        samples: usize,
        out: &mut Vec<i16>,
    ) -> Result<bool, MediaError> {
        if !has_fec(next_payload) {
            return Ok(false);
        }
        self.run_decoder(next_payload, samples, true, out, "decoding FEC")?;
        Ok(true)
    }
}

/// Whether an Opus packet carries in-band FEC (SILK LBRR data) for the frame before it.
///
/// The SILK layer (SILK-only and hybrid modes; CELT-only packets have none) of the first
/// frame starts with one voice-activity bit per 20 ms SILK frame and then the LBRR flag,
/// for each coded channel. These are range-coded with probability one half, which makes
/// them the plain leading bits of the frame (RFC 6716 4.2.3).
pub fn has_fec(packet: &[u8]) -> bool {
    let Some(&toc) = packet.first() else {
        return false;
    };
    let config = toc >> 3;
    if config >= 16 {
        return false;
    }
    let channels = if toc & 0x04 != 0 { 2 } else { 1 };
    // SILK-only configs 0..=11 are 10/20/40/60 ms; hybrid 12..=15 are 10/20 ms.
    let silk_frames = if config < 12 {
        match config % 4 {
            0 | 1 => 1,
            2 => 2,
            _ => 3,
        }
    } else {
        1
    };
    let Some(first) = first_frame(packet) else {
        return false;
    };
    let Some(&bits) = first.first() else {
        return false;
    };
    (0..channels).any(|ch| {
        let lbrr_bit = ch * (silk_frames + 1) + silk_frames;
        bits & (0x80 >> lbrr_bit) != 0
    })
}

/// The first Opus frame of a packet (RFC 6716 3.2), after its TOC byte and frame lengths.
fn first_frame(packet: &[u8]) -> Option<&[u8]> {
    let toc = *packet.first()?;
    let rest = packet.get(1..)?;
    match toc & 0x03 {
        0 | 1 => Some(rest),
        2 => {
            let (len, skip) = frame_length(rest)?;
            rest.get(skip..skip + len)
        }
        _ => {
            let count_byte = *rest.first()?;
            let vbr = count_byte & 0x80 != 0;
            let padded = count_byte & 0x40 != 0;
            let mut pos = 1;
            if padded {
                // Padding length: bytes of 255 mean 254 and more to come.
                loop {
                    let b = *rest.get(pos)?;
                    pos += 1;
                    if b != 255 {
                        break;
                    }
                }
            }
            let frames = usize::from(count_byte & 0x3f);
            if vbr && frames >= 2 {
                // M-1 lengths follow; the first frame starts after all of them.
                let (len, skip) = frame_length(rest.get(pos..)?)?;
                let mut header = pos + skip;
                for _ in 1..frames.saturating_sub(1) {
                    let (_, s) = frame_length(rest.get(header..)?)?;
                    header += s;
                }
                rest.get(header..header + len)
            } else {
                rest.get(pos..)
            }
        }
    }
}

/// A frame length (RFC 6716 3.2.1): one byte below 252, else two. Returns (length, bytes).
fn frame_length(data: &[u8]) -> Option<(usize, usize)> {
    let b0 = usize::from(*data.first()?);
    if b0 < 252 {
        Some((b0, 1))
    } else {
        let b1 = usize::from(*data.get(1)?);
        Some((b1 * 4 + b0, 2))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::codec::test_tone::{goertzel_power, sine, total_power};

    fn encode_all(codec: &mut OpusCodec, pcm: &[i16]) -> Vec<Vec<u8>> {
        pcm.chunks(960)
            .map(|frame| {
                let mut p = Vec::new();
                codec.encode(frame, &mut p).unwrap();
                p
            })
            .collect()
    }

    #[test]
    fn a_tone_survives_encode_and_decode() {
        let mut codec = OpusCodec::new().unwrap();
        let input = sine(1000.0, 48000, 10000.0, 48000);
        let packets = encode_all(&mut codec, &input);
        let mut out = Vec::new();
        for p in &packets {
            codec.decode(p, &mut out).unwrap();
        }
        assert_eq!(out.len(), input.len());
        let tail = &out[9600..];
        let ratio = goertzel_power(tail, 1000.0, 48000) / total_power(tail);
        assert!(ratio > 0.9, "1 kHz holds {ratio:.3} of the power");
        let level = total_power(tail) / total_power(&input[9600..]);
        assert!((0.5..2.0).contains(&level), "level ratio {level:.2}");
    }

    #[test]
    fn fec_is_in_the_packets_when_on_and_absent_when_off() {
        let input = sine(440.0, 48000, 8000.0, 48000);
        let mut with = OpusCodec::new().unwrap();
        let packets = encode_all(&mut with, &input);
        // libopus sends LBRR for the frames it judges worth it (about half of a steady tone;
        // `has_fec` agrees with libopus's own opus_packet_has_lbrr on every packet).
        let flagged = packets.iter().filter(|p| has_fec(p)).count();
        assert!(
            flagged > packets.len() / 3,
            "{flagged} of {}",
            packets.len()
        );

        let mut without = OpusCodec::with_config(OpusConfig {
            inband_fec: false,
            ..OpusConfig::default()
        })
        .unwrap();
        let packets = encode_all(&mut without, &input);
        assert_eq!(packets.iter().filter(|p| has_fec(p)).count(), 0);
    }

    #[test]
    fn a_lost_frame_is_recovered_from_the_next_packet() {
        let mut tx = OpusCodec::new().unwrap();
        let input = sine(440.0, 48000, 8000.0, 48000);
        let packets = encode_all(&mut tx, &input);
        // Lose the first packet after 10 whose successor carries FEC.
        let lost = (10..packets.len() - 1)
            .find(|&k| has_fec(&packets[k + 1]))
            .expect("some packet carries FEC");
        let mut rx = OpusCodec::new().unwrap();
        let mut out = Vec::new();
        for p in &packets[..lost] {
            rx.decode(p, &mut out).unwrap();
        }
        let before = out.len();
        assert!(rx.recover(&packets[lost + 1], 960, &mut out).unwrap());
        assert_eq!(out.len() - before, 960);
        let rebuilt = &out[before..];
        let ratio = goertzel_power(rebuilt, 440.0, 48000) / total_power(rebuilt);
        assert!(ratio > 0.7, "440 Hz holds {ratio:.3} of the rebuilt frame");
        rx.decode(&packets[lost + 1], &mut out).unwrap();
        assert_eq!(out.len(), (lost + 2) * 960);
        // A packet without FEC recovers nothing.
        let plain = (1..packets.len())
            .find(|&k| !has_fec(&packets[k]))
            .expect("a plain packet");
        assert!(!rx.recover(&packets[plain], 960, &mut out).unwrap());
    }

    #[test]
    fn concealment_makes_the_asked_length() {
        let mut codec = OpusCodec::new().unwrap();
        let mut out = Vec::new();
        codec.conceal(960, &mut out).unwrap();
        assert_eq!(out.len(), 960);
    }

    #[test]
    fn a_stereo_peer_is_mixed_down() {
        let mut stereo_tx = opus::Encoder::new(48000, Channels::Stereo, Application::Voip).unwrap();
        let mono = sine(1000.0, 48000, 8000.0, 960 * 10);
        let interleaved: Vec<i16> = mono.iter().flat_map(|&s| [s, s]).collect();
        let config = OpusConfig::default().with_remote_fmtp("sprop-stereo=1; stereo=1");
        assert!(config.stereo_decode);
        let mut rx = OpusCodec::with_config(config).unwrap();
        let mut out = Vec::new();
        for frame in interleaved.chunks(1920) {
            let packet = stereo_tx.encode_vec(frame, 1275).unwrap();
            rx.decode(&packet, &mut out).unwrap();
        }
        assert_eq!(out.len(), mono.len());
        let tail = &out[4800..];
        assert!(goertzel_power(tail, 1000.0, 48000) / total_power(tail) > 0.9);
    }

    #[test]
    fn remote_fmtp_shapes_the_encoder() {
        let c = OpusConfig::default()
            .with_remote_fmtp("minptime=10; useinbandfec=1; usedtx=1; maxaveragebitrate=20000");
        assert!(c.inband_fec && c.dtx && !c.stereo_decode);
        assert_eq!(c.bitrate, 20_000);
        let c = OpusConfig::default().with_remote_fmtp("maxplaybackrate=16000");
        assert!(!c.inband_fec, "absent useinbandfec means 0 (RFC 7587)");
        let c = OpusConfig::default().with_remote_fmtp("maxaveragebitrate=1;useinbandfec=x");
        assert_eq!(c.bitrate, 6000);
        assert!(!c.inband_fec);
    }

    #[test]
    fn wrong_frame_sizes_and_garbage_are_errors_not_panics() {
        let mut codec = OpusCodec::new().unwrap();
        assert!(matches!(
            codec.encode(&[0; 100], &mut Vec::new()),
            Err(MediaError::FrameSize { samples: 100, .. })
        ));
        // A code 3 packet that claims 63 frames of nothing.
        assert!(codec.decode(&[0x03, 0xff], &mut Vec::new()).is_err());
        assert!(!has_fec(&[]));
        assert!(!has_fec(&[0x02, 0xff]));
        assert!(!has_fec(&[0x03, 0xc1, 0xff]));
    }
}
