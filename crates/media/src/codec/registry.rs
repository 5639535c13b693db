//! The codec table: every codec Dialtone can speak, found by SDP name and clock rate.

use super::g711::{Pcma, Pcmu, PCMA, PCMU};
use super::g722::{G722Codec, G722};
use super::opus::{OpusCodec, OpusConfig, OPUS};
use super::{AudioCodec, CodecInfo};
use crate::MediaError;

/// Every supported codec, in Dialtone's default preference order: Opus (wideband, FEC),
/// G.722 (wideband), then G.711 µ-law and A-law.
pub fn supported() -> &'static [CodecInfo] {
    &SUPPORTED
}

static SUPPORTED: [CodecInfo; 4] = [OPUS, G722, PCMU, PCMA];

/// Finds a codec by its `a=rtpmap` encoding name (case-insensitive) and clock rate.
pub fn find(name: &str, clock_rate: u32) -> Option<&'static CodecInfo> {
    supported()
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name) && c.clock_rate == clock_rate)
}

/// A fresh encoder/decoder for one call, with default settings.
pub fn instantiate(info: &CodecInfo) -> Option<Box<dyn AudioCodec>> {
    instantiate_with_fmtp(info, None)
}

/// A fresh encoder/decoder for one call, shaped by the peer's `a=fmtp` for this payload
/// type where the codec has parameters (Opus: `useinbandfec`, `usedtx`,
/// `maxaveragebitrate`, `stereo`/`sprop-stereo`; see [`OpusConfig::with_remote_fmtp`]).
/// `None` for a codec not in the table (or, logged, when libopus cannot start).
pub fn instantiate_with_fmtp(
    info: &CodecInfo,
    remote_fmtp: Option<&str>,
) -> Option<Box<dyn AudioCodec>> {
    let known = find(info.name, info.clock_rate)?;
    match known.name {
        "opus" => {
            let config = match remote_fmtp {
                Some(fmtp) => OpusConfig::default().with_remote_fmtp(fmtp),
                None => OpusConfig::default(),
            };
            match OpusCodec::with_config(config) {
                Ok(codec) => Some(Box::new(codec)),
                Err(error) => {
                    tracing::warn!(%error, "cannot start an Opus codec");
                    None
                }
            }
        }
        "G722" => Some(Box::new(G722Codec::new())),
        "PCMU" => Some(Box::new(Pcmu::new())),
        "PCMA" => Some(Box::new(Pcma::new())),
        _ => None,
    }
}

/// Turns a configured codec list (`["opus", "g722", "PCMU"]`, case-insensitive; a name may
/// carry its clock rate, `G722/8000`, `opus/48000`) into table entries in that order.
/// Repeated names count once. An unknown name is an error that names it.
pub fn preference(names: &[String]) -> Result<Vec<&'static CodecInfo>, MediaError> {
    if names.is_empty() {
        return Err(MediaError::NoCodecs);
    }
    let mut chosen: Vec<&'static CodecInfo> = Vec::with_capacity(names.len());
    for raw in names {
        let name = raw.trim();
        let (codec, rate) = match name.split_once('/') {
            Some((codec, rate)) => (codec, Some(rate.split('/').next().unwrap_or(rate))),
            None => (name, None),
        };
        let info = supported()
            .iter()
            .find(|c| {
                c.name.eq_ignore_ascii_case(codec)
                    && rate.is_none_or(|r| r.parse() == Ok(c.clock_rate))
            })
            .ok_or_else(|| MediaError::UnknownCodec { name: raw.clone() })?;
        if !chosen.iter().any(|c| c.name == info.name) {
            chosen.push(info);
        }
    }
    Ok(chosen)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_table_is_in_preference_order() {
        let order: Vec<_> = supported().iter().map(|c| c.name).collect();
        assert_eq!(order, ["opus", "G722", "PCMU", "PCMA"]);
    }

    #[test]
    fn find_by_name_and_rate() {
        assert_eq!(find("OPUS", 48000).map(|c| c.name), Some("opus"));
        assert_eq!(find("g722", 8000).map(|c| c.sample_rate), Some(16000));
        assert_eq!(
            find("pcma", 8000).and_then(|c| c.static_payload_type),
            Some(8)
        );
        assert!(find("G722", 16000).is_none(), "G.722's RTP clock is 8000");
        assert!(find("G729", 8000).is_none());
    }

    #[test]
    fn every_codec_instantiates_and_frames_fit() {
        for info in supported() {
            let mut codec = instantiate(info).expect(info.name);
            assert_eq!(codec.info(), info);
            let pcm = vec![0i16; info.samples_per_frame(20)];
            let mut payload = Vec::new();
            codec.encode(&pcm, &mut payload).unwrap();
            let mut out = Vec::new();
            codec.decode(&payload, &mut out).unwrap();
            assert_eq!(out.len(), pcm.len(), "{}", info.name);
        }
        assert_eq!(G722.rtp_ticks_per_frame(20), 160);
        assert_eq!(G722.samples_per_frame(20), 320);
    }

    #[test]
    fn opus_follows_the_remote_fmtp() {
        let codec = instantiate_with_fmtp(&OPUS, Some("useinbandfec=1;stereo=1")).unwrap();
        assert_eq!(codec.info().name, "opus");
        assert!(instantiate_with_fmtp(&PCMU, Some("anything")).is_some());
    }

    #[test]
    fn preference_reads_names_in_any_case() {
        let list = preference(&names(&["pcma", "Opus", "G722/8000", "PCMU", "pcmu"])).unwrap();
        let order: Vec<_> = list.iter().map(|c| c.name).collect();
        assert_eq!(order, ["PCMA", "opus", "G722", "PCMU"]);
        assert_eq!(
            preference(&names(&["opus/48000/2"])).unwrap()[0].name,
            "opus"
        );
    }

    #[test]
    fn preference_names_the_unknown_codec() {
        let err = preference(&names(&["opus", "g729"])).unwrap_err();
        assert!(matches!(&err, MediaError::UnknownCodec { name } if name == "g729"));
        assert!(err.to_string().contains("`g729`"));
        assert!(matches!(
            preference(&names(&["G722/16000"])),
            Err(MediaError::UnknownCodec { .. })
        ));
        assert!(matches!(preference(&[]), Err(MediaError::NoCodecs)));
    }
}
