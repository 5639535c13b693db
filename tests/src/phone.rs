//! Runs the real `dialtone serve --events` binary and reads its events.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use dialtone_api::{Envelope, Event, RegistrationChanged, RegistrationState, Status};

/// The `dialtone` binary: `$DIALTONE_BIN`, else next to the test executable's `deps/`.
pub fn binary() -> anyhow::Result<PathBuf> {
    if let Ok(path) = std::env::var("DIALTONE_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test executable has no parent directory")?;
    let bin = dir.join("dialtone");
    if !bin.exists() {
        bail!(
            "{} not built: run `cargo build -p dialtone-cli` first (scripts/test.sh does)",
            bin.display()
        );
    }
    Ok(bin)
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
        let dir = tempfile::tempdir()?;
        let config_path = dir.path().join("config.toml");
        std::fs::write(&config_path, config)?;
        let mut cmd = Command::new(binary()?);
        cmd.args(["serve", "--events", "--config"])
            .arg(&config_path)
            .arg("--control")
            .arg(dir.path().join("control.sock"))
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

impl Drop for Dialtone {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
