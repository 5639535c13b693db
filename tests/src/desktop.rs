//! The desktop app under WebDriver: a private Xvfb display, a private D-Bus session bus and
//! `tauri-driver` (fronting WebKitWebDriver), driven by a small W3C WebDriver client over
//! [`crate::http`]. (A crate such as fantoccini would bring an async runtime and a second
//! HTTP stack into the test crate for the dozen requests a smoke test makes.)

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::http;
use crate::kamailio::free_port;

/// The W3C key of an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a helper process may take to stop on SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(2);
/// Between two looks for an element or a condition.
const POLL: Duration = Duration::from_millis(200);

/// Why the desktop test cannot run here, if a tool is missing.
pub fn missing_tools() -> Option<String> {
    let mut missing = Vec::new();
    if tauri_driver().is_none() {
        missing.push("tauri-driver (cargo install tauri-driver --locked)");
    }
    if !Path::new(WEBKIT_DRIVER).exists() {
        missing.push("WebKitWebDriver (apt install webkit2gtk-driver)");
    }
    if which("Xvfb").is_none() {
        missing.push("Xvfb (apt install xvfb)");
    }
    if which("dbus-daemon").is_none() {
        missing.push("dbus-daemon (apt install dbus)");
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

fn tauri_driver() -> Option<PathBuf> {
    which("tauri-driver").or_else(|| {
        let home = std::env::var_os("HOME")?;
        let p = PathBuf::from(home).join(".cargo/bin/tauri-driver");
        p.is_file().then_some(p)
    })
}

/// The `dialtone-desktop` binary: `$DIALTONE_DESKTOP_BIN`, else next to the test's `deps/`.
pub fn desktop_binary() -> Result<PathBuf> {
    crate::phone::built_binary(
        "DIALTONE_DESKTOP_BIN",
        "dialtone-desktop",
        "run `cd ui && npm run build` and `cargo build -p dialtone-desktop`",
    )
}

/// A child process killed (and reaped) on drop.
struct Guard(Child);

impl Drop for Guard {
    /// SIGTERM first, so that Xvfb and dbus-daemon remove their lock files and sockets;
    /// SIGKILL after [`STOP_TIMEOUT`].
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let stopped = crate::wait::until(STOP_TIMEOUT, Duration::from_millis(20), || {
            Ok(!matches!(self.0.try_wait(), Ok(None)))
        });
        if stopped.is_ok() {
            return;
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Xvfb, a session bus and tauri-driver, stopped on drop (driver first).
pub struct Desktop {
    driver: Guard,
    _bus: Guard,
    _xvfb: Guard,
    pub display: String,
    pub bus_address: String,
    pub driver_port: u16,
    driver_log: PathBuf,
}

impl Desktop {
    /// Starts the three; `dir` holds their logs and the app's data folders. `env` goes to
    /// the driver and so to the app it starts.
    pub fn start(dir: &Path, env: &[(String, String)]) -> Result<Desktop> {
        std::fs::create_dir_all(dir.join("tmp"))?;
        let (display, xvfb) = start_xvfb(dir)?;
        let (bus_address, bus) = start_bus(&display)?;
        let driver_port = free_port()?;
        let native_port = free_port()?;
        let driver_log = dir.join("tauri-driver.log");
        let log = std::fs::File::create(&driver_log)?;
        let driver = Command::new(tauri_driver().context("tauri-driver not found")?)
            .args(["--port", &driver_port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .args(["--native-driver", WEBKIT_DRIVER])
            .env("DISPLAY", &display)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
            .env("GDK_BACKEND", "x11")
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            // The app's window state, webview data, caches and autostart entry (written under
            // $HOME/.config whatever XDG_CONFIG_HOME says) stay in the test's folder.
            .env("HOME", dir.join("home"))
            // The tray icon's PNG files are written under the temp dir.
            .env("TMPDIR", dir.join("tmp"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("starting tauri-driver")?;
        let driver = Guard(driver);
        wait_port(driver_port, START_TIMEOUT).context("tauri-driver did not listen")?;
        Ok(Desktop {
            driver,
            _bus: bus,
            _xvfb: xvfb,
            display,
            bus_address,
            driver_port,
            driver_log,
        })
    }

    pub fn driver_log(&self) -> String {
        std::fs::read_to_string(&self.driver_log).unwrap_or_default()
    }

    /// A WebDriver session running `application` with `args`.
    pub fn session(&self, application: &Path, args: &[&str]) -> Result<Session> {
        let caps = json!({
            "capabilities": {
                "alwaysMatch": {
                    "tauri:options": {
                        "application": application.display().to_string(),
                        "args": args,
                    }
                }
            }
        });
        let v = request(self.driver_port, "POST", "/session", Some(&caps))
            .with_context(|| format!("tauri-driver log:\n{}", self.driver_log()))?;
        let id = v["sessionId"]
            .as_str()
            .context("no sessionId in the new-session answer")?
            .to_owned();
        Ok(Session {
            port: self.driver_port,
            id,
        })
    }

    /// The driver's pid (for diagnostics).
    pub fn driver_pid(&self) -> u32 {
        self.driver.0.id()
    }
}

fn start_xvfb(dir: &Path) -> Result<(String, Guard)> {
    // Xvfb picks a free display itself and writes its number to stdout when it is ready
    // (`-displayfd 1`), so stale lock files of killed servers never block a run.
    let log = std::fs::File::create(dir.join("xvfb.log"))?;
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-nolisten",
            "tcp",
            "-screen",
            "0",
            "1280x1024x24",
        ])
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .context("starting Xvfb")?;
    let stdout = child.stdout.take().context("no Xvfb stdout")?;
    let guard = Guard(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(START_TIMEOUT)
        .context("Xvfb did not start")?;
    let n: u32 = line
        .trim()
        .parse()
        .with_context(|| format!("Xvfb printed {line:?}, not a display number"))?;
    Ok((format!(":{n}"), guard))
}

fn start_bus(display: &str) -> Result<(String, Guard)> {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .env("DISPLAY", display)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting dbus-daemon")?;
    let stdout = child.stdout.take().context("dbus-daemon stdout")?;
    let guard = Guard(child);
    let mut line = String::new();
    // dbus-daemon prints its address as soon as it listens; the read ends when it does (or
    // when it dies, closing the pipe).
    BufReader::new(stdout).read_line(&mut line)?;
    let address = line.trim().to_owned();
    if address.is_empty() {
        bail!("dbus-daemon printed no address");
    }
    Ok((address, guard))
}

fn wait_port(port: u16, within: Duration) -> Result<()> {
    wait_until(within, || {
        Ok(TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), POLL).is_ok())
    })
}

/// Polls `check` every [`POLL`] until it is true or `within` passes.
pub fn wait_until(within: Duration, check: impl FnMut() -> Result<bool>) -> Result<()> {
    crate::wait::until(within, POLL, check)
}

/// One WebDriver request; the answer's `value`, or an error with the driver's message.
fn request(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
    let host = format!("127.0.0.1:{port}");
    let bytes = body.map(serde_json::to_vec).transpose()?;
    let mut headers = vec![("Host", host.as_str())];
    if bytes.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    let r = http::send_without_close(port, method, path, &headers, bytes.as_deref())?;
    let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    if std::env::var_os("DIALTONE_WEBDRIVER_TRACE").is_some() {
        eprintln!("webdriver {method} {path} -> {} {}", r.status, r.text());
    }
    if r.status >= 400 {
        bail!(
            "WebDriver {method} {path}: HTTP {}: {} {}",
            r.status,
            v["value"]["error"].as_str().unwrap_or(""),
            v["value"]["message"].as_str().unwrap_or(&r.text())
        );
    }
    Ok(v["value"].clone())
}

/// A WebDriver session; deleted (the app closed) on drop.
pub struct Session {
    port: u16,
    id: String,
}

impl Session {
    fn path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.id)
    }

    fn call(&self, method: &str, rest: &str, body: Option<&Value>) -> Result<Value> {
        request(self.port, method, &self.path(rest), body)
    }

    /// The element matching `css` now, if any.
    pub fn find(&self, css: &str) -> Result<Option<String>> {
        let body = json!({"using": "css selector", "value": css});
        let found = match self.call("POST", "/elements", Some(&body)) {
            Ok(found) => found,
            // The page replaced the node while the driver looked at it: look again later.
            Err(e) if e.to_string().contains("stale element") => return Ok(None),
            Err(e) => return Err(e),
        };
        match found {
            Value::Array(found) => Ok(found
                .first()
                .and_then(|e| e[ELEMENT_KEY].as_str())
                .map(str::to_owned)),
            other => bail!("unexpected find answer: {other}"),
        }
    }

    /// Waits for an element matching `css`. Driver errors while waiting (the webview still
    /// starting, a node replaced mid-look) count as "not yet"; the last one is reported.
    pub fn wait_for(&self, css: &str, within: Duration) -> Result<String> {
        let mut found = None;
        let mut last_error = None;
        let waited = wait_until(within, || {
            match self.find(css) {
                Ok(now) => found = now,
                Err(e) => last_error = Some(e),
            }
            Ok(found.is_some())
        });
        match found {
            Some(found) if waited.is_ok() => Ok(found),
            _ => {
                let why = last_error.map(|e| format!(" (last driver error: {e:#})"));
                bail!("no `{css}` within {within:?}{}", why.unwrap_or_default())
            }
        }
    }

    /// Waits until nothing matches `css`.
    pub fn wait_gone(&self, css: &str, within: Duration) -> Result<()> {
        wait_until(within, || Ok(self.find(css)?.is_none()))
            .with_context(|| format!("`{css}` is still there"))
    }

    pub fn click(&self, element: &str) -> Result<()> {
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(&json!({})),
        )?;
        Ok(())
    }

    /// Ends the session now (its app closes); dropping it afterwards does nothing more.
    pub fn delete(&self) -> Result<()> {
        request(self.port, "DELETE", &format!("/session/{}", self.id), None)?;
        Ok(())
    }

    /// The window's position and size: `(x, y, width, height)`.
    pub fn rect(&self) -> Result<(i64, i64, i64, i64)> {
        let r = self.call("GET", "/window/rect", None)?;
        let n = |k: &str| r[k].as_f64().map(|v| v.round() as i64);
        match (n("x"), n("y"), n("width"), n("height")) {
            (Some(x), Some(y), Some(w), Some(h)) => Ok((x, y, w, h)),
            _ => bail!("unexpected window rect: {r}"),
        }
    }

    /// Moves and resizes the window.
    pub fn set_rect(&self, x: i64, y: i64, width: i64, height: i64) -> Result<()> {
        self.call(
            "POST",
            "/window/rect",
            Some(&json!({ "x": x, "y": y, "width": width, "height": height })),
        )?;
        Ok(())
    }

    /// Empties an input.
    pub fn clear(&self, element: &str) -> Result<()> {
        self.call(
            "POST",
            &format!("/element/{element}/clear"),
            Some(&json!({})),
        )?;
        Ok(())
    }

    /// A DOM property of an element (`value` of a `<meter>`, ...).
    pub fn property(&self, element: &str, name: &str) -> Result<Value> {
        self.call("GET", &format!("/element/{element}/property/{name}"), None)
    }

    /// The rendered text of an element.
    pub fn text(&self, element: &str) -> Result<String> {
        Ok(self
            .call("GET", &format!("/element/{element}/text"), None)?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub fn type_text(&self, element: &str, text: &str) -> Result<()> {
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(&json!({ "text": text })),
        )?;
        Ok(())
    }

    /// Runs `script` (an async function body) in the page; its `arguments[0]` callback
    /// gives the result.
    pub fn execute_async(&self, script: &str) -> Result<Value> {
        self.call(
            "POST",
            "/execute/async",
            Some(&json!({ "script": script, "args": [] })),
        )
    }

    /// Calls a shell command over Tauri IPC from the page; its answer or `{"error": ...}`.
    pub fn invoke(&self, command: &str) -> Result<Value> {
        let script = format!(
            "const done = arguments[arguments.length - 1];\
             window.__TAURI_INTERNALS__.invoke({}).then(done, (e) => done({{ error: e }}));",
            serde_json::to_string(command)?
        );
        self.execute_async(&script)
    }

    /// The handles of the app's windows now.
    pub fn window_handles(&self) -> Result<Vec<String>> {
        Ok(self
            .call("GET", "/window/handles", None)?
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The handle of the window commands go to.
    pub fn window_handle(&self) -> Result<String> {
        Ok(self
            .call("GET", "/window", None)?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// Sends the next commands to the window `handle`.
    pub fn switch_to(&self, handle: &str) -> Result<()> {
        self.call("POST", "/window", Some(&json!({ "handle": handle })))?;
        Ok(())
    }

    /// The page's HTML now (for failure reports).
    pub fn source(&self) -> Result<String> {
        Ok(self
            .call("GET", "/source", None)?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// A PNG of the window.
    pub fn screenshot(&self) -> Result<Vec<u8>> {
        let v = self.call("GET", "/screenshot", None)?;
        decode_base64(v.as_str().context("screenshot is not a string")?)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = request(self.port, "DELETE", &format!("/session/{}", self.id), None);
    }
}

/// Standard base64 (WebDriver screenshots), padding and whitespace tolerated.
pub fn decode_base64(text: &str) -> Result<Vec<u8>> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine as _;
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT.decode(compact).context("not base64")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_and_without_padding() -> Result<()> {
        assert_eq!(decode_base64("aGVsbG8=")?, b"hello");
        assert_eq!(decode_base64("aGk")?, b"hi");
        assert_eq!(decode_base64("iVBORw0KGgo=")?[1..4], *b"PNG");
        assert!(decode_base64("a$b").is_err());
        Ok(())
    }
}
