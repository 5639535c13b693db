//! Proves the Kamailio harness with sipp (UDP/TCP) and `openssl s_client` (TLS).
//! Each test owns its own Kamailio (random ports, private dir), so they run concurrently.

use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Result;
use dialtone_e2e::kamailio::{
    free_port, password_for, BadCredentials, DigestAlgorithm, Kamailio, Options,
};
use dialtone_e2e::sipp::{run_bounded, run_scenario, Scenario, SippRun};

/// What the scenario expects after the first REGISTER.
enum Expect {
    /// 401, then the authenticated REGISTER gets this final status.
    AuthThen(u16),
    /// 401, then the authenticated REGISTER gets 423 with `Min-Expires: 60`.
    AuthThenTooBrief,
    /// Only the 401 challenge, whose WWW-Authenticate must match this regexp.
    ChallengeMatching(&'static str),
}

/// `expires` goes into the Expires header, `contact_expires` (if any) into the Contact's `;expires=`.
fn register_request(
    user: &str,
    expires: u32,
    contact_expires: Option<u32>,
    cseq: u32,
    auth: Option<&str>,
) -> String {
    let cparam = contact_expires
        .map(|e| format!(";expires={e}"))
        .unwrap_or_default();
    let auth = match auth {
        Some(pw) => format!("      [authentication username={user} password={pw}]\n"),
        None => String::new(),
    };
    format!(
        r#"  <send retrans="500">
    <![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:{user}@[remote_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:{user}@[remote_ip]>
      Call-ID: [call_id]
      CSeq: {cseq} REGISTER
      Contact: <sip:{user}@[local_ip]:[local_port];transport=[transport]>{cparam}
{auth}      Expires: {expires}
      User-Agent: sipp-dialtone-e2e
      Content-Length: 0

    ]]>
  </send>
"#
    )
}

fn scenario(
    user: &str,
    password: &str,
    expires: u32,
    contact_expires: Option<u32>,
    expect: &Expect,
) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\n\
         <!DOCTYPE scenario SYSTEM \"sipp.dtd\">\n<scenario name=\"register\">\n",
    );
    s += &register_request(user, expires, contact_expires, 1, None);
    match expect {
        Expect::AuthThen(code) => {
            s += "  <recv response=\"401\" auth=\"true\"/>\n";
            s += &register_request(user, expires, contact_expires, 2, Some(password));
            s += &format!("  <recv response=\"{code}\"/>\n");
        }
        Expect::AuthThenTooBrief => {
            s += "  <recv response=\"401\" auth=\"true\"/>\n";
            s += &register_request(user, expires, contact_expires, 2, Some(password));
            s += "  <recv response=\"423\">\n    <action>\n      \
                  <ereg regexp=\"^ *60 *$\" search_in=\"hdr\" header=\"Min-Expires:\" \
                  check_it=\"true\" assign_to=\"minexp\"/>\n    </action>\n  </recv>\n  \
                  <Reference variables=\"minexp\"/>\n";
        }
        Expect::ChallengeMatching(re) => {
            s += &format!(
                "  <recv response=\"401\">\n    <action>\n      \
                 <ereg regexp=\"{re}\" search_in=\"hdr\" header=\"WWW-Authenticate:\" \
                 check_it=\"true\" assign_to=\"chal\"/>\n    </action>\n  </recv>\n  \
                 <Reference variables=\"chal\"/>\n"
            );
        }
    }
    s += "</scenario>\n";
    s
}

/// Run one sipp REGISTER scenario against `k`. `transport` is `u1` or `t1`.
fn sipp_register(
    k: &Kamailio,
    name: &str,
    transport: &str,
    local_port: u16,
    password: &str,
    expires: u32,
    expect: Expect,
) -> Result<SippRun> {
    sipp_register_with(
        k, name, transport, local_port, password, expires, None, expect,
    )
}

/// Like [`sipp_register`], with an optional Contact `;expires=` parameter.
#[allow(clippy::too_many_arguments)]
fn sipp_register_with(
    k: &Kamailio,
    name: &str,
    transport: &str,
    local_port: u16,
    password: &str,
    expires: u32,
    contact_expires: Option<u32>,
    expect: Expect,
) -> Result<SippRun> {
    let xml = scenario("1001", password, expires, contact_expires, &expect);
    let remote_port = if transport == "t1" {
        k.tcp_port()
    } else {
        k.udp_port()
    };
    let remote = format!("127.0.0.1:{remote_port}");
    let run = run_scenario(
        k.dir(),
        &Scenario {
            name,
            xml: &xml,
            transport,
            local_ip: "127.0.0.1",
            local_port,
            remote: Some(&remote),
            timeout: Duration::from_secs(10),
        },
    )?;
    Ok(SippRun {
        ok: run.ok,
        report: format!("{}\n--- kamailio log tail:\n{}", run.report, k.log_tail(30)),
    })
}

#[test]
fn udp_register_with_right_password_creates_binding_and_unregister_removes_it() -> Result<()> {
    let k = Kamailio::start()?;
    let port = free_port()?;
    let run = sipp_register(
        &k,
        "reg_udp",
        "u1",
        port,
        &password_for("1001"),
        120,
        Expect::AuthThen(200),
    )?;
    assert!(run.ok, "{}", run.report);
    let bindings = k.bindings()?;
    println!("UDP bindings: {bindings:?}");
    let b = bindings
        .iter()
        .find(|b| b.aor == "1001")
        .unwrap_or_else(|| panic!("no binding for 1001 in {bindings:?}"));
    assert!(b.contact.contains(&format!("127.0.0.1:{port}")), "{b:?}");
    assert!(
        matches!(b.expires, Some(e) if (100..=120).contains(&e)),
        "{b:?}"
    );
    assert_eq!(
        b.socket.as_deref(),
        Some(format!("udp:127.0.0.1:{}", k.udp_port()).as_str())
    );

    // Expires: 0 from the same contact unregisters (not 423).
    let run = sipp_register(
        &k,
        "unreg_udp",
        "u1",
        port,
        &password_for("1001"),
        0,
        Expect::AuthThen(200),
    )?;
    assert!(run.ok, "{}", run.report);
    let bindings = k.bindings()?;
    assert!(
        bindings.is_empty(),
        "still bound after Expires: 0: {bindings:?}"
    );
    Ok(())
}

#[test]
fn udp_register_with_wrong_password_is_forbidden() -> Result<()> {
    let k = Kamailio::start()?;
    let run = sipp_register(
        &k,
        "reg_bad",
        "u1",
        free_port()?,
        "wrong",
        120,
        Expect::AuthThen(403),
    )?;
    assert!(run.ok, "{}", run.report);
    assert!(k.bindings()?.is_empty());
    Ok(())
}

#[test]
fn wrong_password_is_rechallenged_when_configured() -> Result<()> {
    let k = Kamailio::start_with(Options {
        bad_credentials: BadCredentials::Rechallenge,
        ..Options::default()
    })?;
    let run = sipp_register(
        &k,
        "reg_bad_401",
        "u1",
        free_port()?,
        "wrong",
        120,
        Expect::AuthThen(401),
    )?;
    assert!(run.ok, "{}", run.report);
    assert!(k.bindings()?.is_empty());
    Ok(())
}

#[test]
fn too_brief_expires_gets_423_with_min_expires() -> Result<()> {
    let k = Kamailio::start()?;
    let run = sipp_register(
        &k,
        "reg_423",
        "u1",
        free_port()?,
        &password_for("1001"),
        30,
        Expect::AuthThenTooBrief,
    )?;
    assert!(run.ok, "{}", run.report);
    assert!(k.bindings()?.is_empty());
    Ok(())
}

#[test]
fn too_brief_contact_expires_param_gets_423_even_with_long_expires_header() -> Result<()> {
    let k = Kamailio::start()?;
    let run = sipp_register_with(
        &k,
        "reg_423_param",
        "u1",
        free_port()?,
        &password_for("1001"),
        3600,
        Some(30),
        Expect::AuthThenTooBrief,
    )?;
    assert!(run.ok, "{}", run.report);
    assert!(k.bindings()?.is_empty());
    Ok(())
}

#[test]
fn large_expires_is_capped_at_300() -> Result<()> {
    let k = Kamailio::start()?;
    let run = sipp_register(
        &k,
        "reg_cap",
        "u1",
        free_port()?,
        &password_for("1001"),
        3600,
        Expect::AuthThen(200),
    )?;
    assert!(run.ok, "{}", run.report);
    let bindings = k.bindings()?;
    assert!(
        bindings
            .iter()
            .any(|b| matches!(b.expires, Some(e) if (280..=300).contains(&e))),
        "{bindings:?}"
    );
    Ok(())
}

#[test]
fn sha256_challenge_when_configured() -> Result<()> {
    let k = Kamailio::start_with(Options {
        algorithm: DigestAlgorithm::Sha256,
        ..Options::default()
    })?;
    let run = sipp_register(
        &k,
        "chal_sha256",
        "u1",
        free_port()?,
        &password_for("1001"),
        120,
        Expect::ChallengeMatching("algorithm=SHA-256"),
    )?;
    assert!(run.ok, "{}", run.report);
    Ok(())
}

#[test]
fn tcp_register_creates_binding_reusing_the_connection() -> Result<()> {
    let k = Kamailio::start()?;
    let port = free_port()?;
    let run = sipp_register(
        &k,
        "reg_tcp",
        "t1",
        port,
        &password_for("1001"),
        120,
        Expect::AuthThen(200),
    )?;
    assert!(run.ok, "{}", run.report);
    let bindings = k.bindings()?;
    println!("TCP bindings: {bindings:?}");
    let b = bindings
        .iter()
        .find(|b| b.aor == "1001")
        .unwrap_or_else(|| panic!("no binding for 1001 in {bindings:?}"));
    assert_eq!(
        b.socket.as_deref(),
        Some(format!("tcp:127.0.0.1:{}", k.tcp_port()).as_str())
    );
    let received = b.received.as_deref().unwrap_or_default();
    assert!(received.contains("transport=tcp"), "{b:?}");
    Ok(())
}

#[test]
fn tls_port_presents_a_cert_signed_by_ca_file() -> Result<()> {
    let k = Kamailio::start()?;
    let ca = k.ca_file();
    assert!(ca.exists());
    let mut cmd = Command::new("openssl");
    cmd.args([
        "s_client",
        "-connect",
        &format!("127.0.0.1:{}", k.tls_port()),
    ])
    .arg("-CAfile")
    .arg(&ca)
    .args(["-verify_return_error", "-verify_ip", "127.0.0.1", "-brief"]);
    let (status, out) = run_bounded(cmd, k.dir(), "s_client", Duration::from_secs(15))?;
    println!("s_client: {}", out.trim());
    assert!(
        status.success(),
        "s_client failed ({status}):\n{out}\n--- kamailio:\n{}",
        k.log_tail(30)
    );
    assert!(out.contains("Verification: OK"), "{out}");
    Ok(())
}

#[test]
fn restart_keeps_ports_and_forgets_registrations() -> Result<()> {
    let mut k = Kamailio::start()?;
    let ports = (k.udp_port(), k.tcp_port(), k.tls_port());
    let port = free_port()?;
    let run = sipp_register(
        &k,
        "reg_before",
        "u1",
        port,
        &password_for("1001"),
        120,
        Expect::AuthThen(200),
    )?;
    assert!(run.ok, "{}", run.report);
    assert_eq!(k.bindings()?.len(), 1);

    let t = Instant::now();
    k.restart()?;
    println!("restart took {:?}", t.elapsed());
    assert_eq!((k.udp_port(), k.tcp_port(), k.tls_port()), ports);
    assert!(k.is_running());
    assert!(k.bindings()?.is_empty(), "bindings survived restart");

    let run = sipp_register(
        &k,
        "reg_after",
        "u1",
        port,
        &password_for("1001"),
        120,
        Expect::AuthThen(200),
    )?;
    assert!(run.ok, "{}", run.report);
    assert_eq!(k.bindings()?.len(), 1);
    Ok(())
}

#[test]
fn reserve_then_start_again() -> Result<()> {
    let mut k = Kamailio::reserve()?;
    assert!(!k.is_running());
    assert!(
        k.bindings().is_err(),
        "kamcmd should fail while not started"
    );
    k.start_again()?;
    assert!(k.bindings()?.is_empty());
    k.stop()?;
    assert!(!k.is_running());
    Ok(())
}
