//! How a [`super::Baresip`] is configured, and the `config` / `accounts` files written from it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where Debian installs baresip's modules.
const MODULE_PATH: &str = "/usr/lib/baresip/modules";
/// The rate of the audio devices (file source, bridge sink). 48 kHz, because baresip's
/// 16 -> 8 kHz resampler cuts above about 1.3 kHz.
pub const DEVICE_RATE: u32 = 48000;

/// Codec strings for `audio_codecs` (name/rate/channels; a bare name such as `g722` is
/// silently ignored by baresip 1.0).
pub const PCMU: &str = "PCMU/8000/1";
pub const PCMA: &str = "PCMA/8000/1";
pub const G722: &str = "G722/16000/1";
pub const OPUS: &str = "opus/48000/2";

/// SIP transport of the account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SipTransport {
    #[default]
    Udp,
    Tcp,
}

/// What baresip plays as its microphone.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AudioSource {
    /// A sine tone written by the harness (mono, 48 kHz).
    Tone { freq_hz: f64, duration: Duration },
    /// Silence written by the harness.
    Silence(Duration),
    /// An existing WAV: mono S16LE at exactly [`DEVICE_RATE`].
    File(PathBuf),
}

/// How a [`Baresip`] is configured.
#[derive(Debug, Clone)]
pub struct BaresipOptions {
    /// SIP user, e.g. `"1002"`.
    pub user: String,
    /// Digest password; `None` means [`crate::kamailio::password_for`] of `user`.
    pub password: Option<String>,
    /// Registrar/proxy (Kamailio's UDP address). `None`: no registration, direct calls only
    /// (AOR `sip:<user>@127.0.0.1`).
    pub registrar: Option<SocketAddr>,
    /// Transport towards the registrar/proxy (pass Kamailio's port for it as `registrar`).
    pub transport: SipTransport,
    /// SIP port (UDP+TCP; baresip also takes the next port for TLS). `None`: a free pair.
    pub sip_port: Option<u16>,
    /// `audio_codecs` in preference order, e.g. `[OPUS]`; empty = every loaded codec.
    pub codecs: Vec<String>,
    pub source: AudioSource,
    /// Load the `sndfile` module (recordings of what was heard and sent).
    pub record: bool,
    /// Answer incoming calls at once (`answermode=auto`); otherwise use [`Baresip::accept`].
    pub auto_answer: bool,
    /// ctrl_tcp port; `None`: a free one.
    pub ctrl_port: Option<u16>,
    /// `-v` (debug log) and `-s` (SIP trace) into the log file. Default: whether the
    /// environment variable `BARESIP_VERBOSE` is set.
    pub verbose: bool,
    /// Extra `config` lines appended as they are.
    pub extra_config: Vec<String>,
}

impl BaresipOptions {
    /// `user` registering at `registrar`, playing 440 Hz for 60 s, recording, manual answer.
    pub fn new(user: &str, registrar: Option<SocketAddr>) -> BaresipOptions {
        BaresipOptions {
            user: user.to_string(),
            password: None,
            registrar,
            transport: SipTransport::Udp,
            sip_port: None,
            codecs: Vec::new(),
            source: AudioSource::Tone {
                freq_hz: 440.0,
                duration: Duration::from_secs(60),
            },
            record: true,
            auto_answer: false,
            ctrl_port: None,
            verbose: std::env::var_os("BARESIP_VERBOSE").is_some(),
            extra_config: Vec::new(),
        }
    }
}

/// The `config` file: headless audio, loopback only, the codecs modules, ctrl_tcp.
pub(super) fn config_text(
    o: &BaresipOptions,
    sip_port: u16,
    ctrl_port: u16,
    source: &Path,
    dir: &Path,
) -> String {
    let mut c = format!(
        "poll_method\t\tepoll\n\
         sip_listen\t\t127.0.0.1:{sip_port}\n\
         net_interface\t\t127.0.0.1\n\
         dns_server\t\t127.0.0.1:53\n\
         call_local_timeout\t120\n\
         call_max_calls\t\t4\n\
         audio_player\t\taubridge,nil\n\
         audio_source\t\taufile,{src}\n\
         audio_alert\t\taubridge,nil\n\
         ausrc_srate\t\t{rate}\n\
         auplay_srate\t\t{rate}\n\
         ausrc_channels\t\t1\n\
         auplay_channels\t\t1\n\
         audio_buffer\t\t20-160\n\
         jitter_buffer_delay\t5-10\n\
         rtcp_mux\t\tno\n\
         statmode_default\toff\n\
         module_path\t\t{MODULE_PATH}\n\
         module\t\t\tg711.so\n\
         module\t\t\tg722.so\n\
         module\t\t\topus.so\n\
         module\t\t\taubridge.so\n\
         module\t\t\taufile.so\n",
        src = source.display(),
        rate = DEVICE_RATE,
    );
    if o.record {
        c += &format!("module\t\t\tsndfile.so\nsnd_path\t\t{}\n", dir.display());
    }
    c += &format!(
        "module_tmp\t\taccount.so\n\
         module_app\t\tmenu.so\n\
         module_app\t\tctrl_tcp.so\n\
         ctrl_tcp_listen\t\t127.0.0.1:{ctrl_port}\n\
         opus_bitrate\t\t32000\n"
    );
    for line in &o.extra_config {
        c += line;
        c.push('\n');
    }
    c
}

/// The `accounts` line: AOR, credentials and registrar, answer mode, codecs.
pub(super) fn account_line(o: &BaresipOptions, sip_port: u16) -> String {
    let mut line = match o.registrar {
        Some(reg) => {
            let password = o
                .password
                .clone()
                .unwrap_or_else(|| crate::kamailio::password_for(&o.user));
            format!(
                "<sip:{user}@{reg}{tp}>;auth_pass={password};outbound=\"sip:{reg}{tp}\";regint=300",
                user = o.user,
                tp = match o.transport {
                    SipTransport::Udp => "",
                    SipTransport::Tcp => ";transport=tcp",
                },
            )
        }
        None => format!("<sip:{}@127.0.0.1:{sip_port}>;regint=0", o.user),
    };
    line += if o.auto_answer {
        ";answermode=auto"
    } else {
        ";answermode=manual"
    };
    if !o.codecs.is_empty() {
        line += ";audio_codecs=";
        line += &o.codecs.join(",");
    }
    line.push('\n');
    line
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn account_lines() {
        let mut o = BaresipOptions::new("1002", Some(([127, 0, 0, 1], 5070).into()));
        o.codecs = vec![OPUS.into(), PCMU.into()];
        o.auto_answer = true;
        assert_eq!(
            account_line(&o, 6000),
            "<sip:1002@127.0.0.1:5070>;auth_pass=secret-1002;outbound=\"sip:127.0.0.1:5070\";\
             regint=300;answermode=auto;audio_codecs=opus/48000/2,PCMU/8000/1\n"
        );
        let mut o = BaresipOptions::new("1004", Some(([127, 0, 0, 1], 5071).into()));
        o.transport = SipTransport::Tcp;
        assert_eq!(
            account_line(&o, 6000),
            "<sip:1004@127.0.0.1:5071;transport=tcp>;auth_pass=secret-1004;\
             outbound=\"sip:127.0.0.1:5071;transport=tcp\";regint=300;answermode=manual\n"
        );
        let o = BaresipOptions::new("1003", None);
        assert_eq!(
            account_line(&o, 6000),
            "<sip:1003@127.0.0.1:6000>;regint=0;answermode=manual\n"
        );
    }
}
