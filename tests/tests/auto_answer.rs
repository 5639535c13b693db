//! Auto-answer for PBX click-to-dial: with `auto_answer = "trusted"` a call from the
//! account's registrar/proxy that carries `Call-Info: ...;answer-after=0` answers by itself;
//! the same call without the header rings and waits for a person. sipp plays the PBX from
//! 127.0.0.1, the registrar's address (Kamailio is the registrar on 127.0.0.1). Once
//! answered, the PBX also sends a DTMF digit by SIP INFO.

use std::time::Duration;

use anyhow::{ensure, Result};
use dialtone_api::{DtmfDirection, DtmfMethod, EndCause, Event, RegistrationState as S};
use dialtone_e2e::kamailio::{free_port, password_for, Kamailio};
use dialtone_e2e::phone::Dialtone;
use dialtone_e2e::sipp::{run_scenario, Scenario};

const INVITE: &str = r#"
INVITE sip:1001@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Click to dial" <sip:pbx@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:1001@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:pbx@[local_ip]:[local_port]>
Max-Forwards: 70
@@HEADER@@Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
"#;

/// After the answer the PBX sends a DTMF digit by SIP INFO (`application/dtmf-relay`).
const INFO: &str = r#"
  <send retrans="500"><![CDATA[
INFO sip:1001@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Click to dial" <sip:pbx@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 INFO
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal=5
Duration=160
]]></send>
  <recv response="200" />
"#;

/// The PBX calls, the phone answers by itself, the PBX hangs up after a second.
fn answered_scenario(header: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="auto answer">
  <send retrans="500"><![CDATA[{invite}]]></send>
  <recv response="100" optional="true" />
  <recv response="180" optional="true" />
  <recv response="200" rtd="true" />
  <send><![CDATA[
ACK sip:1001@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Click to dial" <sip:pbx@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  @@INFO@@
  <pause milliseconds="1000" />
  <send retrans="500"><![CDATA[
BYE sip:1001@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Click to dial" <sip:pbx@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 3 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" crlf="true" />
</scenario>
"#,
        invite = INVITE.replace("@@HEADER@@", header)
    )
    .replace("@@INFO@@", INFO)
}

/// The PBX calls, the phone rings (no 200 may come), the PBX gives up after a second.
fn ringing_scenario(header: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="rings">
  <send retrans="500"><![CDATA[{invite}]]></send>
  <recv response="100" optional="true" />
  <recv response="180" />
  <pause milliseconds="1500" />
  <send><![CDATA[
CANCEL sip:1001@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-4]
From: "Click to dial" <sip:pbx@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:1001@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" />
  <recv response="487" />
  <send><![CDATA[
ACK sip:1001@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-7]
From: "Click to dial" <sip:pbx@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
</scenario>
"#,
        invite = INVITE.replace("@@HEADER@@", header)
    )
}

fn phone(k: &Kamailio, policy: &str) -> Result<(Dialtone, u16)> {
    let port = free_port()?;
    let rtp = 20_000 + (port % 1000) * 8;
    let config = format!(
        r#"
[sip]
listen = "127.0.0.1"
port = {port}

[media]
rtp_port_min = {rtp}
rtp_port_max = {}

[audio]
backend = "null"

[[accounts]]
id = "work"
user = "1001"
domain = "127.0.0.1:{}"
password_env = "DT_PW_1001"
auto_answer = "{policy}"
"#,
        rtp + 7,
        k.udp_port()
    );
    let mut phone = Dialtone::start(&config, &[("DT_PW_1001", &password_for("1001"))])?;
    phone.wait_registration("work", S::Registered, Duration::from_secs(15))?;
    Ok((phone, port))
}

fn run(k: &Kamailio, name: &str, xml: &str, port: u16) -> Result<()> {
    let run = run_scenario(
        k.dir(),
        &Scenario {
            name,
            xml,
            transport: "u1",
            local_ip: "127.0.0.1",
            local_port: free_port()?,
            remote: Some(&format!("127.0.0.1:{port}")),
            timeout: Duration::from_secs(10),
        },
    )?;
    ensure!(run.ok, "{}", run.report);
    Ok(())
}

fn ended(phone: &mut Dialtone) -> Result<EndCause> {
    let env = phone.wait_for(Duration::from_secs(10), |e| {
        matches!(e.event, Event::CallEnded(_))
    })?;
    match env.event {
        Event::CallEnded(e) => Ok(e.cause),
        _ => unreachable!("matched above"),
    }
}

#[test]
fn trusted_pbx_call_with_answer_after_answers_itself() -> Result<()> {
    let k = Kamailio::start()?;
    let (mut phone, port) = phone(&k, "trusted")?;
    let xml = answered_scenario("Call-Info: <sip:127.0.0.1>;answer-after=0\n");
    run(&k, "answer_after", &xml, port)?;
    let incoming = phone.wait_for(Duration::from_secs(5), |e| {
        matches!(e.event, Event::CallIncoming(_))
    })?;
    match incoming.event {
        Event::CallIncoming(c) => ensure!(c.auto_answer_ms == Some(0), "{c:?}"),
        _ => unreachable!("matched above"),
    }
    phone.wait_for(Duration::from_secs(5), |e| {
        matches!(e.event, Event::CallAnswered(_))
    })?;
    let dtmf = phone.wait_for(Duration::from_secs(5), |e| {
        matches!(e.event, Event::CallDtmf(_))
    })?;
    match dtmf.event {
        Event::CallDtmf(d) => ensure!(
            d.digit == '5'
                && d.method == DtmfMethod::Info
                && d.direction == DtmfDirection::Received,
            "{d:?}"
        ),
        _ => unreachable!("matched above"),
    }
    ensure!(ended(&mut phone)? == EndCause::Completed);
    Ok(())
}

#[test]
fn alert_info_auto_answer_marker_answers_itself() -> Result<()> {
    let k = Kamailio::start()?;
    let (mut phone, port) = phone(&k, "trusted")?;
    let xml = answered_scenario("Alert-Info: <http://127.0.0.1>;info=alert-autoanswer\n");
    run(&k, "alert_info", &xml, port)?;
    phone.wait_for(Duration::from_secs(5), |e| {
        matches!(e.event, Event::CallAnswered(_))
    })?;
    ensure!(ended(&mut phone)? == EndCause::Completed);
    Ok(())
}

#[test]
fn trusted_policy_without_the_header_rings_for_a_person() -> Result<()> {
    let k = Kamailio::start()?;
    let (mut phone, port) = phone(&k, "trusted")?;
    run(&k, "no_header", &ringing_scenario(""), port)?;
    ensure!(ended(&mut phone)? == EndCause::Missed);
    ensure!(
        !phone
            .seen()
            .iter()
            .any(|e| matches!(e.event, Event::CallAnswered(_))),
        "answered without being asked"
    );
    Ok(())
}

#[test]
fn never_policy_ignores_the_answer_after_header() -> Result<()> {
    let k = Kamailio::start()?;
    let (mut phone, port) = phone(&k, "never")?;
    let xml = ringing_scenario("Call-Info: <sip:127.0.0.1>;answer-after=0\n");
    run(&k, "never", &xml, port)?;
    ensure!(ended(&mut phone)? == EndCause::Missed);
    Ok(())
}
