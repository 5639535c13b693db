//! Ghost calls: an INVITE sent straight to the phone's port from an address that is not its
//! registrar must not ring. sipp plays the scanner from 127.0.0.2 (still loopback) while the
//! registrar is Kamailio on 127.0.0.1.

use std::time::Duration;

use anyhow::{ensure, Result};
use dialtone_api::RegistrationState as S;
use dialtone_e2e::kamailio::{free_port, password_for, Kamailio};
use dialtone_e2e::phone::Dialtone;
use dialtone_e2e::sipp::{run_scenario, Scenario};

const GHOST_INVITE: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="ghost invite">
  <send><![CDATA[
INVITE sip:100@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "scanner" <sip:100@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:100@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:100@[local_ip]:[local_port]>
Max-Forwards: 70
User-Agent: friendly-scanner
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
]]></send>
  <recv response="@@EXPECT@@" />
</scenario>
"#;

fn config(k: &Kamailio, port: u16, policy: &str) -> String {
    format!(
        r#"
[sip]
listen = "127.0.0.1"
port = {port}
stray_requests = "{policy}"

[[accounts]]
id = "work"
user = "1001"
domain = "127.0.0.1:{}"
password_env = "DT_PW_1001"
"#,
        k.udp_port()
    )
}

fn phone(k: &Kamailio, policy: &str) -> Result<(Dialtone, u16)> {
    let port = free_port()?;
    let mut phone = Dialtone::start(
        &config(k, port, policy),
        &[("DT_PW_1001", &password_for("1001"))],
    )?;
    phone.wait_registration("work", S::Registered, Duration::from_secs(15))?;
    Ok((phone, port))
}

#[test]
fn ghost_invite_from_a_stranger_is_refused_with_403() -> Result<()> {
    let k = Kamailio::start()?;
    let (phone, port) = phone(&k, "reject")?;
    let xml = GHOST_INVITE.replace("@@EXPECT@@", "403");
    let run = run_scenario(
        k.dir(),
        &Scenario {
            name: "ghost403",
            xml: &xml,
            transport: "u1",
            local_ip: "127.0.0.2",
            local_port: free_port()?,
            remote: Some(&format!("127.0.0.1:{port}")),
            timeout: Duration::from_secs(5),
        },
    )?;
    ensure!(run.ok, "{}", run.report);
    ensure!(
        phone
            .log()
            .contains("request from an unknown source refused"),
        "{}",
        phone.log()
    );
    Ok(())
}

#[test]
fn ghost_invite_is_dropped_silently_when_configured() -> Result<()> {
    let k = Kamailio::start()?;
    let (phone, port) = phone(&k, "drop")?;
    // Any answer at all would complete the scenario; silence makes sipp time out.
    let xml = GHOST_INVITE.replace("@@EXPECT@@", "403");
    let run = run_scenario(
        k.dir(),
        &Scenario {
            name: "ghostdrop",
            xml: &xml,
            transport: "u1",
            local_ip: "127.0.0.2",
            local_port: free_port()?,
            remote: Some(&format!("127.0.0.1:{port}")),
            timeout: Duration::from_secs(2),
        },
    )?;
    ensure!(
        !run.ok,
        "the phone answered a stray request it should drop:\n{}",
        run.report
    );
    ensure!(!run.report.contains("SIP/2.0 403"), "{}", run.report);
    ensure!(phone.log().contains("answered=false"), "{}", phone.log());
    Ok(())
}
