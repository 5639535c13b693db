//! Calls end to end, tones: the real `dialtone serve` (1001, a 1000 Hz microphone from
//! `--audio-in`, recording to `--audio-out`) and a baresip peer (1003, 440 Hz) through a
//! private Kamailio, once per codec and direction. Each side's recording must be dominated
//! by the other side's tone, and the call events must say what happened.
//!
//! Needs `cargo build -p dialtone-cli` first (same CARGO_TARGET_DIR). Figures are printed;
//! run with `--nocapture` to see them.

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use dialtone_api::{Command, EndCause, Event};
use dialtone_e2e::baresip::{Baresip, G722, OPUS, PCMA, PCMU};
use dialtone_e2e::rig::{assert_tone, Heard, Rig, RigOptions, ACCOUNT_ID};
use dialtone_e2e::tone;

const PHONE_HZ: f64 = 1000.0;
const PEER_HZ: f64 = 440.0;
const PEER: &str = "1003";
/// Bound on every wait for a signalling event.
const WAIT: Duration = Duration::from_secs(10);
/// How long the call stays up with audio flowing.
const TALK: Duration = Duration::from_secs(3);
/// The least audio each recording must hold (of ~3 s talk).
const MIN_SECS: f64 = 2.0;

/// A codec as Dialtone's config and baresip's `audio_codecs` name it.
#[derive(Debug, Clone, Copy)]
struct Codec {
    dialtone: &'static str,
    baresip: &'static str,
}

const C_PCMU: Codec = Codec {
    dialtone: "PCMU",
    baresip: PCMU,
};
const C_PCMA: Codec = Codec {
    dialtone: "PCMA",
    baresip: PCMA,
};
const C_G722: Codec = Codec {
    dialtone: "G722",
    baresip: G722,
};
const C_OPUS: Codec = Codec {
    dialtone: "opus",
    baresip: OPUS,
};

fn rig(codec: Codec, auto_answer: &str) -> Result<Rig> {
    Rig::start(RigOptions {
        codecs: vec![codec.dialtone.to_string()],
        auto_answer: auto_answer.to_string(),
        tone_hz: PHONE_HZ,
        ..RigOptions::default()
    })
}

/// `call.answered` must name the one codec both sides offered.
fn check_answered_codec(codec: Codec, answered: Option<&str>) -> Result<()> {
    ensure!(
        answered.is_some_and(|c| c
            .to_ascii_lowercase()
            .starts_with(&codec.dialtone.to_ascii_lowercase())),
        "call.answered codec {answered:?}, expected {}",
        codec.dialtone
    );
    Ok(())
}

/// baresip's encoder and decoder must both be `codec`.
fn check_peer_codec(peer: &Baresip, codec: Codec) -> Result<()> {
    let name = codec.baresip.split('/').next().unwrap_or_default();
    let (enc, dec) = peer.audio_codecs_in_use();
    ensure!(
        [&enc, &dec]
            .iter()
            .all(|c| c.as_deref().is_some_and(|c| c.starts_with(name))),
        "baresip used {enc:?}/{dec:?}, expected {name}"
    );
    Ok(())
}

/// Both recordings: Dialtone heard the peer's tone, the peer heard Dialtone's.
fn check_recordings(rig: &Rig, peer: &Baresip) -> Result<(Heard, Heard)> {
    let heard = rig
        .heard(WAIT)
        .with_context(|| format!("dialtone's recording\n{}", rig.logs()))?;
    let by_phone = assert_tone("dialtone", &heard, PEER_HZ, MIN_SECS)
        .with_context(|| format!("{} Hz recording\n{}", heard.sample_rate, rig.logs()))?;
    let path = peer.finished_recording(WAIT)?;
    let by_peer = assert_tone("baresip", &tone::read_mono(&path)?, PHONE_HZ, MIN_SECS)
        .with_context(|| format!("{}\n{}", path.display(), peer.log_tail(30)))?;
    Ok((by_phone, by_peer))
}

fn report(case: &str, codec: &str, talk_ms: u64, heard: (Heard, Heard)) {
    let (p, b) = heard;
    println!(
        "figure: {case} {codec}: talk {talk_ms} ms; dialtone heard {:.1} Hz ({:.3} of power, {:.2} s); \
         baresip heard {:.1} Hz ({:.3}, {:.2} s)",
        p.dominant_hz, p.fraction, p.secs, b.dominant_hz, b.fraction, b.secs
    );
}

/// Dialtone calls the auto-answering peer, talks, hangs up.
fn outgoing(codec: Codec) -> Result<()> {
    let mut rig = rig(codec, "never")?;
    let mut peer = rig.peer(PEER, PEER_HZ, codec.baresip, true)?;

    let id = rig.phone.dial(PEER)?;
    match rig.phone.wait_call_event("call.dialing", Some(&id), WAIT)? {
        Event::CallDialing(d) => {
            ensure!(
                d.account_id == ACCOUNT_ID,
                "dialing from {:?}",
                d.account_id
            );
            ensure!(d.to.uri.contains(PEER), "dialing {:?}", d.to);
        }
        other => anyhow::bail!("expected call.dialing, got {other:?}"),
    }
    let answered = rig
        .phone
        .wait_answered(&id, WAIT)
        .with_context(|| format!("{}\n--- baresip ---\n{}", rig.logs(), peer.log_tail(30)))?;
    check_answered_codec(codec, answered.codec.as_deref())?;
    peer.wait_call_established(WAIT)?;

    rig.phone.expect_no_call_event("call.ended", &id, TALK)?;
    rig.phone.command(Command::Hangup {
        call_id: id.clone(),
    })?;
    let ended = rig.phone.wait_ended(&id, WAIT)?;
    ensure!(
        ended.cause == EndCause::Completed,
        "ended {ended:?}\n{}",
        rig.logs()
    );
    ensure!(
        ended.talk_ms >= 2500 && ended.talk_ms <= ended.duration_ms,
        "talk {} ms of {} ms",
        ended.talk_ms,
        ended.duration_ms
    );
    let reason = peer.wait_call_closed(WAIT)?;
    ensure!(
        reason.contains("reset by peer"),
        "baresip closed: {reason:?}"
    );
    check_peer_codec(&peer, codec)?;
    let names = rig.phone.event_names_of(&id);
    ensure!(
        names.first() == Some(&"call.dialing") && names.last() == Some(&"call.ended"),
        "events {names:?}"
    );

    let heard = check_recordings(&rig, &peer)?;
    report(
        "outgoing",
        answered.codec.as_deref().unwrap_or("?"),
        ended.talk_ms,
        heard,
    );
    Ok(())
}

/// The peer calls Dialtone; Dialtone answers (`dialtone call answer`, or by itself with
/// `auto_answer = "always"`); the peer hangs up.
fn incoming(codec: Codec, auto_answer: bool) -> Result<()> {
    let mut rig = rig(codec, if auto_answer { "always" } else { "never" })?;
    let mut peer = rig.peer(PEER, PEER_HZ, codec.baresip, false)?;

    peer.dial(&rig.phone_uri())?;
    let incoming = rig
        .phone
        .wait_incoming(WAIT)
        .with_context(|| format!("{}\n--- baresip ---\n{}", rig.logs(), peer.log_tail(30)))?;
    let id = incoming.call_id.clone();
    ensure!(
        incoming.account_id == ACCOUNT_ID
            && incoming.from.uri.contains(PEER)
            && !incoming.call_waiting,
        "{incoming:?}"
    );
    if auto_answer {
        ensure!(
            incoming.auto_answer_ms.is_some(),
            "auto_answer = always, but call.incoming says no autoAnswerMs: {incoming:?}"
        );
    } else {
        ensure!(incoming.auto_answer_ms.is_none(), "{incoming:?}");
        rig.phone.cli(&["call", "answer", &id])?;
    }
    let answered = rig.phone.wait_answered(&id, WAIT)?;
    check_answered_codec(codec, answered.codec.as_deref())?;
    peer.wait_call_established(WAIT)
        .with_context(|| rig.logs())?;

    rig.phone.expect_no_call_event("call.ended", &id, TALK)?;
    peer.hangup()?;
    let ended = rig.phone.wait_ended(&id, WAIT)?;
    ensure!(
        ended.cause == EndCause::Completed,
        "ended {ended:?}\n{}",
        rig.logs()
    );
    ensure!(
        ended.talk_ms >= 2500 && ended.talk_ms <= ended.duration_ms,
        "talk {} ms of {} ms",
        ended.talk_ms,
        ended.duration_ms
    );
    peer.wait_call_closed(WAIT)?;
    check_peer_codec(&peer, codec)?;

    let heard = check_recordings(&rig, &peer)?;
    let case = if auto_answer {
        "incoming (auto answer)"
    } else {
        "incoming"
    };
    report(
        case,
        answered.codec.as_deref().unwrap_or("?"),
        ended.talk_ms,
        heard,
    );
    Ok(())
}

#[test]
fn pcmu_outgoing_call_carries_both_tones() -> Result<()> {
    outgoing(C_PCMU)
}

#[test]
fn pcma_outgoing_call_carries_both_tones() -> Result<()> {
    outgoing(C_PCMA)
}

#[test]
fn g722_outgoing_call_carries_both_tones() -> Result<()> {
    outgoing(C_G722)
}

#[test]
fn opus_outgoing_call_carries_both_tones() -> Result<()> {
    outgoing(C_OPUS)
}

#[test]
fn pcmu_incoming_call_answered_by_command_carries_both_tones() -> Result<()> {
    incoming(C_PCMU, false)
}

#[test]
fn pcma_incoming_call_answered_by_command_carries_both_tones() -> Result<()> {
    incoming(C_PCMA, false)
}

#[test]
fn g722_incoming_call_answered_by_command_carries_both_tones() -> Result<()> {
    incoming(C_G722, false)
}

#[test]
fn opus_incoming_call_answered_by_command_carries_both_tones() -> Result<()> {
    incoming(C_OPUS, false)
}

#[test]
fn pcmu_incoming_call_auto_answered_carries_both_tones() -> Result<()> {
    incoming(C_PCMU, true)
}
