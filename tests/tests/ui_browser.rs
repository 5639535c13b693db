//! The built web UI (ui/dist) in real Chromium (Debian's, driven by npm playwright-core),
//! talking to the real `dialtone serve` through its localhost bridge: registers, dials a
//! baresip that answers, holds and resumes, sends DTMF, hangs up and finds the call in the
//! history; then baresip calls and the incoming-call window answers. Runs
//! tests/browser/ui.test.mjs.
//!
//! Needs `npm ci` in tests/browser, `npm ci && npm run build` in ui, and /usr/bin/chromium.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use anyhow::{ensure, Result};
use dialtone_e2e::baresip::PCMU;
use dialtone_e2e::bridge::BridgeRig;
use dialtone_e2e::browser::{artifacts_dir, browser_dir, run_node_test};
use dialtone_e2e::static_server::StaticServer;

const PEER: &str = "1003";
/// The digits the browser test presses on the in-call keypad.
const DIGITS: &str = "159";
/// The whole browser run is bounded by this.
const BROWSER_RUN: Duration = Duration::from_secs(150);

#[test]
fn the_web_ui_places_holds_and_ends_a_call_in_chromium() -> Result<()> {
    browser_dir()?; // fail before the rig starts when the npm packages are missing
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist");
    ensure!(
        dist.join("index.html").is_file(),
        "{} is missing: build the UI first (`cd ui && npm ci && npm run build`)",
        dist.join("index.html").display()
    );
    let b = BridgeRig::start("", "")?;
    let mut peer = b.rig.peer(PEER, 440.0, PCMU, true)?;
    let ui = StaticServer::start(&dist)?;
    b.cli(&["pair", "approve", &ui.origin(), "--silent-dial"])?;

    let shots = artifacts_dir("ui")?;
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
    let status = run_node_test(
        "ui.test.mjs",
        [
            ("UI_URL", OsString::from(url)),
            ("PEER_NUMBER", PEER.into()),
            ("DTMF_DIGITS", DIGITS.into()),
            ("DTMF_HEARD", heard.clone().into_os_string()),
            ("CALL_ME", call_me.clone().into_os_string()),
            ("SHOTS", shots.clone().into_os_string()),
        ],
        BROWSER_RUN,
        || {
            if !heard.exists() && peer.dtmf_received().contains(DIGITS) {
                std::fs::write(&heard, peer.dtmf_received())?;
            }
            if !called && call_me.exists() {
                peer.dial(&b.rig.phone_uri())?;
                called = true;
            }
            Ok(())
        },
    )?;
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
