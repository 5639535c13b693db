//! Checks of `[calls]`, `[media]` and `[audio]`.

use toml::Spanned;

use super::calls::{check_codecs, AudioConfig, CallsConfig, MediaConfig};
use super::error::ConfigError;
use super::raw::{RawAudio, RawCalls, RawMedia};
use super::validate::Cx;

const PTIMES: [u32; 5] = [10, 20, 30, 40, 60];

impl Cx<'_> {
    pub(super) fn calls(&self, raw: RawCalls) -> Result<CallsConfig, ConfigError> {
        let d = CallsConfig::default();
        let positive = |what: &str, v: Option<Spanned<u64>>, default: u64| match v {
            None => Ok(default),
            Some(s) if *s.get_ref() == 0 || *s.get_ref() > 3600 => {
                Err(self.err(s.span(), format!("calls.{what} must be 1 to 3600 seconds")))
            }
            Some(s) => Ok(*s.get_ref()),
        };
        Ok(CallsConfig {
            call_waiting: raw.call_waiting.unwrap_or(d.call_waiting),
            dnd: raw.dnd.unwrap_or(d.dnd),
            no_answer_timeout: positive(
                "no_answer_timeout",
                raw.no_answer_timeout,
                d.no_answer_timeout,
            )?,
            ring_timeout: positive("ring_timeout", raw.ring_timeout, d.ring_timeout)?,
        })
    }

    pub(super) fn media(&self, raw: RawMedia) -> Result<MediaConfig, ConfigError> {
        let d = MediaConfig::default();
        let codecs = match raw.codecs {
            None => d.codecs,
            Some(s) => check_codecs(s.get_ref())
                .map_err(|m| self.err(s.span(), format!("media.codecs {m}")))?,
        };
        let port = |what: &str, v: Option<Spanned<u16>>, default: u16| match v {
            None => Ok(default),
            Some(s) if *s.get_ref() < 1024 => Err(self.err(
                s.span(),
                format!("media.{what} {} is below 1024", s.get_ref()),
            )),
            Some(s) => Ok(*s.get_ref()),
        };
        let rtp_port_min = port("rtp_port_min", raw.rtp_port_min, d.rtp_port_min)?;
        let max_span = raw.rtp_port_max.as_ref().map(|s| s.span());
        let rtp_port_max = port("rtp_port_max", raw.rtp_port_max, d.rtp_port_max)?;
        if rtp_port_max < rtp_port_min.saturating_add(3) {
            let span = max_span.unwrap_or(0..0);
            return Err(self.err(
                span,
                format!(
                    "media.rtp_port_max ({rtp_port_max}) must be at least rtp_port_min + 3 ({rtp_port_min} + 3): each call takes two ports"
                ),
            ));
        }
        let ptime = match raw.ptime {
            None => d.ptime,
            Some(s) if !PTIMES.contains(s.get_ref()) => {
                return Err(self.err(
                    s.span(),
                    format!(
                        "media.ptime {} must be one of 10, 20, 30, 40, 60",
                        s.get_ref()
                    ),
                ))
            }
            Some(s) => *s.get_ref(),
        };
        let ms = |what: &str, v: Option<Spanned<u32>>, default: u32| match v {
            None => Ok(default),
            Some(s) if *s.get_ref() > 2000 => Err(self.err(
                s.span(),
                format!("media.{what} {} is above 2000 ms", s.get_ref()),
            )),
            Some(s) => Ok(*s.get_ref()),
        };
        let jitter_min_ms = ms("jitter_min_ms", raw.jitter_min_ms, d.jitter_min_ms)?;
        let max_span = raw.jitter_max_ms.as_ref().map(|s| s.span());
        let jitter_max_ms = ms("jitter_max_ms", raw.jitter_max_ms, d.jitter_max_ms)?;
        if jitter_max_ms < jitter_min_ms {
            return Err(self.err(
                max_span.unwrap_or(0..0),
                format!("media.jitter_max_ms ({jitter_max_ms}) is below jitter_min_ms ({jitter_min_ms})"),
            ));
        }
        Ok(MediaConfig {
            codecs,
            rtp_port_min,
            rtp_port_max,
            ptime,
            jitter_min_ms,
            jitter_max_ms,
            rtp_timeout: raw.rtp_timeout.unwrap_or(d.rtp_timeout),
        })
    }

    pub(super) fn audio(&self, raw: RawAudio) -> Result<AudioConfig, ConfigError> {
        let d = AudioConfig::defaults();
        let file = |s: Option<Spanned<String>>, what: &str| -> Result<_, ConfigError> {
            match s {
                None => Ok(None),
                Some(s) if s.get_ref().is_empty() => {
                    Err(self.err(s.span(), format!("audio.{what} is empty")))
                }
                Some(s) => Ok(Some(self.resolve(s.get_ref()))),
            }
        };
        let input_span = raw.input_file.as_ref().map(|s| s.span());
        let input_file = file(raw.input_file, "input_file")?;
        if let (Some(path), Some(span)) = (&input_file, input_span) {
            if !path.is_file() {
                return Err(self.err(
                    span,
                    format!("audio.input_file `{}` does not exist", path.display()),
                ));
            }
        }
        let output_file = file(raw.output_file, "output_file")?;
        let backend = raw.backend.unwrap_or(d.backend);
        Ok(AudioConfig {
            backend,
            input_device: self.opt_text("audio.input_device", raw.input_device)?,
            output_device: self.opt_text("audio.output_device", raw.output_device)?,
            ringer_device: self.opt_text("audio.ringer_device", raw.ringer_device)?,
            echo_cancellation: raw.echo_cancellation.unwrap_or(d.echo_cancellation),
            input_file,
            output_file,
        })
    }
}
