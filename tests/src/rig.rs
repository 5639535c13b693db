//! A call test rig: a private Kamailio, Dialtone registered there as 1001 (playing a tone as
//! its microphone and recording what it hears), and baresip peers registered as other users.
//! Every rig has its own Kamailio, SIP port, RTP port range and temp dir, so tests using it
//! run side by side.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use dialtone_api::RegistrationState;
use tempfile::TempDir;

use crate::baresip::{AudioSource, Baresip, BaresipOptions};
use crate::kamailio::{free_port, password_for, Kamailio};
use crate::phone::{wait_recording_finished, Dialtone};
use crate::tone;

/// Dialtone's account user, id and the environment variable holding its password.
pub const PHONE_USER: &str = "1001";
pub const ACCOUNT_ID: &str = "work";
const PASSWORD_ENV: &str = "DT_PW_1001";

/// How many RTP ports each rig gives Dialtone (two per call).
const RTP_PORTS: u16 = 10;
/// RTP ranges are taken from here: below the kernel's ephemeral ports (32768-60999), where
/// Kamailio, baresip's SIP/ctrl ports and the other harnesses' free ports come from.
const RTP_BASE: u16 = 20000;
const RTP_SPAN: u16 = 12000;

const REGISTER_TIMEOUT: Duration = Duration::from_secs(15);

/// How Dialtone is set up.
#[derive(Debug, Clone)]
pub struct RigOptions {
    /// `[media] codecs`, e.g. `["PCMU"]`.
    pub codecs: Vec<String>,
    /// The account's `auto_answer`: `"never"`, `"always"` or `"trusted"`.
    pub auto_answer: String,
    /// The tone Dialtone plays as its microphone (Hz).
    pub tone_hz: f64,
    /// Extra TOML appended after `[audio]` and before `[[accounts]]` (e.g. a `[calls]`
    /// table).
    pub extra_tables: String,
    /// Extra environment variables for Dialtone (webhook secrets).
    pub env: Vec<(String, String)>,
}

impl Default for RigOptions {
    fn default() -> Self {
        RigOptions {
            codecs: vec!["PCMU".to_string()],
            auto_answer: "never".to_string(),
            tone_hz: 1000.0,
            extra_tables: String::new(),
            env: Vec::new(),
        }
    }
}

/// A Kamailio and a registered Dialtone (1001) with audio files.
pub struct Rig {
    // Field order is drop order: the phone goes before the registrar.
    pub phone: Dialtone,
    pub kamailio: Kamailio,
    dir: TempDir,
    heard: PathBuf,
    config: String,
    env: Vec<(String, String)>,
}

impl Rig {
    /// Starts Kamailio and Dialtone and waits until Dialtone is registered.
    pub fn start(options: RigOptions) -> Result<Rig> {
        let kamailio = Kamailio::start()?;
        let dir = tempfile::Builder::new()
            .prefix("dialtone-rig-")
            .tempdir()
            .context("creating rig temp dir")?;
        let played = dir.path().join("dialtone-mic.wav");
        // 2 s of 1000 Hz is a whole number of periods: the looped microphone has no click.
        tone::write_tone(
            &played,
            options.tone_hz,
            Duration::from_secs(2),
            crate::baresip::DEVICE_RATE,
        )?;
        let heard = dir.path().join("dialtone-heard.wav");
        let (rtp_min, rtp_max) = free_rtp_range(RTP_PORTS)?;
        let config = phone_config(&kamailio, free_port()?, rtp_min, rtp_max, &options);
        let password = password_for(PHONE_USER);
        let mut env = vec![(PASSWORD_ENV, password.as_str())];
        env.extend(options.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut phone = Dialtone::start_with_audio(&config, &env, Some(&played), Some(&heard))?;
        phone
            .wait_registration(ACCOUNT_ID, RegistrationState::Registered, REGISTER_TIMEOUT)
            .with_context(|| format!("kamailio log:\n{}", kamailio.log_tail(30)))?;
        Ok(Rig {
            phone,
            kamailio,
            dir,
            heard,
            config,
            env: options.env.clone(),
        })
    }

    /// Kamailio's UDP address.
    pub fn registrar(&self) -> SocketAddr {
        ([127, 0, 0, 1], self.kamailio.udp_port()).into()
    }

    /// The URI through Kamailio for `user`: `sip:<user>@127.0.0.1:<kamailio port>`.
    pub fn uri_of(&self, user: &str) -> String {
        format!("sip:{user}@127.0.0.1:{}", self.kamailio.udp_port())
    }

    /// The URI that reaches Dialtone through Kamailio.
    pub fn phone_uri(&self) -> String {
        self.uri_of(PHONE_USER)
    }

    /// Starts a registered baresip peer `user` playing `tone_hz` for a minute, offering
    /// only `codec` (a baresip codec string such as [`crate::baresip::PCMU`]).
    pub fn peer(
        &self,
        user: &str,
        tone_hz: f64,
        codec: &str,
        auto_answer: bool,
    ) -> Result<Baresip> {
        let mut o = BaresipOptions::new(user, Some(self.registrar()));
        o.codecs = vec![codec.to_string()];
        o.source = AudioSource::Tone {
            freq_hz: tone_hz,
            duration: Duration::from_secs(60),
        };
        o.auto_answer = auto_answer;
        let mut b = Baresip::start(o)?;
        b.wait_registered(REGISTER_TIMEOUT)?;
        Ok(b)
    }

    /// The WAV Dialtone records what it hears into (`--audio-out`).
    pub fn heard_path(&self) -> &Path {
        &self.heard
    }

    /// Dialtone's recording once it is finalised (call over).
    pub fn heard(&self, within: Duration) -> Result<tone::Audio> {
        wait_recording_finished(&self.heard, within)?;
        tone::read_mono(&self.heard)
    }

    /// The rig's temp dir (config, tones, recordings).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The environment Dialtone needs to start with this rig's config (the password and the
    /// options' extra variables).
    pub fn phone_env(&self) -> Vec<(String, String)> {
        let mut env = vec![(PASSWORD_ENV.to_owned(), password_for(PHONE_USER))];
        env.extend(self.env.iter().cloned());
        env
    }

    /// The config Dialtone was started with.
    pub fn config(&self) -> &str {
        &self.config
    }

    /// Dialtone's and Kamailio's log tails, for error context.
    pub fn logs(&self) -> String {
        format!(
            "--- dialtone log ---\n{}\n--- kamailio log ---\n{}",
            self.phone.log_tail(60),
            self.kamailio.log_tail(30)
        )
    }
}

/// Dialtone's config: 1001 at `kamailio` over UDP, loopback only, the given RTP ports.
fn phone_config(
    kamailio: &Kamailio,
    sip_port: u16,
    rtp_min: u16,
    rtp_max: u16,
    o: &RigOptions,
) -> String {
    let codecs = o
        .codecs
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"
[sip]
listen = "127.0.0.1"
port = {sip_port}
keepalive_interval = 0

[media]
codecs = [{codecs}]
rtp_port_min = {rtp_min}
rtp_port_max = {rtp_max}

[audio]
backend = "file"

{extra}

[[accounts]]
id = "{ACCOUNT_ID}"
display_name = "Dialtone"
user = "{PHONE_USER}"
domain = "127.0.0.1:{kport}"
transport = "udp"
password_env = "{PASSWORD_ENV}"
expires = 300
auto_answer = "{auto}"
"#,
        kport = kamailio.udp_port(),
        extra = o.extra_tables,
        auto = o.auto_answer,
    )
}

/// `len` consecutive UDP ports on 127.0.0.1, all free right now, starting at an even port.
/// Different rigs of one process start at different places (a counter), different processes
/// too (the pid), and every port is checked by binding it.
pub fn free_rtp_range(len: u16) -> Result<(u16, u16)> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let slots = u32::from(RTP_SPAN / len);
    let seed = std::process::id().wrapping_mul(7919);
    for _ in 0..slots {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let slot = seed.wrapping_add(n) % slots;
        let start = RTP_BASE + (slot as u16) * len;
        let all_free = (start..start + len).all(|p| UdpSocket::bind(("127.0.0.1", p)).is_ok());
        if all_free {
            return Ok((start, start + len - 1));
        }
    }
    bail!(
        "no free run of {len} UDP ports in {RTP_BASE}..{}",
        RTP_BASE + RTP_SPAN
    )
}

/// What a recording holds: dominant frequency, fraction of power near the expected tone,
/// length.
#[derive(Debug, Clone, Copy)]
pub struct Heard {
    pub dominant_hz: f64,
    pub fraction: f64,
    pub secs: f64,
}

/// Checks that `audio` is dominated by `expected_hz` (within 10 Hz, more than 80 % of its
/// power within 30 Hz) and lasts at least `min_secs`.
pub fn assert_tone(
    who: &str,
    audio: &tone::Audio,
    expected_hz: f64,
    min_secs: f64,
) -> Result<Heard> {
    let secs = audio.duration().as_secs_f64();
    let dominant_hz = audio
        .dominant_frequency()
        .with_context(|| format!("{who} heard silence ({secs:.2} s recorded)"))?;
    let fraction = audio.power_fraction_near(expected_hz, 30.0);
    ensure!(
        (dominant_hz - expected_hz).abs() < 10.0,
        "{who} heard {dominant_hz:.1} Hz, expected {expected_hz} Hz (fraction near it {fraction:.3})"
    );
    ensure!(
        fraction > 0.8,
        "{who} heard only {fraction:.3} of its power near {expected_hz} Hz"
    );
    ensure!(secs >= min_secs, "{who} recorded only {secs:.2} s");
    Ok(Heard {
        dominant_hz,
        fraction,
        secs,
    })
}
