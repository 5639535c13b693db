//! The CRM embed page in real Chromium (Debian's, driven by npm playwright-core): runs
//! tests/browser/embed.test.mjs against the real `dialtone serve` with its bridge, a baresip
//! that answers, and two copies of a CRM page, one on an approved origin and one not.
//!
//! Needs `npm ci` in tests/browser and /usr/bin/chromium (scripts/test.sh installs both).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use dialtone_e2e::baresip::PCMU;
use dialtone_e2e::bridge::BridgeRig;
use dialtone_e2e::page::{crm_page, PageServer};

const PEER: &str = "1003";
/// The whole browser run (two pages, a call) is bounded by this.
const BROWSER_RUN: Duration = Duration::from_secs(120);

#[test]
fn a_crm_page_drives_calls_through_the_embed_page_in_chromium() -> Result<()> {
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    ensure!(
        browser_dir.join("node_modules/playwright-core").is_dir(),
        "run `npm ci` in {} first (scripts/test.sh does)",
        browser_dir.display()
    );
    let b = BridgeRig::start("", "")?;
    let mut peer = b.rig.peer(PEER, 440.0, PCMU, true)?;
    let html = crm_page(&b.origin(), &b.token, PEER);
    let approved = PageServer::start(html.clone())?;
    let other = PageServer::start(html)?;
    b.cli(&["pair", "approve", &approved.origin(), "--silent-dial"])?;

    let shots = std::env::var("DIALTONE_ARTIFACTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("dialtone-artifacts"))
        .join("browser");
    std::fs::create_dir_all(&shots)?;
    let mut child = Command::new("node")
        .args(["--test", "--test-reporter=spec", "embed.test.mjs"])
        .current_dir(&browser_dir)
        .env("CRM_URL", format!("{}/crm", approved.origin()))
        .env("OTHER_URL", format!("{}/crm", other.origin()))
        .env("SHOTS", &shots)
        .spawn()
        .context("cannot run node (scripts/test.sh installs Node.js)")?;
    let deadline = std::time::Instant::now() + BROWSER_RUN;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if std::time::Instant::now() > deadline {
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

    // The approved page's call really reached baresip and ended; the other page placed none.
    let history = b.call("GET", "/v1/history", None)?.json()?;
    ensure!(
        history["total"] == 1,
        "one call, from the approved page only: {history}"
    );
    ensure!(history["items"][0]["endCause"] == "completed", "{history}");
    ensure!(
        history["items"][0]["talkMs"]
            .as_u64()
            .is_some_and(|t| t > 0),
        "{history}"
    );
    drop(peer.stop());
    Ok(())
}
