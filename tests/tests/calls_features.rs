//! Calls end to end, everything besides the tone check per codec: hold and resume, DTMF both
//! ways, busy, reject, cancel while ringing, a missed call, mute. The real `dialtone serve`
//! (1001) and a baresip peer (1003) through a private Kamailio, PCMU only.
//!
//! Needs `cargo build -p dialtone-cli` first (same CARGO_TARGET_DIR).

use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use dialtone_api::{
    CallDtmf, CallState, CallStats, Command, DtmfDirection, DtmfMethod, EndCause, Event, HoldBy,
};
use dialtone_e2e::baresip::{Baresip, PCMU};
use dialtone_e2e::rig::{Rig, RigOptions};
use dialtone_e2e::tone;

const PHONE_HZ: f64 = 1000.0;
const PEER_HZ: f64 = 440.0;
const PEER: &str = "1003";
const WAIT: Duration = Duration::from_secs(10);
/// Each stretch (talk, hold, mute) lasts this long.
const STRETCH: Duration = Duration::from_secs(2);
/// RMS analysis: 100 ms windows; the tones have RMS 0.21, silence (and codec noise on
/// silence) stays far below 0.02.
const WINDOW_MS: u64 = 100;
const AUDIBLE: f64 = 0.02;

fn rig() -> Result<Rig> {
    Rig::start(RigOptions {
        codecs: vec!["PCMU".to_string()],
        tone_hz: PHONE_HZ,
        ..RigOptions::default()
    })
}

fn peer(rig: &Rig, auto_answer: bool) -> Result<Baresip> {
    rig.peer(PEER, PEER_HZ, PCMU, auto_answer)
}

/// Dialtone calls the auto-answering peer; returns the call id once both sides are up.
fn call_up(rig: &mut Rig, peer: &mut Baresip) -> Result<String> {
    let id = rig.phone.dial(PEER)?;
    rig.phone
        .wait_answered(&id, WAIT)
        .with_context(|| format!("{}\n--- baresip ---\n{}", rig.logs(), peer.log_tail(30)))?;
    peer.wait_call_established(WAIT)?;
    Ok(id)
}

fn command(rig: &Rig, command: Command) -> Result<()> {
    rig.phone.command(command).map(drop)
}

/// Hangs up from Dialtone and checks the call ended `completed` on both sides.
fn hang_up(rig: &mut Rig, peer: &mut Baresip, id: &str) -> Result<()> {
    command(
        rig,
        Command::Hangup {
            call_id: id.to_string(),
        },
    )?;
    let ended = rig.phone.wait_ended(id, WAIT)?;
    ensure!(ended.cause == EndCause::Completed, "{ended:?}");
    peer.wait_call_closed(WAIT)?;
    Ok(())
}

/// `(start, end)` spans in ms, as text.
fn spans_text(spans: &[(u64, u64)]) -> String {
    spans
        .iter()
        .map(|(a, b)| format!("{a}-{b}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks audio, a silent gap of about `gap` (±800 ms), audio: the first and last audible
/// spans last at least 1 s each, and the longest silence between audible spans is the gap.
fn check_audio_gap_audio(who: &str, audio: &tone::Audio, gap: Duration) -> Result<()> {
    let spans = audio.audible_spans(WINDOW_MS, AUDIBLE);
    let text = spans_text(&spans);
    let total = audio.duration().as_millis();
    println!("figure: {who}: {total} ms recorded, audible spans (ms) {text}");
    ensure!(
        spans.len() >= 2,
        "{who}: no silent gap; audible {text} of {total} ms"
    );
    let (first, last) = (spans[0], spans[spans.len() - 1]);
    ensure!(
        first.1 - first.0 >= 1000 && last.1 - last.0 >= 1000,
        "{who}: audible spans too short: {text}"
    );
    let longest_gap = spans
        .windows(2)
        .map(|w| w[1].0 - w[0].1)
        .max()
        .unwrap_or_default();
    let expected = gap.as_millis() as u64;
    ensure!(
        longest_gap + 800 >= expected && longest_gap <= expected + 800,
        "{who}: longest silence {longest_gap} ms, expected about {expected} ms; audible {text}"
    );
    Ok(())
}

/// Hold and resume from Dialtone: the events say so, and what Dialtone plays out (its
/// recording) is the peer's tone, then silence while held, then the tone again.
#[test]
fn hold_and_resume_silence_the_call_in_between() -> Result<()> {
    let mut rig = rig()?;
    let mut peer = peer(&rig, true)?;
    let id = call_up(&mut rig, &mut peer)?;

    rig.phone.expect_no_call_event("call.ended", &id, STRETCH)?;
    command(
        &rig,
        Command::Hold {
            call_id: id.clone(),
        },
    )?;
    let held = rig
        .phone
        .wait_hold(&id, false, WAIT)
        .with_context(|| rig.logs())?;
    ensure!(held.by == HoldBy::Local, "{held:?}");
    let status = rig.phone.status()?;
    let call = status
        .calls
        .iter()
        .find(|c| c.call_id == id)
        .with_context(|| format!("call {id} not in status {status:?}"))?;
    ensure!(
        call.held == Some(HoldBy::Local) && call.state == CallState::Active,
        "status while held: {call:?}"
    );
    rig.phone.expect_no_call_event("call.ended", &id, STRETCH)?;
    command(
        &rig,
        Command::Resume {
            call_id: id.clone(),
        },
    )?;
    let resumed = rig
        .phone
        .wait_hold(&id, true, WAIT)
        .with_context(|| rig.logs())?;
    ensure!(resumed.by == HoldBy::Local, "{resumed:?}");
    rig.phone.expect_no_call_event("call.ended", &id, STRETCH)?;
    // The peer saw both re-INVITEs.
    let sdp: Vec<String> = peer
        .events()
        .iter()
        .filter(|e| e.kind == "CALL_REMOTE_SDP")
        .filter_map(|e| e.param.clone())
        .collect();
    ensure!(
        sdp.iter().filter(|p| p.as_str() == "offer").count() >= 2,
        "baresip saw SDP {sdp:?}"
    );
    hang_up(&mut rig, &mut peer, &id)?;

    let heard = rig.heard(WAIT)?;
    check_audio_gap_audio("dialtone (held by us)", &heard, STRETCH).with_context(|| rig.logs())?;
    let f = heard
        .dominant_frequency()
        .context("dialtone heard silence")?;
    ensure!((f - PEER_HZ).abs() < 10.0, "dialtone heard {f:.1} Hz");
    Ok(())
}

/// Waits for the next `call.dtmf` of `id` going `direction`.
fn wait_dtmf(rig: &mut Rig, id: &str, direction: DtmfDirection) -> Result<CallDtmf> {
    let env = rig.phone.wait_for(WAIT, |e| match &e.event {
        Event::CallDtmf(d) => d.call_id == id && d.direction == direction,
        _ => false,
    })?;
    match env.event {
        Event::CallDtmf(d) => Ok(d),
        other => bail!("expected call.dtmf, got {other:?}"),
    }
}

/// `dialtone dtmf` reaches baresip as RFC 4733 digits, and digits baresip sends come out as
/// `call.dtmf` events.
#[test]
fn dtmf_goes_both_ways() -> Result<()> {
    let mut rig = rig()?;
    let mut peer = peer(&rig, true)?;
    let id = call_up(&mut rig, &mut peer)?;

    rig.phone.cli(&["dtmf", &id, "1#5"])?;
    let mut sent = String::new();
    for _ in 0..3 {
        let d = wait_dtmf(&mut rig, &id, DtmfDirection::Sent)
            .with_context(|| format!("sent so far {sent:?}"))?;
        ensure!(d.method == DtmfMethod::Rfc4733, "{d:?}");
        sent.push(d.digit);
    }
    ensure!(sent == "1#5", "dialtone reported sending {sent:?}");
    let got = peer
        .wait_dtmf("1#5", WAIT)
        .with_context(|| format!("{}\n--- baresip ---\n{}", rig.logs(), peer.log_tail(30)))?;
    ensure!(got == "1#5", "baresip got {got:?}");
    println!("figure: dialtone reported sent {sent:?}; baresip received {got:?}");

    peer.send_dtmf("28*")?;
    let mut received = String::new();
    for _ in 0..3 {
        let d = wait_dtmf(&mut rig, &id, DtmfDirection::Received)
            .with_context(|| format!("received so far {received:?}"))?;
        ensure!(d.method == DtmfMethod::Rfc4733, "{d:?}");
        received.push(d.digit);
    }
    ensure!(received == "28*", "dialtone received {received:?}");
    rig.phone
        .expect_no_call_event("call.dtmf", &id, Duration::from_millis(500))
        .context("a digit reported twice")?;
    println!("figure: dialtone received {received:?}");
    hang_up(&mut rig, &mut peer, &id)
}

/// The peer refuses with 486: the call ends `busy`.
#[test]
fn busy_peer_ends_the_call_busy() -> Result<()> {
    let mut rig = rig()?;
    let mut peer = peer(&rig, false)?;
    let id = rig.phone.dial(PEER)?;
    peer.wait_incoming(WAIT)?;
    peer.hangup()?; // baresip refuses an unanswered incoming call with 486 Busy Here
    let ended = rig
        .phone
        .wait_ended(&id, WAIT)
        .with_context(|| rig.logs())?;
    ensure!(
        ended.cause == EndCause::Busy && ended.sip_status == Some(486) && ended.talk_ms == 0,
        "{ended:?}"
    );
    ensure!(
        !rig.phone.event_names_of(&id).contains(&"call.answered"),
        "{:?}",
        rig.phone.event_names_of(&id)
    );
    peer.wait_call_closed(WAIT)?;
    println!("figure: busy: {ended:?}");
    Ok(())
}

/// Dialtone rejects an incoming call (`dialtone call reject` = 603; `call busy` = 486).
fn reject_incoming(action: &str, status: u16) -> Result<()> {
    let mut rig = rig()?;
    let mut peer = peer(&rig, false)?;
    peer.dial(&rig.phone_uri())?;
    let incoming = rig.phone.wait_incoming(WAIT).with_context(|| rig.logs())?;
    let id = incoming.call_id;
    rig.phone.cli(&["call", action, &id])?;
    let reason = peer.wait_call_closed(WAIT)?;
    ensure!(
        reason.starts_with(&status.to_string()),
        "baresip's call closed with {reason:?}, expected {status}"
    );
    let ended = rig.phone.wait_ended(&id, WAIT)?;
    ensure!(
        ended.cause == EndCause::Rejected && ended.talk_ms == 0,
        "{ended:?}"
    );
    ensure!(
        ended.sip_status.is_none_or(|s| s == status),
        "we sent {status}, call.ended says {ended:?}"
    );
    println!("figure: {action}: baresip saw {reason:?}; {ended:?}");
    Ok(())
}

#[test]
fn rejected_incoming_call_is_declined() -> Result<()> {
    reject_incoming("reject", 603)
}

#[test]
fn incoming_call_refused_as_busy() -> Result<()> {
    reject_incoming("busy", 486)
}

/// Dialtone hangs up while the peer rings: CANCEL, `canceled`.
#[test]
fn hanging_up_while_ringing_cancels() -> Result<()> {
    let mut rig = rig()?;
    let mut peer = peer(&rig, false)?;
    let id = rig.phone.dial(PEER)?;
    match rig.phone.wait_call_event("call.ringing", Some(&id), WAIT)? {
        Event::CallRinging(r) => ensure!(!r.early_media, "{r:?}"),
        other => bail!("expected call.ringing, got {other:?}"),
    }
    peer.wait_incoming(WAIT)?;
    command(
        &rig,
        Command::Hangup {
            call_id: id.clone(),
        },
    )?;
    let ended = rig
        .phone
        .wait_ended(&id, WAIT)
        .with_context(|| rig.logs())?;
    ensure!(
        ended.cause == EndCause::Canceled && ended.talk_ms == 0,
        "{ended:?}"
    );
    let reason = peer.wait_call_closed(WAIT)?;
    ensure!(
        peer.calls()?.is_empty(),
        "baresip still has calls after {reason:?}"
    );
    println!("figure: cancel: baresip saw {reason:?}; {ended:?}");
    Ok(())
}

/// The caller gives up before Dialtone answers: `missed`.
#[test]
fn caller_hanging_up_first_is_a_missed_call() -> Result<()> {
    let mut rig = rig()?;
    let mut peer = peer(&rig, false)?;
    peer.dial(&rig.phone_uri())?;
    let incoming = rig.phone.wait_incoming(WAIT).with_context(|| rig.logs())?;
    peer.hangup()?;
    let ended = rig
        .phone
        .wait_ended(&incoming.call_id, WAIT)
        .with_context(|| rig.logs())?;
    ensure!(
        ended.cause == EndCause::Missed && ended.talk_ms == 0,
        "{ended:?}"
    );
    peer.wait_call_closed(WAIT)?;
    println!("figure: missed: {ended:?}");
    Ok(())
}

/// Muted, Dialtone keeps sending RTP (silence): baresip, which records only decoded frames,
/// has a silent stretch as long as the mute between two stretches of Dialtone's tone.
#[test]
fn mute_sends_silence_not_nothing() -> Result<()> {
    let mut rig = rig()?;
    let mut peer = peer(&rig, true)?;
    let id = call_up(&mut rig, &mut peer)?;

    rig.phone.expect_no_call_event("call.ended", &id, STRETCH)?;
    for muted in [true, false] {
        let call_id = id.clone();
        command(
            &rig,
            if muted {
                Command::Mute { call_id }
            } else {
                Command::Unmute { call_id }
            },
        )?;
        match rig.phone.wait_call_event("call.muted", Some(&id), WAIT)? {
            Event::CallMuted(m) => ensure!(m.muted == muted, "{m:?}"),
            other => bail!("expected call.muted, got {other:?}"),
        }
        rig.phone.expect_no_call_event("call.ended", &id, STRETCH)?;
    }
    hang_up(&mut rig, &mut peer, &id)?;

    let path = peer.finished_recording(WAIT)?;
    let audio = tone::read_mono(&path)?;
    check_audio_gap_audio("baresip (dialtone muted)", &audio, STRETCH)?;
    let secs = audio.duration().as_secs_f64();
    ensure!(
        secs >= 5.0,
        "baresip decoded only {secs:.2} s of ~6 s: RTP stopped while muted?"
    );
    let f = audio
        .dominant_frequency()
        .context("baresip heard silence")?;
    ensure!((f - PHONE_HZ).abs() < 10.0, "baresip heard {f:.1} Hz");

    // ~6 s of call: the 5 s stats report counts packets sent through the mute too.
    let stats: Vec<CallStats> = rig
        .phone
        .events_of(&id)
        .into_iter()
        .filter_map(|e| match e {
            Event::CallStats(s) => Some(s),
            _ => None,
        })
        .collect();
    println!("figure: call.stats {stats:?}");
    let first = stats.first().context("no call.stats in ~6 s of call")?;
    ensure!(
        first.codec.to_ascii_uppercase().starts_with("PCMU")
            && first.packets_sent >= 200
            && first.packets_received >= 200
            && first.packets_lost == 0,
        "{first:?}"
    );
    Ok(())
}

/// The peer holds and resumes: `call.held` / `call.resumed` by `remote`.
#[test]
fn hold_by_the_peer_is_reported_as_remote() -> Result<()> {
    let mut rig = rig()?;
    let mut peer = peer(&rig, true)?;
    let id = call_up(&mut rig, &mut peer)?;
    peer.hold()?;
    let held = rig
        .phone
        .wait_hold(&id, false, WAIT)
        .with_context(|| rig.logs())?;
    ensure!(held.by == HoldBy::Remote, "{held:?}");
    peer.resume()?;
    let resumed = rig
        .phone
        .wait_hold(&id, true, WAIT)
        .with_context(|| rig.logs())?;
    ensure!(resumed.by == HoldBy::Remote, "{resumed:?}");
    hang_up(&mut rig, &mut peer, &id)
}

/// A second caller while a call is up, with `[calls] call_waiting` on: it rings as a waiting
/// call, and answering it holds the first.
#[test]
fn answering_a_waiting_call_holds_the_first() -> Result<()> {
    let mut rig = rig()?;
    let mut first = peer(&rig, true)?;
    let mut second = rig.peer("1004", 700.0, PCMU, false)?;
    let id1 = call_up(&mut rig, &mut first)?;

    second.dial(&rig.phone_uri())?;
    let incoming = rig.phone.wait_incoming(WAIT).with_context(|| rig.logs())?;
    ensure!(
        incoming.call_waiting && incoming.from.uri.contains("1004"),
        "{incoming:?}"
    );
    let id2 = incoming.call_id;
    rig.phone.cli(&["call", "answer", &id2])?;
    // Either may come first.
    match rig
        .phone
        .wait_call_event_unordered("call.held", &id1, WAIT)?
    {
        Event::CallHeld(h) => ensure!(h.by == HoldBy::Local, "{h:?}"),
        other => bail!("expected call.held, got {other:?}"),
    }
    rig.phone
        .wait_call_event_unordered("call.answered", &id2, WAIT)
        .with_context(|| rig.logs())?;
    second.wait_call_established(WAIT)?;
    rig.phone
        .expect_no_call_event("call.ended", &id1, Duration::from_secs(1))?;

    second.hangup()?;
    let ended = rig.phone.wait_ended(&id2, WAIT)?;
    ensure!(ended.cause == EndCause::Completed, "{ended:?}");
    second.wait_call_closed(WAIT)?;
    hang_up(&mut rig, &mut first, &id1)
}

/// With `[calls] call_waiting = false` a second caller gets 486 while a call is up, and the
/// first call carries on.
#[test]
fn without_call_waiting_a_second_caller_is_busy() -> Result<()> {
    let mut rig = Rig::start(RigOptions {
        codecs: vec!["PCMU".to_string()],
        tone_hz: PHONE_HZ,
        extra_tables: "[calls]\ncall_waiting = false\n".to_string(),
        ..RigOptions::default()
    })?;
    let mut first = peer(&rig, true)?;
    let mut second = rig.peer("1004", 700.0, PCMU, false)?;
    let id1 = call_up(&mut rig, &mut first)?;

    second.dial(&rig.phone_uri())?;
    let reason = second.wait_call_closed(WAIT)?;
    ensure!(reason.starts_with("486"), "second caller saw {reason:?}");
    rig.phone
        .expect_no_call_event("call.ended", &id1, Duration::from_secs(1))?;
    let names = rig.phone.event_names_of(&id1);
    ensure!(!names.contains(&"call.held"), "first call: {names:?}");
    println!("figure: second caller saw {reason:?}");
    hang_up(&mut rig, &mut first, &id1)
}
