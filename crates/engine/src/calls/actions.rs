//! Carrying out what the call state machines ask for: SIP actions, media actions, events.

use dialtone_api::CallId;
use dialtone_call::{Input, MediaAction, MediaDirection, Output, SipAction};
use dialtone_sip::{NameAddr, OutgoingCall};
use tracing::{debug, info, warn};

use super::translate::to_media_direction;
use super::CallManager;

impl CallManager {
    /// Carries out every queued output, in order.
    pub(super) async fn drain(&mut self) {
        // Bounded: each output is carried out once; inputs fed back add few more.
        for _ in 0..10_000 {
            let Some((id, output)) = self.calls.poll_output() else {
                return;
            };
            match output {
                Output::Sip(action) => self.sip_action(&id, action).await,
                Output::Media(action) => self.media_action(&id, action).await,
                Output::Event(event) => {
                    // Whoever hears the event and asks for the status sees the same state.
                    self.publish_infos();
                    self.events.emit(event)
                }
                Output::Finished => self.finish(&id).await,
                _ => {}
            }
        }
        warn!("call outputs did not run dry");
    }

    async fn finish(&mut self, id: &str) {
        if let Some(mut rt) = self.runtimes.remove(id) {
            rt.media.stop().await;
            debug!(call = %id, "call finished");
        }
    }

    async fn sip_action(&mut self, id: &CallId, action: SipAction) {
        let Some(rt) = self.runtimes.get(id) else {
            return;
        };
        let handle = rt.sip.clone();
        let result = match action {
            SipAction::SendInvite => {
                self.send_invite(id).await;
                return;
            }
            // The SIP layer ACKs 2xx responses itself.
            SipAction::SendAck => return,
            SipAction::SendCancel => match &handle {
                Some(h) => h.cancel().await,
                None => return,
            },
            SipAction::SendBye => match &handle {
                Some(h) => h.bye().await,
                None => return,
            },
            SipAction::SendRinging => match &handle {
                Some(h) => h.ring().await,
                None => return,
            },
            SipAction::Accept { local_direction } => {
                let sdp = {
                    let mut session = rt.media.session();
                    match &rt.pending_offer {
                        Some(offer) => {
                            match session.accept_offer(offer, to_media_direction(local_direction)) {
                                Ok(answer) => answer,
                                Err(e) => {
                                    warn!(call = %id, error = %e, "cannot answer the offer");
                                    session.create_offer(to_media_direction(local_direction))
                                }
                            }
                        }
                        // Delayed offer: our offer goes in the 200, the answer in the ACK.
                        None => session.create_offer(to_media_direction(local_direction)),
                    }
                };
                if let Some(rt) = self.runtimes.get_mut(id) {
                    rt.pending_offer = None;
                }
                match &handle {
                    Some(h) => h.accept(sdp).await,
                    None => return,
                }
            }
            SipAction::Reject { status } => match &handle {
                Some(h) => h.reject(status, None).await,
                None => return,
            },
            SipAction::SendReinvite { local_direction } => {
                let offer = rt
                    .media
                    .session()
                    .create_offer(to_media_direction(local_direction));
                match &handle {
                    Some(h) => h.reinvite(offer).await,
                    None => return,
                }
            }
            SipAction::AcceptReinvite { local_direction } => {
                let answer = match &rt.pending_offer {
                    Some(offer) => rt
                        .media
                        .session()
                        .accept_offer(offer, to_media_direction(local_direction)),
                    None => Ok(rt
                        .media
                        .session()
                        .create_offer(to_media_direction(local_direction))),
                };
                if let Some(rt) = self.runtimes.get_mut(id) {
                    rt.pending_offer = None;
                }
                match (answer, &handle) {
                    (Ok(sdp), Some(h)) => h.answer_reinvite(sdp).await,
                    (Err(e), Some(h)) => {
                        info!(call = %id, error = %e, "re-INVITE offer refused");
                        let status = dialtone_media::sdp::rejection_status(&e).unwrap_or(488);
                        h.reject_reinvite(status).await
                    }
                    (_, None) => return,
                }
            }
            SipAction::RejectReinvite { status } => match &handle {
                Some(h) => h.reject_reinvite(status).await,
                None => return,
            },
            other => {
                debug!(call = %id, ?other, "SIP action not handled");
                return;
            }
        };
        if let Err(e) = result {
            debug!(call = %id, error = %e, "SIP action failed");
        }
    }

    async fn send_invite(&mut self, id: &CallId) {
        let Some(rt) = self.runtimes.get(id) else {
            return;
        };
        let Some(out) = &rt.outgoing else {
            return;
        };
        let profile = rt.profile.clone();
        let offer = rt
            .media
            .session()
            .create_offer(to_media_direction(MediaDirection::SendRecv));
        let from = NameAddr {
            display_name: profile.display_name.clone(),
            uri: profile.aor.clone(),
        };
        let to = NameAddr {
            display_name: None,
            uri: out.dialled.uri.clone(),
        };
        let mut call =
            OutgoingCall::new(out.target.clone(), out.dialled.uri.clone(), from, to, offer);
        call.tls = profile.tls.clone();
        call.route = profile.route.clone();
        call.credentials = profile.credentials.clone();
        call.contact_user = profile.user.clone();
        call.user_agent = Some(self.settings.user_agent.clone());
        match self.agent.invite(call).await {
            Ok((handle, events)) => {
                if let Some(rt) = self.runtimes.get_mut(id) {
                    rt.sip = Some(handle);
                }
                self.forward_sip_events(id.clone(), events);
            }
            Err(e) => {
                info!(call = %id, error = %e, "INVITE could not be sent");
                self.feed(
                    id,
                    Input::InviteFailed {
                        reason: e.to_string(),
                    },
                );
            }
        }
    }

    async fn media_action(&mut self, id: &CallId, action: MediaAction) {
        let audio = self.audio.clone();
        let devices = (
            self.settings.audio.input_device.clone(),
            self.settings.audio.output_device.clone(),
        );
        let echo = self.settings.audio.echo_cancellation;
        let notices = self.media_tx.clone();
        let Some(rt) = self.runtimes.get_mut(id) else {
            return;
        };
        match action {
            MediaAction::Start { direction } => {
                rt.media
                    .session()
                    .set_direction(to_media_direction(direction));
                rt.media.start(id.clone(), audio, devices, echo, notices);
            }
            MediaAction::UpdateDirection(direction) => {
                rt.media
                    .session()
                    .set_direction(to_media_direction(direction));
            }
            MediaAction::SetMuted(muted) => rt.media.session().set_muted(muted),
            MediaAction::SendDtmf(digits) => {
                let result = rt.media.session().send_dtmf(&digits);
                if let Err(e) = result {
                    // No telephone-event negotiated: fall back to SIP INFO.
                    debug!(call = %id, error = %e, "DTMF by INFO instead of RFC 4733");
                    if let Some(h) = rt.sip.clone() {
                        for d in digits.chars() {
                            if let Err(e) = h.send_dtmf_info(d, 160).await {
                                debug!(call = %id, error = %e, "DTMF INFO failed");
                            }
                        }
                    }
                }
            }
            MediaAction::Stop => rt.media.stop().await,
            // Ringback and ringtone: played by the tone player when a sound device is in
            // use; with files or no device there is nobody to hear them.
            MediaAction::StartRingback
            | MediaAction::StopRingback
            | MediaAction::StartRingtone { .. }
            | MediaAction::StopRingtone => self.tones(id, &action),
            other => debug!(call = %id, ?other, "media action not handled"),
        }
    }
}
