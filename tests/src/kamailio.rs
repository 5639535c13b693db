//! A private Kamailio registrar/proxy on loopback for end-to-end tests.
//!
//! Every [`Kamailio`] owns a fresh temporary directory holding its generated
//! configuration (`kamailio.cfg`, from the template `tests/kamailio/kamailio.cfg.in`),
//! a throwaway CA and server certificate, `tls.cfg`, the pid file, the runtime
//! dir, the ctl (kamcmd) socket and the captured stderr (`kamailio.log`).
//! Ports are random free loopback ports, so several instances can run at once.
//!
//! Accounts: users `1001`..`1009`, password [`password_for`] (`secret-<user>`).
//! Registrar policy: `max_expires` 300, `0 < expires < 60` gets
//! `423 Interval Too Brief` with `Min-Expires: 60`, `Expires: 0` unregisters.

use std::fs::{self, OpenOptions};
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use tempfile::TempDir;

/// The configuration template; `@@NAME@@` placeholders are filled in by [`Kamailio::reserve_with`].
const CFG_TEMPLATE: &str = include_str!("../kamailio/kamailio.cfg.in");
const MODULES_DIR: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules/";
const READY_TIMEOUT: Duration = Duration::from_secs(10);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
const KAMCMD_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(20);

/// The password of a test account (users `1001`..`1009`).
pub fn password_for(user: &str) -> String {
    format!("secret-{user}")
}

/// The digest algorithm Kamailio challenges with (auth module `algorithm` parameter).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// MD5; the challenge carries no `algorithm` parameter (the common default).
    #[default]
    Md5,
    /// `algorithm=SHA-256` in the challenge (RFC 8760).
    Sha256,
}

/// How credentials with a wrong password (or unknown user, or auth user ≠ To/From user) are answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BadCredentials {
    /// `403 Forbidden`.
    #[default]
    Forbidden,
    /// A fresh `401`/`407` challenge, like Kamailio's stock configuration.
    Rechallenge,
}

/// Knobs of the generated configuration. `Options::default()` is what [`Kamailio::start`] uses.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub algorithm: DigestAlgorithm,
    pub bad_credentials: BadCredentials,
    /// Kamailio `debug` level (default 2 = info; 3 = debug).
    pub debug: Option<i32>,
}

/// One registered contact, as reported by `kamcmd ul.dump`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The address-of-record (user part only, e.g. `1001`; usrloc runs without domains).
    pub aor: String,
    /// The Contact URI as registered.
    pub contact: String,
    /// Seconds left; `None` for permanent (or unparsable) entries.
    pub expires: Option<i64>,
    /// Where requests for this binding are really sent (source address of the REGISTER),
    /// e.g. `sip:127.0.0.1:40000;transport=tcp`.
    pub received: Option<String>,
    /// Kamailio's local socket the REGISTER arrived on, e.g. `tcp:127.0.0.1:35000`.
    pub socket: Option<String>,
}

/// A Kamailio process (or a prepared, not yet started one). Killed on drop.
pub struct Kamailio {
    dir: TempDir,
    udp_port: u16,
    tcp_port: u16,
    tls_port: u16,
    child: Option<Child>,
}

impl Kamailio {
    /// Free ports, fresh dir, started and ready (default [`Options`]).
    pub fn start() -> Result<Kamailio> {
        Self::start_with(Options::default())
    }

    /// Like [`Kamailio::start`] with explicit options. Retries with fresh ports if
    /// Kamailio dies during start-up (e.g. a port was grabbed in the meantime).
    pub fn start_with(options: Options) -> Result<Kamailio> {
        let mut last_err = None;
        for _ in 0..3 {
            let mut k = Self::reserve_with(options.clone())?;
            match k.start_again() {
                Ok(()) => return Ok(k),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.unwrap_or_else(|| anyhow!("kamailio did not start")))
    }

    /// Prepare dir, ports, certificates and config, but do not start (default [`Options`]).
    pub fn reserve() -> Result<Kamailio> {
        Self::reserve_with(Options::default())
    }

    /// Prepare dir, ports, certificates and config with explicit options; start with [`Kamailio::start_again`].
    pub fn reserve_with(options: Options) -> Result<Kamailio> {
        let dir = tempfile::Builder::new()
            .prefix("dialtone-kamailio-")
            .tempdir()
            .context("creating kamailio temp dir")?;
        let (udp_port, tcp_port, tls_port) = pick_ports()?;
        let k = Kamailio {
            dir,
            udp_port,
            tcp_port,
            tls_port,
            child: None,
        };
        fs::create_dir_all(k.runtime_dir()).context("creating kamailio runtime dir")?;
        k.make_certs()?;
        k.write_tls_cfg()?;
        k.write_cfg(&options)?;
        Ok(k)
    }

    pub fn udp_port(&self) -> u16 {
        self.udp_port
    }

    pub fn tcp_port(&self) -> u16 {
        self.tcp_port
    }

    pub fn tls_port(&self) -> u16 {
        self.tls_port
    }

    /// The temp dir holding config, certificates, logs (handy as a working dir for sipp).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The CA certificate (PEM) that signed the server certificate (SAN `IP:127.0.0.1`).
    pub fn ca_file(&self) -> PathBuf {
        self.path("ca.pem")
    }

    /// The generated Kamailio configuration file.
    pub fn cfg_file(&self) -> PathBuf {
        self.path("kamailio.cfg")
    }

    /// Whether the process is (still) running.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Start after [`Kamailio::stop`] or [`Kamailio::reserve`], on the same ports and dir; waits until ready.
    pub fn start_again(&mut self) -> Result<()> {
        if self.is_running() {
            bail!("kamailio is already running");
        }
        self.child = None;
        // A stale pid file naming a live (unrelated) pid would make Kamailio refuse to start.
        let _ = fs::remove_file(self.path("kamailio.pid"));
        let _ = fs::remove_file(self.ctl_socket());
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .context("opening kamailio.log")?;
        let log2 = log.try_clone().context("cloning kamailio.log handle")?;
        let child = Command::new("kamailio")
            .arg("-DD")
            .arg("-E")
            .arg("-f")
            .arg(self.cfg_file())
            .arg("-P")
            .arg(self.path("kamailio.pid"))
            .arg("-Y")
            .arg(self.runtime_dir())
            .arg("-w")
            .arg(self.dir())
            .current_dir(self.dir())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            // Own process group, so a SIGKILL fallback reaches all its children.
            .process_group(0)
            .spawn()
            .context("spawning kamailio (is it installed?)")?;
        self.child = Some(child);
        if let Err(e) = self.wait_ready() {
            let _ = self.stop();
            return Err(e);
        }
        Ok(())
    }

    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let tcp: SocketAddr = ([127, 0, 0, 1], self.tcp_port).into();
        let tls: SocketAddr = ([127, 0, 0, 1], self.tls_port).into();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    bail!(
                        "kamailio exited during start-up ({status}); log tail:\n{}",
                        self.log_tail(40)
                    );
                }
            }
            let ports_up = TcpStream::connect_timeout(&tcp, Duration::from_millis(200)).is_ok()
                && TcpStream::connect_timeout(&tls, Duration::from_millis(200)).is_ok();
            if ports_up && self.kamcmd(&["core.uptime"]).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "kamailio not ready after {:?} (udp {}, tcp {}, tls {}); log tail:\n{}",
                    READY_TIMEOUT,
                    self.udp_port,
                    self.tcp_port,
                    self.tls_port,
                    self.log_tail(40)
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// SIGTERM, wait for exit (bounded), SIGKILL the process group as fallback.
    pub fn stop(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if child.try_wait().context("polling kamailio")?.is_some() {
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
            if child.try_wait().context("polling kamailio")?.is_some() {
                return Ok(());
            }
            std::thread::sleep(POLL);
        }
        // Not reaped yet, so the pid (= process group id) cannot have been reused.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = child.kill();
        child.wait().context("waiting for killed kamailio")?;
        Ok(())
    }

    /// Stop, then start again on the same ports and dir (registrations are lost).
    pub fn restart(&mut self) -> Result<()> {
        self.stop()?;
        self.start_again()
    }

    /// Current registrations (`kamcmd ul.dump`).
    pub fn bindings(&self) -> Result<Vec<Binding>> {
        let out = self.kamcmd(&["ul.dump"])?;
        Ok(parse_ul_dump(&out))
    }

    /// Run `kamcmd` against this instance's ctl socket; returns stdout.
    pub fn kamcmd(&self, args: &[&str]) -> Result<String> {
        let mut child = Command::new("kamcmd")
            .arg("-s")
            .arg(format!("unix:{}", self.ctl_socket().display()))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("spawning kamcmd")?;
        let deadline = Instant::now() + KAMCMD_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait().context("polling kamcmd")? {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                bail!("kamcmd {args:?} timed out");
            }
            std::thread::sleep(POLL);
        };
        // Output is small (well below the pipe buffer), so reading after exit is fine.
        let mut stdout = String::new();
        let mut stderr = String::new();
        if let Some(mut s) = child.stdout.take() {
            s.read_to_string(&mut stdout)
                .context("reading kamcmd stdout")?;
        }
        if let Some(mut s) = child.stderr.take() {
            s.read_to_string(&mut stderr)
                .context("reading kamcmd stderr")?;
        }
        if !status.success() || stdout.trim_start().starts_with("error") {
            bail!(
                "kamcmd {args:?} failed ({status}): {}{}",
                stdout.trim(),
                stderr.trim()
            );
        }
        Ok(stdout)
    }

    /// Kamailio's stdout+stderr so far (all runs), for failure messages.
    pub fn log(&self) -> String {
        fs::read(self.log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The last `n` lines of [`Kamailio::log`].
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn log_path(&self) -> PathBuf {
        self.path("kamailio.log")
    }

    fn runtime_dir(&self) -> PathBuf {
        self.path("run")
    }

    fn ctl_socket(&self) -> PathBuf {
        self.path("kamailio_ctl.sock")
    }

    fn make_certs(&self) -> Result<()> {
        let d = self.dir();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "7",
                "-subj",
                "/CN=Dialtone e2e test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        )?;
        openssl(
            d,
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=127.0.0.1",
            ],
        )?;
        fs::write(
            d.join("server.ext"),
            "subjectAltName=IP:127.0.0.1\n\
             basicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\n",
        )
        .context("writing server.ext")?;
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "7",
                "-extfile",
                "server.ext",
            ],
        )?;
        Ok(())
    }

    fn write_tls_cfg(&self) -> Result<()> {
        let d = self.dir().display();
        let cfg = format!(
            "[server:default]\n\
             method = TLSv1.2+\n\
             verify_certificate = no\n\
             require_certificate = no\n\
             private_key = {d}/server.key\n\
             certificate = {d}/server.pem\n\
             \n\
             [client:default]\n\
             method = TLSv1.2+\n\
             verify_certificate = no\n\
             require_certificate = no\n"
        );
        fs::write(self.path("tls.cfg"), cfg).context("writing tls.cfg")
    }

    fn write_cfg(&self, options: &Options) -> Result<()> {
        let mut defines = String::new();
        if options.bad_credentials == BadCredentials::Forbidden {
            defines.push_str("#!define REJECT_BAD_PASSWORD\n");
        }
        let algorithm = match options.algorithm {
            DigestAlgorithm::Md5 => "",
            DigestAlgorithm::Sha256 => "modparam(\"auth\", \"algorithm\", \"SHA-256\")",
        };
        let secret = format!(
            "{:x}{:x}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        let cfg = CFG_TEMPLATE
            .replace("@@DEFINES@@", &defines)
            .replace("@@DEBUG@@", &options.debug.unwrap_or(2).to_string())
            .replace("@@UDP_PORT@@", &self.udp_port.to_string())
            .replace("@@TCP_PORT@@", &self.tcp_port.to_string())
            .replace("@@TLS_PORT@@", &self.tls_port.to_string())
            .replace("@@MODULES_DIR@@", MODULES_DIR)
            .replace("@@CTL_SOCKET@@", &self.ctl_socket().display().to_string())
            .replace(
                "@@CTL_FIFO@@",
                &self.path("kamailio_fifo").display().to_string(),
            )
            .replace("@@TLS_CFG@@", &self.path("tls.cfg").display().to_string())
            .replace("@@AUTH_SECRET@@", &secret)
            .replace("@@AUTH_ALGORITHM_PARAM@@", algorithm);
        if let Some(pos) = cfg.find("@@") {
            bail!(
                "unfilled placeholder in kamailio.cfg near: {}",
                &cfg[pos..(pos + 40).min(cfg.len())]
            );
        }
        fs::write(self.cfg_file(), cfg).context("writing kamailio.cfg")
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

fn openssl(dir: &Path, args: &[&str]) -> Result<()> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .context("running openssl")?;
    if !out.status.success() {
        bail!(
            "openssl {} failed ({}): {}",
            args.first().copied().unwrap_or_default(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Three distinct free loopback ports: one free for UDP, two free for TCP.
fn pick_ports() -> Result<(u16, u16, u16)> {
    // Hold all sockets until every port is known, so they are distinct.
    let udp = UdpSocket::bind("127.0.0.1:0").context("binding a UDP port")?;
    let tcp = TcpListener::bind("127.0.0.1:0").context("binding a TCP port")?;
    let tls = TcpListener::bind("127.0.0.1:0").context("binding a TCP port")?;
    let ports = (
        udp.local_addr()?.port(),
        tcp.local_addr()?.port(),
        tls.local_addr()?.port(),
    );
    Ok(ports)
}

/// A loopback port that is currently free for both UDP and TCP (e.g. for a SIP client
/// such as sipp that listens on the same port number for both).
pub fn free_port() -> Result<u16> {
    for _ in 0..50 {
        let tcp = TcpListener::bind("127.0.0.1:0").context("binding a TCP port")?;
        let port = tcp.local_addr()?.port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    bail!("no loopback port free for both UDP and TCP")
}

/// Parse the text output of `kamcmd ul.dump` into bindings.
pub fn parse_ul_dump(text: &str) -> Vec<Binding> {
    let mut out = Vec::new();
    let mut aor: Option<String> = None;
    let mut current: Option<Binding> = None;
    for line in text.lines() {
        let line = line.trim();
        if line == "Contact: {" {
            current = Some(Binding {
                aor: aor.clone().unwrap_or_default(),
                contact: String::new(),
                expires: None,
                received: None,
                socket: None,
            });
            continue;
        }
        if line == "}" {
            if let Some(b) = current.take() {
                out.push(b);
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match (key.trim(), current.as_mut()) {
            ("AoR", None) => aor = Some(value.to_string()),
            ("Address", Some(b)) => b.contact = value.to_string(),
            ("Expires", Some(b)) => b.expires = value.parse().ok(),
            ("Received", Some(b)) if value != "[not set]" => b.received = Some(value.to_string()),
            ("Socket", Some(b)) if value != "[not set]" => b.socket = Some(value.to_string()),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ul_dump() {
        let text = "{\n\tDomains: {\n\t\tDomain: {\n\t\t\tDomain: location\n\t\t\tAoRs: {\n\
            \t\t\t\tInfo: {\n\t\t\t\t\tAoR: 1001\n\t\t\t\t\tContacts: {\n\
            \t\t\t\t\t\tContact: {\n\t\t\t\t\t\t\tAddress: sip:1001@127.0.0.1:25070;transport=UDP\n\
            \t\t\t\t\t\t\tExpires: 119\n\t\t\t\t\t\t\tReceived: sip:127.0.0.1:25070\n\
            \t\t\t\t\t\t\tPath: [not set]\n\t\t\t\t\t\t\tSocket: udp:127.0.0.1:15060\n\t\t\t\t\t\t}\n\
            \t\t\t\t\t\tContact: {\n\t\t\t\t\t\t\tAddress: sip:1001@127.0.0.1:25071;transport=TCP\n\
            \t\t\t\t\t\t\tExpires: permanent\n\t\t\t\t\t\t\tReceived: [not set]\n\t\t\t\t\t\t}\n\
            \t\t\t\t\t}\n\t\t\t\t}\n\t\t\t}\n\t\t\tStats: {\n\t\t\t\tRecords: 1\n\t\t\t}\n\t\t}\n\t}\n}\n";
        let b = parse_ul_dump(text);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].aor, "1001");
        assert_eq!(b[0].contact, "sip:1001@127.0.0.1:25070;transport=UDP");
        assert_eq!(b[0].expires, Some(119));
        assert_eq!(b[0].received.as_deref(), Some("sip:127.0.0.1:25070"));
        assert_eq!(b[0].socket.as_deref(), Some("udp:127.0.0.1:15060"));
        assert_eq!(b[1].expires, None);
        assert_eq!(b[1].received, None);
        assert!(parse_ul_dump("{\n}\n").is_empty());
    }
}
