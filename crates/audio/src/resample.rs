//! Sample-rate conversion with rubato, off the real-time thread: a streaming mono resampler
//! for device <-> engine audio, and a whole-clip one for WAV files.

use std::collections::VecDeque;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

use crate::error::AudioError;

/// Streams mono f32 audio from one fixed rate to another. Input can come in blocks of any
/// size; output appears once a whole 20 ms input chunk has arrived. Equal rates pass through.
pub struct StreamResampler {
    from: u32,
    to: u32,
    fft: Option<Fft<f32>>,
    pending: Vec<f32>,
    scratch: Vec<f32>,
    /// Output samples still to drop: the resampler's start-up delay, trimmed so that output
    /// sample k lines up with input sample k * to / from.
    skip: usize,
}

impl StreamResampler {
    /// A resampler from `from` Hz to `to` Hz.
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        if from == to {
            return Ok(StreamResampler {
                from,
                to,
                fft: None,
                pending: Vec::new(),
                scratch: Vec::new(),
                skip: 0,
            });
        }
        let chunk = (from as usize / 50).max(1);
        let fft = Fft::<f32>::new_custom(
            from as usize,
            to as usize,
            chunk,
            1,
            1,
            rubato::WindowFunction::BlackmanHarris2,
            FixedSync::Input,
        )
        .map_err(|source| AudioError::ResamplerSetup { from, to, source })?;
        let scratch = vec![0.0; fft.output_frames_max()];
        let skip = fft.output_delay();
        Ok(StreamResampler {
            from,
            to,
            pending: Vec::with_capacity(fft.input_frames_max() * 2),
            fft: Some(fft),
            scratch,
            skip,
        })
    }

    /// The input rate.
    pub fn from_rate(&self) -> u32 {
        self.from
    }

    /// The output rate.
    pub fn to_rate(&self) -> u32 {
        self.to
    }

    /// Feed `input` and append every output sample that can be computed to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut VecDeque<f32>) -> Result<(), AudioError> {
        let Some(fft) = self.fft.as_mut() else {
            out.extend(input.iter().copied());
            return Ok(());
        };
        self.pending.extend_from_slice(input);
        let mut pos = 0;
        // Each pass consumes `need` > 0 samples, so this ends after len / need passes.
        loop {
            let need = fft.input_frames_next();
            if need == 0 || self.pending.len() - pos < need {
                break;
            }
            let block = &self.pending[pos..pos + need];
            let input_adapter = InterleavedSlice::new(block, 1, need)?;
            let capacity = self.scratch.len();
            let mut output_adapter = InterleavedSlice::new_mut(&mut self.scratch, 1, capacity)?;
            let (read, written) =
                fft.process_into_buffer(&input_adapter, &mut output_adapter, None)?;
            pos += read.max(1);
            let produced = &self.scratch[..written];
            let skipped = self.skip.min(produced.len());
            self.skip -= skipped;
            out.extend(produced[skipped..].iter().copied());
        }
        self.pending.drain(..pos);
        Ok(())
    }

    /// Forget buffered input and start again (after a device change).
    pub fn reset(&mut self) {
        self.pending.clear();
        if let Some(fft) = self.fft.as_mut() {
            fft.reset();
            self.skip = fft.output_delay();
        }
    }
}

/// Resample a whole mono clip, trimming the start-up delay so output lines up with input.
pub fn resample_clip(input: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    if from == to || input.is_empty() {
        return Ok(input.to_vec());
    }
    let mut fft = Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Both)
        .map_err(|source| AudioError::ResamplerSetup { from, to, source })?;
    let out_len = fft.process_all_needed_output_len(input.len());
    let mut out = vec![0.0f32; out_len];
    let input_adapter = InterleavedSlice::new(input, 1, input.len())?;
    let mut output_adapter = InterleavedSlice::new_mut(&mut out, 1, out_len)?;
    let (_, written) =
        fft.process_all_into_buffer(&input_adapter, &mut output_adapter, input.len(), None)?;
    out.truncate(written);
    Ok(out)
}
