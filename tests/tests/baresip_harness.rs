//! Proves the baresip harness and Kamailio's call routing: two baresip peers registered at a
//! private Kamailio call each other and each must hear the other's tone, for every codec.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{ensure, Context, Result};
use dialtone_e2e::baresip::{
    AudioSource, Baresip, BaresipOptions, SipTransport, G722, OPUS, PCMA, PCMU,
};
use dialtone_e2e::kamailio::Kamailio;
use dialtone_e2e::tone;

const CALLER_HZ: f64 = 440.0;
const CALLEE_HZ: f64 = 1000.0;
const WAIT: Duration = Duration::from_secs(10);

fn registrar(k: &Kamailio) -> SocketAddr {
    ([127, 0, 0, 1], k.udp_port()).into()
}

fn peer(k: &Kamailio, user: &str, hz: f64, codec: &str, auto_answer: bool) -> Result<Baresip> {
    let mut o = BaresipOptions::new(user, Some(registrar(k)));
    o.codecs = vec![codec.to_string()];
    o.source = AudioSource::Tone {
        freq_hz: hz,
        duration: Duration::from_secs(30),
    };
    o.auto_answer = auto_answer;
    let mut b = Baresip::start(o)?;
    b.wait_registered(WAIT)?;
    Ok(b)
}

/// Checks that `heard` is dominated by `expected_hz`; returns (dominant, fraction, seconds).
fn assert_heard(who: &Baresip, expected_hz: f64) -> Result<(f64, f64, f64)> {
    let path = who.finished_recording(WAIT)?;
    let audio = tone::read_mono(&path)?;
    let secs = audio.duration().as_secs_f64();
    let dominant = audio
        .dominant_frequency()
        .with_context(|| format!("{} heard silence ({})", who.user(), path.display()))?;
    let fraction = audio.power_fraction_near(expected_hz, 30.0);
    ensure!(
        (dominant - expected_hz).abs() < 10.0,
        "{} heard {dominant:.1} Hz, expected {expected_hz} Hz ({})",
        who.user(),
        path.display()
    );
    ensure!(
        fraction > 0.8,
        "{} heard only {fraction:.2} of its power near {expected_hz} Hz",
        who.user()
    );
    ensure!(secs > 1.5, "{} recorded only {secs:.2} s", who.user());
    Ok((dominant, fraction, secs))
}

fn call_with_codec(codec: &str) -> Result<()> {
    let k = Kamailio::start()?;
    let mut a = peer(&k, "1002", CALLER_HZ, codec, false)?;
    let mut b = peer(&k, "1003", CALLEE_HZ, codec, true)?;

    a.dial(&format!("sip:1003@127.0.0.1:{}", k.udp_port()))?;
    a.wait_call_established(WAIT)
        .with_context(|| format!("kamailio log:\n{}", k.log_tail(30)))?;
    b.wait_call_established(WAIT).with_context(|| {
        format!(
            "kamailio log:\n{}\n--- caller log:\n{}",
            k.log_tail(30),
            a.log_tail(60)
        )
    })?;
    // Let ~3 s of audio flow. Waiting on the clock is the point here, not synchronisation:
    // the callee's call must stay up, which wait_call_closed would report as an error.
    ensure!(
        b.wait_call_closed(Duration::from_secs(3)).is_err(),
        "callee's call ended early:\n{}",
        b.log_tail(30)
    );
    a.hangup()?;
    a.wait_call_closed(WAIT)?;
    let reason = b.wait_call_closed(WAIT)?;
    ensure!(
        reason.contains("reset by peer"),
        "callee closed with {reason:?}"
    );

    // Each side offers one codec only, but check it is the one in use.
    let name = codec.split('/').next().unwrap_or_default();
    for peer in [&a, &b] {
        let (enc, dec) = peer.audio_codecs_in_use();
        for c in [&enc, &dec] {
            ensure!(
                c.as_deref().is_some_and(|c| c.starts_with(name)),
                "{} used {enc:?}/{dec:?}, expected {name}",
                peer.user()
            );
        }
    }

    let heard_by_a = assert_heard(&a, CALLEE_HZ)?;
    let heard_by_b = assert_heard(&b, CALLER_HZ)?;
    println!(
        "{codec}: caller heard {:.1} Hz ({:.3} of power, {:.2} s), callee heard {:.1} Hz ({:.3}, {:.2} s)",
        heard_by_a.0, heard_by_a.1, heard_by_a.2, heard_by_b.0, heard_by_b.1, heard_by_b.2
    );
    Ok(())
}

#[test]
fn pcmu_call_through_kamailio_carries_both_tones() -> Result<()> {
    call_with_codec(PCMU)
}

#[test]
fn pcma_call_through_kamailio_carries_both_tones() -> Result<()> {
    call_with_codec(PCMA)
}

#[test]
fn g722_call_through_kamailio_carries_both_tones() -> Result<()> {
    call_with_codec(G722)
}

#[test]
fn opus_call_through_kamailio_carries_both_tones() -> Result<()> {
    call_with_codec(OPUS)
}

#[test]
fn rejected_call_reports_busy_to_the_caller() -> Result<()> {
    let k = Kamailio::start()?;
    let mut a = peer(&k, "1002", CALLER_HZ, PCMU, false)?;
    let mut b = peer(&k, "1003", CALLEE_HZ, PCMU, false)?;
    a.dial(&format!("sip:1003@127.0.0.1:{}", k.udp_port()))?;
    let from = b.wait_incoming(WAIT)?;
    ensure!(from.contains("1002"), "incoming call from {from:?}");
    b.hangup()?;
    let reason = a.wait_call_closed(WAIT)?;
    println!("caller's call closed: {reason:?}");
    ensure!(reason.starts_with("486"), "caller saw {reason:?}");
    Ok(())
}

#[test]
fn unregistered_and_unknown_callees_are_480_and_404() -> Result<()> {
    let k = Kamailio::start()?;
    let mut a = peer(&k, "1002", CALLER_HZ, PCMU, false)?;
    a.dial(&format!("sip:1004@127.0.0.1:{}", k.udp_port()))?;
    let reason = a.wait_call_closed(WAIT)?;
    ensure!(
        reason.starts_with("480"),
        "1004 (not registered): {reason:?}"
    );
    a.dial(&format!("sip:2000@127.0.0.1:{}", k.udp_port()))?;
    let reason = a.wait_call_closed(WAIT)?;
    ensure!(reason.starts_with("404"), "2000 (unknown): {reason:?}");
    Ok(())
}

#[test]
fn manual_answer_and_dtmf_reach_the_other_side() -> Result<()> {
    let k = Kamailio::start()?;
    let mut a = peer(&k, "1002", CALLER_HZ, PCMU, false)?;
    let mut b = peer(&k, "1003", CALLEE_HZ, PCMU, false)?;
    a.dial(&format!("sip:1003@127.0.0.1:{}", k.udp_port()))?;
    b.wait_incoming(WAIT)?;
    b.accept()?;
    a.wait_call_established(WAIT)?;
    b.wait_call_established(WAIT)?;
    a.send_dtmf("1#5")?;
    let got = b.wait_dtmf("1#5", WAIT)?;
    ensure!(got == "1#5", "callee got {got:?}");
    b.hangup()?;
    a.wait_call_closed(WAIT)?;
    b.wait_call_closed(WAIT)?;
    Ok(())
}

#[test]
fn direct_call_without_registrar() -> Result<()> {
    let mut oa = BaresipOptions::new("alice", None);
    oa.codecs = vec![PCMU.to_string()];
    let mut ob = BaresipOptions::new("bob", None);
    ob.codecs = vec![PCMU.to_string()];
    ob.auto_answer = true;
    ob.source = AudioSource::Tone {
        freq_hz: CALLEE_HZ,
        duration: Duration::from_secs(30),
    };
    let mut a = Baresip::start(oa)?;
    let mut b = Baresip::start(ob)?;
    let uri = b.direct_uri();
    a.dial(&uri)?;
    a.wait_call_established(WAIT)?;
    b.wait_call_established(WAIT)?;
    a.hangup()?;
    a.wait_call_closed(WAIT)?;
    b.wait_call_closed(WAIT)?;
    Ok(())
}

/// Hold and resume are re-INVITEs inside the dialog: they must follow the Route set through
/// Kamailio (loose_route), and so must the callee's BYE towards the caller.
/// (baresip 1.0 records no decoded audio after a hold, so this checks signalling only.)
#[test]
fn hold_resume_and_callee_bye_are_routed_in_dialog() -> Result<()> {
    let k = Kamailio::start()?;
    let mut a = peer(&k, "1002", CALLER_HZ, PCMU, false)?;
    let mut b = peer(&k, "1003", CALLEE_HZ, PCMU, true)?;
    a.dial(&format!("sip:1003@127.0.0.1:{}", k.udp_port()))?;
    a.wait_call_established(WAIT)?;
    b.wait_call_established(WAIT)?;
    for step in ["hold", "resume"] {
        if step == "hold" {
            a.hold()?;
        } else {
            a.resume()?;
        }
        let offer = b.wait_event(&["CALL_REMOTE_SDP"], WAIT)?;
        ensure!(
            offer.param.as_deref() == Some("offer"),
            "{step}: callee got {offer:?}"
        );
        let answer = a.wait_event(&["CALL_REMOTE_SDP"], WAIT)?;
        ensure!(
            answer.param.as_deref() == Some("answer"),
            "{step}: caller got {answer:?}"
        );
    }
    b.hangup()?;
    let reason = a.wait_call_closed(WAIT)?;
    ensure!(
        reason.contains("reset by peer"),
        "caller closed with {reason:?}"
    );
    b.wait_call_closed(WAIT)?;
    Ok(())
}

/// Both peers on TCP: Kamailio must reach each over the connection it registered on (the
/// callee's INVITE, the caller's in-dialog requests via the Contact ;alias).
#[test]
fn tcp_call_reuses_the_registered_connections() -> Result<()> {
    let k = Kamailio::start()?;
    let tcp: SocketAddr = ([127, 0, 0, 1], k.tcp_port()).into();
    let start = |user: &str, hz: f64, auto_answer: bool| -> Result<Baresip> {
        let mut o = BaresipOptions::new(user, Some(tcp));
        o.transport = SipTransport::Tcp;
        o.codecs = vec![PCMU.to_string()];
        o.source = AudioSource::Tone {
            freq_hz: hz,
            duration: Duration::from_secs(30),
        };
        o.auto_answer = auto_answer;
        let mut b = Baresip::start(o)?;
        b.wait_registered(WAIT)?;
        Ok(b)
    };
    let mut a = start("1002", CALLER_HZ, false)?;
    let mut b = start("1003", CALLEE_HZ, true)?;
    let bindings = k.bindings()?;
    ensure!(
        bindings
            .iter()
            .all(|b| b.socket.as_deref().is_some_and(|s| s.starts_with("tcp:"))),
        "{bindings:?}"
    );
    a.dial(&format!(
        "sip:1003@127.0.0.1:{};transport=tcp",
        k.tcp_port()
    ))?;
    a.wait_call_established(WAIT)?;
    b.wait_call_established(WAIT)
        .with_context(|| format!("callee log:\n{}", b.log_tail(40)))?;
    a.hold()?;
    b.wait_event(&["CALL_REMOTE_SDP"], WAIT)?;
    b.hangup()?;
    a.wait_call_closed(WAIT)?;
    b.wait_call_closed(WAIT)?;
    Ok(())
}
