//! The dial-confirmation gate and DND on a real engine (built-in local account, SIP on
//! loopback; the INVITEs go to a UDP socket the test holds, which never answers).
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use dialtone_api::{Command, DialConfirmOutcome, DialSource, DialSourceKind, Envelope, Event};
use dialtone_engine::config::Config;
use dialtone_engine::{DialRequest, EngineError, Phone};
use tokio::net::UdpSocket;
use tokio::sync::broadcast;

const WAIT: Duration = Duration::from_secs(5);

async fn phone(extra: &str) -> (Phone, broadcast::Receiver<Envelope>) {
    let text = format!(
        "[sip]\nlisten = \"127.0.0.1\"\nport = 0\n[audio]\nbackend = \"null\"\n[media]\nrtp_port_min = 40000\nrtp_port_max = 40999\n{extra}"
    );
    let config = Config::parse(&text, None).unwrap();
    Phone::start(&config).await.unwrap()
}

async fn next_matching(
    rx: &mut broadcast::Receiver<Envelope>,
    want: impl Fn(&Event) -> bool,
) -> Event {
    tokio::time::timeout(WAIT, async {
        loop {
            let env = rx.recv().await.unwrap();
            if want(&env.event) {
                return env.event;
            }
        }
    })
    .await
    .expect("event in time")
}

fn api_request(to: String, trusted: bool) -> DialRequest {
    DialRequest {
        trusted,
        ..DialRequest::new(
            to,
            DialSource::with_origin(DialSourceKind::Api, Some("https://crm.example.com".into())),
        )
    }
}

async fn sink() -> (UdpSocket, String) {
    let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let to = format!("sip:nobody@{}", s.local_addr().unwrap());
    (s, to)
}

#[tokio::test]
async fn an_untrusted_dial_waits_for_the_persons_yes() {
    let (phone, mut events) = phone("").await;
    let (_sink, to) = sink().await;
    let dialling = tokio::spawn({
        let phone = phone.clone();
        let to = to.clone();
        async move { phone.request_dial(api_request(to, false)).await }
    });
    let Event::DialConfirmRequested(req) =
        next_matching(&mut events, |e| matches!(e, Event::DialConfirmRequested(_))).await
    else {
        unreachable!()
    };
    assert_eq!(req.to, to);
    assert_eq!(
        req.source.origin.as_deref(),
        Some("https://crm.example.com")
    );
    assert!(
        status_has_no_calls(&phone),
        "nothing is dialled before the yes"
    );
    phone
        .execute(Command::ConfirmDial {
            request_id: req.request_id.clone(),
            accept: true,
        })
        .await
        .unwrap();
    let result = tokio::time::timeout(WAIT, dialling)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let call_id = result.call_id.unwrap();
    let Event::DialConfirmResolved(done) =
        next_matching(&mut events, |e| matches!(e, Event::DialConfirmResolved(_))).await
    else {
        unreachable!()
    };
    assert_eq!(done.outcome, DialConfirmOutcome::Accepted);
    assert_eq!(done.call_id.as_deref(), Some(call_id.as_str()));
    phone.shutdown(Duration::from_secs(2)).await;
}

fn status_has_no_calls(phone: &Phone) -> bool {
    phone.status().calls.is_empty()
}

#[tokio::test]
async fn a_declined_dial_is_not_placed() {
    let (phone, mut events) = phone("").await;
    let (_sink, to) = sink().await;
    let dialling = tokio::spawn({
        let phone = phone.clone();
        async move { phone.request_dial(api_request(to, false)).await }
    });
    let Event::DialConfirmRequested(req) =
        next_matching(&mut events, |e| matches!(e, Event::DialConfirmRequested(_))).await
    else {
        unreachable!()
    };
    phone
        .execute(Command::ConfirmDial {
            request_id: req.request_id.clone(),
            accept: false,
        })
        .await
        .unwrap();
    let err = tokio::time::timeout(WAIT, dialling)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(err, EngineError::DialNotConfirmed { ref request_id, .. } if *request_id == req.request_id),
        "{err}"
    );
    assert!(status_has_no_calls(&phone));
    let again = phone
        .execute(Command::ConfirmDial {
            request_id: req.request_id,
            accept: true,
        })
        .await;
    assert!(matches!(again, Err(EngineError::UnknownDialRequest(_))));
}

#[tokio::test]
async fn an_unanswered_request_lapses() {
    let (phone, mut events) = phone("[dialing]\nconfirm_timeout = 5\n").await;
    let (_sink, to) = sink().await;
    let err = phone
        .request_dial(api_request(to, false))
        .await
        .unwrap_err();
    assert!(
        matches!(err, EngineError::DialNotConfirmed { outcome, .. } if outcome.contains("time")),
        "{err}"
    );
    let Event::DialConfirmResolved(done) =
        next_matching(&mut events, |e| matches!(e, Event::DialConfirmResolved(_))).await
    else {
        unreachable!()
    };
    assert_eq!(done.outcome, DialConfirmOutcome::Expired);
    assert!(status_has_no_calls(&phone));
}

#[tokio::test]
async fn trusted_sources_dial_silently_and_deny_refuses_the_rest() {
    let (phone, _events) = phone("[dialing]\nconfirm = \"deny\"\n").await;
    let (_sink, to) = sink().await;
    let err = phone
        .request_dial(api_request(to.clone(), false))
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::DialRefused { .. }), "{err}");
    let link = DialRequest::new(to.clone(), DialSource::new(DialSourceKind::Link));
    assert!(matches!(
        phone.request_dial(link).await,
        Err(EngineError::DialRefused { .. })
    ));
    let ok = phone.request_dial(api_request(to, true)).await.unwrap();
    assert!(ok.call_id.is_some());
    phone.shutdown(Duration::from_secs(2)).await;
}

#[tokio::test]
async fn a_bad_number_is_refused_before_anyone_is_asked() {
    let (phone, mut events) = phone("").await;
    let err = phone
        .request_dial(api_request("12<script>".into(), false))
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::BadNumber { .. }), "{err}");
    while let Ok(env) = events.try_recv() {
        assert!(!matches!(env.event, Event::DialConfirmRequested(_)));
    }
}

#[tokio::test]
async fn dnd_is_switched_reported_and_in_the_status() {
    let (phone, mut events) = phone("").await;
    assert!(!phone.status().dnd);
    phone
        .execute(Command::SetDnd { enabled: true })
        .await
        .unwrap();
    let Event::DndChanged(changed) =
        next_matching(&mut events, |e| matches!(e, Event::DndChanged(_))).await
    else {
        unreachable!()
    };
    assert!(changed.enabled);
    assert!(phone.status().dnd);
}
