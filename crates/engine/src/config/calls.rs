//! `[calls]`, `[media]`, `[audio]` and the per-account call settings.

use std::path::PathBuf;

use serde::Deserialize;

/// Codec names the phone speaks, in its default preference order: the media layer's table.
fn known_codecs() -> impl Iterator<Item = &'static str> {
    dialtone_media::codec::supported().iter().map(|c| c.name)
}

/// When an account answers incoming calls by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoAnswer {
    /// Only a person answers (default).
    #[default]
    Never,
    /// Every call is answered.
    Always,
    /// Only calls from the account's registrar/proxy that ask for it (`Call-Info:
    /// ...;answer-after=N` or an `Alert-Info` auto-answer marker): PBX click-to-dial.
    Trusted,
}

/// `[calls]`: call handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallsConfig {
    /// A second incoming call rings while one is up (answering it holds the first);
    /// off: it gets 486 Busy Here. default: true
    pub call_waiting: bool,
    /// Do not disturb: incoming calls get 486 (default false).
    pub dnd: bool,
    /// Give up on an outgoing call nobody answers after this many seconds (default 60).
    pub no_answer_timeout: u64,
    /// Stop ringing an incoming call nobody answers after this many seconds (default 120).
    pub ring_timeout: u64,
}

impl Default for CallsConfig {
    fn default() -> Self {
        CallsConfig {
            call_waiting: true,
            dnd: false,
            no_answer_timeout: 60,
            ring_timeout: 120,
        }
    }
}

/// `[media]`: RTP and codecs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaConfig {
    /// Codec preference, best first (default opus, G722, PCMU, PCMA).
    pub codecs: Vec<String>,
    /// Lowest and highest UDP port for RTP (RTCP takes the next one); default 16384–32767.
    pub rtp_port_min: u16,
    pub rtp_port_max: u16,
    /// Packet duration in ms (10, 20, 30, 40, 60; default 20).
    pub ptime: u32,
    /// Jitter buffer bounds in ms (default 20 and 300).
    pub jitter_min_ms: u32,
    pub jitter_max_ms: u32,
    /// Hang up after this many seconds without RTP from a peer that should be sending
    /// (default 30; 0 = never).
    pub rtp_timeout: u64,
}

impl Default for MediaConfig {
    fn default() -> Self {
        MediaConfig {
            codecs: known_codecs().map(str::to_owned).collect(),
            rtp_port_min: 16384,
            rtp_port_max: 32767,
            ptime: 20,
            jitter_min_ms: 20,
            jitter_max_ms: 300,
            rtp_timeout: 30,
        }
    }
}

/// Which audio backend to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioBackendKind {
    /// Sound devices if there are any, else silence with a warning (default).
    #[default]
    Auto,
    /// Sound devices (cpal); an error when there are none.
    Device,
    /// WAV files: `input_file` is the microphone, `output_file` records what is heard.
    File,
    /// No audio at all (calls still work, silently).
    Null,
}

/// `[audio]`: devices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AudioConfig {
    pub backend: AudioBackendKind,
    /// Device names; `None` = the system default.
    pub input_device: Option<String>,
    pub output_device: Option<String>,
    pub ringer_device: Option<String>,
    /// Acoustic echo cancellation and noise suppression on the microphone (default true).
    pub echo_cancellation: bool,
    /// For `backend = "file"`.
    pub input_file: Option<PathBuf>,
    pub output_file: Option<PathBuf>,
}

impl AudioConfig {
    pub(super) fn defaults() -> Self {
        AudioConfig {
            echo_cancellation: true,
            ..AudioConfig::default()
        }
    }
}

/// Checks a codec list: known names (case-insensitive), no repeats, not empty. Returns the
/// names in their canonical spelling.
pub fn check_codecs(names: &[String]) -> Result<Vec<String>, String> {
    let list = || known_codecs().collect::<Vec<_>>().join(", ");
    if names.is_empty() {
        return Err(format!("is empty; list at least one of {}", list()));
    }
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        let Some(known) = known_codecs().find(|k| k.eq_ignore_ascii_case(n)) else {
            return Err(format!("unknown codec `{n}`, expected one of {}", list()));
        };
        if out.iter().any(|o| o == known) {
            return Err(format!("codec `{n}` is listed twice"));
        }
        out.push(known.to_owned());
    }
    Ok(out)
}
