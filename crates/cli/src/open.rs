//! `dialtone open <uri>`: hands a `tel:`/`sip:`/`sips:`/`callto:` link to the running phone
//! (starting one in the background when none runs), where it is dialled under the
//! dial-confirmation policy for links (`[dialing] confirm_links`).

use std::path::PathBuf;
use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};

use crate::control::{self, Request};

/// How long a started phone may take to open its control socket.
const START_WITHIN: Duration = Duration::from_secs(15);
/// The longest a link may wait for the person's confirmation (`[dialing] confirm_timeout`
/// is at most 600 s), plus slack.
const ANSWER_WITHIN: Duration = Duration::from_secs(610);

pub fn run(
    uri: String,
    config: Option<PathBuf>,
    control_path: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    if !control::is_running(control_path.clone())? {
        start_phone(config, control_path.clone())?;
    }
    let reply = control::ask_within(control_path, &Request::Open { uri }, ANSWER_WITHIN)?;
    if !reply.ok {
        bail!(reply.error.unwrap_or_else(|| "refused".into()));
    }
    if let Some(call_id) = reply.result.and_then(|r| r.call_id) {
        println!("{call_id}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Starts `dialtone serve` in the background and waits until its control socket answers.
fn start_phone(config: Option<PathBuf>, control_path: Option<PathBuf>) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("cannot find the dialtone binary")?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("serve");
    if let Some(config) = &config {
        cmd.arg("--config").arg(config);
    }
    if let Some(path) = &control_path {
        cmd.arg("--control").arg(path);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().context("cannot start `dialtone serve`")?;
    let deadline = Instant::now() + START_WITHIN;
    while Instant::now() < deadline {
        if control::is_running(control_path.clone())? {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("`dialtone serve` exited ({status}) before it was ready; run it in a terminal to see why");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!(
        "`dialtone serve` did not open its control socket within {} s",
        START_WITHIN.as_secs()
    )
}
