//! The built web UI (ui/dist) in real Chromium (Debian's, driven by npm playwright-core),
//! talking to the real `dialtone serve` through its localhost bridge: registers, dials a
//! baresip that answers, holds and resumes, sends DTMF, hangs up and finds the call in the
//! history; then baresip calls and the incoming-call window answers. Runs
//! tests/browser/ui.test.mjs.
//!
//! Needs `npm ci` in tests/browser, `npm ci && npm run build` in ui, and /usr/bin/chromium.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};
use dialtone_e2e::baresip::PCMU;
use dialtone_e2e::bridge::BridgeRig;
use dialtone_e2e::static_server::StaticServer;

const PEER: &str = "1003";
/// The digits the browser test presses on the in-call keypad.
const DIGITS: &str = "159";
/// The whole browser run is bounded by this.
const BROWSER_RUN: Duration = Duration::from_secs(150);

#[test]
fn the_web_ui_places_holds_and_ends_a_call_in_chromium() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let browser_dir = root.join("browser");
    ensure!(
        browser_dir.join("node_modules/playwright-core").is_dir(),
        "run `npm ci` in {} first (scripts/test.sh does)",
        browser_dir.display()
    );
    let dist = root.join("../ui/dist");
    ensure!(
        dist.join("index.html").is_file(),
        "{} is missing: build the UI first (`cd ui && npm ci && npm run build`)",
        dist.join("index.html").display()
    );
    let b = BridgeRig::start("", "")?;
    let mut peer = b.rig.peer(PEER, 440.0, PCMU, true)?;
    let ui = StaticServer::start(&dist)?;
    b.cli(&["pair", "approve", &ui.origin(), "--silent-dial"])?;

    let shots = std::env::var("DIALTONE_ARTIFACTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("dialtone-artifacts"))
        .join("ui");
    std::fs::create_dir_all(&shots)?;
    let url = format!(
        "{}/index.html?bridge={}#token={}",
        ui.origin(),
        b.origin(),
        b.token
    );
    // The browser waits for this file before hanging up: written once baresip heard the
    // keypad's digits (they take a moment on the wire after the UI reports them sent).
    let heard = b.rig.dir().join("dtmf-heard");
    // The browser writes this file when it wants baresip to call the phone (the second test).
    let call_me = b.rig.dir().join("call-me");
    let mut called = false;
    let mut child = Command::new("node")
        .args(["--test", "--test-reporter=spec", "ui.test.mjs"])
        .current_dir(&browser_dir)
        .env("UI_URL", &url)
        .env("PEER_NUMBER", PEER)
        .env("DTMF_DIGITS", DIGITS)
        .env("DTMF_HEARD", &heard)
        .env("CALL_ME", &call_me)
        .env("SHOTS", &shots)
        .spawn()
        .context("cannot run node (scripts/test.sh installs Node.js)")?;
    let deadline = Instant::now() + BROWSER_RUN;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if !heard.exists() && peer.dtmf_received().contains(DIGITS) {
            std::fs::write(&heard, peer.dtmf_received())?;
        }
        if !called && call_me.exists() {
            peer.dial(&b.rig.phone_uri())?;
            called = true;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            anyhow::bail!("the browser test did not finish within {BROWSER_RUN:?}");
        }
        std::thread::sleep(Duration::from_millis(100)); // polling a child's exit
    };
    ensure!(
        status.success(),
        "browser test failed ({status})\n{}",
        b.rig.logs()
    );
    println!("screenshots in {}", shots.display());

    // The keypad's tones really reached the other phone (the browser waited for that).
    let got = peer.dtmf_received();
    ensure!(got.contains(DIGITS), "baresip received {got:?}");
    // Both calls are in the history (newest first): baresip's call answered in the
    // incoming window, and the call the UI placed; both talked and completed.
    ensure!(called, "the browser never asked for the incoming call");
    let history = b.call("GET", "/v1/history", None)?.json()?;
    ensure!(history["total"] == 2, "the UI's two calls: {history}");
    for (i, direction) in [(0, "incoming"), (1, "outgoing")] {
        let item = &history["items"][i];
        ensure!(item["direction"] == direction, "{history}");
        ensure!(item["endCause"] == "completed", "{history}");
        ensure!(item["talkMs"].as_u64().is_some_and(|t| t > 0), "{history}");
    }
    drop(peer.stop());
    Ok(())
}
