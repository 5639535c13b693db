//! The CRM embed page in real Chromium (Debian's, driven by npm playwright-core): runs
//! tests/browser/embed.test.mjs against the real `dialtone serve` with its bridge, a baresip
//! that answers, and two copies of a CRM page, one on an approved origin and one not.
//!
//! Needs `npm ci` in tests/browser and /usr/bin/chromium (scripts/test.sh installs both).

use std::time::Duration;

use anyhow::{ensure, Result};
use dialtone_e2e::baresip::PCMU;
use dialtone_e2e::bridge::BridgeRig;
use dialtone_e2e::browser::{artifacts_dir, browser_dir, run_node_test};
use dialtone_e2e::page::crm_page;
use dialtone_e2e::static_server::StaticServer;

const PEER: &str = "1003";
/// The whole browser run (two pages, a call) is bounded by this.
const BROWSER_RUN: Duration = Duration::from_secs(120);

#[test]
fn a_crm_page_drives_calls_through_the_embed_page_in_chromium() -> Result<()> {
    browser_dir()?; // fail before the rig starts when the npm packages are missing
    let b = BridgeRig::start("", "")?;
    let mut peer = b.rig.peer(PEER, 440.0, PCMU, true)?;
    let html = crm_page(&b.origin(), &b.token, PEER);
    let approved = StaticServer::single_page(html.clone())?;
    let other = StaticServer::single_page(html)?;
    b.cli(&["pair", "approve", &approved.origin(), "--silent-dial"])?;

    let shots = artifacts_dir("browser")?;
    let status = run_node_test(
        "embed.test.mjs",
        [
            ("CRM_URL", format!("{}/crm", approved.origin())),
            ("OTHER_URL", format!("{}/crm", other.origin())),
            ("SHOTS", shots.display().to_string()),
        ],
        BROWSER_RUN,
        || Ok(()),
    )?;
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
