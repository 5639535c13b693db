//! Running sipp (and other helper processes) with a hard deadline.

use std::fs;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// Runs a command with a hard deadline; stdout and stderr go to `dir/<name>.out`, whose text
/// is returned with the exit status.
pub fn run_bounded(
    mut cmd: Command,
    dir: &Path,
    name: &str,
    limit: Duration,
) -> Result<(ExitStatus, String)> {
    let out_path = dir.join(format!("{name}.out"));
    let out = fs::File::create(&out_path).context("creating output file")?;
    let err = out.try_clone().context("cloning output file")?;
    let mut child = cmd
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .with_context(|| format!("spawning {name}"))?;
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{name} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20)); // polling a child's exit, not synchronising
    };
    let text = String::from_utf8_lossy(&fs::read(&out_path)?).into_owned();
    Ok((status, text))
}

/// The outcome of one sipp run: whether the scenario passed, and what it printed and traced.
pub struct SippRun {
    pub ok: bool,
    pub report: String,
}

/// One sipp run: scenario `xml` over `transport` (sipp's `-t`: `u1` UDP, `t1` TCP) from
/// `local_ip:local_port`, once, against `remote` (none for a scenario that waits to be
/// called), with a `timeout` for the whole call.
pub struct Scenario<'a> {
    pub name: &'a str,
    pub xml: &'a str,
    pub transport: &'a str,
    pub local_ip: &'a str,
    pub local_port: u16,
    pub remote: Option<&'a str>,
    pub timeout: Duration,
}

/// Runs `scenario` in `dir`, where sipp's logs stay for the report.
pub fn run_scenario(dir: &Path, scenario: &Scenario) -> Result<SippRun> {
    let Scenario {
        name,
        xml,
        transport,
        local_ip,
        local_port,
        remote,
        timeout,
    } = *scenario;
    let file = format!("{name}.xml");
    fs::write(dir.join(&file), xml)?;
    let mut cmd = Command::new("sipp");
    cmd.args([
        "-sf", &file, "-t", transport, "-i", local_ip, "-mi", local_ip,
    ])
    .args(["-p", &local_port.to_string()])
    .args([
        "-m",
        "1",
        "-timeout",
        &format!("{}s", timeout.as_secs().max(1)),
        "-timeout_error",
        "-nostdin",
    ])
    .args([
        "-trace_msg",
        "-trace_err",
        "-message_file",
        &format!("{name}.messages.log"),
    ])
    .args(["-error_file", &format!("{name}.errors.log")])
    .args(remote);
    let (status, out) = run_bounded(cmd, dir, name, timeout + Duration::from_secs(10))?;
    let messages = fs::read_to_string(dir.join(format!("{name}.messages.log"))).unwrap_or_default();
    let errors = fs::read_to_string(dir.join(format!("{name}.errors.log"))).unwrap_or_default();
    let tail: Vec<&str> = out
        .lines()
        .rev()
        .take(25)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Ok(SippRun {
        ok: status.success(),
        report: format!(
            "sipp {name} ({status}):\n{}\n--- errors:\n{errors}\n--- messages:\n{messages}",
            tail.join("\n")
        ),
    })
}
