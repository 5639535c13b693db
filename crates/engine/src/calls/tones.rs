//! Ringback (outgoing call ringing) and ringtone (incoming call), generated locally and
//! played on a sound device. With WAV files or no device nobody would hear them (and a
//! recording should hold only the call), so they are played only on real devices.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use dialtone_audio::{AudioBackend, StreamConfig, ToneGenerator, TonePattern};
use dialtone_call::MediaAction;
use tokio::sync::watch;
use tracing::debug;

use super::CallManager;

const TONE_RATE: u32 = 48_000;
const FRAME: usize = 960;

#[derive(Default)]
pub(super) struct TonePlayer {
    playing: HashMap<String, watch::Sender<bool>>,
}

impl CallManager {
    pub(super) fn tones(&mut self, id: &str, action: &MediaAction) {
        let start = match action {
            MediaAction::StartRingback => Some((TonePattern::ringback_eu(), false)),
            MediaAction::StartRingtone { call_waiting } => Some((
                if *call_waiting {
                    // A short beep every few seconds: do not drown the call in progress.
                    TonePattern::ringback(&[440.0], 200, 4800)
                } else {
                    TonePattern::ringtone()
                },
                true,
            )),
            _ => None,
        };
        if let Some(stop) = self.tones.playing.remove(id) {
            let _ = stop.send(true);
        }
        let Some((pattern, ringer)) = start else {
            return;
        };
        if self.audio.name() != "cpal" {
            return;
        }
        let device = if ringer {
            self.settings
                .audio
                .ringer_device
                .clone()
                .or_else(|| self.settings.audio.output_device.clone())
        } else {
            self.settings.audio.output_device.clone()
        };
        let (tx, rx) = watch::channel(false);
        self.tones.playing.insert(id.to_owned(), tx);
        tokio::spawn(play(self.audio.clone(), device, pattern, rx));
    }
}

async fn play(
    audio: Arc<dyn AudioBackend>,
    device: Option<String>,
    pattern: TonePattern,
    mut stop: watch::Receiver<bool>,
) {
    let config = StreamConfig {
        sample_rate: TONE_RATE,
        frame_samples: FRAME,
        input: None,
        output: device,
    };
    let mut stream = match audio.open(&config) {
        Ok(s) => s,
        Err(e) => {
            debug!(error = %e, "cannot play a tone");
            return;
        }
    };
    let mut tone = ToneGenerator::new(pattern, TONE_RATE);
    let mut frame = vec![0i16; FRAME];
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    // Bounded: a ring lasts at most as long as the ring timeout allows; stop ends it.
    for _ in 0..(10 * 60 * 50) {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {
                tone.fill(&mut frame);
                stream.write_frame(&frame);
            }
        }
    }
}
