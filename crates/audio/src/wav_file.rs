//! Reading and writing WAV files as mono PCM, for the WAV backend and for tests that make
//! fixtures or check recordings.

use std::path::Path;

use hound::{SampleFormat, WavReader, WavSpec, WavWriter};

use crate::convert::f32_to_i16;
use crate::error::AudioError;
use crate::resample::resample_clip;

fn wav_err(path: &Path) -> impl FnOnce(hound::Error) -> AudioError + '_ {
    move |source| AudioError::Wav {
        path: path.to_path_buf(),
        source,
    }
}

/// Read a WAV file (integer PCM of 8 to 32 bits, or 32-bit float; any channel count) as
/// mono f32 in [-1, 1] (channels averaged). Returns the samples and the file's rate.
pub fn read_wav_mono(path: &Path) -> Result<(Vec<f32>, u32), AudioError> {
    let mut reader = WavReader::open(path).map_err(wav_err(path))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = match spec.sample_format {
        SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(wav_err(path))?,
        SampleFormat::Int => {
            let bits = u32::from(spec.bits_per_sample.clamp(1, 32));
            let scale = 1.0 / (1u64 << (bits - 1)) as f64;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| (f64::from(v) * scale) as f32))
                .collect::<Result<_, _>>()
                .map_err(wav_err(path))?
        }
    };
    let mono = interleaved
        .chunks_exact(channels)
        .map(|frame| frame.iter().sum::<f32>() / channels as f32)
        .collect();
    Ok((mono, spec.sample_rate))
}

/// Read a WAV file as mono i16 at `rate` (downmixed and resampled as needed).
pub fn read_wav_mono_i16(path: &Path, rate: u32) -> Result<Vec<i16>, AudioError> {
    let (mono, file_rate) = read_wav_mono(path)?;
    let resampled = resample_clip(&mono, file_rate, rate)?;
    Ok(resampled.into_iter().map(f32_to_i16).collect())
}

/// The spec of the files we write: mono, 16-bit integer PCM.
pub fn mono_s16_spec(rate: u32) -> WavSpec {
    WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: SampleFormat::Int,
    }
}

/// Write `samples` as a mono S16 WAV file at `rate` (fixtures for tests and automation).
pub fn write_wav_mono(path: &Path, rate: u32, samples: &[i16]) -> Result<(), AudioError> {
    let mut writer = WavWriter::create(path, mono_s16_spec(rate)).map_err(wav_err(path))?;
    for &s in samples {
        writer.write_sample(s).map_err(wav_err(path))?;
    }
    writer.finalize().map_err(wav_err(path))
}
