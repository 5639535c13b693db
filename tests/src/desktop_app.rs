//! The desktop tests' rig: a private Kamailio with a baresip peer, the display, bus, tray host,
//! notification server, update endpoint and sound card of [`crate::desktop`], and the real
//! `dialtone-desktop` in a WebDriver session ([`with_app`]), with the steps the tests share.

use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};

use crate::baresip::{AudioSource, Baresip, BaresipOptions, PCMU};
use crate::browser::artifacts_dir;
use crate::desktop::{desktop_binary, missing_tools, Desktop, Session};
use crate::kamailio::{free_port, password_for, Kamailio};
use crate::notifications::Notifications;
use crate::rig::free_rtp_range;
use crate::static_server::StaticServer;
use crate::tray::Tray;

pub const PHONE_USER: &str = "1001";

pub const PEER: &str = "1003";

pub const PASSWORD_ENV: &str = "DT_DESKTOP_PW_1001";

/// Bound on the window and registration coming up.
pub const START: Duration = Duration::from_secs(45);

/// Bound on every call step.
pub const WAIT: Duration = Duration::from_secs(15);

/// A comment in the config file that saving settings from the window must keep.
pub const KEPT_COMMENT: &str = "# Written by the desktop test; settings saves keep this line.";

pub fn config(k: &Kamailio, dir: &std::path::Path, updates: &str) -> Result<String> {
    let (rtp_min, rtp_max) = free_rtp_range(10)?;
    Ok(format!(
        r#"{KEPT_COMMENT}
[sip]
listen = "127.0.0.1"
port = {sip_port}
keepalive_interval = 0

[media]
codecs = ["PCMU"]
rtp_port_min = {rtp_min}
rtp_port_max = {rtp_max}

[audio]
backend = "null"

[bridge]
enabled = false

[app]
check_updates = false
update_endpoint = "{updates}/latest.json"

[dialing]
confirm_links = true

[history]
database = "{db}"

[[accounts]]
id = "work"
display_name = "Desktop"
user = "{PHONE_USER}"
domain = "127.0.0.1:{kport}"
transport = "udp"
password_env = "{PASSWORD_ENV}"
expires = 300
"#,
        sip_port = free_port()?,
        kport = k.udp_port(),
        db = dir.join("history.db").display(),
    ))
}

pub fn peer(k: &Kamailio, auto_answer: bool) -> Result<Baresip> {
    let mut o = BaresipOptions::new(PEER, Some(([127, 0, 0, 1], k.udp_port()).into()));
    o.codecs = vec![PCMU.to_string()];
    o.source = AudioSource::Tone {
        freq_hz: 440.0,
        duration: Duration::from_secs(60),
    };
    o.auto_answer = auto_answer;
    let mut b = Baresip::start(o)?;
    b.wait_registered(WAIT)?;
    Ok(b)
}

pub fn screenshot(session: &Session, name: &str) -> Result<()> {
    let dir = artifacts_dir("desktop")?;
    let png = session.screenshot()?;
    ensure!(png.starts_with(b"\x89PNG"), "the screenshot is not a PNG");
    let path = dir.join(name);
    std::fs::write(&path, png)?;
    println!("screenshot: {}", path.display());
    Ok(())
}

/// The tone at the app's microphone.
pub const MIC_HZ: f64 = 700.0;

/// A sound card for the app made of files (there is none on a test machine): the app's
/// `$HOME/.asoundrc` makes ALSA's default capture read `mic.raw` (a [`MIC_HZ`] tone, 32-bit float
/// samples as the audio layer asks for them) and its default playback write `speaker.raw`.
/// ALSA's null device under the file plugin has no clock (four seconds record in
/// milliseconds), so this card serves the level meter and the speaker test only; calls in
/// these tests keep `backend = "null"`, and the call tests check real audio through WAV files.
pub fn sound_card(dir: &std::path::Path) -> Result<()> {
    let home = dir.join("home");
    std::fs::create_dir_all(&home)?;
    let mic: Vec<u8> = (0..48_000 * 20)
        .flat_map(|i| {
            let t = f64::from(i) / 48_000.0;
            ((0.5 * (2.0 * std::f64::consts::PI * MIC_HZ * t).sin()) as f32).to_le_bytes()
        })
        .collect();
    std::fs::write(dir.join("mic.raw"), mic)?;
    std::fs::write(
        home.join(".asoundrc"),
        format!(
            r#"pcm.!default {{
  type asym
  playback.pcm {{ type file; slave.pcm "null"; file "{out}"; format "raw" }}
  capture.pcm {{ type file; slave.pcm "null"; file "/dev/null"; infile "{mic}"; format "raw" }}
}}
"#,
            out = dir.join("speaker.raw").display(),
            mic = dir.join("mic.raw").display(),
        ),
    )?;
    Ok(())
}

/// Runs `test` against a started app (skipped when a tool is missing); on failure, saves the
/// screenshot `failure_shot` and prints the page and the logs.
pub fn with_app(
    peer_answers: bool,
    failure_shot: &str,
    test: impl FnOnce(&mut Setup) -> Result<()>,
) -> Result<()> {
    let Some(mut s) = Setup::start(peer_answers)? else {
        return Ok(());
    };
    let result = test(&mut s);
    if result.is_err() {
        s.report(failure_shot);
    }
    result
}

/// One desktop app at a time: two WebKit apps under WebDriver at once on this machine's
/// cores make the driver fail (screenshots answer 500).
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Kamailio, a baresip peer, the display and the app in a WebDriver session.
pub struct Setup {
    pub app: std::path::PathBuf,
    // Field order is drop order: the app goes first, the registrar last.
    pub session: Session,
    pub notifications: Notifications,
    pub tray: Tray,
    pub desktop: Desktop,
    pub peer: Baresip,
    pub k: Kamailio,
    /// Serves `updates/` as the update endpoint.
    pub updates: StaticServer,
    pub dir: tempfile::TempDir,
    _turn: std::sync::MutexGuard<'static, ()>,
}

impl Setup {
    /// `None` when a tool is missing (the reason is printed).
    pub fn start(peer_answers: bool) -> Result<Option<Setup>> {
        if let Some(missing) = missing_tools() {
            println!("SKIPPED desktop smoke test: not installed: {missing}");
            return Ok(None);
        }
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        let app = desktop_binary()?;
        let dir = tempfile::Builder::new()
            .prefix("dialtone-desktop-")
            .tempdir()?;
        let k = Kamailio::start()?;
        let peer = peer(&k, peer_answers)?;
        let config_path = dir.path().join("config.toml");
        let updates_dir = dir.path().join("updates");
        std::fs::create_dir_all(&updates_dir)?;
        std::fs::write(updates_dir.join("index.html"), "updates")?;
        let updates = StaticServer::start(&updates_dir)?;
        std::fs::write(&config_path, config(&k, dir.path(), &updates.origin())?)?;
        let env = vec![(PASSWORD_ENV.to_owned(), password_for(PHONE_USER))];
        sound_card(dir.path())?;
        let desktop = Desktop::start(dir.path(), &env)?;
        let notifications = Notifications::start(&desktop.bus_address)?;
        let tray = Tray::start(&desktop.bus_address)?;
        let config_arg = config_path.display().to_string();
        let session = desktop.session(&app, &["--config", &config_arg])?;
        session
            .wait_for(
                r#"[data-testid="account-state"][data-state="registered"]"#,
                START,
            )
            .context("the account never showed as registered")?;
        Ok(Some(Setup {
            app,
            session,
            notifications,
            tray,
            desktop,
            peer,
            k,
            updates,
            dir,
            _turn: turn,
        }))
    }

    /// Prints what helps to see why a test failed.
    pub fn report(&self, name: &str) {
        if let Err(e) = screenshot(&self.session, name) {
            eprintln!("no screenshot: {e:#}");
        }
        match self.session.source() {
            Ok(html) => eprintln!("--- page ---\n{html}"),
            Err(e) => eprintln!("no page source: {e:#}"),
        }
        eprintln!("--- notifications ---\n{:#?}", self.notifications.shown());
        eprintln!(
            "--- tauri-driver log ---\n{}\n--- baresip ---\n{}\n--- kamailio ---\n{}",
            self.desktop.driver_log(),
            self.peer.log_tail(30),
            self.k.log_tail(30)
        );
    }

    /// Hangs up from the main window and waits for both sides to see it.
    pub fn hang_up(&mut self) -> Result<()> {
        let hangup = self.session.wait_for(r#"[data-testid="hangup"]"#, WAIT)?;
        self.session.click(&hangup)?;
        self.session
            .wait_gone(r#"[data-testid="active-call"]"#, WAIT)?;
        self.peer
            .wait_call_closed(WAIT)
            .context("baresip never saw the hangup")?;
        Ok(())
    }

    /// Has baresip call the app and waits for the incoming-call window; its handle and the
    /// main window's.
    pub fn ring(&mut self) -> Result<(String, String)> {
        let main = self.session.window_handle()?;
        let uri = format!("sip:{PHONE_USER}@127.0.0.1:{}", self.k.udp_port());
        self.peer.dial(&uri)?;
        let mut popup = None;
        crate::desktop::wait_until(WAIT, || {
            popup = self
                .session
                .window_handles()?
                .into_iter()
                .find(|h| *h != main);
            Ok(popup.is_some())
        })
        .context("no incoming-call window")?;
        let mut info = serde_json::Value::Null;
        crate::desktop::wait_until(WAIT, || {
            info = self.session.invoke("shell_info")?;
            Ok(info["incomingWindowVisible"] == true)
        })
        .with_context(|| format!("the shell never said the popup is on screen: {info}"))?;
        Ok((main, popup.unwrap_or_default()))
    }

    /// Waits for the element matching `css` and clicks it.
    pub fn press(&self, css: &str) -> Result<()> {
        let element = self.session.wait_for(css, WAIT)?;
        self.session.click(&element)
    }

    /// Opens the settings view at `tab` (`accounts`, `audio`, `app`, ...).
    pub fn open_settings(&self, tab: &str) -> Result<()> {
        self.press(r#"[data-testid="nav-settings"]"#)?;
        self.press(&format!("#tab-{tab}"))
    }

    /// A field of `shell_info`, asked from the main window.
    pub fn shell(&self, field: &str) -> Result<serde_json::Value> {
        Ok(self.session.invoke("shell_info")?[field].clone())
    }

    /// Waits until the incoming-call window is off screen (the app hides it to reuse it),
    /// as the shell reports it to the main window.
    pub fn wait_popup_closed(&self) -> Result<()> {
        let mut last = serde_json::Value::Null;
        crate::desktop::wait_until(WAIT, || {
            last = self.session.invoke("shell_info")?;
            Ok(last["incomingWindowVisible"] == false)
        })
        .with_context(|| format!("the incoming-call window stayed open: {last}"))
    }

    /// Waits until the tray shows the icon of `state` (a file in `src-tauri/icons/tray/`).
    pub fn wait_tray_icon(&self, state: &str) -> Result<()> {
        let icon = |name: &str| {
            crate::tray::png_rgba(
                &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(format!("../src-tauri/icons/tray/{name}.png")),
            )
        };
        let expected = icon(state)?;
        let mut shown = None;
        let waited = crate::desktop::wait_until(WAIT, || {
            // A file being written now reads as a broken PNG: look again.
            let Ok(now) = self.tray.icon(WAIT) else {
                return Ok(false);
            };
            let matches = now == expected;
            shown = Some(now);
            Ok(matches)
        });
        if waited.is_ok() {
            return Ok(());
        }
        let which = ["registered", "registering", "failed", "dnd", "in_call"]
            .into_iter()
            .find(|name| icon(name).ok() == shown)
            .unwrap_or("none of the state icons");
        let name = self.tray.property("IconName", WAIT).unwrap_or_default();
        let size = shown.as_ref().map(|(w, h, px)| (*w, *h, px.len()));
        bail!(
            "the tray never showed the {state} icon within {WAIT:?}; it shows {which} \
             ({name}, {size:?})"
        )
    }

    /// Clicks the tray menu entry whose label starts with `label`.
    pub fn tray_click(&self, label: &str) -> Result<()> {
        let menu = self.tray.menu(WAIT)?;
        let entry = menu
            .find(label)
            .with_context(|| format!("no {label:?} in the tray menu: {menu:#?}"))?;
        self.tray.click(entry.id, WAIT)
    }
}

/// Signs `file` with a new key pair (not the app's) using the Tauri CLI from `ui/`; the
/// signature as an update manifest carries it.
pub fn sign_with_throwaway_key(dir: &std::path::Path, file: &std::path::Path) -> Result<String> {
    let cli =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/.bin/tauri");
    ensure!(
        cli.exists(),
        "{} is missing: run `cd ui && npm install`",
        cli.display()
    );
    let key = dir.join("throwaway.key");
    let generated = std::process::Command::new(&cli)
        .args(["signer", "generate", "--ci", "-p", "", "-w"])
        .arg(&key)
        .output()?;
    ensure!(
        generated.status.success(),
        "tauri signer generate: {}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let signed = std::process::Command::new(&cli)
        .args(["signer", "sign", "-p", "", "-f"])
        .arg(&key)
        .arg(file)
        .output()?;
    ensure!(
        signed.status.success(),
        "tauri signer sign: {}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let sig = file.with_file_name(format!(
        "{}.sig",
        file.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
    ));
    Ok(std::fs::read_to_string(sig)?.trim().to_owned())
}

/// The process id of the app started with `--config <config>` (the test's own config path
/// names it uniquely).
pub fn app_pid(config: &std::path::Path) -> Result<Option<u32>> {
    let wanted = config.display().to_string();
    for entry in std::fs::read_dir("/proc")? {
        let Ok(entry) = entry else { continue };
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let is_app = args
            .first()
            .is_some_and(|a| a.ends_with(b"dialtone-desktop"));
        if is_app && args.contains(&wanted.as_bytes()) {
            return Ok(Some(pid));
        }
    }
    Ok(None)
}
