//! A headless baresip 1.0 peer for end-to-end calls, driven over its `ctrl_tcp` interface.
//!
//! Every [`Baresip`] owns a temp dir with its own `config` and `accounts` (run with `-f dir`
//! and that dir as working dir), a log file (`baresip.log`, stdout and stderr), the tone it
//! plays and what it records. Audio is file based, since the machine has no sound card:
//!
//! - microphone: `ausrc aufile,<wav>` (mono S16LE at 48 kHz, the configured `ausrc_srate`);
//!   baresip ends the call when the file ends, so make it longer than the call.
//! - speaker: `auplay aubridge,nil`, a silent sink.
//! - recording: the `sndfile` filter writes what was decoded (`dump-<time>-dec.wav`, at the
//!   codec's rate) and what was encoded (`dump-<time>-enc.wav`) into the dir. Only decoded
//!   frames are written: a stretch without RTP leaves no gap in the file, and after a hold
//!   (either side) baresip 1.0 writes no more decoded audio for the rest of the call (its
//!   decode filters are not set up again when the hold re-INVITE restarts the player).
//!
//! The control connection is made right after start; baresip drops events sent while no
//! client is connected, so state that may predate it (registration) is polled.

mod ctrl;
mod options;

pub use ctrl::{
    parse_listcalls, parse_netstring, reginfo_says_registered, strip_ansi, BaresipEvent, CallState,
};
pub use options::{AudioSource, BaresipOptions, SipTransport, DEVICE_RATE, G722, OPUS, PCMA, PCMU};

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::tone;
use ctrl::{read_ctrl, SharedState};
use options::{account_line, config_text};

const START_TIMEOUT: Duration = Duration::from_secs(10);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
/// How often state is polled over ctrl_tcp while waiting (events wake the wait earlier).
const POLL: Duration = Duration::from_millis(200);

/// A running baresip. Killed on drop.
pub struct Baresip {
    dir: TempDir,
    options: BaresipOptions,
    sip_port: u16,
    ctrl_port: u16,
    child: Option<Child>,
    ctrl: TcpStream,
    responses: mpsc::Receiver<Value>,
    shared: SharedState,
    /// `events[..cursor]` are behind the last event a `wait_*` matched.
    cursor: usize,
    next_token: u64,
}

impl Baresip {
    /// Writes the config into a fresh temp dir, starts baresip and connects to its ctrl_tcp.
    pub fn start(options: BaresipOptions) -> Result<Baresip> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("dialtone-baresip-{}-", options.user))
            .tempdir()
            .context("creating baresip temp dir")?;
        let source = match &options.source {
            AudioSource::File(p) => p.clone(),
            AudioSource::Tone { freq_hz, duration } => {
                let p = dir.path().join("source.wav");
                tone::write_tone(&p, *freq_hz, *duration, DEVICE_RATE)?;
                p
            }
            AudioSource::Silence(duration) => {
                let p = dir.path().join("source.wav");
                tone::write_segments(&p, &[tone::Segment::silence(*duration)], DEVICE_RATE)?;
                p
            }
        };
        // Free ports are only free until someone binds them: if baresip dies at start-up
        // (e.g. its SIP port was taken meanwhile), try again with fresh ones.
        let automatic_ports = options.sip_port.is_none() || options.ctrl_port.is_none();
        let mut attempt = 0;
        let (sip_port, ctrl_port, child, ctrl) = loop {
            attempt += 1;
            let sip_port = match options.sip_port {
                Some(p) => p,
                None => free_port_pair()?,
            };
            let ctrl_port = match options.ctrl_port {
                Some(p) => p,
                None => free_tcp_port()?,
            };
            match spawn(dir.path(), &options, sip_port, ctrl_port, &source) {
                Ok((child, ctrl)) => break (sip_port, ctrl_port, child, ctrl),
                Err(e) if automatic_ports && attempt < 3 => {
                    eprintln!("baresip {} failed to start, retrying: {e:#}", options.user);
                }
                Err(e) => return Err(e),
            }
        };
        let shared: SharedState = Arc::default();
        let (tx, responses) = mpsc::channel();
        let reader = ctrl.try_clone().context("cloning ctrl socket")?;
        let shared2 = shared.clone();
        std::thread::spawn(move || read_ctrl(reader, tx, shared2));

        Ok(Baresip {
            dir,
            options,
            sip_port,
            ctrl_port,
            child: Some(child),
            ctrl,
            responses,
            shared,
            cursor: 0,
            next_token: 0,
        })
    }

    /// The SIP port (UDP and TCP).
    pub fn sip_port(&self) -> u16 {
        self.sip_port
    }

    pub fn ctrl_port(&self) -> u16 {
        self.ctrl_port
    }

    /// The process id (for CPU/memory measurements).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn user(&self) -> &str {
        &self.options.user
    }

    /// The temp dir: config, accounts, log, source WAV and recordings.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A URI that reaches this baresip directly, without a proxy: `sip:<user>@127.0.0.1:<port>`.
    pub fn direct_uri(&self) -> String {
        format!("sip:{}@127.0.0.1:{}", self.options.user, self.sip_port)
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("baresip.log")
    }

    /// Everything baresip printed so far.
    pub fn log(&self) -> String {
        fs::read(self.log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The last `n` lines of [`Baresip::log`].
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// The audio encoder and decoder of the latest call, from the log lines
    /// `audio: Set audio encoder: PCMU 8000Hz 1ch` / `... decoder: ...`, e.g.
    /// `(Some("PCMU 8000Hz 1ch"), Some("PCMU 8000Hz 1ch"))`.
    pub fn audio_codecs_in_use(&self) -> (Option<String>, Option<String>) {
        let log = strip_ansi(&self.log());
        let last = |marker: &str| {
            log.lines().rev().find_map(|l| {
                l.split_once(marker)
                    .map(|(_, rest)| rest.trim().to_string())
            })
        };
        (last("Set audio encoder: "), last("Set audio decoder: "))
    }

    /// Sends one ctrl_tcp command (`params` may be empty) and returns its `data` on success.
    pub fn command(&mut self, command: &str, params: &str) -> Result<String> {
        self.next_token += 1;
        let token = format!("t{}", self.next_token);
        let mut msg = json!({ "command": command, "token": token });
        if !params.is_empty() {
            msg["params"] = Value::String(params.to_string());
        }
        let body = msg.to_string();
        let frame = format!("{}:{},", body.len(), body);
        self.ctrl
            .write_all(frame.as_bytes())
            .with_context(|| format!("sending {command} to baresip"))?;
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let resp = self.responses.recv_timeout(left).map_err(|_| {
                anyhow!(
                    "no answer to {command} within {COMMAND_TIMEOUT:?}; log tail:\n{}",
                    self.log_tail(30)
                )
            })?;
            if resp.get("token").and_then(Value::as_str) != Some(token.as_str()) {
                continue; // an answer to an earlier command that timed out
            }
            let data = resp
                .get("data")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if resp.get("ok").and_then(Value::as_bool) == Some(true) {
                return Ok(data);
            }
            bail!("baresip refused {command} {params}: {}", data.trim());
        }
    }

    /// Places a call to `uri` (e.g. `sip:1003@127.0.0.1:5060`).
    pub fn dial(&mut self, uri: &str) -> Result<()> {
        self.command("dial", uri).map(drop)
    }

    /// Answers the incoming call.
    pub fn accept(&mut self) -> Result<()> {
        self.command("accept", "").map(drop)
    }

    /// Hangs up the current call (an unanswered incoming call is rejected).
    pub fn hangup(&mut self) -> Result<()> {
        self.command("hangup", "").map(drop)
    }

    /// Puts the current call on hold (re-INVITE with `a=sendonly`).
    pub fn hold(&mut self) -> Result<()> {
        self.command("hold", "").map(drop)
    }

    /// Takes the current call off hold (re-INVITE with `a=sendrecv`).
    pub fn resume(&mut self) -> Result<()> {
        self.command("resume", "").map(drop)
    }

    /// Sends DTMF digits (RFC 4733), one `sndcode` each.
    pub fn send_dtmf(&mut self, digits: &str) -> Result<()> {
        for d in digits.chars() {
            self.command("sndcode", &d.to_string())?;
        }
        Ok(())
    }

    /// Current calls, from `listcalls`.
    pub fn calls(&mut self) -> Result<Vec<CallState>> {
        let out = self.command("listcalls", "")?;
        Ok(parse_listcalls(&out))
    }

    /// `reginfo` text (registration state per user agent).
    pub fn reginfo(&mut self) -> Result<String> {
        self.command("reginfo", "")
    }

    /// Every event received so far.
    pub fn events(&self) -> Vec<BaresipEvent> {
        self.shared
            .0
            .lock()
            .map(|s| s.events.clone())
            .unwrap_or_default()
    }

    /// The DTMF digits received so far (`CALL_DTMF_START` events), in order.
    pub fn dtmf_received(&self) -> String {
        self.events()
            .iter()
            .filter(|e| e.kind == "CALL_DTMF_START")
            .filter_map(|e| e.param.clone())
            .collect()
    }

    /// Waits until the digits received so far contain `digits`; returns all received.
    pub fn wait_dtmf(&mut self, digits: &str, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.dtmf_received();
            if got.contains(digits) {
                return Ok(got);
            }
            if Instant::now() >= deadline {
                bail!("DTMF {digits:?} not received within {timeout:?} (got {got:?})");
            }
            self.wait_for_news(deadline);
        }
    }

    /// Waits until the account is registered (polls `reginfo`, or a `REGISTER_OK` event).
    pub fn wait_registered(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.events().iter().any(|e| e.kind == "REGISTER_OK") {
                return Ok(());
            }
            let info = self.reginfo()?;
            if reginfo_says_registered(&info) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "{} not registered within {timeout:?}; reginfo: {info}\nlog tail:\n{}",
                    self.options.user,
                    self.log_tail(30)
                );
            }
            self.wait_for_news(deadline.min(Instant::now() + POLL));
        }
    }

    /// Waits for an incoming call (`CALL_INCOMING`, or `listcalls` shows one); returns the
    /// caller's URI.
    pub fn wait_incoming(&mut self, timeout: Duration) -> Result<String> {
        let ev = self.wait_state(&["CALL_INCOMING"], &["INCOMING"], timeout)?;
        Ok(ev.peer_uri.unwrap_or_default())
    }

    /// Waits until a call is established (`CALL_ESTABLISHED`, or `listcalls`).
    pub fn wait_call_established(&mut self, timeout: Duration) -> Result<()> {
        self.wait_state(&["CALL_ESTABLISHED"], &["ESTABLISHED"], timeout)
            .map(drop)
    }

    /// Waits until the call ends (`CALL_CLOSED`); returns its reason, e.g.
    /// `"Connection reset by peer"` or `"486 Busy Here"`.
    pub fn wait_call_closed(&mut self, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(ev) = self.take_event(&["CALL_CLOSED"]) {
                return Ok(ev.param.unwrap_or_default());
            }
            // A call that closed before the control connection existed shows only in listcalls.
            let calls = self.calls()?;
            if calls.is_empty() {
                if let Some(ev) = self.take_event(&["CALL_CLOSED"]) {
                    return Ok(ev.param.unwrap_or_default());
                }
                if !self.any_call_event_since_cursor() {
                    return Ok(String::new());
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "call of {} not closed within {timeout:?}; calls {calls:?}\nlog tail:\n{}",
                    self.options.user,
                    self.log_tail(30)
                );
            }
            self.wait_for_news(deadline.min(Instant::now() + POLL));
        }
    }

    /// Waits for the next event (after the last one a `wait_*` matched) whose type is one of
    /// `kinds`.
    pub fn wait_event(&mut self, kinds: &[&str], timeout: Duration) -> Result<BaresipEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(ev) = self.take_event(kinds) {
                return Ok(ev);
            }
            if Instant::now() >= deadline {
                bail!(
                    "no {kinds:?} event within {timeout:?}; events: {:?}",
                    self.events().iter().map(|e| &e.kind).collect::<Vec<_>>()
                );
            }
            self.wait_for_news(deadline);
        }
    }

    /// The recordings of what this peer heard (`dump-*-dec.wav`), oldest first. Files of
    /// calls that started within the same second share a name (the later one wins).
    pub fn recordings(&self) -> Vec<PathBuf> {
        self.dumps("-dec.wav")
    }

    /// The recordings of what this peer sent (`dump-*-enc.wav`), oldest first.
    pub fn sent_recordings(&self) -> Vec<PathBuf> {
        self.dumps("-enc.wav")
    }

    /// The newest recording of what this peer heard, once baresip has closed it (its WAV
    /// header is only completed when the call's audio is torn down).
    pub fn finished_recording(&self, timeout: Duration) -> Result<PathBuf> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(p) = self.recordings().pop() {
                if tone::wav_is_complete(&p) {
                    return Ok(p);
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "no finished recording in {} within {timeout:?} (found {:?})",
                    self.dir().display(),
                    self.recordings()
                );
            }
            // Polling a file that another process finishes, not synchronising threads.
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM (baresip unregisters and exits), bounded wait, then SIGKILL.
    pub fn stop(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if child.try_wait().context("polling baresip")?.is_some() {
            return Ok(());
        }
        let pid = child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", &pid])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if child.try_wait().context("polling baresip")?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20)); // polling a child's exit
        }
        // Not reaped yet, so the pid (= process group id) cannot have been reused.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = child.kill();
        child.wait().context("waiting for killed baresip")?;
        Ok(())
    }

    fn dumps(&self, suffix: &str) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(self.dir())
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("dump-") && n.ends_with(suffix))
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Waits for an event of `kinds`, or for `listcalls` to show a call in one of `states`.
    fn wait_state(
        &mut self,
        kinds: &[&str],
        states: &[&str],
        timeout: Duration,
    ) -> Result<BaresipEvent> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(ev) = self.take_event(kinds) {
                return Ok(ev);
            }
            let calls = self.calls()?;
            if let Some(c) = calls.iter().find(|c| states.contains(&c.state.as_str())) {
                // Events are sent before later command answers: if one exists it is here now.
                if let Some(ev) = self.take_event(kinds) {
                    return Ok(ev);
                }
                return Ok(BaresipEvent {
                    kind: kinds.first().copied().unwrap_or_default().to_string(),
                    class: "call".to_string(),
                    param: Some(c.peer_uri.clone()),
                    peer_uri: Some(c.peer_uri.clone()),
                    call_id: None,
                    json: Value::Null,
                });
            }
            if Instant::now() >= deadline {
                bail!(
                    "{} saw no {kinds:?} within {timeout:?}; calls {calls:?}; events {:?}\nlog tail:\n{}",
                    self.options.user,
                    self.events().iter().map(|e| &e.kind).collect::<Vec<_>>(),
                    self.log_tail(30)
                );
            }
            self.wait_for_news(deadline.min(Instant::now() + POLL));
        }
    }

    /// The first event at or after the cursor whose kind is in `kinds`; moves the cursor past it.
    fn take_event(&mut self, kinds: &[&str]) -> Option<BaresipEvent> {
        let guard = self.shared.0.lock().ok()?;
        let start = self.cursor.min(guard.events.len());
        let i = guard.events[start..]
            .iter()
            .position(|e| kinds.contains(&e.kind.as_str()))?;
        self.cursor = start + i + 1;
        Some(guard.events[start + i].clone())
    }

    fn any_call_event_since_cursor(&self) -> bool {
        self.shared.0.lock().is_ok_and(|g| {
            g.events[self.cursor.min(g.events.len())..]
                .iter()
                .any(|e| e.kind.starts_with("CALL_"))
        })
    }

    /// Blocks until a new event arrives or `until` passes.
    fn wait_for_news(&self, until: Instant) {
        let (lock, cvar) = &*self.shared;
        let Ok(guard) = lock.lock() else { return };
        let seen = guard.events.len();
        let left = until.saturating_duration_since(Instant::now());
        if guard.closed || left.is_zero() {
            return;
        }
        let _ = cvar.wait_timeout_while(guard, left, |s| s.events.len() == seen && !s.closed);
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        let _ = self.ctrl.shutdown(std::net::Shutdown::Both);
        let _ = self.stop();
    }
}

/// Writes `config` and `accounts`, starts baresip in `dir` and connects to its ctrl_tcp.
fn spawn(
    dir: &Path,
    options: &BaresipOptions,
    sip_port: u16,
    ctrl_port: u16,
    source: &Path,
) -> Result<(Child, TcpStream)> {
    fs::write(
        dir.join("config"),
        config_text(options, sip_port, ctrl_port, source, dir),
    )
    .context("writing baresip config")?;
    fs::write(dir.join("accounts"), account_line(options, sip_port))
        .context("writing baresip accounts")?;
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("baresip.log"))
        .context("opening baresip.log")?;
    let log2 = log.try_clone().context("cloning log handle")?;
    let mut cmd = Command::new("baresip");
    cmd.arg("-f").arg(dir);
    if options.verbose {
        cmd.args(["-v", "-s"]);
    }
    let mut child = cmd
        .current_dir(dir)
        .env("HOME", dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .process_group(0)
        .spawn()
        .context("spawning baresip (is it installed?)")?;
    match connect_ctrl(&mut child, ctrl_port) {
        Ok(s) => Ok((child, s)),
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            let log = fs::read_to_string(dir.join("baresip.log")).unwrap_or_default();
            Err(e.context(format!("baresip log:\n{log}")))
        }
    }
}

fn connect_ctrl(child: &mut Child, port: u16) -> Result<TcpStream> {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().context("polling baresip")? {
            bail!("baresip exited during start-up ({status})");
        }
        if let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            s.set_nodelay(true).ok();
            return Ok(s);
        }
        if Instant::now() >= deadline {
            bail!("baresip ctrl_tcp not listening on {addr} after {START_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20)); // polling a port another process opens
    }
}

/// A port `p` with UDP and TCP free on `p` and `p + 1` (baresip's SIP and TLS ports).
fn free_port_pair() -> Result<u16> {
    for _ in 0..100 {
        let tcp = TcpListener::bind("127.0.0.1:0").context("binding a TCP port")?;
        let p = tcp.local_addr()?.port();
        if p == u16::MAX {
            continue;
        }
        let ok = UdpSocket::bind(("127.0.0.1", p)).is_ok()
            && TcpListener::bind(("127.0.0.1", p + 1)).is_ok()
            && UdpSocket::bind(("127.0.0.1", p + 1)).is_ok();
        if ok {
            return Ok(p);
        }
    }
    bail!("no pair of free loopback ports")
}

fn free_tcp_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("binding a TCP port")?;
    Ok(l.local_addr()?.port())
}
