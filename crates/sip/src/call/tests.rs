//! Whole calls through the sans-IO core: messages in, messages and events out, time passed
//! by hand.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use rsipstack::sip::{Header, Method, Request, Response, SipMessage};
use tokio::time::Instant;

use super::auth::Auth;
use super::core::{Call, CallSetup};
use super::handle::Op;
use super::message::{self, build_request, build_response, Body, RequestParts};
use super::types::{CallEvent, Credentials};
use crate::digest::Password;
use crate::error::CallError;
use crate::transaction::{new_branch, Timers};
use crate::transport::{Target, TransportKind};

fn us() -> SocketAddr {
    "127.0.0.1:5080".parse().unwrap()
}

fn peer() -> Target {
    Target::new(TransportKind::Udp, "192.0.2.10:5060".parse().unwrap())
}

fn setup(credentials: Option<Credentials>) -> CallSetup {
    CallSetup {
        call_id: "call-1".into(),
        local_tag: "ourtag".into(),
        peer: peer(),
        via: us(),
        contact: "sip:alice@127.0.0.1:5080".into(),
        user_agent: "test".into(),
        timers: Timers::default(),
        auth: Auth::new(credentials),
    }
}

fn outgoing(now: Instant, credentials: Option<Credentials>) -> Call {
    let invite = build_request(RequestParts {
        method: Method::Invite,
        uri: "sip:bob@192.0.2.10",
        kind: TransportKind::Udp,
        via: us(),
        branch: &new_branch(),
        routes: &[],
        from: "\"Alice\" <sip:alice@example.com>;tag=ourtag",
        to: "<sip:bob@example.com>",
        call_id: "call-1",
        cseq: 1,
        contact: Some("sip:alice@127.0.0.1:5080"),
        user_agent: "test",
        extra: vec![],
        body: Some(Body::sdp("v=0 offer\r\n")),
    })
    .unwrap();
    Call::outgoing(now, setup(credentials), invite)
}

fn parse(bytes: &[u8]) -> SipMessage {
    SipMessage::try_from(bytes.to_vec()).unwrap()
}

/// Everything the call sent since the last look, with where it went.
fn sent(call: &mut Call) -> Vec<(Target, SipMessage)> {
    let mut out = vec![];
    while let Some(t) = call.poll_transmit() {
        out.push((t.target, parse(&t.bytes)));
    }
    out
}

fn sent_requests(call: &mut Call) -> Vec<Request> {
    sent(call)
        .into_iter()
        .filter_map(|(_, m)| match m {
            SipMessage::Request(r) => Some(r),
            SipMessage::Response(_) => None,
        })
        .collect()
}

fn sent_responses(call: &mut Call) -> Vec<Response> {
    sent(call)
        .into_iter()
        .filter_map(|(_, m)| match m {
            SipMessage::Response(r) => Some(r),
            SipMessage::Request(_) => None,
        })
        .collect()
}

fn events(call: &mut Call) -> Vec<CallEvent> {
    std::iter::from_fn(|| call.poll_event()).collect()
}

fn text<M: Into<SipMessage>>(m: M) -> String {
    m.into().to_string()
}

/// The peer's response to one of our requests, as it arrives.
fn answer(
    request: &Request,
    status: u16,
    tag: &str,
    extra: Vec<Header>,
    sdp: Option<&str>,
) -> Response {
    let r = build_response(request, us(), status, Some(tag), extra, sdp.map(Body::sdp));
    match parse(&r.to_bytes()) {
        SipMessage::Response(r) => r,
        SipMessage::Request(_) => unreachable!(),
    }
}

fn contact(uri: &str) -> Header {
    Header::Contact(format!("<{uri}>").into())
}

fn only_invite(call: &mut Call) -> Request {
    let mut requests = sent_requests(call);
    assert_eq!(requests.len(), 1, "{requests:?}");
    let r = requests.remove(0);
    assert_eq!(r.method, Method::Invite);
    r
}

fn ids(m: &Request) -> message::Ids {
    message::ids(m).unwrap()
}

/// Runs every timer up to `until`.
fn run_timers(call: &mut Call, until: Instant) {
    for _ in 0..1000 {
        match call.poll_timeout() {
            Some(at) if at <= until => call.handle_timeout(at),
            _ => return,
        }
    }
    panic!("timers never settle");
}

// ----- outgoing -----

#[test]
fn outgoing_call_rings_is_answered_acked_and_hung_up() {
    let t0 = Instant::now();
    let mut call = outgoing(t0, None);
    let invite = only_invite(&mut call);

    call.handle_response(t0, answer(&invite, 100, "", vec![], None));
    assert!(events(&mut call).is_empty(), "100 is not passed up");
    call.handle_response(t0, answer(&invite, 180, "bobtag", vec![], None));
    assert_eq!(
        events(&mut call),
        vec![CallEvent::Provisional {
            status: 180,
            reason: "Ringing".into(),
            sdp: None
        }]
    );
    // Timer A stopped after the provisional.
    run_timers(&mut call, t0 + Duration::from_secs(10));
    assert!(sent(&mut call).is_empty());

    let ok = answer(
        &invite,
        200,
        "bobtag",
        vec![
            contact("sip:bob@192.0.2.20:5062"),
            Header::RecordRoute("<sip:192.0.2.10;lr>".into()),
        ],
        Some("v=0 answer\r\n"),
    );
    call.handle_response(t0, ok.clone());
    assert_eq!(
        events(&mut call),
        vec![CallEvent::Answered {
            sdp: Some("v=0 answer\r\n".into())
        }]
    );
    let sent_ack = sent(&mut call);
    assert_eq!(sent_ack.len(), 1);
    let (target, SipMessage::Request(ack)) = &sent_ack[0] else {
        panic!("no ACK")
    };
    assert_eq!(ack.method, Method::Ack);
    // Via the record-routed proxy (the INVITE's peer), to the Contact.
    assert_eq!(target, &peer());
    let ack_text = text(ack.clone());
    assert!(
        ack_text.starts_with("ACK sip:bob@192.0.2.20:5062 SIP/2.0"),
        "{ack_text}"
    );
    assert!(
        ack_text.contains("Route: <sip:192.0.2.10;lr>"),
        "{ack_text}"
    );
    assert_eq!(ids(ack).cseq, 1);
    assert_ne!(
        ids(ack).branch,
        ids(&invite).branch,
        "the ACK for a 2xx is a new transaction"
    );
    assert_eq!(ids(ack).to_tag.as_deref(), Some("bobtag"));

    // A retransmitted 200 is ACKed again, silently.
    call.handle_response(t0 + Duration::from_millis(500), ok);
    assert!(events(&mut call).is_empty());
    let again = sent_requests(&mut call);
    assert_eq!(again.len(), 1);
    assert_eq!(text(again[0].clone()), ack_text);

    // Cancel is too late now.
    assert!(matches!(
        call.handle_command(t0, Op::Cancel),
        Err(CallError::InvalidState { .. })
    ));

    call.handle_command(t0, Op::Bye).unwrap();
    let bye = sent_requests(&mut call).remove(0);
    assert_eq!(bye.method, Method::Bye);
    assert_eq!(ids(&bye).cseq, 2);
    assert_eq!(ids(&bye).from_tag.as_deref(), Some("ourtag"));
    assert_eq!(ids(&bye).to_tag.as_deref(), Some("bobtag"));
    call.handle_response(t0, answer(&bye, 200, "bobtag", vec![], None));
    assert_eq!(
        events(&mut call),
        vec![CallEvent::ByeCompleted { status: 200 }]
    );
    assert!(call.events_closed());
    assert!(matches!(
        call.handle_command(t0, Op::Bye),
        Err(CallError::Ended)
    ));
    run_timers(&mut call, t0 + Duration::from_secs(60));
    assert!(call.is_finished(t0 + Duration::from_secs(60)));
}

#[test]
fn busy_is_acked_by_the_transaction() {
    let t0 = Instant::now();
    let mut call = outgoing(t0, None);
    let invite = only_invite(&mut call);
    let busy = answer(&invite, 486, "bobtag", vec![], None);
    call.handle_response(t0, busy.clone());
    assert_eq!(
        events(&mut call),
        vec![CallEvent::Failed {
            status: 486,
            reason: "Busy Here".into()
        }]
    );
    assert!(call.events_closed());
    let ack = sent_requests(&mut call).remove(0);
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ids(&ack).branch, ids(&invite).branch);
    // Retransmitted 486: ACKed again until Timer D.
    call.handle_response(t0 + Duration::from_secs(1), busy);
    assert_eq!(sent_requests(&mut call).len(), 1);
    assert!(!call.is_finished(t0 + Duration::from_secs(1)));
    run_timers(&mut call, t0 + Duration::from_secs(40));
    assert!(call.is_finished(t0 + Duration::from_secs(40)));
}

#[test]
fn proxy_challenge_is_answered_once() {
    let t0 = Instant::now();
    let credentials = Credentials {
        username: "alice".into(),
        password: Password::new("secret"),
    };
    let mut call = outgoing(t0, Some(credentials));
    let invite = only_invite(&mut call);
    let challenge = Header::ProxyAuthenticate("Digest realm=\"pbx\", nonce=\"n1\"".into());
    call.handle_response(t0, answer(&invite, 407, "p", vec![challenge.clone()], None));
    assert!(
        events(&mut call).is_empty(),
        "the challenge is handled inside"
    );
    let out = sent_requests(&mut call);
    assert_eq!(out.len(), 2, "ACK for the 407, then the new INVITE");
    assert_eq!(out[0].method, Method::Ack);
    assert_eq!(ids(&out[0]).branch, ids(&invite).branch);
    let retry = &out[1];
    assert_eq!(retry.method, Method::Invite);
    let (a, b) = (ids(&invite), ids(retry));
    assert_eq!(b.cseq, 2);
    assert_ne!(a.branch, b.branch);
    assert_eq!((a.call_id, a.from_tag), (b.call_id, b.from_tag));
    let retry_text = text(retry.clone());
    assert!(
        retry_text.contains("Proxy-Authorization: Digest username=\"alice\""),
        "{retry_text}"
    );
    assert!(retry_text.contains("response=\""), "{retry_text}");
    assert!(retry_text.ends_with("v=0 offer\r\n"), "{retry_text}");

    // The same challenge again (credentials refused): failure.
    let challenge2 = Header::ProxyAuthenticate("Digest realm=\"pbx\", nonce=\"n2\"".into());
    call.handle_response(t0, answer(retry, 407, "p", vec![challenge2], None));
    assert_eq!(
        events(&mut call),
        vec![CallEvent::Failed {
            status: 407,
            reason: "Proxy Authentication Required".into()
        }]
    );
    let out = sent_requests(&mut call);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].method, Method::Ack);
}

#[test]
fn answer_to_the_authorized_invite_is_acked_with_its_credentials() {
    let t0 = Instant::now();
    let credentials = Credentials {
        username: "alice".into(),
        password: Password::new("secret"),
    };
    let mut call = outgoing(t0, Some(credentials));
    let invite = only_invite(&mut call);
    let challenge = Header::WwwAuthenticate("Digest realm=\"pbx\", nonce=\"n1\"".into());
    call.handle_response(t0, answer(&invite, 401, "p", vec![challenge], None));
    let retry = sent_requests(&mut call).remove(1);
    call.handle_response(
        t0,
        answer(
            &retry,
            200,
            "bob",
            vec![contact("sip:bob@192.0.2.10")],
            Some("v=0\r\n"),
        ),
    );
    let ack = sent_requests(&mut call).remove(0);
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ids(&ack).cseq, 2);
    assert!(text(ack).contains("\r\nAuthorization: Digest"));
}

#[test]
fn cancel_waits_for_a_provisional_then_ends_with_487() {
    let t0 = Instant::now();
    let mut call = outgoing(t0, None);
    let invite = only_invite(&mut call);
    call.handle_command(t0, Op::Cancel).unwrap();
    assert!(sent(&mut call).is_empty(), "no CANCEL before a provisional");
    call.handle_response(t0, answer(&invite, 100, "", vec![], None));
    let cancel = sent_requests(&mut call).remove(0);
    assert_eq!(cancel.method, Method::Cancel);
    let (c, i) = (ids(&cancel), ids(&invite));
    assert_eq!((c.branch, c.cseq, c.to_tag), (i.branch, i.cseq, None));
    assert_eq!(cancel.uri, invite.uri);
    // A second cancel is a no-op.
    call.handle_command(t0, Op::Cancel).unwrap();
    assert!(sent(&mut call).is_empty());

    call.handle_response(t0, answer(&cancel, 200, "b", vec![], None));
    call.handle_response(t0, answer(&invite, 487, "b", vec![], None));
    let ack = sent_requests(&mut call).remove(0);
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(
        events(&mut call),
        vec![CallEvent::Failed {
            status: 487,
            reason: "Request Terminated".into()
        }]
    );
}

#[test]
fn answer_crossing_the_cancel_is_acked_and_reported() {
    let t0 = Instant::now();
    let mut call = outgoing(t0, None);
    let invite = only_invite(&mut call);
    call.handle_response(t0, answer(&invite, 180, "b", vec![], None));
    call.handle_command(t0, Op::Cancel).unwrap();
    let cancel = sent_requests(&mut call).remove(0);
    call.handle_response(
        t0,
        answer(
            &invite,
            200,
            "b",
            vec![contact("sip:bob@192.0.2.10")],
            Some("v=0\r\n"),
        ),
    );
    call.handle_response(t0, answer(&cancel, 200, "b", vec![], None));
    let out = sent_requests(&mut call);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].method, Method::Ack);
    let evs = events(&mut call);
    assert!(
        matches!(evs.last(), Some(CallEvent::Answered { .. })),
        "{evs:?}"
    );
    // Nothing times out: the call is up, and the engine hangs up.
    run_timers(&mut call, t0 + Duration::from_secs(60));
    assert!(events(&mut call).is_empty());
    call.handle_command(t0 + Duration::from_secs(60), Op::Bye)
        .unwrap();
    assert_eq!(sent_requests(&mut call)[0].method, Method::Bye);
}

#[test]
fn cancel_without_final_response_times_out() {
    let t0 = Instant::now();
    let mut call = outgoing(t0, None);
    let invite = only_invite(&mut call);
    call.handle_response(t0, answer(&invite, 180, "b", vec![], None));
    events(&mut call);
    call.handle_command(t0, Op::Cancel).unwrap();
    run_timers(&mut call, t0 + Duration::from_secs(33));
    assert_eq!(events(&mut call), vec![CallEvent::Timeout]);
}

#[test]
fn a_second_forked_answer_is_acked_and_hung_up() {
    let t0 = Instant::now();
    let mut call = outgoing(t0, None);
    let invite = only_invite(&mut call);
    call.handle_response(
        t0,
        answer(
            &invite,
            200,
            "first",
            vec![contact("sip:b1@192.0.2.11")],
            None,
        ),
    );
    assert_eq!(events(&mut call).len(), 1);
    sent(&mut call);
    call.handle_response(
        t0,
        answer(
            &invite,
            200,
            "second",
            vec![contact("sip:b2@192.0.2.12")],
            None,
        ),
    );
    assert!(events(&mut call).is_empty());
    let out = sent(&mut call);
    let methods: Vec<(Method, Option<String>, SocketAddr)> = out
        .iter()
        .filter_map(|(t, m)| match m {
            SipMessage::Request(r) => Some((r.method, ids(r).to_tag, t.addr)),
            SipMessage::Response(_) => None,
        })
        .collect();
    let b2: SocketAddr = "192.0.2.12:5060".parse().unwrap();
    assert_eq!(
        methods,
        vec![
            (Method::Ack, Some("second".into()), b2),
            (Method::Bye, Some("second".into()), b2)
        ]
    );
}

#[test]
fn timer_b_ends_an_unanswered_call() {
    let t0 = Instant::now();
    let mut call = outgoing(t0, None);
    only_invite(&mut call);
    run_timers(&mut call, t0 + Duration::from_millis(31600));
    assert_eq!(sent_requests(&mut call).len(), 6, "Timer A retransmissions");
    assert!(events(&mut call).is_empty());
    run_timers(&mut call, t0 + Duration::from_secs(32));
    assert_eq!(events(&mut call), vec![CallEvent::Timeout]);
}

#[test]
fn a_failed_send_of_the_invite_ends_the_call() {
    let t0 = Instant::now();
    let mut call = outgoing(t0, None);
    let t = call.poll_transmit().unwrap();
    call.handle_send_failed(t0, t.branch.as_deref(), "connection refused".into());
    assert_eq!(
        events(&mut call),
        vec![CallEvent::TransportError {
            message: "connection refused".into()
        }]
    );
}

#[test]
fn outgoing_reinvite_is_answered_and_acked() {
    let t0 = Instant::now();
    let mut call = outgoing(t0, None);
    let invite = only_invite(&mut call);
    call.handle_response(
        t0,
        answer(
            &invite,
            200,
            "b",
            vec![contact("sip:bob@192.0.2.10")],
            Some("v=0\r\n"),
        ),
    );
    events(&mut call);
    sent(&mut call);
    call.handle_command(t0, Op::Reinvite("v=0 hold\r\n".into()))
        .unwrap();
    assert!(matches!(
        call.handle_command(t0, Op::Reinvite("again".into())),
        Err(CallError::InvalidState { .. })
    ));
    let reinvite = only_invite(&mut call);
    assert_eq!(ids(&reinvite).cseq, 2);
    assert_eq!(ids(&reinvite).to_tag.as_deref(), Some("b"));
    assert!(text(reinvite.clone()).contains("Contact: <sip:alice@127.0.0.1:5080>"));
    // Glare: the peer's re-INVITE meanwhile gets 491.
    let theirs = peer_request(Method::Invite, 5, "z9hG4bKglare", Some("ourtag"), "b", None);
    call.handle_request(t0, theirs, peer().addr, TransportKind::Udp);
    assert_eq!(sent_responses(&mut call)[0].status_code.code(), 491);

    call.handle_response(
        t0,
        answer(
            &reinvite,
            200,
            "b",
            vec![contact("sip:bob@192.0.2.10")],
            Some("v=0 held\r\n"),
        ),
    );
    assert_eq!(
        events(&mut call),
        vec![CallEvent::ReinviteAnswered {
            sdp: Some("v=0 held\r\n".into())
        }]
    );
    let ack = sent_requests(&mut call).remove(0);
    assert_eq!((ack.method, ids(&ack).cseq), (Method::Ack, 2));

    call.handle_command(t0, Op::Reinvite("v=0 resume\r\n".into()))
        .unwrap();
    let reinvite = only_invite(&mut call);
    call.handle_response(t0, answer(&reinvite, 488, "b", vec![], None));
    assert_eq!(
        events(&mut call),
        vec![CallEvent::ReinviteFailed {
            status: 488,
            reason: "Not Acceptable Here".into()
        }]
    );
    assert!(
        !call.events_closed(),
        "a refused re-INVITE leaves the call up"
    );
}

// ----- incoming -----

/// A request from the peer (Bob calling Alice): `to_tag` is ours once we answered.
fn peer_request(
    method: Method,
    cseq: u32,
    branch: &str,
    to_tag: Option<&str>,
    from_tag: &str,
    body: Option<(&str, &str)>,
) -> Request {
    let to = match to_tag {
        Some(t) => format!("<sip:alice@example.com>;tag={t}"),
        None => "<sip:alice@example.com>".into(),
    };
    let (ctype, body) = body.unwrap_or(("", ""));
    let ctype = if ctype.is_empty() {
        String::new()
    } else {
        format!("Content-Type: {ctype}\r\n")
    };
    let text = format!(
        "{method} sip:alice@127.0.0.1:5080 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.10:5060;branch={branch};rport\r\n\
         Max-Forwards: 70\r\n\
         From: \"Bob\" <sip:bob@example.com>;tag={from_tag}\r\n\
         To: {to}\r\n\
         Call-ID: call-1\r\n\
         CSeq: {cseq} {method}\r\n\
         Contact: <sip:bob@192.0.2.10:5060>\r\n\
         Call-Info: <http://crm/1>;purpose=info\r\n\
         {ctype}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    match parse(text.as_bytes()) {
        SipMessage::Request(r) => r,
        SipMessage::Response(_) => unreachable!(),
    }
}

const INVITE_BRANCH: &str = "z9hG4bKinvite1";

fn incoming(now: Instant) -> (Call, Request) {
    let invite = peer_request(
        Method::Invite,
        1,
        INVITE_BRANCH,
        None,
        "bobtag",
        Some(("application/sdp", "v=0 offer\r\n")),
    );
    let details = super::uas::read_incoming(&invite).unwrap();
    assert_eq!(details.sdp_offer.as_deref(), Some("v=0 offer\r\n"));
    assert_eq!(details.from.display_name.as_deref(), Some("Bob"));
    assert_eq!(details.call_info, vec!["<http://crm/1>;purpose=info"]);
    let call = Call::incoming(now, setup(None), invite.clone()).unwrap();
    (call, invite)
}

fn statuses(call: &mut Call) -> Vec<u16> {
    sent_responses(call)
        .iter()
        .map(|r| r.status_code.code())
        .collect()
}

fn ack(cseq: u32, branch: &str, body: Option<(&str, &str)>) -> Request {
    peer_request(Method::Ack, cseq, branch, Some("ourtag"), "bobtag", body)
}

fn deliver(call: &mut Call, now: Instant, request: Request) {
    call.handle_request(now, request, peer().addr, TransportKind::Udp);
}

fn confirmed(t0: Instant) -> Call {
    let (mut call, _) = incoming(t0);
    call.handle_command(t0, Op::Accept("v=0 answer\r\n".into()))
        .unwrap();
    deliver(&mut call, t0, ack(1, "z9hG4bKack1", None));
    sent(&mut call);
    assert_eq!(events(&mut call), vec![CallEvent::Confirmed { sdp: None }]);
    call
}

#[test]
fn incoming_call_rings_answers_and_is_confirmed_by_the_ack() {
    let t0 = Instant::now();
    let (mut call, invite) = incoming(t0);
    let trying = sent_responses(&mut call);
    assert_eq!(trying.len(), 1);
    assert_eq!(trying[0].status_code.code(), 100);
    // A retransmitted INVITE gets the last response again and starts nothing new.
    deliver(&mut call, t0, invite.clone());
    assert_eq!(statuses(&mut call), vec![100]);

    call.handle_command(t0, Op::Ring).unwrap();
    let ringing = sent_responses(&mut call).remove(0);
    assert_eq!(ringing.status_code.code(), 180);
    let ringing_text = text(ringing.clone());
    assert!(
        ringing_text.contains("To: <sip:alice@example.com>;tag=ourtag"),
        "{ringing_text}"
    );
    assert!(
        ringing_text.contains("Contact: <sip:alice@127.0.0.1:5080>"),
        "{ringing_text}"
    );
    assert!(
        ringing_text.contains("received=192.0.2.10"),
        "{ringing_text}"
    );

    call.handle_command(t0, Op::Accept("v=0 answer\r\n".into()))
        .unwrap();
    let ok = sent_responses(&mut call).remove(0);
    assert_eq!(ok.status_code.code(), 200);
    assert_eq!(String::from_utf8_lossy(&ok.body), "v=0 answer\r\n");
    assert!(matches!(
        call.handle_command(t0, Op::Ring),
        Err(CallError::InvalidState { .. })
    ));
    // No ACK yet: the 200 goes again at T1, 2·T1 …
    run_timers(&mut call, t0 + Duration::from_millis(1600));
    assert_eq!(statuses(&mut call), vec![200, 200]);
    // The INVITE again: the 200 again.
    deliver(&mut call, t0, invite);
    assert_eq!(statuses(&mut call), vec![200]);

    deliver(
        &mut call,
        t0 + Duration::from_secs(2),
        ack(1, "z9hG4bKack1", None),
    );
    assert_eq!(events(&mut call), vec![CallEvent::Confirmed { sdp: None }]);
    run_timers(&mut call, t0 + Duration::from_secs(40));
    assert!(
        sent(&mut call).is_empty(),
        "no retransmission after the ACK"
    );
    assert!(events(&mut call).is_empty());
}

#[test]
fn incoming_cancel_gets_200_and_487() {
    let t0 = Instant::now();
    let (mut call, _) = incoming(t0);
    call.handle_command(t0, Op::Ring).unwrap();
    sent(&mut call);
    let cancel = peer_request(Method::Cancel, 1, INVITE_BRANCH, None, "bobtag", None);
    deliver(&mut call, t0, cancel.clone());
    let out = sent_responses(&mut call);
    let got: Vec<(u16, Method)> = out
        .iter()
        .map(|r| (r.status_code.code(), message::ids(r).unwrap().method))
        .collect();
    assert_eq!(got, vec![(200, Method::Cancel), (487, Method::Invite)]);
    for r in &out {
        assert_eq!(message::ids(r).unwrap().to_tag.as_deref(), Some("ourtag"));
    }
    assert_eq!(events(&mut call), vec![CallEvent::Cancelled]);
    assert!(call.events_closed());
    assert!(matches!(
        call.handle_command(t0, Op::Accept("x".into())),
        Err(CallError::Ended)
    ));
    // The CANCEL again: the same 200; the ACK for the 487 stops its retransmission.
    deliver(&mut call, t0, cancel);
    assert_eq!(statuses(&mut call), vec![200]);
    deliver(&mut call, t0, ack(1, INVITE_BRANCH, None));
    run_timers(&mut call, t0 + Duration::from_secs(40));
    assert!(sent(&mut call).is_empty());
    assert!(call.is_finished(t0 + Duration::from_secs(40)));
}

#[test]
fn cancel_for_nothing_gets_481() {
    let t0 = Instant::now();
    let (mut call, _) = incoming(t0);
    sent(&mut call);
    let cancel = peer_request(Method::Cancel, 1, "z9hG4bKother", None, "bobtag", None);
    deliver(&mut call, t0, cancel);
    assert_eq!(statuses(&mut call), vec![481]);
    assert!(events(&mut call).is_empty());
}

#[test]
fn rejected_call_is_retransmitted_until_acked() {
    let t0 = Instant::now();
    let (mut call, _) = incoming(t0);
    sent(&mut call);
    call.handle_command(t0, Op::Reject(486, Some("Gone fishing".into())))
        .unwrap();
    let busy = call.poll_transmit().unwrap().bytes;
    assert!(busy.starts_with(b"SIP/2.0 486 Gone fishing\r\n"));
    assert!(call.events_closed());
    assert!(events(&mut call).is_empty());
    run_timers(&mut call, t0 + Duration::from_millis(600));
    assert_eq!(statuses(&mut call), vec![486]);
    deliver(&mut call, t0, ack(1, INVITE_BRANCH, None));
    run_timers(&mut call, t0 + Duration::from_secs(40));
    assert!(sent(&mut call).is_empty());
}

#[test]
fn missing_ack_is_reported_and_a_pending_bye_then_goes() {
    let t0 = Instant::now();
    let (mut call, _) = incoming(t0);
    call.handle_command(t0, Op::Accept("v=0\r\n".into()))
        .unwrap();
    sent(&mut call);
    // BYE before the ACK waits (RFC 3261 15).
    call.handle_command(t0, Op::Bye).unwrap();
    assert!(sent_requests(&mut call).is_empty());
    run_timers(&mut call, t0 + Duration::from_secs(32));
    assert_eq!(events(&mut call), vec![CallEvent::AckTimeout]);
    let bye = sent_requests(&mut call);
    assert_eq!(bye.len(), 1);
    assert_eq!(bye[0].method, Method::Bye);
    assert_eq!(ids(&bye[0]).from_tag.as_deref(), Some("ourtag"));
    assert_eq!(bye[0].uri.to_string(), "sip:bob@192.0.2.10:5060");
}

#[test]
fn offer_in_the_200_gets_its_answer_from_the_ack() {
    let t0 = Instant::now();
    let invite = peer_request(Method::Invite, 1, INVITE_BRANCH, None, "bobtag", None);
    let mut call = Call::incoming(t0, setup(None), invite).unwrap();
    call.handle_command(t0, Op::Accept("v=0 offer\r\n".into()))
        .unwrap();
    deliver(
        &mut call,
        t0,
        ack(1, "z9hG4bKa", Some(("application/sdp", "v=0 answer\r\n"))),
    );
    assert_eq!(
        events(&mut call),
        vec![CallEvent::Confirmed {
            sdp: Some("v=0 answer\r\n".into())
        }]
    );
}

#[test]
fn in_dialog_requests_of_the_peer() {
    let t0 = Instant::now();
    let mut call = confirmed(t0);

    let info = peer_request(
        Method::Info,
        2,
        "z9hG4bKi1",
        Some("ourtag"),
        "bobtag",
        Some(("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n")),
    );
    deliver(&mut call, t0, info.clone());
    assert_eq!(statuses(&mut call), vec![200]);
    assert_eq!(
        events(&mut call),
        vec![CallEvent::Info {
            dtmf: '5',
            duration_ms: Some(160)
        }]
    );
    // Its retransmission: the same answer, no second event.
    deliver(&mut call, t0, info);
    assert_eq!(statuses(&mut call), vec![200]);
    assert!(events(&mut call).is_empty());

    let options = peer_request(
        Method::Options,
        3,
        "z9hG4bKo",
        Some("ourtag"),
        "bobtag",
        None,
    );
    deliver(&mut call, t0, options);
    assert_eq!(statuses(&mut call), vec![200]);
    let update = peer_request(
        Method::Update,
        4,
        "z9hG4bKu",
        Some("ourtag"),
        "bobtag",
        None,
    );
    deliver(&mut call, t0, update);
    assert_eq!(statuses(&mut call), vec![501]);
    let stranger = peer_request(
        Method::Bye,
        5,
        "z9hG4bKs",
        Some("ourtag"),
        "nottheirs",
        None,
    );
    deliver(&mut call, t0, stranger);
    assert_eq!(statuses(&mut call), vec![481]);
    let old = peer_request(
        Method::Info,
        3,
        "z9hG4bKold",
        Some("ourtag"),
        "bobtag",
        None,
    );
    deliver(&mut call, t0, old);
    assert_eq!(statuses(&mut call), vec![500]);

    let reinvite = peer_request(
        Method::Invite,
        6,
        "z9hG4bKre",
        Some("ourtag"),
        "bobtag",
        Some(("application/sdp", "v=0\r\na=sendonly\r\n")),
    );
    deliver(&mut call, t0, reinvite);
    assert_eq!(statuses(&mut call), vec![100]);
    assert_eq!(
        events(&mut call),
        vec![CallEvent::Reinvite {
            sdp: Some("v=0\r\na=sendonly\r\n".into())
        }]
    );
    // Another re-INVITE before we answered: 500 with Retry-After.
    let second = peer_request(
        Method::Invite,
        7,
        "z9hG4bKre2",
        Some("ourtag"),
        "bobtag",
        None,
    );
    deliver(&mut call, t0, second);
    let busy = sent_responses(&mut call).remove(0);
    assert_eq!(busy.status_code.code(), 500);
    assert!(text(busy).contains("Retry-After:"));
    // We cannot start our own meanwhile.
    assert!(call.handle_command(t0, Op::Reinvite("x".into())).is_err());

    call.handle_command(t0, Op::AnswerReinvite("v=0\r\na=recvonly\r\n".into()))
        .unwrap();
    let ok = sent_responses(&mut call).remove(0);
    assert_eq!(ok.status_code.code(), 200);
    assert_eq!(message::ids(&ok).unwrap().cseq, 6);
    assert!(matches!(
        call.handle_command(t0, Op::RejectReinvite(488)),
        Err(CallError::InvalidState { .. })
    ));
    deliver(&mut call, t0, ack(6, "z9hG4bKack6", None));
    assert!(
        events(&mut call).is_empty(),
        "a re-INVITE's ACK is not an event"
    );
    run_timers(&mut call, t0 + Duration::from_secs(5));
    assert!(sent(&mut call).is_empty(), "the 200 stopped after its ACK");

    let bye = peer_request(Method::Bye, 8, "z9hG4bKbye", Some("ourtag"), "bobtag", None);
    deliver(&mut call, t0, bye);
    assert_eq!(statuses(&mut call), vec![200]);
    assert_eq!(events(&mut call), vec![CallEvent::ByeReceived]);
    assert!(call.events_closed());
    // After the BYE the dialog is gone.
    let late = peer_request(
        Method::Info,
        9,
        "z9hG4bKlate",
        Some("ourtag"),
        "bobtag",
        None,
    );
    deliver(&mut call, t0, late);
    assert_eq!(statuses(&mut call), vec![481]);
}

#[test]
fn rejected_reinvite_keeps_the_call() {
    let t0 = Instant::now();
    let mut call = confirmed(t0);
    let reinvite = peer_request(
        Method::Invite,
        2,
        "z9hG4bKre",
        Some("ourtag"),
        "bobtag",
        None,
    );
    deliver(&mut call, t0, reinvite);
    sent(&mut call);
    events(&mut call);
    call.handle_command(t0, Op::RejectReinvite(488)).unwrap();
    assert_eq!(statuses(&mut call), vec![488]);
    deliver(&mut call, t0, ack(2, "z9hG4bKre", None));
    run_timers(&mut call, t0 + Duration::from_secs(40));
    assert!(sent(&mut call).is_empty());
    assert!(events(&mut call).is_empty());
    call.handle_command(
        t0,
        Op::SendDtmf {
            digit: '7',
            duration_ms: 100,
        },
    )
    .unwrap();
    let info = sent_requests(&mut call).remove(0);
    assert_eq!(info.method, Method::Info);
    assert_eq!(
        String::from_utf8_lossy(&info.body),
        "Signal=7\r\nDuration=100\r\n"
    );
}

#[test]
fn abandoned_calls_are_ended() {
    let t0 = Instant::now();
    let (mut call, _) = incoming(t0);
    sent(&mut call);
    call.handle_abandoned(t0);
    assert_eq!(statuses(&mut call), vec![480]);

    let mut call = confirmed(t0);
    call.handle_abandoned(t0);
    assert_eq!(sent_requests(&mut call)[0].method, Method::Bye);

    let mut call = outgoing(t0, None);
    let invite = only_invite(&mut call);
    call.handle_response(t0, answer(&invite, 180, "b", vec![], None));
    call.handle_abandoned(t0);
    assert_eq!(sent_requests(&mut call)[0].method, Method::Cancel);
}
