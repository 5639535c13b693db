//! SIP call events and media events, translated into call-state-machine inputs (with the
//! SDP work they carry done on the way).

use dialtone_api::{AudioDeviceChanged, CallStats, DeviceKind, DtmfMethod, Event};
use dialtone_audio::AudioEvent;
use dialtone_call::{Input, MediaDirection};
use dialtone_media::sdp::Direction;
use dialtone_media::MediaEvent;
use dialtone_sip::CallEvent;
use tracing::{debug, info, warn};

use super::media::MediaNotice;
use super::CallManager;

pub(super) fn to_call_direction(d: Direction) -> MediaDirection {
    match d {
        Direction::SendRecv => MediaDirection::SendRecv,
        Direction::SendOnly => MediaDirection::SendOnly,
        Direction::RecvOnly => MediaDirection::RecvOnly,
        _ => MediaDirection::Inactive,
    }
}

pub(super) fn to_media_direction(d: MediaDirection) -> Direction {
    match d {
        MediaDirection::SendRecv => Direction::SendRecv,
        MediaDirection::SendOnly => Direction::SendOnly,
        MediaDirection::RecvOnly => Direction::RecvOnly,
        MediaDirection::Inactive => Direction::Inactive,
    }
}

impl CallManager {
    pub(super) async fn sip_event(&mut self, id: &str, event: CallEvent) {
        debug!(call = %id, ?event, "SIP call event");
        let input = match event {
            CallEvent::Provisional { status, sdp, .. } => {
                let early_media = match sdp {
                    Some(sdp) => self.apply_answer(id, &sdp).is_some(),
                    None => false,
                };
                Input::Provisional {
                    status,
                    early_media,
                }
            }
            CallEvent::Answered { sdp } => {
                let remote = match sdp {
                    Some(sdp) => self.apply_answer(id, &sdp),
                    None => None,
                };
                let remote = remote.or_else(|| self.negotiated_remote(id));
                let codec = self.codec_name(id);
                match remote {
                    Some(d) => Input::Answered {
                        remote_direction: to_call_direction(d),
                        codec,
                    },
                    None => {
                        // Answered without an SDP answer we can use: the call is up but
                        // carries no audio (media stays inactive).
                        warn!(call = %id, "answered without a usable SDP answer; the call has no audio");
                        Input::Answered {
                            remote_direction: MediaDirection::Inactive,
                            codec: None,
                        }
                    }
                }
            }
            CallEvent::Failed { status, reason } => Input::Rejected {
                status,
                reason: Some(reason).filter(|r| !r.is_empty()),
            },
            CallEvent::Timeout => Input::InviteFailed {
                reason: "no answer from the far end (timeout)".to_owned(),
            },
            CallEvent::TransportError { message } => Input::InviteFailed { reason: message },
            CallEvent::Cancelled => Input::CancelledByPeer { reason: None },
            CallEvent::Confirmed { sdp } => {
                if let Some(sdp) = sdp {
                    self.apply_answer(id, &sdp);
                }
                Input::AckReceived
            }
            CallEvent::AckTimeout => Input::AckTimeout,
            CallEvent::ByeReceived => Input::ByeFromPeer,
            CallEvent::ByeCompleted { .. } => Input::ByeCompleted,
            CallEvent::Reinvite { sdp } => {
                let remote = match &sdp {
                    Some(offer) => match dialtone_media::sdp::parse_remote(offer) {
                        Ok(m) => m.effective_direction(),
                        Err(e) => {
                            info!(call = %id, error = %e, "re-INVITE with unusable SDP");
                            Direction::SendRecv
                        }
                    },
                    None => Direction::SendRecv,
                };
                if let Some(rt) = self.runtimes.get_mut(id) {
                    rt.pending_offer = sdp;
                }
                Input::ReinviteFromPeer {
                    remote_direction: to_call_direction(remote),
                }
            }
            CallEvent::ReinviteAnswered { sdp } => {
                let remote = sdp
                    .and_then(|sdp| self.apply_answer(id, &sdp))
                    .or_else(|| self.negotiated_remote(id))
                    .unwrap_or(Direction::SendRecv);
                Input::ReinviteAnswered {
                    remote_direction: to_call_direction(remote),
                }
            }
            CallEvent::ReinviteFailed { status, .. } => {
                if let Some(rt) = self.runtimes.get(id) {
                    rt.media.session().offer_rejected();
                }
                Input::ReinviteFailed { status }
            }
            CallEvent::Info { dtmf, .. } => Input::DtmfReceived {
                digit: dtmf,
                method: DtmfMethod::Info,
            },
            other => {
                debug!(call = %id, ?other, "SIP call event not used");
                return;
            }
        };
        self.feed(id, input);
    }

    /// Applies an SDP answer to the call's media; returns the peer's direction.
    fn apply_answer(&mut self, id: &str, sdp: &str) -> Option<Direction> {
        let rt = self.runtimes.get(id)?;
        let mut session = rt.media.session();
        match session.apply_answer(sdp) {
            Ok(()) => session.negotiated().map(|n| n.remote_direction),
            Err(e) => {
                // A 200 repeating the SDP of a 183 has no offer left to answer.
                debug!(call = %id, error = %e, "SDP answer not applied");
                None
            }
        }
    }

    fn negotiated_remote(&self, id: &str) -> Option<Direction> {
        let rt = self.runtimes.get(id)?;
        let session = rt.media.session();
        session.negotiated().map(|n| n.remote_direction)
    }

    pub(super) fn codec_name(&self, id: &str) -> Option<String> {
        self.runtimes.get(id)?.media.session().codec_name()
    }

    pub(super) fn media_notice(&mut self, id: &str, notice: MediaNotice) {
        let input = match notice {
            MediaNotice::Media(MediaEvent::DtmfReceived(digit)) => Input::DtmfReceived {
                digit,
                method: DtmfMethod::Rfc4733,
            },
            MediaNotice::Media(MediaEvent::Stats(q)) => Input::MediaStats(CallStats {
                call_id: id.to_owned(),
                codec: q.codec,
                packets_sent: q.packets_sent,
                packets_received: q.packets_received,
                packets_lost: q.packets_lost,
                loss_percent: q.loss_percent as f32,
                jitter_ms: q.jitter_ms as f32,
                rtt_ms: q.rtt_ms.map(|r| r as f32),
                jitter_buffer_ms: q.jitter_buffer_ms as f32,
                mos: q.mos as f32,
            }),
            MediaNotice::Media(MediaEvent::Timeout) => Input::MediaTimeout,
            MediaNotice::Media(other) => {
                debug!(call = %id, ?other, "media event");
                return;
            }
            MediaNotice::Audio(AudioEvent::DeviceChanged {
                kind,
                from,
                to,
                reason,
            }) => {
                self.events
                    .emit(Event::AudioDeviceChanged(AudioDeviceChanged {
                        kind: device_kind(kind),
                        from: Some(from),
                        to: Some(to),
                        reason,
                    }));
                return;
            }
            MediaNotice::Audio(AudioEvent::DeviceLost { kind, name, reason }) => {
                self.events
                    .emit(Event::AudioDeviceChanged(AudioDeviceChanged {
                        kind: device_kind(kind),
                        from: Some(name),
                        to: None,
                        reason,
                    }));
                return;
            }
            MediaNotice::Audio(other) => {
                debug!(call = %id, ?other, "audio event");
                return;
            }
        };
        self.feed(id, input);
    }
}

fn device_kind(k: dialtone_audio::DeviceKind) -> DeviceKind {
    match k {
        dialtone_audio::DeviceKind::Output => DeviceKind::Output,
        _ => DeviceKind::Input,
    }
}
