//! Calls between the real agent and sipp on 127.0.0.1, in both directions. Each sipp
//! scenario (tests/scenarios/) checks what we send; each test checks the events we report.

mod support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::{bail, Result};
use dialtone_sip::agent::{AgentEvent, AgentSettings, StrayPolicy, UserAgent};
use dialtone_sip::digest::Password;
use dialtone_sip::{
    CallEvent, Credentials, IncomingCall, NameAddr, OutgoingCall, Target, TransportKind,
};
use tokio::sync::mpsc;

use support::{closed, free_port, next, Sipp, Transport};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

const OFFER: &str = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n\
                     t=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

async fn agent() -> Result<(UserAgent, mpsc::Receiver<AgentEvent>)> {
    let (agent, events) = UserAgent::start(AgentSettings {
        listen: LOCALHOST,
        port: 0,
        user_agent: "dialtone-test".into(),
        stray: StrayPolicy::Reject,
    })
    .await?;
    agent.set_trusted(Some(vec![LOCALHOST]));
    Ok((agent, events))
}

fn call_to(port: u16) -> OutgoingCall {
    let peer = SocketAddr::new(LOCALHOST, port);
    OutgoingCall::new(
        Target::new(TransportKind::Udp, peer),
        format!("sip:bob@127.0.0.1:{port}"),
        NameAddr::with_display_name("Alice", "sip:alice@127.0.0.1"),
        NameAddr::new(format!("sip:bob@127.0.0.1:{port}")),
        OFFER,
    )
}

async fn incoming(events: &mut mpsc::Receiver<AgentEvent>) -> Result<IncomingCall> {
    loop {
        match next(events).await? {
            AgentEvent::IncomingCall(call) => return Ok(*call),
            AgentEvent::StrayRequest { method, source, .. } => {
                bail!("{method} from {source} refused as stray")
            }
            _ => {}
        }
    }
}

fn answer_sdp(direction: &str) -> String {
    format!(
        "v=0\r\no=alice 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio 40000 RTP/AVP 0\r\na={direction}\r\n"
    )
}

#[tokio::test]
async fn outgoing_call_is_answered_acked_and_hung_up() -> Result<()> {
    let (agent, _agent_events) = agent().await?;
    let port = free_port()?;
    let sipp = Sipp::uas("uas_answer", port).await?;
    let (call, mut events) = agent.invite(call_to(port)).await?;

    assert_eq!(
        next(&mut events).await?,
        CallEvent::Provisional {
            status: 180,
            reason: "Ringing".into(),
            sdp: None
        }
    );
    match next(&mut events).await? {
        CallEvent::Answered { sdp: Some(sdp) } => assert!(sdp.contains("m=audio"), "{sdp}"),
        other => bail!("expected Answered with SDP, got {other:?}"),
    }
    call.bye().await?;
    assert_eq!(
        next(&mut events).await?,
        CallEvent::ByeCompleted { status: 200 }
    );
    closed(&mut events).await?;
    sipp.finish().await?;
    Ok(())
}

#[tokio::test]
async fn outgoing_call_over_tcp() -> Result<()> {
    let (agent, _agent_events) = agent().await?;
    let port = free_port()?;
    let sipp = Sipp::uas_over("uas_answer", Transport::Tcp, port).await?;
    let mut call = call_to(port);
    call.target.kind = TransportKind::Tcp;
    let (call, mut events) = agent.invite(call).await?;
    assert!(matches!(
        next(&mut events).await?,
        CallEvent::Provisional { status: 180, .. }
    ));
    assert!(matches!(
        next(&mut events).await?,
        CallEvent::Answered { sdp: Some(_) }
    ));
    call.bye().await?;
    assert_eq!(
        next(&mut events).await?,
        CallEvent::ByeCompleted { status: 200 }
    );
    let log = sipp.finish().await?;
    assert!(log.contains("TCP message received"), "{log}");
    assert!(log.contains("Via: SIP/2.0/TCP 127.0.0.1:"), "{log}");
    assert!(
        log.contains(";transport=tcp>"),
        "our Contact names TCP: {log}"
    );
    Ok(())
}

#[tokio::test]
async fn outgoing_call_refused_busy_is_acked() -> Result<()> {
    let (agent, _agent_events) = agent().await?;
    let port = free_port()?;
    let sipp = Sipp::uas("uas_busy", port).await?;
    let (_call, mut events) = agent.invite(call_to(port)).await?;
    assert_eq!(
        next(&mut events).await?,
        CallEvent::Failed {
            status: 486,
            reason: "Busy Here".into()
        }
    );
    closed(&mut events).await?;
    sipp.finish().await?; // the scenario ends with our ACK
    Ok(())
}

#[tokio::test]
async fn proxy_challenge_is_answered_with_proxy_authorization() -> Result<()> {
    let (agent, _agent_events) = agent().await?;
    let port = free_port()?;
    let sipp = Sipp::uas("uas_auth", port).await?;
    let mut call = call_to(port);
    call.credentials = Some(Credentials {
        username: "alice".into(),
        password: Password::new("secret"),
    });
    let (call, mut events) = agent.invite(call).await?;
    match next(&mut events).await? {
        CallEvent::Answered { sdp: Some(_) } => {}
        other => bail!("expected Answered, got {other:?}"),
    }
    call.bye().await?;
    assert_eq!(
        next(&mut events).await?,
        CallEvent::ByeCompleted { status: 200 }
    );
    sipp.finish().await?;
    Ok(())
}

#[tokio::test]
async fn outgoing_call_cancelled_while_ringing() -> Result<()> {
    let (agent, _agent_events) = agent().await?;
    let port = free_port()?;
    let sipp = Sipp::uas("uas_cancel", port).await?;
    let (call, mut events) = agent.invite(call_to(port)).await?;
    assert!(matches!(
        next(&mut events).await?,
        CallEvent::Provisional { status: 180, .. }
    ));
    call.cancel().await?;
    assert_eq!(
        next(&mut events).await?,
        CallEvent::Failed {
            status: 487,
            reason: "Request Terminated".into()
        }
    );
    closed(&mut events).await?;
    sipp.finish().await?;
    Ok(())
}

#[tokio::test]
async fn incoming_call_rings_is_answered_and_hung_up_by_the_caller() -> Result<()> {
    let (agent, mut agent_events) = agent().await?;
    let sipp = Sipp::uac("uac_call_bye", free_port()?, agent.local_addr()).await?;
    let mut call = incoming(&mut agent_events).await?;
    assert_eq!(call.from.display_name.as_deref(), Some("Sipp Caller"));
    assert!(call.request_uri.starts_with("sip:alice@127.0.0.1"));
    assert_eq!(call.source.ip(), LOCALHOST);
    assert_eq!(
        call.call_info,
        vec!["<http://crm.example/contact/42>;purpose=info"]
    );
    let offer = call.sdp_offer.clone().unwrap_or_default();
    assert!(offer.contains("m=audio"), "{offer}");

    call.handle.ring().await?;
    call.handle.accept(answer_sdp("sendrecv")).await?;
    assert_eq!(
        next(&mut call.events).await?,
        CallEvent::Confirmed { sdp: None }
    );
    assert_eq!(next(&mut call.events).await?, CallEvent::ByeReceived);
    closed(&mut call.events).await?;
    sipp.finish().await?;
    Ok(())
}

#[tokio::test]
async fn incoming_call_over_tcp() -> Result<()> {
    let (agent, mut agent_events) = agent().await?;
    let sipp = Sipp::uac_over(
        "uac_call_bye",
        Transport::Tcp,
        free_port()?,
        agent.local_addr(),
    )
    .await?;
    let mut call = incoming(&mut agent_events).await?;
    assert_eq!(call.transport, TransportKind::Tcp);
    assert_eq!(call.source.ip(), LOCALHOST);
    call.handle.ring().await?;
    call.handle.accept(answer_sdp("sendrecv")).await?;
    assert_eq!(
        next(&mut call.events).await?,
        CallEvent::Confirmed { sdp: None }
    );
    assert_eq!(next(&mut call.events).await?, CallEvent::ByeReceived);
    sipp.finish().await?;
    Ok(())
}

#[tokio::test]
async fn incoming_call_cancelled_by_the_caller() -> Result<()> {
    let (agent, mut agent_events) = agent().await?;
    let sipp = Sipp::uac("uac_cancel", free_port()?, agent.local_addr()).await?;
    let mut call = incoming(&mut agent_events).await?;
    call.handle.ring().await?;
    assert_eq!(next(&mut call.events).await?, CallEvent::Cancelled);
    closed(&mut call.events).await?;
    assert!(call.handle.accept(answer_sdp("sendrecv")).await.is_err());
    sipp.finish().await?;
    Ok(())
}

#[tokio::test]
async fn reinvite_and_dtmf_info_inside_an_incoming_call() -> Result<()> {
    let (agent, mut agent_events) = agent().await?;
    let sipp = Sipp::uac("uac_in_dialog", free_port()?, agent.local_addr()).await?;
    let mut call = incoming(&mut agent_events).await?;
    call.handle.accept(answer_sdp("sendrecv")).await?;
    assert_eq!(
        next(&mut call.events).await?,
        CallEvent::Confirmed { sdp: None }
    );
    match next(&mut call.events).await? {
        CallEvent::Reinvite { sdp: Some(sdp) } => assert!(sdp.contains("a=sendonly"), "{sdp}"),
        other => bail!("expected Reinvite with SDP, got {other:?}"),
    }
    call.handle.answer_reinvite(answer_sdp("recvonly")).await?;
    assert_eq!(
        next(&mut call.events).await?,
        CallEvent::Info {
            dtmf: '5',
            duration_ms: Some(160)
        }
    );
    assert_eq!(next(&mut call.events).await?, CallEvent::ByeReceived);
    sipp.finish().await?;
    Ok(())
}

#[tokio::test]
async fn untrusted_caller_is_refused_before_any_call() -> Result<()> {
    let (agent, mut agent_events) = agent().await?;
    agent.set_trusted(Some(vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))]));
    let sipp = Sipp::uac("uac_refused", free_port()?, agent.local_addr()).await?;
    match next(&mut agent_events).await? {
        AgentEvent::StrayRequest {
            method, answered, ..
        } => {
            assert_eq!(method, "INVITE");
            assert!(answered);
        }
        other => bail!("expected StrayRequest, got {other:?}"),
    }
    assert_eq!(agent.call_count(), 0);
    sipp.finish().await?; // the scenario expects 403
    Ok(())
}

/// A request from 127.0.0.1 and the status line of the answer.
async fn exchange(agent: &UserAgent, request: &str) -> Result<String> {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    let port = socket.local_addr()?.port();
    let request = request.replace("PORT", &port.to_string());
    socket
        .send_to(request.as_bytes(), agent.local_addr())
        .await?;
    let mut buf = vec![0u8; 4096];
    let (n, _) = tokio::time::timeout(support::EVENT_TIMEOUT, socket.recv_from(&mut buf)).await??;
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    Ok(text.lines().next().unwrap_or_default().to_string())
}

fn request(method: &str, to_tag: &str) -> String {
    format!(
        "{method} sip:alice@127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:PORT;branch=z9hG4bK{method}x1;rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:bob@127.0.0.1>;tag=b1\r\n\
         To: <sip:alice@127.0.0.1>{to_tag}\r\n\
         Call-ID: no-such-call-{method}\r\n\
         CSeq: 5 {method}\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

#[tokio::test]
async fn requests_for_unknown_dialogs_get_481() -> Result<()> {
    let (agent, _agent_events) = agent().await?;
    for method in ["BYE", "INFO", "INVITE"] {
        let status = exchange(&agent, &request(method, ";tag=gone")).await?;
        assert_eq!(
            status, "SIP/2.0 481 Call/Transaction Does Not Exist",
            "{method}"
        );
    }
    let status = exchange(&agent, &request("CANCEL", "")).await?;
    assert!(status.starts_with("SIP/2.0 481 "), "{status}");
    let status = exchange(&agent, &request("INFO", "")).await?;
    assert!(status.starts_with("SIP/2.0 501 "), "{status}");
    assert_eq!(agent.call_count(), 0);
    Ok(())
}
