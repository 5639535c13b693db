//! Loopback tests of the transports and of client transactions running over them.

#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rsipstack::sip::prelude::*;
use rsipstack::sip::{Header, Request, SipMessage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::*;
use crate::error::{TransactionError, TransportError};
use crate::transaction::{ClientTransactions, Timers};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const WAIT: Duration = Duration::from_secs(5);

fn branch() -> String {
    crate::transaction::new_branch()
}

fn options(kind: TransportKind, from: SocketAddr, to: SocketAddr, branch: &str) -> Request {
    let text = format!(
        "OPTIONS sip:{to} SIP/2.0\r\n\
         Via: SIP/2.0/{via} {from};branch={branch};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:alice@{from}>;tag=1\r\n\
         To: <sip:{to}>\r\n\
         Call-ID: {branch}@test\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n",
        via = kind.via_name()
    );
    Request::try_from(text.as_str()).unwrap()
}

fn response_to(request: &Request, status: &str) -> Vec<u8> {
    let mut text = format!("SIP/2.0 {status}\r\n");
    for header in request.headers().iter() {
        if matches!(
            header,
            Header::Via(_) | Header::From(_) | Header::To(_) | Header::CallId(_) | Header::CSeq(_)
        ) {
            text.push_str(&format!("{}: {}\r\n", header.name(), header.value()));
        }
    }
    text.push_str("Content-Length: 0\r\n\r\n");
    text.into_bytes()
}

async fn next_event(events: &mut mpsc::Receiver<TransportEvent>) -> TransportEvent {
    timeout(WAIT, events.recv())
        .await
        .expect("timed out waiting for a transport event")
        .expect("event channel closed")
}

/// Feeds the client's events to its transactions and forwards everything else to the test.
fn dispatch(
    txns: ClientTransactions,
    mut events: mpsc::Receiver<TransportEvent>,
) -> mpsc::UnboundedReceiver<TransportEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                TransportEvent::Message {
                    message: SipMessage::Response(response),
                    source,
                    kind,
                    local,
                } => {
                    if let Some(stray) = txns.handle_response(response) {
                        let _ = tx.send(TransportEvent::Message {
                            message: SipMessage::Response(stray),
                            source,
                            kind,
                            local,
                        });
                    }
                }
                TransportEvent::ConnectionClosed { kind, remote, .. } => {
                    txns.handle_connection_closed(kind, remote);
                    let _ = tx.send(event);
                }
                other => {
                    let _ = tx.send(other);
                }
            }
        }
    });
    rx
}

/// Answers requests 200 OK, ignoring the first `ignore` copies; counts the copies seen.
fn responder(
    server: Transports,
    mut events: mpsc::Receiver<TransportEvent>,
    ignore: usize,
) -> (
    Arc<AtomicUsize>,
    mpsc::UnboundedReceiver<(TransportKind, SocketAddr)>,
) {
    let seen = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::unbounded_channel();
    let counter = seen.clone();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if let TransportEvent::Message {
                message: SipMessage::Request(request),
                source,
                kind,
                ..
            } = event
            {
                let _ = tx.send((kind, source));
                if counter.fetch_add(1, Ordering::SeqCst) < ignore {
                    continue;
                }
                let target = Target::new(kind, source);
                let bytes = response_to(&request, "200 OK");
                server
                    .send(&target, &TlsSettings::default(), &bytes)
                    .await
                    .unwrap();
            }
        }
    });
    (seen, rx)
}

struct Client {
    transports: Transports,
    txns: ClientTransactions,
    events: mpsc::UnboundedReceiver<TransportEvent>,
}

async fn client(tls: TlsSettings) -> Client {
    let (transports, events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let txns = ClientTransactions::new(transports.clone(), tls);
    let events = dispatch(txns.clone(), events);
    Client {
        transports,
        txns,
        events,
    }
}

fn fast_timers() -> Timers {
    Timers {
        t1: Duration::from_millis(50),
        t2: Duration::from_millis(400),
        timer_f: Duration::from_millis(400),
    }
}

#[test]
fn transport_kind_names() {
    assert_eq!(TransportKind::Udp.via_name(), "UDP");
    assert_eq!(TransportKind::Tls.via_name(), "TLS");
    assert_eq!(TransportKind::Udp.uri_param(), None);
    assert_eq!(TransportKind::Tcp.uri_param(), Some("tcp"));
    assert!(!TransportKind::Udp.is_reliable());
    assert!(TransportKind::Tls.is_reliable());
}

#[tokio::test]
async fn bind_gives_udp_and_tcp_the_same_port() {
    let (t, _events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    assert_ne!(t.udp_local_addr().port(), 0);
    assert_eq!(t.udp_local_addr(), t.tcp_local_addr());
}

/// A phone restarted with new settings binds the same SIP port again at once.
#[tokio::test]
async fn after_shutdown_and_wait_the_same_port_binds_again() {
    let (t, _events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let port = t.udp_local_addr().port();
    // Other holders (the user agent's tasks) keep their clones alive meanwhile.
    let still_held = t.clone();
    assert!(t.shutdown_and_wait(Duration::from_secs(2)).await);
    let (again, _events) = Transports::bind(LOCALHOST, port)
        .await
        .expect("the port is free again for UDP and TCP");
    assert_eq!(again.udp_local_addr().port(), port);
    assert_eq!(again.tcp_local_addr().port(), port);
    drop(still_held);
}

#[tokio::test]
async fn local_addr_for_unspecified_bind_is_the_routed_address() {
    let (t, _events) = Transports::bind(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)
        .await
        .unwrap();
    let target = Target::new(TransportKind::Udp, "127.0.0.1:5060".parse().unwrap());
    let local = t
        .local_addr_for(&target, &TlsSettings::default())
        .await
        .unwrap();
    assert_eq!(local, SocketAddr::new(LOCALHOST, t.udp_local_addr().port()));
}

#[tokio::test]
async fn udp_request_gets_its_response() {
    let (server, server_events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let (seen, _) = responder(server.clone(), server_events, 0);
    let c = client(TlsSettings::default()).await;
    let target = Target::new(TransportKind::Udp, server.udp_local_addr());
    let request = options(
        TransportKind::Udp,
        c.transports.udp_local_addr(),
        target.addr,
        &branch(),
    );
    let response = c
        .txns
        .request(&target, request, &Timers::default())
        .await
        .unwrap();
    assert_eq!(response.status_code.code(), 200);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    assert_eq!(c.txns.pending_count(), 0);
}

#[tokio::test]
async fn udp_request_is_retransmitted_until_answered() {
    let (server, server_events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let (seen, _) = responder(server.clone(), server_events, 2);
    let c = client(TlsSettings::default()).await;
    let target = Target::new(TransportKind::Udp, server.udp_local_addr());
    let request = options(
        TransportKind::Udp,
        c.transports.udp_local_addr(),
        target.addr,
        &branch(),
    );
    let timers = Timers {
        timer_f: Duration::from_secs(5),
        ..fast_timers()
    };
    let response = c.txns.request(&target, request, &timers).await.unwrap();
    assert_eq!(response.status_code.code(), 200);
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn udp_timer_f_times_out_after_retransmissions() {
    let silent = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let c = client(TlsSettings::default()).await;
    let target = Target::new(TransportKind::Udp, silent.local_addr().unwrap());
    let request = options(
        TransportKind::Udp,
        c.transports.udp_local_addr(),
        target.addr,
        &branch(),
    );
    let started = std::time::Instant::now();
    let result = c.txns.request(&target, request, &fast_timers()).await;
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(TransactionError::Timeout { after, .. }) if after == Duration::from_millis(400)),
        "{result:?}"
    );
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    // Sent at 0, 50, 150, 350 ms: at least the first three copies have arrived.
    let mut copies = 0;
    let mut buf = [0u8; 2048];
    while let Ok(Ok(_)) = timeout(Duration::from_millis(100), silent.recv_from(&mut buf)).await {
        copies += 1;
    }
    assert!(copies >= 3, "only {copies} copies");
    assert_eq!(c.txns.pending_count(), 0);
}

#[tokio::test]
async fn provisional_is_ignored_and_final_returned() {
    let server = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    let mut c = client(TlsSettings::default()).await;
    let target = Target::new(TransportKind::Udp, server.local_addr().unwrap());
    let request = options(
        TransportKind::Udp,
        c.transports.udp_local_addr(),
        target.addr,
        &branch(),
    );
    let txns = c.txns.clone();
    let timers = Timers {
        timer_f: Duration::from_secs(5),
        ..fast_timers()
    };
    let task = tokio::spawn(async move { txns.request(&target, request, &timers).await });
    let mut buf = vec![0u8; 4096];
    let (n, from) = timeout(WAIT, server.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let received = Request::try_from(&buf[..n]).unwrap();
    server
        .send_to(&response_to(&received, "100 Trying"), from)
        .await
        .unwrap();
    server
        .send_to(&response_to(&received, "404 Not Found"), from)
        .await
        .unwrap();
    let response = timeout(WAIT, task).await.unwrap().unwrap().unwrap();
    assert_eq!(response.status_code.code(), 404);
    // A retransmitted final is absorbed, not reported as stray; another branch is stray.
    server
        .send_to(&response_to(&received, "404 Not Found"), from)
        .await
        .unwrap();
    let other = options(TransportKind::Udp, from, target_addr(&server), &branch());
    server
        .send_to(&response_to(&other, "200 OK"), from)
        .await
        .unwrap();
    match timeout(WAIT, c.events.recv()).await.unwrap() {
        Some(TransportEvent::Message {
            message: SipMessage::Response(stray),
            ..
        }) => {
            assert_eq!(stray.status_code.code(), 200);
        }
        other => panic!("expected the stray 200, got {other:?}"),
    }
    drop(c);
}

fn target_addr(socket: &UdpSocket) -> SocketAddr {
    socket.local_addr().unwrap()
}

#[tokio::test]
async fn malformed_datagram_is_reported_not_fatal() {
    let (t, mut events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let sender = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    sender
        .send_to(b"\r\n\r\n", t.udp_local_addr())
        .await
        .unwrap(); // keep-alive: skipped
    sender
        .send_to(b"not sip at all", t.udp_local_addr())
        .await
        .unwrap();
    match next_event(&mut events).await {
        TransportEvent::Malformed { source, kind, .. } => {
            assert_eq!(source, sender.local_addr().unwrap());
            assert_eq!(kind, TransportKind::Udp);
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    let request = options(
        TransportKind::Udp,
        sender.local_addr().unwrap(),
        t.udp_local_addr(),
        &branch(),
    );
    sender
        .send_to(&request.to_bytes(), t.udp_local_addr())
        .await
        .unwrap();
    assert!(matches!(
        next_event(&mut events).await,
        TransportEvent::Message {
            message: SipMessage::Request(_),
            kind: TransportKind::Udp,
            ..
        }
    ));
}

#[tokio::test]
async fn tcp_request_and_response_share_one_connection() {
    let (server, server_events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let (_, mut arrivals) = responder(server.clone(), server_events, 0);
    let c = client(TlsSettings::default()).await;
    let target = Target::new(TransportKind::Tcp, server.tcp_local_addr());
    let local = c
        .transports
        .local_addr_for(&target, &TlsSettings::default())
        .await
        .unwrap();
    assert_ne!(local.port(), c.transports.tcp_local_addr().port());
    let request = options(TransportKind::Tcp, local, target.addr, &branch());
    let response = c
        .txns
        .request(&target, request, &Timers::default())
        .await
        .unwrap();
    assert_eq!(response.status_code.code(), 200);
    // The request arrived from the connection's own port, and the server answered on it
    // (had it opened a new connection, the client would hold an inbound one too).
    let (kind, source) = timeout(WAIT, arrivals.recv()).await.unwrap().unwrap();
    assert_eq!((kind, source), (TransportKind::Tcp, local));
    assert!(c.transports.is_connected(&target));
    assert!(server.is_connected(&Target::new(TransportKind::Tcp, local)));
    assert_eq!(server.inner.shared.conns().len(), 1);
    assert_eq!(c.transports.inner.shared.conns().len(), 1);
}

#[tokio::test]
async fn tcp_connection_refused_fails_fast() {
    let listener = TcpListener::bind((LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = client(TlsSettings::default()).await;
    let target = Target::new(TransportKind::Tcp, addr);
    let request = options(
        TransportKind::Tcp,
        c.transports.udp_local_addr(),
        addr,
        &branch(),
    );
    let result = timeout(
        Duration::from_secs(2),
        c.txns.request(&target, request, &Timers::default()),
    )
    .await
    .expect("a refused connection must fail at once");
    assert!(
        matches!(result, Err(TransactionError::Transport(TransportError::Connect { addr: a, .. })) if a == addr),
        "{result:?}"
    );
    assert_eq!(c.txns.pending_count(), 0);
}

#[tokio::test]
async fn peer_closing_fails_the_waiting_transaction() {
    let listener = TcpListener::bind((LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut c = client(TlsSettings::default()).await;
    let target = Target::new(TransportKind::Tcp, addr);
    let request = options(
        TransportKind::Tcp,
        c.transports.udp_local_addr(),
        addr,
        &branch(),
    );
    let txns = c.txns.clone();
    let task =
        tokio::spawn(async move { txns.request(&target, request, &Timers::default()).await });
    // The peer reads the request, then hangs up without answering.
    let (mut peer, _) = timeout(WAIT, listener.accept()).await.unwrap().unwrap();
    let mut buf = vec![0u8; 4096];
    let n = timeout(WAIT, peer.read(&mut buf)).await.unwrap().unwrap();
    assert!(buf[..n].starts_with(b"OPTIONS "));
    drop(peer);
    match timeout(WAIT, c.events.recv()).await.unwrap() {
        Some(TransportEvent::ConnectionClosed { kind, remote, .. }) => {
            assert_eq!((kind, remote), (TransportKind::Tcp, addr));
        }
        other => panic!("expected ConnectionClosed, got {other:?}"),
    }
    let result = timeout(WAIT, task).await.unwrap().unwrap();
    assert!(
        matches!(result, Err(TransactionError::ConnectionClosed { remote, .. }) if remote == addr),
        "{result:?}"
    );
    assert!(!c
        .transports
        .is_connected(&Target::new(TransportKind::Tcp, addr)));
}

#[tokio::test]
async fn crlf_ping_is_answered_with_pong() {
    let (t, mut events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let mut peer = tokio::net::TcpStream::connect(t.tcp_local_addr())
        .await
        .unwrap();
    peer.write_all(b"\r\n\r\n").await.unwrap();
    let mut pong = [0u8; 2];
    timeout(WAIT, peer.read_exact(&mut pong))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&pong, b"\r\n");
    // The connection still carries messages afterwards.
    let request = options(
        TransportKind::Tcp,
        peer.local_addr().unwrap(),
        t.tcp_local_addr(),
        &branch(),
    );
    peer.write_all(&request.to_bytes()).await.unwrap();
    assert!(matches!(
        next_event(&mut events).await,
        TransportEvent::Message {
            kind: TransportKind::Tcp,
            message: SipMessage::Request(_),
            ..
        }
    ));
}

#[tokio::test]
async fn keepalive_over_tcp_and_without_connection() {
    let listener = TcpListener::bind((LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (t, _events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let target = Target::new(TransportKind::Tcp, addr);
    assert!(matches!(
        t.send_keepalive(&target).await,
        Err(TransportError::NotConnected { addr: a, .. }) if a == addr
    ));
    t.local_addr_for(&target, &TlsSettings::default())
        .await
        .unwrap();
    let (mut peer, _) = timeout(WAIT, listener.accept()).await.unwrap().unwrap();
    t.send_keepalive(&target).await.unwrap();
    let mut ping = [0u8; 4];
    timeout(WAIT, peer.read_exact(&mut ping))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&ping, b"\r\n\r\n");
}

#[tokio::test]
async fn close_drops_the_connection_without_an_event() {
    let listener = TcpListener::bind((LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (t, mut events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let target = Target::new(TransportKind::Tcp, addr);
    t.local_addr_for(&target, &TlsSettings::default())
        .await
        .unwrap();
    let (mut peer, _) = timeout(WAIT, listener.accept()).await.unwrap().unwrap();
    t.close(&target);
    assert!(!t.is_connected(&target));
    // The peer sees EOF: the socket really was closed.
    let mut buf = [0u8; 16];
    let n = timeout(WAIT, peer.read(&mut buf)).await.unwrap().unwrap();
    assert_eq!(n, 0);
    // Send an unrelated datagram: the first event must be it, not a ConnectionClosed.
    let sender = UdpSocket::bind((LOCALHOST, 0)).await.unwrap();
    sender
        .send_to(b"garbage", t.udp_local_addr())
        .await
        .unwrap();
    assert!(matches!(
        next_event(&mut events).await,
        TransportEvent::Malformed {
            kind: TransportKind::Udp,
            ..
        }
    ));
}

#[tokio::test]
async fn oversize_stream_message_is_malformed_and_closes() {
    let (t, mut events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let mut peer = tokio::net::TcpStream::connect(t.tcp_local_addr())
        .await
        .unwrap();
    let local = peer.local_addr().unwrap();
    peer.write_all(b"MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 100000\r\n\r\n")
        .await
        .unwrap();
    assert!(matches!(
        next_event(&mut events).await,
        TransportEvent::Malformed { source, kind: TransportKind::Tcp, .. } if source == local
    ));
    assert!(matches!(
        next_event(&mut events).await,
        TransportEvent::ConnectionClosed { remote, .. } if remote == local
    ));
    let mut buf = [0u8; 16];
    assert_eq!(
        timeout(WAIT, peer.read(&mut buf))
            .await
            .unwrap()
            .unwrap_or(0),
        0
    );
}

#[tokio::test]
async fn oversize_send_is_refused() {
    let (t, _events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let target = Target::new(TransportKind::Udp, t.udp_local_addr());
    let big = vec![b'x'; MAX_MESSAGE_SIZE + 1];
    assert!(matches!(
        t.send(&target, &TlsSettings::default(), &big).await,
        Err(TransportError::MessageTooLarge { .. })
    ));
}

#[tokio::test]
async fn shutdown_stops_sending() {
    let (t, _events) = Transports::bind(LOCALHOST, 0).await.unwrap();
    let target = Target::new(TransportKind::Udp, t.udp_local_addr());
    t.shutdown();
    assert!(matches!(
        t.send(&target, &TlsSettings::default(), b"x").await,
        Err(TransportError::Shutdown)
    ));
    // The port is freed once the reader task has seen the shutdown (current-thread runtime:
    // yielding lets it run).
    let mut rebound = None;
    for _ in 0..100 {
        if let Ok(socket) = UdpSocket::bind(t.udp_local_addr()).await {
            rebound = Some(socket);
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(rebound.is_some(), "UDP port still bound after shutdown");
    // So is the TCP listener's.
    let mut listener = None;
    for _ in 0..100 {
        if let Ok(l) = TcpListener::bind(t.tcp_local_addr()).await {
            listener = Some(l);
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(listener.is_some(), "TCP port still bound after shutdown");
}

mod tls_tests {
    use super::*;
    use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio_rustls::rustls::{self, ServerConfig};
    use tokio_rustls::TlsAcceptor;

    struct TestPki {
        ca_file: std::path::PathBuf,
        acceptor: TlsAcceptor,
    }

    impl Drop for TestPki {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.ca_file);
        }
    }

    /// A CA written to a temporary PEM file and a server certificate for IP 127.0.0.1.
    fn pki() -> TestPki {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Dialtone test CA");
        let ca = ca_params.self_signed(&ca_key).unwrap();

        let server_key = rcgen::KeyPair::generate().unwrap();
        let server_params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
        let server_cert = server_params.signed_by(&server_key, &ca, &ca_key).unwrap();

        let ca_file = std::env::temp_dir().join(format!(
            "dialtone-test-ca-{}-{}.pem",
            std::process::id(),
            rand::random::<u64>()
        ));
        std::fs::write(&ca_file, ca.pem()).unwrap();

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![server_cert.der().clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())),
            )
            .unwrap();
        TestPki {
            ca_file,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        }
    }

    /// A TLS server that answers each request with 200 OK, using the crate's framing.
    async fn tls_server(acceptor: TlsAcceptor) -> SocketAddr {
        let listener = TcpListener::bind((LOCALHOST, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            for _ in 0..4 {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = bytes::BytesMut::new();
                    while let Ok(n) = tls.read_buf(&mut buf).await {
                        if n == 0 {
                            return;
                        }
                        while let Ok(Some(Frame::Message(bytes))) = next_frame(&mut buf) {
                            let request = Request::try_from(&bytes[..]).unwrap();
                            tls.write_all(&response_to(&request, "200 OK"))
                                .await
                                .unwrap();
                        }
                    }
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn tls_verified_with_extra_ca() {
        let pki = pki();
        let addr = tls_server(pki.acceptor.clone()).await;
        let settings = TlsSettings {
            extra_ca_file: Some(pki.ca_file.clone()),
        };
        let c = client(settings).await;
        let target = Target {
            kind: TransportKind::Tls,
            addr,
            tls_name: Some("127.0.0.1".into()),
        };
        let request = options(
            TransportKind::Tls,
            c.transports.udp_local_addr(),
            addr,
            &branch(),
        );
        let response = timeout(WAIT, c.txns.request(&target, request, &Timers::default()))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(response.status_code.code(), 200);
        assert!(c.transports.is_connected(&target));
    }

    #[tokio::test]
    async fn tls_rejected_without_the_ca() {
        let pki = pki();
        let addr = tls_server(pki.acceptor.clone()).await;
        let (t, _events) = Transports::bind(LOCALHOST, 0).await.unwrap();
        let target = Target::new(TransportKind::Tls, addr);
        let result = timeout(WAIT, t.local_addr_for(&target, &TlsSettings::default()))
            .await
            .unwrap();
        assert!(
            matches!(result, Err(TransportError::Tls { addr: a, .. }) if a == addr),
            "{result:?}"
        );
        assert!(!t.is_connected(&target));
    }

    #[tokio::test]
    async fn tls_rejected_for_the_wrong_name() {
        let pki = pki();
        let addr = tls_server(pki.acceptor.clone()).await;
        let (t, _events) = Transports::bind(LOCALHOST, 0).await.unwrap();
        let target = Target {
            kind: TransportKind::Tls,
            addr,
            tls_name: Some("sip.example.com".into()),
        };
        let settings = TlsSettings {
            extra_ca_file: Some(pki.ca_file.clone()),
        };
        let result = timeout(WAIT, t.local_addr_for(&target, &settings))
            .await
            .unwrap();
        assert!(
            matches!(result, Err(TransportError::Tls { .. })),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn missing_ca_file_is_a_config_error() {
        let (t, _events) = Transports::bind(LOCALHOST, 0).await.unwrap();
        let target = Target::new(TransportKind::Tls, "127.0.0.1:1".parse().unwrap());
        let settings = TlsSettings {
            extra_ca_file: Some("/nonexistent/dialtone-ca.pem".into()),
        };
        let result = t.send(&target, &settings, b"x").await;
        assert!(
            matches!(result, Err(TransportError::TlsConfig { .. })),
            "{result:?}"
        );
    }
}
