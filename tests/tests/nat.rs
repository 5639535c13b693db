//! NAT: when the registrar reports in `received`/`rport` that it saw us at another address,
//! the phone registers that public address as its Contact. sipp plays a registrar that
//! claims to see us at 127.0.0.9:40000.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use dialtone_api::RegistrationState as S;
use dialtone_e2e::kamailio::free_port;
use dialtone_e2e::phone::Dialtone;
use dialtone_e2e::sipp::{run_scenario, Scenario};

const NAT_REGISTRAR: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="registrar behind which the phone looks NATed">
  <recv request="REGISTER">
    <action>
      <ereg regexp="z9hG4bK[^;]*" search_in="hdr" header="Via:" assign_to="branch" />
      <ereg regexp="[0-9.]+:[0-9]+" search_in="hdr" header="Via:" assign_to="sentby" />
    </action>
  </recv>
  <send><![CDATA[
SIP/2.0 200 OK
Via: SIP/2.0/UDP [$sentby];branch=[$branch];received=127.0.0.9;rport=40000
[last_From:]
[last_To:];tag=[pid]reg
[last_Call-ID:]
[last_CSeq:]
[last_Contact:];expires=120
Content-Length: 0

]]></send>
  <recv request="REGISTER">
    <action>
      <ereg regexp="127\.0\.0\.9:40000" search_in="hdr" header="Contact:" check_it="true" assign_to="public" />
      <ereg regexp="z9hG4bK[^;]*" search_in="hdr" header="Via:" assign_to="branch2" />
    </action>
  </recv>
  <send><![CDATA[
SIP/2.0 200 OK
Via: SIP/2.0/UDP [$sentby];branch=[$branch2];received=127.0.0.9;rport=40000
[last_From:]
[last_To:];tag=[pid]reg
[last_Call-ID:]
[last_CSeq:]
[last_Contact:];expires=120
X-Public-Contact-Seen: [$public]
Content-Length: 0

]]></send>
</scenario>
"#;

#[test]
fn public_address_from_received_rport_becomes_the_contact() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let registrar_port = free_port()?;
    let dir_path = dir.path().to_path_buf();
    let sipp = std::thread::spawn(move || {
        run_scenario(
            &dir_path,
            &Scenario {
                name: "natreg",
                xml: NAT_REGISTRAR,
                transport: "u1",
                local_ip: "127.0.0.1",
                local_port: registrar_port,
                remote: None,
                timeout: Duration::from_secs(10),
            },
        )
    });
    let config = format!(
        "[sip]\nlisten = \"127.0.0.1\"\nport = 0\n\n[[accounts]]\nid = \"work\"\nuser = \"1001\"\ndomain = \"127.0.0.1:{registrar_port}\"\n"
    );
    let mut phone = Dialtone::start(&config, &[])?;
    let registered = phone.wait_registration("work", S::Registered, Duration::from_secs(10));
    let run = sipp
        .join()
        .map_err(|_| anyhow::anyhow!("sipp thread panicked"))??;
    ensure!(registered.is_ok(), "{registered:?}\n{}", run.report);
    ensure!(
        run.ok,
        "the second REGISTER did not carry the public contact:\n{}\n{}",
        run.report,
        phone.log()
    );
    phone
        .wait_registration("work", S::Registered, Duration::from_secs(10))
        .context("registered again with the public contact")?;
    ensure!(phone.log().contains("behind NAT"), "{}", phone.log());
    Ok(())
}
