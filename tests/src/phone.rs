//! Runs the real `dialtone serve --events` binary, reads its events and drives it over its
//! control socket (JSON lines) or its command-line client.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use dialtone_api::{
    CallAnswered, CallEnded, CallHold, CallId, CallIncoming, CommandResult, Envelope, Event,
    RegistrationChanged, RegistrationState, Status,
};
use serde_json::Value;

/// How long a control request may take before the harness gives up on it.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);

/// The `dialtone` binary: `$DIALTONE_BIN`, else next to the test executable's `deps/`.
pub fn binary() -> anyhow::Result<PathBuf> {
    built_binary(
        "DIALTONE_BIN",
        "dialtone",
        "run `cargo build -p dialtone-cli` first (scripts/test.sh does)",
    )
}

/// A binary of the workspace: `$<env_var>`, else `name` beside the test executable's `deps/`
/// (the target directory the tests were built in); `hint` says how to build it.
pub fn built_binary(env_var: &str, name: &str, hint: &str) -> anyhow::Result<PathBuf> {
    if let Ok(path) = std::env::var(env_var) {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test executable has no parent directory")?;
    let bin = dir.join(name);
    if !bin.exists() {
        bail!("{} not built: {hint}", bin.display());
    }
    Ok(bin)
}

/// Keeps parallel test phones apart: unless the test's config says otherwise, no bridge
/// (its fixed default port would clash) and a history database in the phone's own folder.
fn isolated(config: &str, dir: &Path) -> String {
    let mut text = config.to_owned();
    if !config.contains("[bridge]") {
        text.push_str("\n[bridge]\nenabled = false\n");
    }
    if !config.contains("[history]") {
        text.push_str(&format!(
            "\n[history]\ndatabase = \"{}\"\n",
            dir.join("dialtone.db").display()
        ));
    }
    text
}

/// A running `dialtone serve`, killed on drop.
pub struct Dialtone {
    child: Option<Child>,
    events: mpsc::Receiver<Envelope>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    dir: tempfile::TempDir,
    seen: Vec<Envelope>,
    /// `seen[..cursor]` is behind the last matched event.
    cursor: usize,
}

impl Dialtone {
    /// Starts `dialtone serve --events` with `config` (TOML text) and extra environment
    /// variables (passwords).
    pub fn start(config: &str, env: &[(&str, &str)]) -> anyhow::Result<Dialtone> {
        Dialtone::start_with_args(config, env, &[])
    }

    /// Like [`Dialtone::start`], with `--audio-in <input>` (the microphone, a WAV played in a
    /// loop) and `--audio-out <output>` (a WAV recording of what is heard).
    pub fn start_with_audio(
        config: &str,
        env: &[(&str, &str)],
        input: Option<&Path>,
        output: Option<&Path>,
    ) -> anyhow::Result<Dialtone> {
        let mut args: Vec<OsString> = Vec::new();
        if let Some(p) = input {
            args.push("--audio-in".into());
            args.push(p.into());
        }
        if let Some(p) = output {
            args.push("--audio-out".into());
            args.push(p.into());
        }
        Dialtone::start_with_args(config, env, &args)
    }

    /// Like [`Dialtone::start`], with extra arguments after `serve`'s own.
    pub fn start_with_args(
        config: &str,
        env: &[(&str, &str)],
        extra: &[OsString],
    ) -> anyhow::Result<Dialtone> {
        let dir = tempfile::tempdir()?;
        let config_path = dir.path().join("config.toml");
        std::fs::write(&config_path, isolated(config, dir.path()))?;
        let mut cmd = Command::new(binary()?);
        cmd.args(["serve", "--events", "--config"])
            .arg(&config_path)
            .arg("--control")
            .arg(dir.path().join("control.sock"))
            .args(extra)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().context("cannot start dialtone")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let (tx, events) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                match serde_json::from_str::<Envelope>(&line) {
                    Ok(env) => {
                        if tx.send(env).is_err() {
                            return;
                        }
                    }
                    Err(e) => eprintln!("dialtone printed a non-event line ({e}): {line}"),
                }
            }
        });
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let log_writer = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut l) = log_writer.lock() {
                    l.push_str(&line);
                    l.push('\n');
                }
            }
        });
        Ok(Dialtone {
            child: Some(child),
            events,
            stderr: log,
            dir,
            seen: Vec::new(),
            cursor: 0,
        })
    }

    /// `dialtone <args> --config <this phone's config>`: a tool working beside the running
    /// phone (history, token, pair, webhook). Fails unless it succeeds; gives its stdout.
    pub fn tool(&self, args: &[&str]) -> anyhow::Result<String> {
        let out = Command::new(binary()?)
            .args(args)
            .arg("--config")
            .arg(self.dir.path().join("config.toml"))
            .output()?;
        if !out.status.success() {
            bail!(
                "dialtone {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8(out.stdout)?)
    }

    /// The phone's own folder (config, control socket, history database).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Everything the process wrote on stderr so far (its log).
    pub fn log(&self) -> String {
        self.stderr.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Every event seen so far.
    pub fn seen(&self) -> &[Envelope] {
        &self.seen
    }

    /// Waits for the next `registration.changed` of `account` in `state`, at most `within`.
    pub fn wait_registration(
        &mut self,
        account: &str,
        state: RegistrationState,
        within: Duration,
    ) -> anyhow::Result<RegistrationChanged> {
        let found = self.wait_for(within, |e| match &e.event {
            Event::RegistrationChanged(r) => r.account_id == account && r.state == state,
            #[allow(unreachable_patterns)]
            _ => false,
        })?;
        match found.event {
            Event::RegistrationChanged(r) => Ok(r),
            #[allow(unreachable_patterns)]
            _ => bail!("unexpected event"),
        }
    }

    /// Waits for an event matching `pred`, at most `within`.
    pub fn wait_for(
        &mut self,
        within: Duration,
        pred: impl Fn(&Envelope) -> bool,
    ) -> anyhow::Result<Envelope> {
        // Search from just after the last match first: an event that arrived while the test
        // waited for another one is still found.
        if let Some(i) = self.seen[self.cursor..].iter().position(&pred) {
            self.cursor += i + 1;
            return Ok(self.seen[self.cursor - 1].clone());
        }
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(env) => {
                    self.seen.push(env.clone());
                    if pred(&env) {
                        self.cursor = self.seen.len();
                        return Ok(env);
                    }
                }
                Err(_) => bail!(
                    "no matching event within {within:?}; events seen: {}\n--- dialtone log ---\n{}",
                    self.describe_seen(),
                    self.log()
                ),
            }
        }
    }

    /// Registration states of `account` seen so far, in order.
    pub fn states_of(&self, account: &str) -> Vec<RegistrationState> {
        self.seen
            .iter()
            .filter_map(|e| match &e.event {
                Event::RegistrationChanged(r) if r.account_id == account => Some(r.state),
                _ => None,
            })
            .collect()
    }

    fn describe_seen(&self) -> String {
        self.seen
            .iter()
            .filter_map(|e| serde_json::to_string(e).ok())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// `dialtone status --json` against this instance.
    pub fn status(&self) -> anyhow::Result<Status> {
        let out = Command::new(binary()?)
            .args(["status", "--json", "--control"])
            .arg(self.dir.path().join("control.sock"))
            .output()?;
        if !out.status.success() {
            bail!(
                "dialtone status failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    }

    /// The control socket path (for running other `dialtone` subcommands).
    pub fn control_socket(&self) -> PathBuf {
        self.dir.path().join("control.sock")
    }

    /// Sends one command over the control socket (`{"request":"execute","command":...}`) and
    /// returns its result; an `ok: false` answer is an error carrying the phone's message.
    pub fn command(&self, command: dialtone_api::Command) -> anyhow::Result<CommandResult> {
        let request = serde_json::json!({ "request": "execute", "command": command });
        let answer = self.control_request(&request)?;
        if answer.get("ok").and_then(Value::as_bool) != Some(true) {
            bail!(
                "dialtone refused {}: {}",
                serde_json::to_string(&command)?,
                answer
                    .get("error")
                    .and_then(Value::as_str)
                    .unwrap_or("(no error text)")
            );
        }
        match answer.get("result") {
            Some(r) if !r.is_null() => Ok(serde_json::from_value(r.clone())?),
            _ => Ok(CommandResult::default()),
        }
    }

    /// Places a call to `to` (a number or URI) from the first registered account; returns
    /// the new call's id.
    pub fn dial(&self, to: &str) -> anyhow::Result<CallId> {
        let result = self.command(dialtone_api::Command::Dial {
            to: to.to_string(),
            account_id: None,
        })?;
        result
            .call_id
            .with_context(|| format!("call.dial {to} answered without a callId"))
    }

    /// One JSON request line on the control socket, one JSON answer line back.
    fn control_request(&self, request: &Value) -> anyhow::Result<Value> {
        let path = self.control_socket();
        let mut stream = UnixStream::connect(&path)
            .with_context(|| format!("connecting to {}", path.display()))?;
        stream.set_read_timeout(Some(CONTROL_TIMEOUT))?;
        stream.set_write_timeout(Some(CONTROL_TIMEOUT))?;
        let mut line = serde_json::to_string(request)?;
        line.push('\n');
        stream.write_all(line.as_bytes())?;
        let mut answer = String::new();
        BufReader::new(stream)
            .read_line(&mut answer)
            .with_context(|| format!("no answer to {line}"))?;
        serde_json::from_str(&answer).with_context(|| format!("unreadable answer {answer:?}"))
    }

    /// Runs `dialtone <args> --control <this instance's socket>` (e.g. `["call", "answer",
    /// id]`, `["dtmf", id, "1#5"]`); an error unless it exits 0.
    pub fn cli(&self, args: &[&str]) -> anyhow::Result<Output> {
        let out = Command::new(binary()?)
            .args(args)
            .arg("--control")
            .arg(self.control_socket())
            .stdin(Stdio::null())
            .output()
            .context("running the dialtone client")?;
        if !out.status.success() {
            bail!(
                "`dialtone {}` failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(out)
    }

    /// Waits for the next event named `name` (`call.answered`, ...) about `call_id` (any call
    /// when `None`), at most `within`.
    pub fn wait_call_event(
        &mut self,
        name: &str,
        call_id: Option<&str>,
        within: Duration,
    ) -> anyhow::Result<Event> {
        let env = self.wait_for(within, |e| {
            e.event.name() == name && call_id.is_none_or(|id| e.event.call_id() == Some(id))
        })?;
        Ok(env.event)
    }

    /// Like [`Dialtone::wait_call_event`], but an event seen earlier counts too, wherever it
    /// is (for events whose order is not fixed, e.g. the `call.answered` of a waiting call
    /// and the `call.held` of the call it puts on hold). Leaves the cursor alone if found.
    pub fn wait_call_event_unordered(
        &mut self,
        name: &str,
        call_id: &str,
        within: Duration,
    ) -> anyhow::Result<Event> {
        let seen = self
            .seen
            .iter()
            .find(|e| e.event.name() == name && e.event.call_id() == Some(call_id));
        match seen {
            Some(e) => Ok(e.event.clone()),
            None => self.wait_call_event(name, Some(call_id), within),
        }
    }

    /// Checks that no event named `name` about `call_id` arrives within `within` (e.g. the
    /// call stays up for its talk time); an error if one does.
    pub fn expect_no_call_event(
        &mut self,
        name: &str,
        call_id: &str,
        within: Duration,
    ) -> anyhow::Result<()> {
        match self.wait_call_event(name, Some(call_id), within) {
            Ok(ev) => bail!(
                "unexpected {name} within {within:?}: {}\n--- dialtone log ---\n{}",
                serde_json::to_string(&ev).unwrap_or_default(),
                self.log_tail(40)
            ),
            Err(_) => Ok(()),
        }
    }

    /// Waits for the next `call.incoming` (any call).
    pub fn wait_incoming(&mut self, within: Duration) -> anyhow::Result<CallIncoming> {
        match self.wait_call_event("call.incoming", None, within)? {
            Event::CallIncoming(e) => Ok(e),
            other => bail!("expected call.incoming, got {other:?}"),
        }
    }

    /// Waits for `call.answered` of `call_id`.
    pub fn wait_answered(
        &mut self,
        call_id: &str,
        within: Duration,
    ) -> anyhow::Result<CallAnswered> {
        match self.wait_call_event("call.answered", Some(call_id), within)? {
            Event::CallAnswered(e) => Ok(e),
            other => bail!("expected call.answered, got {other:?}"),
        }
    }

    /// Waits for `call.held` (`resumed == false`) or `call.resumed` of `call_id`.
    pub fn wait_hold(
        &mut self,
        call_id: &str,
        resumed: bool,
        within: Duration,
    ) -> anyhow::Result<CallHold> {
        let name = if resumed { "call.resumed" } else { "call.held" };
        match self.wait_call_event(name, Some(call_id), within)? {
            Event::CallHeld(e) | Event::CallResumed(e) => Ok(e),
            other => bail!("expected {name}, got {other:?}"),
        }
    }

    /// Waits for `call.ended` of `call_id`.
    pub fn wait_ended(&mut self, call_id: &str, within: Duration) -> anyhow::Result<CallEnded> {
        match self.wait_call_event("call.ended", Some(call_id), within)? {
            Event::CallEnded(e) => Ok(e),
            other => bail!("expected call.ended, got {other:?}"),
        }
    }

    /// Every event seen so far about `call_id`, in order.
    pub fn events_of(&self, call_id: &str) -> Vec<Event> {
        self.seen
            .iter()
            .filter(|e| e.event.call_id() == Some(call_id))
            .map(|e| e.event.clone())
            .collect()
    }

    /// The names of the events seen so far about `call_id`, in order.
    pub fn event_names_of(&self, call_id: &str) -> Vec<&'static str> {
        self.seen
            .iter()
            .filter(|e| e.event.call_id() == Some(call_id))
            .map(|e| e.event.name())
            .collect()
    }

    /// The last `n` lines of [`Dialtone::log`].
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    /// SIGTERM, then waits (bounded) for a clean exit, collecting the last events.
    pub fn stop(&mut self, within: Duration) -> anyhow::Result<ExitStatus> {
        let Some(mut child) = self.child.take() else {
            bail!("already stopped")
        };
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status()?;
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = child.try_wait()? {
                while let Ok(env) = self.events.recv_timeout(Duration::from_millis(200)) {
                    self.seen.push(env);
                }
                return Ok(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                bail!("dialtone did not exit within {within:?}\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(20)); // polling a child's exit, not synchronising
        }
    }
}

impl Dialtone {
    /// Kills the process outright (SIGKILL): a crash, with no chance to clean up.
    pub fn kill(&mut self) -> anyhow::Result<ExitStatus> {
        let Some(mut child) = self.child.take() else {
            bail!("already stopped")
        };
        child.kill()?;
        Ok(child.wait()?)
    }
}

impl Drop for Dialtone {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits until the WAV at `path` is complete (its RIFF size matches the file, its data
/// reads) and has stopped growing: the phone finalises a recording when the call's audio
/// stream closes, shortly after `call.ended`.
pub fn wait_recording_finished(path: &Path, within: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + within;
    let mut last_len: Option<u64> = None;
    loop {
        let len = std::fs::metadata(path).map(|m| m.len()).ok();
        if let Some(len) = len {
            if last_len == Some(len) && crate::tone::wav_is_complete(path) {
                return Ok(());
            }
        }
        last_len = len;
        if Instant::now() >= deadline {
            bail!(
                "recording {} not finished within {within:?} (size {len:?})",
                path.display()
            );
        }
        // Polling a file that another process writes, not synchronising threads.
        std::thread::sleep(Duration::from_millis(200));
    }
}
