//! Sample conversions: f32 <-> i16 and mono <-> interleaved device channels. Pure functions,
//! safe for the real-time side (no allocation).

use cpal::{FromSample, Sample};

/// An f32 in [-1, 1] to i16, saturating (out-of-range input clips instead of wrapping).
pub fn f32_to_i16(x: f32) -> i16 {
    let scaled = (x * 32768.0).round();
    if scaled >= 32767.0 {
        i16::MAX
    } else if scaled <= -32768.0 {
        i16::MIN
    } else {
        scaled as i16
    }
}

/// An i16 to f32 in [-1, 1).
pub fn i16_to_f32(x: i16) -> f32 {
    f32::from(x) / 32768.0
}

/// The mean of one interleaved frame of device samples, as f32.
pub fn downmix_frame<T>(frame: &[T]) -> f32
where
    T: Sample,
    f32: FromSample<T>,
{
    if frame.is_empty() {
        return 0.0;
    }
    let sum: f32 = frame.iter().map(|s| f32::from_sample(*s)).sum();
    sum / frame.len() as f32
}

/// Write one mono sample to every channel of an interleaved device frame.
pub fn upmix_frame<T>(frame: &mut [T], value: f32)
where
    T: Sample + FromSample<f32>,
{
    let v = T::from_sample(value.clamp(-1.0, 1.0));
    for s in frame.iter_mut() {
        *s = v;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn i16_round_trips_through_f32() {
        for x in [i16::MIN, -12345, -1, 0, 1, 12345, i16::MAX] {
            assert_eq!(f32_to_i16(i16_to_f32(x)), x);
        }
    }

    #[test]
    fn f32_to_i16_saturates() {
        assert_eq!(f32_to_i16(2.0), i16::MAX);
        assert_eq!(f32_to_i16(-2.0), i16::MIN);
        assert_eq!(f32_to_i16(0.5), 16384);
    }

    #[test]
    fn downmix_averages_channels_of_any_format() {
        assert!((downmix_frame(&[0.5f32, -0.25]) - 0.125).abs() < 1e-6);
        assert!((downmix_frame(&[16384i16, 16384]) - 0.5).abs() < 1e-4);
        // u16 is offset binary: 32768 is zero.
        assert!(downmix_frame(&[32768u16, 32768]).abs() < 1e-4);
        assert_eq!(downmix_frame::<f32>(&[]), 0.0);
    }

    #[test]
    fn upmix_copies_to_every_channel_and_clips() {
        let mut frame = [0i16; 2];
        upmix_frame(&mut frame, 0.5);
        assert_eq!(frame, [16384, 16384]);
        let mut frame = [0.0f32; 3];
        upmix_frame(&mut frame, 1.5);
        assert_eq!(frame, [1.0, 1.0, 1.0]);
    }
}
