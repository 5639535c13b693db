//! The control socket: a Unix socket (mode 0600 in a 0700 directory) over which `dialtone
//! status` and friends talk to a running `dialtone serve`. One JSON request per line, one
//! JSON answer per line.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use dialtone_api::{Command, CommandResult, DialSource, DialSourceKind, Status};
use dialtone_engine::{DialRequest, EngineError, Phone};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::net::UnixListener;
use tokio::task::JoinHandle;
use tracing::{debug, warn};

/// Longest request line accepted.
const MAX_REQUEST: usize = 64 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub(crate) enum Request {
    Status,
    Execute {
        command: Command,
    },
    /// A `tel:`/`sip:`/`sips:`/`callto:` link (or a number) handed over by `dialtone open`:
    /// dialled under the dial-confirmation policy for links.
    Open {
        uri: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Reply {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<CommandResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub fn socket_path(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path);
    }
    let dir = match directories::BaseDirs::new()
        .and_then(|d| d.runtime_dir().map(|p| p.join("dialtone")))
    {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!(
            "dialtone-{}",
            std::env::var("USER").unwrap_or_else(|_| "user".into())
        )),
    };
    Ok(dir.join("control.sock"))
}

pub async fn serve(phone: Phone, path: PathBuf) -> anyhow::Result<JoinHandle<()>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    if UnixStream::connect(&path).is_ok() {
        bail!(
            "another dialtone is already running (control socket {} answers)",
            path.display()
        );
    }
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)
        .with_context(|| format!("cannot bind control socket {}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot restrict {}", path.display()))?;
    debug!(socket = %path.display(), "control socket ready");
    Ok(tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(handle(phone.clone(), stream));
                }
                Err(e) => {
                    warn!(error = %e, "control socket accept failed");
                    return;
                }
            }
        }
    }))
}

async fn handle(phone: Phone, stream: tokio::net::UnixStream) {
    let (read, mut write) = stream.into_split();
    let mut lines = tokio::io::BufReader::new(read.take(MAX_REQUEST as u64)).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let reply = match serde_json::from_str::<Request>(&line) {
            Ok(Request::Status) => Reply {
                ok: true,
                status: Some(phone.status()),
                result: None,
                error: None,
            },
            Ok(Request::Execute { command }) => outcome(phone.execute(command).await),
            Ok(Request::Open { uri }) => {
                let source = DialSource::new(DialSourceKind::Link);
                outcome(phone.request_dial(DialRequest::new(uri, source)).await)
            }
            Err(e) => Reply {
                ok: false,
                status: None,
                result: None,
                error: Some(format!("bad request: {e}")),
            },
        };
        let Ok(mut text) = serde_json::to_string(&reply) else {
            return;
        };
        text.push('\n');
        if write.write_all(text.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn outcome(result: Result<CommandResult, EngineError>) -> Reply {
    match result {
        Ok(result) => Reply {
            ok: true,
            status: None,
            result: Some(result),
            error: None,
        },
        Err(e) => Reply {
            ok: false,
            status: None,
            result: None,
            error: Some(e.to_string()),
        },
    }
}

use tokio::io::AsyncReadExt as _;

/// Whether a phone answers on the control socket.
pub(crate) fn is_running(path: Option<PathBuf>) -> anyhow::Result<bool> {
    Ok(UnixStream::connect(socket_path(path)?).is_ok())
}

fn ask(path: Option<PathBuf>, request: &Request) -> anyhow::Result<Reply> {
    ask_within(path, request, Duration::from_secs(5))
}

/// Sends one request and waits at most `within` for the answer.
pub(crate) fn ask_within(
    path: Option<PathBuf>,
    request: &Request,
    within: Duration,
) -> anyhow::Result<Reply> {
    let path = socket_path(path)?;
    let mut stream = UnixStream::connect(&path).with_context(|| {
        format!(
            "no running dialtone answers on {} (start one with `dialtone serve`)",
            path.display()
        )
    })?;
    stream.set_read_timeout(Some(within))?;
    let mut line = serde_json::to_string(request)?;
    line.push('\n');
    stream.write_all(line.as_bytes())?;
    let mut answer = String::new();
    BufReader::new(stream)
        .read_line(&mut answer)
        .context("no answer from the running dialtone")?;
    serde_json::from_str(&answer).context("unreadable answer from the running dialtone")
}

pub fn print_status(path: Option<PathBuf>, json: bool) -> anyhow::Result<ExitCode> {
    let reply = ask(path, &Request::Status)?;
    let Some(status) = reply.status else {
        bail!(reply.error.unwrap_or_else(|| "no status".into()))
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&status)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("dialtone {}", status.version);
    for a in &status.accounts {
        let state = serde_json::to_value(a.state)?
            .as_str()
            .unwrap_or("?")
            .to_string();
        let until = a
            .expires_at
            .map(|t| format!(" until {}", t.to_rfc3339()))
            .unwrap_or_default();
        let reason = a
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        println!(
            "  {:<12} {:<28} {:<4} {}{}{}",
            a.id, a.aor, a.transport, state, until, reason
        );
    }
    for c in &status.calls {
        let state = serde_json::to_value(c.state)?
            .as_str()
            .unwrap_or("?")
            .to_string();
        let dir = serde_json::to_value(c.direction)?
            .as_str()
            .unwrap_or("?")
            .to_string();
        let mut flags = Vec::new();
        if let Some(by) = c.held {
            flags.push(format!(
                "held by {}",
                serde_json::to_value(by)?.as_str().unwrap_or("?")
            ));
        }
        if c.muted {
            flags.push("muted".to_owned());
        }
        if let Some(codec) = &c.codec {
            flags.push(codec.clone());
        }
        println!(
            "  call {:<14} {:<8} {:<28} {} {}",
            c.call_id,
            dir,
            c.remote.uri,
            state,
            flags.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Sends one command to the running phone.
pub fn execute(path: Option<PathBuf>, command: Command) -> anyhow::Result<ExitCode> {
    let reply = ask(path, &Request::Execute { command })?;
    if reply.ok {
        if let Some(call_id) = reply.result.and_then(|r| r.call_id) {
            println!("{call_id}");
        }
        Ok(ExitCode::SUCCESS)
    } else {
        bail!(reply.error.unwrap_or_else(|| "refused".into()))
    }
}
