//! Registration end to end: the real `dialtone serve` binary against a real Kamailio on
//! loopback. Figures (times to re-register) are printed for the closing note.

use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use dialtone_api::RegistrationState as S;
use dialtone_e2e::kamailio::{password_for, BadCredentials, DigestAlgorithm, Kamailio, Options};
use dialtone_e2e::phone::Dialtone;

const EVENT: Duration = Duration::from_secs(15);

/// A config with one account `work` for user 1001 on `transport`.
fn config(k: &Kamailio, transport: &str, extra: &str) -> String {
    let port = match transport {
        "tcp" => k.tcp_port(),
        "tls" => k.tls_port(),
        _ => k.udp_port(),
    };
    format!(
        r#"
[sip]
listen = "127.0.0.1"
port = 0
keepalive_interval = 1

[registration]
retry_min = 1
retry_max = 4

[[accounts]]
id = "work"
display_name = "Alice"
user = "1001"
domain = "127.0.0.1:{port}"
transport = "{transport}"
password_env = "DT_PW_1001"
expires = 120
{extra}
"#
    )
}

fn start(config: &str) -> Result<Dialtone> {
    Dialtone::start(
        config,
        &[
            ("DT_PW_1001", &password_for("1001")),
            ("DT_PW_1002", &password_for("1002")),
        ],
    )
}

fn bound_users(k: &Kamailio) -> Result<Vec<String>> {
    Ok(k.bindings()?.into_iter().map(|b| b.aor).collect())
}

/// Register, check the binding at the registrar and in `dialtone status`, stop, and check the
/// registrar's location table is empty again.
fn register_and_unregister(transport: &str, extra: &str) -> Result<()> {
    let k = Kamailio::start()?;
    let mut phone = start(&config(&k, transport, &format!("{extra}\n")))?;
    let started = Instant::now();
    let reg = phone.wait_registration("work", S::Registered, EVENT)?;
    println!("figure: {transport} register took {:?}", started.elapsed());
    let expires_at = reg
        .expires_at
        .ok_or_else(|| anyhow::anyhow!("registered without expiresAt"))?;
    let left = (expires_at - chrono::Utc::now()).num_seconds();
    ensure!(
        (100..=120).contains(&left),
        "expiresAt {left} s away, expected ~120"
    );
    ensure!(
        bound_users(&k)? == vec!["1001".to_string()],
        "bindings: {:?}",
        k.bindings()?
    );
    let contact = &k.bindings()?[0].contact;
    if transport != "udp" {
        ensure!(
            contact
                .to_lowercase()
                .contains(&format!("transport={transport}")),
            "contact {contact}"
        );
    }

    let status = phone.status()?;
    ensure!(
        status.accounts.len() == 1 && status.accounts[0].state == S::Registered,
        "{status:?}"
    );

    let exit = phone.stop(Duration::from_secs(8))?;
    ensure!(exit.success(), "dialtone exited with {exit}");
    ensure!(
        phone.states_of("work").last() == Some(&S::Unregistered),
        "{:?}",
        phone.states_of("work")
    );
    ensure!(
        bound_users(&k)?.is_empty(),
        "binding left at the registrar: {:?}",
        k.bindings()?
    );

    let log = phone.log();
    ensure!(!log.contains("secret-1001"), "password in the log");
    ensure!(!log.contains("response=\""), "digest response in the log");
    Ok(())
}

#[test]
fn udp_registers_and_unregisters_on_shutdown() -> Result<()> {
    register_and_unregister("udp", "")
}

#[test]
fn tcp_registers_and_unregisters_on_shutdown() -> Result<()> {
    register_and_unregister("tcp", "")
}

#[test]
fn tls_registers_verifying_the_registrar_against_the_given_ca() -> Result<()> {
    let k = Kamailio::start()?;
    register_and_unregister_with(
        &k,
        "tls",
        &format!("tls_ca_file = \"{}\"", k.ca_file().display()),
    )
}

fn register_and_unregister_with(k: &Kamailio, transport: &str, extra: &str) -> Result<()> {
    let mut phone = start(&config(k, transport, extra))?;
    phone.wait_registration("work", S::Registered, EVENT)?;
    ensure!(
        bound_users(k)? == vec!["1001".to_string()],
        "bindings: {:?}",
        k.bindings()?
    );
    ensure!(phone.stop(Duration::from_secs(8))?.success());
    ensure!(
        bound_users(k)?.is_empty(),
        "binding left: {:?}",
        k.bindings()?
    );
    Ok(())
}

#[test]
fn tls_without_the_ca_is_refused_not_registered() -> Result<()> {
    let k = Kamailio::start()?;
    let mut phone = start(&config(&k, "tls", ""))?;
    let r = phone.wait_registration("work", S::Unreachable, EVENT)?;
    let reason = r.reason.unwrap_or_default();
    ensure!(
        reason.to_lowercase().contains("tls") || reason.contains("certificate"),
        "reason: {reason}"
    );
    ensure!(bound_users(&k)?.is_empty());
    Ok(())
}

#[test]
fn sha256_challenge_is_answered() -> Result<()> {
    let k = Kamailio::start_with(Options {
        algorithm: DigestAlgorithm::Sha256,
        ..Options::default()
    })?;
    let mut phone = start(&config(&k, "udp", ""))?;
    phone.wait_registration("work", S::Registered, EVENT)?;
    ensure!(bound_users(&k)? == vec!["1001".to_string()]);
    Ok(())
}

#[test]
fn wrong_password_is_auth_failed_without_a_retry_storm() -> Result<()> {
    wrong_password(Kamailio::start()?)
}

/// Kamailio's stock config answers a wrong password with a fresh 401 rather than 403.
#[test]
fn wrong_password_rechallenged_is_auth_failed_too() -> Result<()> {
    wrong_password(Kamailio::start_with(Options {
        bad_credentials: BadCredentials::Rechallenge,
        ..Options::default()
    })?)
}

fn wrong_password(k: Kamailio) -> Result<()> {
    let mut phone = Dialtone::start(
        &config(&k, "udp", ""),
        &[("DT_PW_1001", "not-the-password")],
    )?;
    let r = phone.wait_registration("work", S::AuthFailed, EVENT)?;
    let reason = r.reason.unwrap_or_default();
    ensure!(
        reason.contains("403") || reason.contains("wrong user or password"),
        "reason: {reason}"
    );
    // No further attempt: nothing happens within several backoff periods.
    let more = phone.wait_for(Duration::from_secs(5), |e| {
        matches!(&e.event, dialtone_api::Event::RegistrationChanged(r) if r.account_id == "work")
    });
    ensure!(
        more.is_err(),
        "registration went on after auth_failed: {:?}",
        phone.states_of("work")
    );
    ensure!(!phone.log().contains("not-the-password"));
    Ok(())
}

#[test]
fn registrar_down_at_start_is_unreachable_then_registered_soon_after_it_starts() -> Result<()> {
    let mut k = Kamailio::reserve()?;
    let mut phone = start(&config(&k, "udp", ""))?;
    let r = phone.wait_registration("work", S::Unreachable, EVENT)?;
    ensure!(r.reason.unwrap_or_default().contains("retry in"));
    k.start_again()?;
    let up = Instant::now();
    phone.wait_registration("work", S::Registered, EVENT)?;
    println!(
        "figure: registrar started -> registered (udp) in {:?}",
        up.elapsed()
    );
    ensure!(bound_users(&k)? == vec!["1001".to_string()]);
    Ok(())
}

/// Kill the registrar while registered; the phone must notice (OPTIONS keep-alive on UDP, the
/// closed connection on TCP) and re-register promptly once it is back.
fn survives_registrar_restart(transport: &str) -> Result<()> {
    let mut k = Kamailio::start()?;
    let mut phone = start(&config(&k, transport, ""))?;
    phone.wait_registration("work", S::Registered, EVENT)?;
    k.stop()?;
    let down = Instant::now();
    phone.wait_registration("work", S::Unreachable, EVENT)?;
    println!(
        "figure: registrar killed -> unreachable ({transport}) in {:?}",
        down.elapsed()
    );
    k.start_again()?;
    let up = Instant::now();
    phone.wait_registration("work", S::Registered, EVENT)?;
    println!(
        "figure: registrar restarted -> re-registered ({transport}) in {:?}",
        up.elapsed()
    );
    ensure!(
        bound_users(&k)? == vec!["1001".to_string()],
        "bindings: {:?}",
        k.bindings()?
    );
    Ok(())
}

#[test]
fn udp_survives_registrar_restart() -> Result<()> {
    survives_registrar_restart("udp")
}

#[test]
fn tcp_survives_registrar_restart() -> Result<()> {
    survives_registrar_restart("tcp")
}

#[test]
fn interval_too_brief_is_retried_with_min_expires() -> Result<()> {
    let k = Kamailio::start()?;
    let cfg = config(&k, "udp", "").replace("expires = 120", "expires = 30");
    let mut phone = start(&cfg)?;
    let reg = phone.wait_registration("work", S::Registered, EVENT)?;
    let left = (reg.expires_at.unwrap_or_default() - chrono::Utc::now()).num_seconds();
    ensure!(
        (50..=60).contains(&left),
        "expiresAt {left} s away, expected ~60 after 423"
    );
    let bindings = k.bindings()?;
    ensure!(
        bindings.len() == 1 && bindings[0].expires.is_some_and(|e| (50..=60).contains(&e)),
        "{bindings:?}"
    );
    Ok(())
}

#[test]
fn two_accounts_register_side_by_side() -> Result<()> {
    let k = Kamailio::start()?;
    let cfg = format!(
        "{}\n[[accounts]]\nid = \"second\"\nuser = \"1002\"\ndomain = \"127.0.0.1:{}\"\ntransport = \"tcp\"\npassword_env = \"DT_PW_1002\"\n",
        config(&k, "udp", ""),
        k.tcp_port()
    );
    let mut phone = start(&cfg)?;
    // The two accounts register concurrently, in either order.
    phone.wait_registration("work", S::Registered, EVENT)?;
    if !phone.states_of("second").contains(&S::Registered) {
        phone.wait_registration("second", S::Registered, EVENT)?;
    }
    let mut users = bound_users(&k)?;
    users.sort();
    ensure!(
        users == vec!["1001".to_string(), "1002".to_string()],
        "{users:?}"
    );
    ensure!(phone.stop(Duration::from_secs(8))?.success());
    ensure!(bound_users(&k)?.is_empty(), "{:?}", k.bindings()?);
    Ok(())
}

#[test]
fn reregister_command_sends_a_fresh_register() -> Result<()> {
    let k = Kamailio::start()?;
    let mut phone = start(&config(&k, "udp", ""))?;
    phone.wait_registration("work", S::Registered, EVENT)?;
    let out = control(&phone, &["reregister", "work"])?;
    ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    phone.wait_registration("work", S::Registering, EVENT)?;
    phone.wait_registration("work", S::Registered, EVENT)?;
    Ok(())
}

fn control(phone: &Dialtone, args: &[&str]) -> Result<std::process::Output> {
    Ok(std::process::Command::new(dialtone_e2e::phone::binary()?)
        .args(args)
        .arg("--control")
        .arg(phone.control_socket())
        .output()?)
}

#[test]
fn disable_unregisters_and_enable_registers_again() -> Result<()> {
    let k = Kamailio::start()?;
    let mut phone = start(&config(&k, "tcp", ""))?;
    phone.wait_registration("work", S::Registered, EVENT)?;
    ensure!(control(&phone, &["disable", "work"])?.status.success());
    phone.wait_registration("work", S::Unregistered, EVENT)?;
    ensure!(bound_users(&k)?.is_empty(), "{:?}", k.bindings()?);
    ensure!(phone.status()?.accounts[0].state == S::Unregistered);
    ensure!(control(&phone, &["enable", "work"])?.status.success());
    phone.wait_registration("work", S::Registered, EVENT)?;
    ensure!(bound_users(&k)? == vec!["1001".to_string()]);
    let unknown = control(&phone, &["disable", "nobody"])?;
    ensure!(!unknown.status.success(), "unknown account accepted");
    ensure!(String::from_utf8_lossy(&unknown.stderr).contains("no account `nobody`"));
    Ok(())
}
