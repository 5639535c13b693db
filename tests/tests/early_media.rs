//! Early media: the far end answers 183 Session Progress with SDP and plays audio before it
//! answers (announcements, its own ringback). Dialtone must report `earlyMedia` and play
//! what arrives. sipp is the far end, called directly from the built-in local account; it
//! plays the G.711 A-law recording Debian's sip-tester ships, then answers after 2 s.

use std::path::Path;
use std::thread;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use dialtone_api::{Command, Event, RegistrationState};
use dialtone_e2e::kamailio::free_port;
use dialtone_e2e::phone::{wait_recording_finished, Dialtone};
use dialtone_e2e::sipp::{run_scenario, Scenario};
use dialtone_e2e::tone;

const PCAP: &str = "/usr/share/sip-tester/g711a.pcap";

const UAS: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="early media">
  <recv request="INVITE" crlf="true" />
  <send><![CDATA[
SIP/2.0 183 Session Progress
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
@@SDP@@
  <nop><action><exec play_pcap_audio="@@PCAP@@" /></action></nop>
  <pause milliseconds="2000" />
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
@@SDP@@
  <recv request="ACK" crlf="true" />
  <recv request="BYE" />
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
"#;

/// The far end's Contact and SDP answer, the same in the 183 and the 200.
const SDP: &str = "Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 1 1 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8
a=rtpmap:8 PCMA/8000
]]></send>";

#[test]
fn early_media_is_reported_and_played_before_the_answer() -> Result<()> {
    ensure!(
        Path::new(PCAP).is_file(),
        "{PCAP} missing (package sip-tester)"
    );
    let dir = tempfile::tempdir()?;
    let heard = dir.path().join("heard.wav");
    let port = free_port()?;
    let rtp = 30_000 + (port % 1000) * 8;
    let config = format!(
        "[sip]\nlisten = \"127.0.0.1\"\nport = {port}\n\n[media]\ncodecs = [\"PCMA\"]\nrtp_port_min = {rtp}\nrtp_port_max = {}\n",
        rtp + 7
    );
    let mut phone = Dialtone::start_with_audio(&config, &[], None, Some(&heard))?;
    phone.wait_registration(
        "local",
        RegistrationState::Registered,
        Duration::from_secs(10),
    )?;

    let sipp_port = free_port()?;
    let sipp_dir = dir.path().to_path_buf();
    let xml = UAS.replace("@@PCAP@@", PCAP).replace("@@SDP@@", SDP);
    let far_end = thread::spawn(move || {
        run_scenario(
            &sipp_dir,
            &Scenario {
                name: "early_media",
                xml: &xml,
                transport: "u1",
                local_ip: "127.0.0.1",
                local_port: sipp_port,
                remote: None,
                timeout: Duration::from_secs(20),
            },
        )
    });

    // sipp needs a moment to bind; the INVITE is retransmitted until it answers.
    let call_id = phone.dial(&format!("sip:announce@127.0.0.1:{sipp_port}"))?;
    let ringing = phone.wait_call_event("call.ringing", Some(&call_id), Duration::from_secs(10))?;
    match ringing {
        Event::CallRinging(r) => ensure!(r.early_media, "{r:?}"),
        other => anyhow::bail!("unexpected {other:?}"),
    }
    phone.wait_call_event("call.answered", Some(&call_id), Duration::from_secs(10))?;
    phone.command(Command::Hangup {
        call_id: call_id.clone(),
    })?;
    phone.wait_call_event("call.ended", Some(&call_id), Duration::from_secs(10))?;
    let run = far_end
        .join()
        .map_err(|_| anyhow::anyhow!("sipp thread panicked"))??;
    ensure!(run.ok, "{}", run.report);

    wait_recording_finished(&heard, Duration::from_secs(5))?;
    let spans = tone::audible_spans(&heard, 100, 0.01).context("reading the recording")?;
    println!("early media heard: {spans:?}");
    ensure!(
        // The recording starts at the 183; the 200 OK comes 2 s later. (The sample itself
        // opens with about a second of near-silence.)
        spans
            .iter()
            .any(|&(start, end)| start < 1800 && end.min(1900) >= start + 300),
        "no early media heard before the 200 OK: {spans:?}"
    );
    Ok(())
}
