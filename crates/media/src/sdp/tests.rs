#![allow(clippy::unwrap_used)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::*;
use crate::codec::g711::PCMU;
use crate::codec::CodecInfo;
use crate::MediaError;

static OPUS: CodecInfo = CodecInfo {
    name: "opus",
    clock_rate: 48000,
    channels: Some(2),
    static_payload_type: None,
    sample_rate: 48000,
    fmtp: Some("minptime=10;useinbandfec=1"),
};
static G722: CodecInfo = CodecInfo {
    name: "G722",
    clock_rate: 8000,
    channels: None,
    static_payload_type: Some(9),
    sample_rate: 16000,
    fmtp: None,
};
static PCMA: CodecInfo = CodecInfo {
    name: "PCMA",
    clock_rate: 8000,
    channels: None,
    static_payload_type: Some(8),
    sample_rate: 8000,
    fmtp: None,
};

fn params(codecs: Vec<&'static CodecInfo>) -> LocalParams {
    LocalParams {
        address: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
        rtp_port: 4000,
        codecs,
        ptime_ms: 20,
        dtmf_payload_type: 101,
    }
}

/// What baresip 1.0 offers with opus, G722, PCMU and PCMA enabled.
const BARESIP_OFFER: &str = "v=0\r\n\
o=- 1726 2048 IN IP4 127.0.0.1\r\n\
s=-\r\n\
c=IN IP4 127.0.0.1\r\n\
t=0 0\r\n\
m=audio 10000 RTP/AVP 96 9 0 8 101 102\r\n\
b=AS:116\r\n\
a=rtpmap:96 opus/48000/2\r\n\
a=fmtp:96 stereo=1;sprop-stereo=1\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/48000\r\n\
a=fmtp:101 0-15\r\n\
a=rtpmap:102 telephone-event/8000\r\n\
a=fmtp:102 0-15\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n\
a=label:1\r\n";

fn m_line(sdp: &str) -> &str {
    sdp.lines().find(|l| l.starts_with("m=audio")).unwrap_or("")
}

#[test]
fn pcmu_offer_has_every_line_a_sip_peer_needs() {
    let mut oa = OfferAnswer::new(params(vec![&PCMU]), 42);
    let offer = oa.create_offer(Direction::SendRecv);
    assert_eq!(m_line(&offer), "m=audio 4000 RTP/AVP 0 101");
    for line in [
        "c=IN IP4 127.0.0.1",
        "t=0 0",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        "a=rtcp:4001",
        "a=sendrecv",
    ] {
        assert!(
            offer.lines().any(|l| l == line),
            "{line} missing in\n{offer}"
        );
    }
    assert!(offer.starts_with("v=0\r\no=dialtone 42 "), "{offer}");
    assert!(oa.has_pending_offer());
}

#[test]
fn offer_with_opus_adds_dynamic_pts_fmtp_and_telephone_event_48000() {
    let mut oa = OfferAnswer::new(params(vec![&OPUS, &G722, &PCMA, &PCMU]), 1);
    let offer = oa.create_offer(Direction::SendRecv);
    assert_eq!(m_line(&offer), "m=audio 4000 RTP/AVP 96 9 8 0 101 97");
    assert!(offer.contains("a=rtpmap:96 opus/48000/2\r\n"));
    assert!(offer.contains("a=fmtp:96 minptime=10;useinbandfec=1\r\n"));
    assert!(offer.contains("a=rtpmap:9 G722/8000\r\n"));
    assert!(offer.contains("a=rtpmap:97 telephone-event/48000\r\n"));
    assert!(offer.contains("a=fmtp:97 0-16\r\n"));
}

#[test]
fn ipv6_offer_says_ip6() {
    let mut p = params(vec![&PCMU]);
    p.address = IpAddr::V6(Ipv6Addr::LOCALHOST);
    let mut oa = OfferAnswer::new(p, 7);
    let offer = oa.create_offer(Direction::SendRecv);
    assert!(offer.contains("c=IN IP6 ::1\r\n"), "{offer}");
    assert!(offer.contains(" IN IP6 ::1\r\n"));
}

#[test]
fn answering_baresip_picks_our_first_codec_with_its_payload_types() {
    let mut oa = OfferAnswer::new(params(vec![&PCMU, &OPUS]), 1);
    let (answer, n) = oa.accept_offer(BARESIP_OFFER, Direction::SendRecv).unwrap();
    assert_eq!(n.codec.name, "PCMU");
    assert_eq!((n.send_payload_type, n.recv_payload_type), (0, 0));
    let dtmf = n.dtmf.unwrap();
    assert_eq!((dtmf.send_payload_type, dtmf.clock_rate), (102, 8000));
    assert_eq!(
        n.remote_rtp,
        "127.0.0.1:10000".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(
        n.remote_rtcp,
        "127.0.0.1:10001".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(n.direction(), Direction::SendRecv);
    assert_eq!(m_line(&answer), "m=audio 4000 RTP/AVP 0 102");
    assert!(answer.contains("a=rtpmap:102 telephone-event/8000\r\n"));
    assert!(answer.contains("a=sendrecv\r\n"));
}

#[test]
fn answering_with_opus_first_keeps_the_offer_pt_and_fmtp() {
    let mut oa = OfferAnswer::new(params(vec![&OPUS, &PCMU]), 1);
    let (answer, n) = oa.accept_offer(BARESIP_OFFER, Direction::SendRecv).unwrap();
    assert_eq!(n.codec_name(), "opus/48000/2");
    assert_eq!(n.send_payload_type, 96);
    assert_eq!(n.remote_fmtp.as_deref(), Some("stereo=1;sprop-stereo=1"));
    let dtmf = n.dtmf.unwrap();
    assert_eq!((dtmf.send_payload_type, dtmf.clock_rate), (101, 48000));
    assert_eq!(m_line(&answer), "m=audio 4000 RTP/AVP 96 101");
    assert!(answer.contains("a=rtpmap:96 opus/48000/2\r\n"));
}

#[test]
fn answer_direction_follows_rfc3264() {
    for (offered, answered) in [
        ("sendonly", "recvonly"),
        ("recvonly", "sendonly"),
        ("inactive", "inactive"),
        ("sendrecv", "sendrecv"),
    ] {
        let offer = BARESIP_OFFER.replace("a=sendrecv", &format!("a={offered}"));
        let mut oa = OfferAnswer::new(params(vec![&PCMU]), 1);
        let (answer, n) = oa.accept_offer(&offer, Direction::SendRecv).unwrap();
        assert!(
            answer.contains(&format!("a={answered}\r\n")),
            "{offered}: {answer}"
        );
        assert_eq!(n.local_direction.as_str(), answered);
        assert_eq!(n.direction().as_str(), answered);
    }
}

#[test]
fn connection_address_zero_is_hold() {
    let offer = BARESIP_OFFER.replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0");
    let mut oa = OfferAnswer::new(params(vec![&PCMU]), 1);
    let (answer, n) = oa.accept_offer(&offer, Direction::SendRecv).unwrap();
    assert!(n.remote_hold());
    assert!(!n.direction().sends());
    assert!(answer.contains("a=recvonly\r\n"));
}

#[test]
fn errors_are_clear_and_map_to_sip_statuses() {
    let mut oa = OfferAnswer::new(params(vec![&PCMU]), 1);
    let no_codec = BARESIP_OFFER
        .replace(" 9 0 8 101", " 9 8 101")
        .replace("a=rtpmap:0 PCMU/8000\r\n", "");
    let err = oa.accept_offer(&no_codec, Direction::SendRecv).unwrap_err();
    assert!(matches!(err, MediaError::NoCommonCodec), "{err}");
    assert_eq!(rejection_status(&err), Some(488));

    let err = oa
        .accept_offer("v=0\r\nthis is no sdp\r\n", Direction::SendRecv)
        .unwrap_err();
    assert!(matches!(err, MediaError::SdpSyntax(_)), "{err}");
    assert_eq!(rejection_status(&err), Some(400));

    let video = BARESIP_OFFER.replace("m=audio", "m=video");
    let err = oa.accept_offer(&video, Direction::SendRecv).unwrap_err();
    assert!(matches!(err, MediaError::NoAudioStream), "{err}");
    assert_eq!(rejection_status(&err), Some(488));

    let rejected = BARESIP_OFFER.replace("m=audio 10000", "m=audio 0");
    let err = oa.accept_offer(&rejected, Direction::SendRecv).unwrap_err();
    assert!(matches!(err, MediaError::StreamRejected), "{err}");

    let host = BARESIP_OFFER.replace("c=IN IP4 127.0.0.1", "c=IN IP4 pbx.example.com");
    let err = oa.accept_offer(&host, Direction::SendRecv).unwrap_err();
    assert!(matches!(err, MediaError::SdpInvalid { .. }), "{err}");

    let err = oa.apply_answer(BARESIP_OFFER).unwrap_err();
    assert!(matches!(err, MediaError::NoOfferPending), "{err}");
}

#[test]
fn media_level_connection_and_rtcp_attribute_win() {
    let offer = "v=0\r\no=x 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
m=audio 20000 RTP/AVP 0\r\nc=IN IP4 127.0.0.5\r\na=rtcp:20011 IN IP4 127.0.0.6\r\n";
    let mut oa = OfferAnswer::new(params(vec![&PCMU]), 1);
    let (_, n) = oa.accept_offer(offer, Direction::SendRecv).unwrap();
    assert_eq!(
        n.remote_rtp,
        "127.0.0.5:20000".parse::<SocketAddr>().unwrap()
    );
    assert_eq!(
        n.remote_rtcp,
        "127.0.0.6:20011".parse::<SocketAddr>().unwrap()
    );
    assert!(n.dtmf.is_none(), "no telephone-event offered");
}

#[test]
fn rtcp_mux_offer_is_accepted_and_echoed() {
    let offer = BARESIP_OFFER.replace("a=sendrecv\r\n", "a=sendrecv\r\na=rtcp-mux\r\n");
    let mut oa = OfferAnswer::new(params(vec![&PCMU]), 1);
    let (answer, n) = oa.accept_offer(&offer, Direction::SendRecv).unwrap();
    assert!(n.rtcp_mux);
    assert_eq!(n.remote_rtcp, n.remote_rtp);
    assert!(answer.contains("a=rtcp-mux\r\n"));
    assert!(!answer.contains("a=rtcp:"));
}

#[test]
fn answer_mirrors_and_rejects_other_streams() {
    let offer = format!("{BARESIP_OFFER}m=video 10002 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\n");
    let mut oa = OfferAnswer::new(params(vec![&PCMU]), 1);
    let (answer, _) = oa.accept_offer(&offer, Direction::SendRecv).unwrap();
    let m: Vec<&str> = answer.lines().filter(|l| l.starts_with("m=")).collect();
    assert_eq!(m, ["m=audio 4000 RTP/AVP 0 102", "m=video 0 RTP/AVP 97"]);
}

#[test]
fn static_payload_types_without_rtpmap_are_understood() {
    let offer = "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
m=audio 20000 RTP/AVP 8 0\r\n";
    let mut oa = OfferAnswer::new(params(vec![&PCMU, &PCMA]), 1);
    let (answer, n) = oa.accept_offer(offer, Direction::SendRecv).unwrap();
    assert_eq!(
        n.codec.name, "PCMU",
        "our preference wins over the offer's order"
    );
    assert_eq!(m_line(&answer), "m=audio 4000 RTP/AVP 0");
}

/// An answer as a peer that renumbers telephone-event would send it.
fn answer_from_peer(codec_line: &str, direction: &str, address: &str) -> String {
    format!(
        "v=0\r\no=peer 9 9 IN IP4 {address}\r\ns=-\r\nc=IN IP4 {address}\r\nt=0 0\r\n\
m=audio 30000 RTP/AVP {codec_line} 100\r\na=rtpmap:100 telephone-event/8000\r\n\
a=fmtp:100 0-16\r\na=rtcp:30001\r\na={direction}\r\n"
    )
}

#[test]
fn applying_an_answer_uses_its_pts_to_send_and_ours_to_receive() {
    let mut oa = OfferAnswer::new(params(vec![&OPUS, &PCMU]), 1);
    let _offer = oa.create_offer(Direction::SendRecv);
    let answer = answer_from_peer("0", "sendrecv", "127.0.0.9");
    let n = oa.apply_answer(&answer).unwrap().clone();
    assert_eq!(n.codec_name(), "PCMU/8000");
    assert_eq!((n.send_payload_type, n.recv_payload_type), (0, 0));
    let dtmf = n.dtmf.unwrap();
    assert_eq!((dtmf.send_payload_type, dtmf.recv_payload_type), (100, 101));
    assert_eq!(
        n.remote_rtp,
        "127.0.0.9:30000".parse::<SocketAddr>().unwrap()
    );
    assert!(!oa.has_pending_offer());
}

#[test]
fn answer_without_our_codecs_is_refused_and_keeps_the_old_state() {
    let mut oa = OfferAnswer::new(params(vec![&PCMU]), 1);
    oa.create_offer(Direction::SendRecv);
    oa.apply_answer(&answer_from_peer("0", "sendrecv", "127.0.0.9"))
        .unwrap();
    oa.create_offer(Direction::SendOnly);
    let err = oa
        .apply_answer(&answer_from_peer("18", "recvonly", "127.0.0.9"))
        .unwrap_err();
    assert!(matches!(err, MediaError::NoCommonCodec));
    assert_eq!(oa.negotiated().unwrap().direction(), Direction::SendRecv);
}

#[test]
fn hold_reoffer_resume_and_session_version() {
    let mut oa = OfferAnswer::new(params(vec![&PCMA, &PCMU]), 5);
    let first = oa.create_offer(Direction::SendRecv);
    let v0 = oa.session_version();
    oa.apply_answer(&answer_from_peer("0", "sendrecv", "127.0.0.9"))
        .unwrap();

    // Hold: sendonly re-offer, negotiated codec first with its old PT.
    let hold = oa.create_offer(Direction::SendOnly);
    assert_eq!(oa.session_version(), v0 + 1);
    assert_eq!(m_line(&hold), "m=audio 4000 RTP/AVP 0 8 101");
    assert!(hold.contains("a=sendonly\r\n"));
    let n = oa
        .apply_answer(&answer_from_peer("0", "recvonly", "127.0.0.9"))
        .unwrap();
    assert_eq!(n.direction(), Direction::SendOnly);

    // The same offer again (a retransmitted re-INVITE) keeps the version.
    let again = oa.create_offer(Direction::SendOnly);
    assert_eq!(again, hold);

    // Inactive, then resume.
    oa.create_offer(Direction::Inactive);
    let n = oa
        .apply_answer(&answer_from_peer("0", "inactive", "127.0.0.9"))
        .unwrap();
    assert_eq!(n.direction(), Direction::Inactive);
    let resume = oa.create_offer(Direction::SendRecv);
    assert_eq!(oa.session_version(), v0 + 3);
    assert!(resume.contains("a=sendrecv\r\n"));
    let n = oa
        .apply_answer(&answer_from_peer("0", "sendrecv", "127.0.0.9"))
        .unwrap();
    assert_eq!(n.direction(), Direction::SendRecv);
    assert_ne!(first, resume);
}

#[test]
fn reinvite_with_a_new_address_moves_the_remote() {
    let mut oa = OfferAnswer::new(params(vec![&PCMU]), 1);
    oa.accept_offer(BARESIP_OFFER, Direction::SendRecv).unwrap();
    let moved = BARESIP_OFFER
        .replace("c=IN IP4 127.0.0.1", "c=IN IP4 127.0.0.2")
        .replace("m=audio 10000", "m=audio 12000")
        .replace(" 2048 ", " 2049 ");
    let (_, n) = oa.accept_offer(&moved, Direction::SendRecv).unwrap();
    assert_eq!(
        n.remote_rtp,
        "127.0.0.2:12000".parse::<SocketAddr>().unwrap()
    );
}

#[test]
fn local_address_change_shows_in_the_next_offer() {
    let mut oa = OfferAnswer::new(params(vec![&PCMU]), 1);
    oa.create_offer(Direction::SendRecv);
    let v = oa.session_version();
    oa.set_local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)), 6000);
    let offer = oa.create_offer(Direction::SendRecv);
    assert!(offer.contains("c=IN IP4 127.0.0.3\r\n"));
    assert_eq!(m_line(&offer), "m=audio 6000 RTP/AVP 0 101");
    assert_eq!(oa.session_version(), v + 1);
}
