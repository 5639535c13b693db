//! What the real-time device callbacks do, and nothing more: move samples between the device
//! buffer and a lock-free SPSC ring, converting format and channel count on the way, and count
//! what had to be dropped. No locks, no allocation, no logging.

use std::sync::atomic::{AtomicU64, Ordering};

use cpal::{FromSample, Sample};
use ringbuf::traits::{Consumer, Producer};

use crate::convert::{downmix_frame, upmix_frame};

/// Drop counters shared between the callbacks (which add) and the stream (which reads).
#[derive(Debug, Default)]
pub struct DropCounters {
    /// Capture callbacks that found the ring full.
    pub capture_overruns: AtomicU64,
    /// Device-rate samples those callbacks dropped.
    pub capture_dropped_samples: AtomicU64,
    /// Playout callbacks that found the ring empty mid-stream.
    pub playout_underruns: AtomicU64,
    /// Device-rate samples those callbacks filled with silence.
    pub playout_missing_samples: AtomicU64,
}

impl DropCounters {
    fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Read a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Capture callback body: downmix each interleaved frame of `data` to one mono f32 sample and
/// push it; whatever does not fit is dropped and counted.
pub fn capture_push<T, P>(ring: &mut P, data: &[T], channels: usize, counters: &DropCounters)
where
    T: Sample,
    f32: FromSample<T>,
    P: Producer<Item = f32>,
{
    if channels == 0 {
        return;
    }
    let frames = data.len() / channels;
    let pushed = ring.push_iter(data.chunks_exact(channels).map(downmix_frame));
    if pushed < frames {
        DropCounters::add(&counters.capture_overruns, 1);
        DropCounters::add(&counters.capture_dropped_samples, (frames - pushed) as u64);
    }
}

/// Playout state that lives inside the output callback.
#[derive(Debug, Clone, Copy)]
pub struct PlayoutGate {
    primed: bool,
    prebuffer: usize,
}

impl PlayoutGate {
    /// Play nothing until `prebuffer` samples are waiting (and again after each underrun), so
    /// that 20 ms writes from the engine do not underrun a device that pulls 10 ms at a time.
    pub fn new(prebuffer: usize) -> Self {
        PlayoutGate {
            primed: false,
            prebuffer: prebuffer.max(1),
        }
    }
}

/// Playout callback body: fill `data` (interleaved, `channels` wide) from the mono ring,
/// copying each sample to every channel. Silence before the ring is primed is not an
/// underrun; running dry after it is, and re-arms the prebuffer.
pub fn playout_pull<T, C>(
    ring: &mut C,
    data: &mut [T],
    channels: usize,
    gate: &mut PlayoutGate,
    counters: &DropCounters,
) where
    T: Sample + FromSample<f32>,
    C: Consumer<Item = f32>,
{
    if channels == 0 {
        return;
    }
    if !gate.primed {
        if ring.occupied_len() >= gate.prebuffer {
            gate.primed = true;
        } else {
            data.fill(T::EQUILIBRIUM);
            return;
        }
    }
    let mut missing = 0u64;
    for frame in data.chunks_exact_mut(channels) {
        match ring.try_pop() {
            Some(v) => upmix_frame(frame, v),
            None => {
                frame.fill(T::EQUILIBRIUM);
                missing += 1;
            }
        }
    }
    if missing > 0 {
        DropCounters::add(&counters.playout_underruns, 1);
        DropCounters::add(&counters.playout_missing_samples, missing);
        gate.primed = false;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ringbuf::traits::{Observer, Split};
    use ringbuf::HeapRb;

    #[test]
    fn capture_counts_overruns_when_the_ring_is_full() {
        let (mut prod, mut cons) = HeapRb::<f32>::new(10).split();
        let counters = DropCounters::default();
        // 4 stereo frames -> 4 mono samples: fits.
        capture_push(&mut prod, &[0.5f32; 8], 2, &counters);
        assert_eq!(DropCounters::get(&counters.capture_overruns), 0);
        assert_eq!(cons.occupied_len(), 4);
        assert_eq!(cons.try_pop(), Some(0.5));
        // 3 left; 12 more offered into 7 free slots: 5 dropped, one overrun.
        capture_push(&mut prod, &[1000i16; 12], 1, &counters);
        assert_eq!(DropCounters::get(&counters.capture_overruns), 1);
        assert_eq!(DropCounters::get(&counters.capture_dropped_samples), 5);
        assert_eq!(cons.occupied_len(), 10);
        capture_push(&mut prod, &[0i16; 3], 1, &counters);
        assert_eq!(DropCounters::get(&counters.capture_overruns), 2);
        assert_eq!(DropCounters::get(&counters.capture_dropped_samples), 8);
    }

    #[test]
    fn playout_waits_for_prebuffer_then_counts_underruns() {
        let (mut prod, mut cons) = HeapRb::<f32>::new(64).split();
        let counters = DropCounters::default();
        let mut gate = PlayoutGate::new(8);
        let mut out = [7i16; 8]; // 4 stereo frames

        // Not primed, ring empty: silence, no underrun.
        playout_pull(&mut cons, &mut out, 2, &mut gate, &counters);
        assert_eq!(out, [0; 8]);
        assert_eq!(DropCounters::get(&counters.playout_underruns), 0);

        // 10 samples queued: primed; plays 4 frames, each sample on both channels.
        prod.push_slice(&[0.5; 10]);
        playout_pull(&mut cons, &mut out, 2, &mut gate, &counters);
        assert_eq!(out, [16384; 8]);

        // 6 left for 4 frames: fine. Then 2 left for 4 frames: underrun of 2 samples.
        playout_pull(&mut cons, &mut out, 2, &mut gate, &counters);
        assert_eq!(DropCounters::get(&counters.playout_underruns), 0);
        playout_pull(&mut cons, &mut out, 2, &mut gate, &counters);
        assert_eq!(out, [16384, 16384, 16384, 16384, 0, 0, 0, 0]);
        assert_eq!(DropCounters::get(&counters.playout_underruns), 1);
        assert_eq!(DropCounters::get(&counters.playout_missing_samples), 2);

        // After the underrun the gate re-arms: silence without counting again.
        playout_pull(&mut cons, &mut out, 2, &mut gate, &counters);
        assert_eq!(out, [0; 8]);
        assert_eq!(DropCounters::get(&counters.playout_underruns), 1);
    }

    #[test]
    fn playout_silence_for_unsigned_formats_is_the_midpoint() {
        let (_prod, mut cons) = HeapRb::<f32>::new(4).split();
        let counters = DropCounters::default();
        let mut gate = PlayoutGate::new(2);
        let mut out = [0u16; 4];
        playout_pull(&mut cons, &mut out, 1, &mut gate, &counters);
        assert_eq!(out, [32768; 4]);
    }
}
