//! Links, screen pop and the webhook test command with the real `dialtone serve`:
//! `dialtone open tel:…` waits for confirmation (or not, when links are trusted) and reaches
//! a real baresip; an incoming call opens the screen-pop URL in the "browser" (xdg-open with
//! `$BROWSER` pointing at a script that records the URL); `dialtone webhook test` posts a
//! signed test event.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use dialtone_api::Event;
use dialtone_e2e::baresip::PCMU;
use dialtone_e2e::bridge::dialtone;
use dialtone_e2e::rig::{Rig, RigOptions};
use dialtone_e2e::webhook::WebhookReceiver;

const PEER: &str = "1003";
const WAIT: Duration = Duration::from_secs(10);

fn rig(tables: String, env: Vec<(String, String)>) -> Result<Rig> {
    Rig::start(RigOptions {
        extra_tables: tables,
        env,
        ..RigOptions::default()
    })
}

#[test]
fn a_tel_link_waits_for_confirmation_then_reaches_the_peer() -> Result<()> {
    let mut rig = rig(String::new(), Vec::new())?;
    let mut peer = rig.peer(PEER, 440.0, PCMU, true)?;
    let socket = rig.phone.control_socket();
    let bin = dialtone_e2e::phone::binary()?;
    let open = std::thread::spawn(move || {
        std::process::Command::new(bin)
            .args(["open", "tel:10-03", "--control"])
            .arg(socket)
            .output()
    });
    let asked = rig
        .phone
        .wait_for(WAIT, |e| matches!(e.event, Event::DialConfirmRequested(_)))?;
    let Event::DialConfirmRequested(asked) = asked.event else {
        bail!("not a confirmation request")
    };
    ensure!(asked.to == "tel:10-03", "{asked:?}");
    ensure!(asked.target.starts_with("sip:1003@"), "{asked:?}");
    rig.phone.cli(&["confirm", &asked.request_id])?;
    let out = open
        .join()
        .map_err(|_| anyhow::anyhow!("open panicked"))??;
    ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let call_id = String::from_utf8(out.stdout)?.trim().to_owned();
    rig.phone
        .wait_answered(&call_id, WAIT)
        .with_context(|| rig.logs())?;
    peer.wait_call_established(WAIT)?;
    Ok(())
}

#[test]
fn links_dial_at_once_when_confirmation_is_off_and_bad_links_are_refused() -> Result<()> {
    let mut rig = rig("[dialing]\nconfirm_links = false\n".into(), Vec::new())?;
    let _peer = rig.peer(PEER, 440.0, PCMU, true)?;
    let out = rig.phone.cli(&["open", "callto://1003"])?;
    ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let call_id = String::from_utf8(out.stdout)?.trim().to_owned();
    rig.phone
        .wait_answered(&call_id, WAIT)
        .with_context(|| rig.logs())?;
    let bad = rig.phone.cli(&["open", "javascript:alert(1)"]);
    let err = bad.err().map(|e| e.to_string()).unwrap_or_default();
    ensure!(
        err.contains("links of the kind `javascript:` cannot be dialled"),
        "{err}"
    );
    Ok(())
}

#[test]
fn an_incoming_call_opens_the_screen_pop_url() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let opened = dir.path().join("opened.txt");
    let browser = dir.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\necho \"$1\" >> {}\n", opened.display()),
    )?;
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755))?;
    let tables =
        "[screen_pop]\nurl = \"https://crm.example.com/search?phone={number}&dir={direction}\"\n";
    let mut rig = rig(
        tables.into(),
        vec![
            ("BROWSER".into(), browser.display().to_string()),
            ("DISPLAY".into(), String::new()),
        ],
    )?;
    let mut peer = rig.peer(PEER, 440.0, PCMU, false)?;
    peer.dial(&rig.phone_uri())?;
    let incoming = rig.phone.wait_incoming(WAIT).with_context(|| rig.logs())?;
    let deadline = Instant::now() + WAIT;
    let url = loop {
        if let Ok(text) = std::fs::read_to_string(&opened) {
            if !text.trim().is_empty() {
                break text.trim().to_owned();
            }
        }
        if Instant::now() > deadline {
            bail!("no screen pop opened\n{}", rig.logs());
        }
        std::thread::sleep(Duration::from_millis(50)); // polling a file another process writes
    };
    ensure!(
        url == "https://crm.example.com/search?phone=1003&dir=incoming",
        "screen pop {url} for {incoming:?}"
    );
    Ok(())
}

#[test]
fn webhook_test_posts_a_signed_test_event() -> Result<()> {
    let mut hooks = WebhookReceiver::start(vec![])?;
    let tables = format!(
        "[[webhooks]]\nname = \"crm\"\nurl = \"{}\"\nsecret_env = \"DT_HOOK\"\n",
        hooks.url("/t")
    );
    let rig = rig(tables, vec![("DT_HOOK".into(), "s3cr3t".into())])?;
    let out = std::process::Command::new(dialtone_e2e::phone::binary()?)
        .args(["webhook", "test", "crm", "--config"])
        .arg(rig.phone.dir().join("config.toml"))
        .env("DT_HOOK", "s3cr3t")
        .output()?;
    ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ensure!(String::from_utf8(out.stdout)?.contains("HTTP 200"));
    let r = hooks.wait_for(WAIT, "webhook.test", |r| {
        r.header("x-dialtone-event") == Some("webhook.test")
    })?;
    ensure!(r.signature_valid("s3cr3t"));
    let unknown = dialtone(&rig, &["webhook", "test", "nope"]);
    ensure!(unknown.is_err_and(|e| e.to_string().contains("no webhook `nope`")));
    Ok(())
}
