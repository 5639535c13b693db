//! Choosing a backend from settings.

use std::path::PathBuf;
use std::sync::Arc;

use crate::backend::AudioBackend;
use crate::cpal_backend::CpalBackend;
use crate::null::NullBackend;
use crate::types::EndOfInput;
use crate::wav::WavBackend;

/// Which audio the phone uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AudioChoice {
    /// Real devices if a default input and output device are usable, else silence (with a
    /// warning). The default.
    #[default]
    Auto,
    /// Silence: no devices at all.
    Null,
    /// WAV files as microphone and recording (`dialtone serve --audio-in/--audio-out`).
    Wav {
        input: Option<PathBuf>,
        output: Option<PathBuf>,
        end_of_input: EndOfInput,
    },
    /// Real devices, even if none is usable right now (opening a stream then fails with a
    /// clear error).
    Cpal,
}

/// The backend for `choice`. `Auto` probes the default devices once, here.
pub fn backend_from_choice(choice: &AudioChoice) -> Arc<dyn AudioBackend> {
    match choice {
        AudioChoice::Null => Arc::new(NullBackend),
        AudioChoice::Wav {
            input,
            output,
            end_of_input,
        } => Arc::new(
            WavBackend::new(input.clone(), output.clone()).with_end_of_input(*end_of_input),
        ),
        AudioChoice::Cpal => Arc::new(CpalBackend::new()),
        AudioChoice::Auto => {
            if CpalBackend::has_default_devices() {
                Arc::new(CpalBackend::new())
            } else {
                tracing::warn!("no audio device; calls will be silent");
                Arc::new(NullBackend)
            }
        }
    }
}
