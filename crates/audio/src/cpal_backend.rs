//! Real audio devices through cpal: listing them, finding one by name, and choosing a stream
//! format. The streams themselves are in `cpal_stream`.

use cpal::traits::{DeviceTrait, HostTrait};
use cpal::{SampleFormat, SupportedStreamConfig, SupportedStreamConfigRange};

use crate::alsa_quiet::quietly;
use crate::backend::{AudioBackend, AudioStream};
use crate::cpal_stream::CpalDriver;
use crate::error::AudioError;
use crate::types::{DeviceInfo, DeviceKind, StreamConfig};

/// The device rate we ask for when a device offers it; 44.1 kHz is the second choice.
pub const PREFERRED_DEVICE_RATE: u32 = 48_000;

/// Opens streams on the system's audio devices (ALSA on Linux, CoreAudio, WASAPI).
#[derive(Clone, Copy, Debug, Default)]
pub struct CpalBackend;

impl CpalBackend {
    /// The cpal backend on the platform's default host.
    pub fn new() -> Self {
        CpalBackend
    }

    /// True if the default input and output devices exist and offer a usable format. On a
    /// machine without a sound card this is false (ALSA still names a "default" device, but
    /// it has no configurations).
    pub fn has_default_devices() -> bool {
        quietly(|| {
            [DeviceKind::Input, DeviceKind::Output]
                .into_iter()
                .all(|kind| {
                    find_device(kind, None)
                        .and_then(|d| choose_format(&d, kind))
                        .is_ok()
                })
        })
    }
}

impl AudioBackend for CpalBackend {
    fn open(&self, config: &StreamConfig) -> Result<AudioStream, AudioError> {
        config.validate()?;
        let driver = quietly(|| CpalDriver::open(config))?;
        Ok(AudioStream::new(Box::new(driver), config))
    }

    fn devices(&self) -> Result<Vec<DeviceInfo>, AudioError> {
        quietly(list_devices)
    }

    fn name(&self) -> &'static str {
        "cpal"
    }
}

/// The human name we show for a device.
pub(crate) fn device_name(device: &cpal::Device) -> String {
    match device.description() {
        Ok(d) => d.name().to_string(),
        Err(_) => device_id(device),
    }
}

/// The device's stable id ("host:id"), or its name if the host cannot give one.
pub(crate) fn device_id(device: &cpal::Device) -> String {
    match device.id() {
        Ok(id) => id.to_string(),
        Err(_) => device.to_string(),
    }
}

fn default_device(host: &cpal::Host, kind: DeviceKind) -> Option<cpal::Device> {
    match kind {
        DeviceKind::Input => host.default_input_device(),
        DeviceKind::Output => host.default_output_device(),
    }
}

fn devices_of(
    host: &cpal::Host,
    kind: DeviceKind,
) -> Result<Box<dyn Iterator<Item = cpal::Device>>, AudioError> {
    Ok(match kind {
        DeviceKind::Input => Box::new(host.input_devices().map_err(AudioError::Enumerate)?),
        DeviceKind::Output => Box::new(host.output_devices().map_err(AudioError::Enumerate)?),
    })
}

/// Every input and output device of the default host, defaults marked.
pub(crate) fn list_devices() -> Result<Vec<DeviceInfo>, AudioError> {
    let host = cpal::default_host();
    let mut list = Vec::new();
    for kind in [DeviceKind::Input, DeviceKind::Output] {
        let default = default_device(&host, kind);
        for device in devices_of(&host, kind)? {
            let is_default = default.as_ref() == Some(&device);
            list.push(DeviceInfo {
                name: device_name(&device),
                id: device_id(&device),
                kind,
                is_default,
            });
        }
    }
    Ok(list)
}

/// The device whose id or name is `name` (the first match, ids first), or the default one.
pub(crate) fn find_device(
    kind: DeviceKind,
    name: Option<&str>,
) -> Result<cpal::Device, AudioError> {
    let host = cpal::default_host();
    let Some(name) = name else {
        return default_device(&host, kind).ok_or(AudioError::NoDevice { kind });
    };
    let mut by_name = None;
    for device in devices_of(&host, kind)? {
        if device_id(&device) == name {
            return Ok(device);
        }
        if by_name.is_none() && device_name(&device) == name {
            by_name = Some(device);
        }
    }
    by_name.ok_or_else(|| AudioError::DeviceNotFound {
        kind,
        name: name.to_string(),
    })
}

/// Sample formats the callbacks can convert, best first.
fn format_rank(format: SampleFormat) -> Option<u8> {
    match format {
        SampleFormat::F32 => Some(0),
        SampleFormat::I16 => Some(1),
        SampleFormat::I32 => Some(2),
        SampleFormat::U16 => Some(3),
        _ => None,
    }
}

/// Pick the rate to use from a range: 48 kHz, else 44.1 kHz, else the closest to 48 kHz.
pub(crate) fn pick_rate(min: u32, max: u32) -> u32 {
    if (min..=max).contains(&PREFERRED_DEVICE_RATE) {
        PREFERRED_DEVICE_RATE
    } else if (min..=max).contains(&44_100) {
        44_100
    } else {
        PREFERRED_DEVICE_RATE.min(max).max(min)
    }
}

/// Rank a supported range (lower is better): a range holding 48 kHz first, then by sample
/// format, then fewest channels (mono or stereo rather than 8 channels).
fn range_score(range: &SupportedStreamConfigRange) -> Option<(u8, u8, u16)> {
    let format = format_rank(range.sample_format())?;
    if range.channels() == 0 {
        return None;
    }
    let has_48k =
        (range.min_sample_rate()..=range.max_sample_rate()).contains(&PREFERRED_DEVICE_RATE);
    Some((u8::from(!has_48k), format, range.channels()))
}

/// Choose the stream format for a device: preferably 48 kHz, f32 or i16, mono or stereo.
pub(crate) fn choose_format(
    device: &cpal::Device,
    kind: DeviceKind,
) -> Result<SupportedStreamConfig, AudioError> {
    let device_err = |what, source| AudioError::Device {
        kind,
        name: device_name(device),
        what,
        source,
    };
    let ranges: Vec<SupportedStreamConfigRange> = match kind {
        DeviceKind::Input => device
            .supported_input_configs()
            .map_err(|e| device_err("listing input formats", e))?
            .collect(),
        DeviceKind::Output => device
            .supported_output_configs()
            .map_err(|e| device_err("listing output formats", e))?
            .collect(),
    };
    let best = ranges
        .into_iter()
        .filter_map(|r| range_score(&r).map(|score| (score, r)))
        .min_by_key(|(score, _)| *score)
        .and_then(|(_, range)| {
            let rate = pick_rate(range.min_sample_rate(), range.max_sample_rate());
            range.try_with_sample_rate(rate)
        });
    best.ok_or_else(|| AudioError::NoUsableFormat {
        kind,
        name: device_name(device),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rate_choice_prefers_48k_then_44k1() {
        assert_eq!(pick_rate(8_000, 192_000), 48_000);
        assert_eq!(pick_rate(44_100, 44_100), 44_100);
        assert_eq!(pick_rate(8_000, 44_100), 44_100);
        assert_eq!(pick_rate(8_000, 16_000), 16_000);
        assert_eq!(pick_rate(96_000, 192_000), 96_000);
    }

    #[test]
    fn ranges_rank_48k_then_format_then_channels() {
        let range = |ch, min, max, f| {
            SupportedStreamConfigRange::new(ch, min, max, cpal::SupportedBufferSize::Unknown, f)
        };
        let a = range(2, 8_000, 48_000, SampleFormat::I16);
        let b = range(1, 44_100, 44_100, SampleFormat::F32);
        let c = range(8, 8_000, 96_000, SampleFormat::F32);
        let d = range(2, 8_000, 96_000, SampleFormat::F32);
        let e = range(2, 8_000, 96_000, SampleFormat::F64);
        assert!(range_score(&e).is_none());
        let mut all = [a, b, c, d];
        all.sort_by_key(range_score);
        assert_eq!(all[0], d);
        assert_eq!(all[1], c);
        assert_eq!(all[2], a);
        assert_eq!(all[3], b);
    }
}
