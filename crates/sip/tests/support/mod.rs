//! Running sipp against the agent on 127.0.0.1, bounded: `-m 1`, `-timeout`, a wait with a
//! deadline, and the process killed if the test ends first.

#![allow(dead_code)]

use std::fs;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// How long one sipp call may take in all.
pub const SIPP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a test waits for one event.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A port free for UDP and TCP on 127.0.0.1 (free when this returns; sipp binds it right
/// after).
pub fn free_port() -> Result<u16> {
    for _ in 0..20 {
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        let port = socket.local_addr()?.port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    bail!("no port free for both UDP and TCP")
}

fn scenario_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/scenarios")
        .join(format!("{name}.xml"))
}

/// sipp's transport: `-t u1` (UDP) or `-t t1` (TCP, one connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Udp,
    Tcp,
}

impl Transport {
    fn flag(self) -> &'static str {
        match self {
            Transport::Udp => "u1",
            Transport::Tcp => "t1",
        }
    }
}

pub struct Sipp {
    name: String,
    dir: PathBuf,
    child: Child,
}

impl Sipp {
    /// sipp waiting to be called on `port` (its UAS scenarios), once it has bound the port.
    pub async fn uas(name: &str, port: u16) -> Result<Sipp> {
        Sipp::uas_over(name, Transport::Udp, port).await
    }

    pub async fn uas_over(name: &str, transport: Transport, port: u16) -> Result<Sipp> {
        let mut sipp = Sipp::start(name, transport, port, None).await?;
        // Wait until sipp holds the port: binding it ourselves then fails.
        for _ in 0..250 {
            let taken = match transport {
                Transport::Udp => UdpSocket::bind(("127.0.0.1", port)).is_err(),
                Transport::Tcp => std::net::TcpListener::bind(("127.0.0.1", port)).is_err(),
            };
            if taken {
                return Ok(sipp);
            }
            if let Some(status) = sipp.child.try_wait()? {
                bail!("sipp {name} exited early ({status}):\n{}", sipp.report());
            }
            tokio::time::sleep(Duration::from_millis(20)).await; // polling a port, bounded
        }
        bail!(
            "sipp {name} did not bind 127.0.0.1:{port}:\n{}",
            sipp.report()
        )
    }

    /// sipp calling `remote` from `port` (its UAC scenarios).
    pub async fn uac(name: &str, port: u16, remote: SocketAddr) -> Result<Sipp> {
        Sipp::start(name, Transport::Udp, port, Some(remote)).await
    }

    pub async fn uac_over(
        name: &str,
        transport: Transport,
        port: u16,
        remote: SocketAddr,
    ) -> Result<Sipp> {
        Sipp::start(name, transport, port, Some(remote)).await
    }

    async fn start(
        name: &str,
        transport: Transport,
        port: u16,
        remote: Option<SocketAddr>,
    ) -> Result<Sipp> {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("sipp")
            .join(format!("{name}-{}-{port}", std::process::id()));
        fs::create_dir_all(&dir)?;
        let out = fs::File::create(dir.join("sipp.out"))?;
        let err = out.try_clone()?;
        let mut cmd = Command::new("sipp");
        cmd.arg("-sf")
            .arg(scenario_path(name))
            .args([
                "-t",
                transport.flag(),
                "-i",
                "127.0.0.1",
                "-mi",
                "127.0.0.1",
            ])
            .args(["-p", &port.to_string()])
            .args(["-mp", &free_port()?.to_string()])
            .args(["-s", "alice", "-m", "1"])
            .args(["-timeout", &format!("{}s", SIPP_TIMEOUT.as_secs())])
            .args(["-timeout_error", "-nostdin"])
            .args(["-trace_msg", "-message_file", "messages.log"])
            .args(["-trace_err", "-error_file", "errors.log"])
            .args(remote.map(|r| r.to_string()))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true);
        let child = cmd.spawn().context("spawning sipp")?;
        Ok(Sipp {
            name: name.to_string(),
            dir,
            child,
        })
    }

    fn report(&self) -> String {
        let read = |f: &str| fs::read_to_string(self.dir.join(f)).unwrap_or_default();
        let out = read("sipp.out");
        let tail: Vec<&str> = out.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        format!(
            "--- sipp {} output (tail):\n{}\n--- errors:\n{}\n--- messages:\n{}",
            self.name,
            tail.join("\n"),
            read("errors.log"),
            read("messages.log")
        )
    }

    /// Waits for sipp to end; fails with its logs unless the scenario passed. Returns the
    /// messages sipp saw and sent.
    pub async fn finish(mut self) -> Result<String> {
        let limit = SIPP_TIMEOUT + Duration::from_secs(5);
        let status = match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(status) => status?,
            Err(_) => bail!(
                "sipp {} still running after {limit:?}:\n{}",
                self.name,
                self.report()
            ),
        };
        if !status.success() {
            bail!("sipp {} failed ({status}):\n{}", self.name, self.report());
        }
        Ok(self.messages())
    }

    /// The messages sipp saw and sent so far.
    pub fn messages(&self) -> String {
        fs::read_to_string(self.dir.join("messages.log")).unwrap_or_default()
    }
}

/// The next item of a channel, within [`EVENT_TIMEOUT`].
pub async fn next<T: std::fmt::Debug>(rx: &mut mpsc::Receiver<T>) -> Result<T> {
    match tokio::time::timeout(EVENT_TIMEOUT, rx.recv()).await {
        Ok(Some(item)) => Ok(item),
        Ok(None) => bail!("channel closed"),
        Err(_) => bail!("nothing within {EVENT_TIMEOUT:?}"),
    }
}

/// Whether the channel is closed (within [`EVENT_TIMEOUT`]) with nothing more in it.
pub async fn closed<T: std::fmt::Debug>(rx: &mut mpsc::Receiver<T>) -> Result<()> {
    match tokio::time::timeout(EVENT_TIMEOUT, rx.recv()).await {
        Ok(None) => Ok(()),
        Ok(Some(item)) => bail!("expected the end, got {item:?}"),
        Err(_) => bail!("channel still open after {EVENT_TIMEOUT:?}"),
    }
}
