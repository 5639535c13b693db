//! An INVITE from outside: ring, reject at once (busy, DND, bad SDP) or answer by itself.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::Utc;
use dialtone_api::Party;
use dialtone_call::{policy, Call, IncomingDecision, IncomingInvite, Now};
use dialtone_media::sdp::{rejection_status, Direction};
use dialtone_sip::transport::Target;
use dialtone_sip::{IncomingCall, NameAddr};
use tracing::info;

use super::dial::new_call_id;
use super::profile::CallProfile;
use super::target::{number_in, split_uri};
use super::translate::to_call_direction;
use super::{CallManager, Runtime};

impl CallManager {
    pub(super) async fn incoming(&mut self, call: IncomingCall) {
        let Some(profile) = self.profile_for(call.source.ip()) else {
            // The phone always has an account (the built-in local one at least).
            let _ = call.handle.reject(480, None).await;
            return;
        };
        let decision = self.calls.incoming_decision(
            self.settings.calls.call_waiting,
            self.dnd.load(Ordering::Relaxed),
        );
        let call_waiting = match decision {
            IncomingDecision::Ring { call_waiting } => call_waiting,
            IncomingDecision::Reject { status } => {
                info!(from = %call.from, status, "incoming call refused (busy or do not disturb)");
                let _ = call.handle.reject(status, None).await;
                return;
            }
            _ => false,
        };
        let towards = Target {
            kind: call.transport,
            addr: call.source,
            tls_name: None,
        };
        let advertised = match self.agent.local_addr_for(&towards, &profile.tls).await {
            Ok(a) => a.ip(),
            Err(_) => self.agent.local_addr().ip(),
        };
        let media = match self.bind_media(&profile, advertised).await {
            Ok(m) => m,
            Err(e) => {
                info!(error = %e, "incoming call refused: no media ports");
                let _ = call.handle.reject(503, None).await;
                return;
            }
        };
        // Check the offer now, so that a call we cannot speak with never rings.
        let checked = match &call.sdp_offer {
            Some(offer) => {
                let mut session = media.session();
                session.accept_offer(offer, Direction::SendRecv).map(|_| {
                    (
                        session
                            .negotiated()
                            .map_or(Direction::SendRecv, |n| n.remote_direction),
                        session.codec_name(),
                    )
                })
            }
            None => Ok((Direction::SendRecv, None)),
        };
        let (remote_direction, codec) = match checked {
            Ok(c) => c,
            Err(e) => {
                let status = rejection_status(&e).unwrap_or(488);
                info!(from = %call.from, status, error = %e, "incoming call refused: unusable SDP offer");
                let _ = call.handle.reject(status, None).await;
                return;
            }
        };
        let from = party(call.asserted_identity.as_ref().unwrap_or(&call.from));
        let auto = policy::auto_answer(
            profile.auto_answer,
            profile.is_own_server(call.source.ip()),
            &call.call_info,
            &call.alert_info,
        );
        let id = new_call_id();
        info!(call = %id, from = %call.from, account = %profile.id, "incoming call");
        let machine = Call::incoming(
            id.clone(),
            profile.id.clone(),
            IncomingInvite {
                from,
                remote_direction: to_call_direction(remote_direction),
                codec,
            },
            auto,
            call_waiting,
            self.call_config(),
            Now::new(std::time::Instant::now(), Utc::now()),
        );
        self.forward_sip_events(id.clone(), call.events);
        self.runtimes.insert(
            id,
            Runtime {
                profile,
                sip: Some(call.handle),
                media,
                pending_offer: call.sdp_offer,
                outgoing: None,
            },
        );
        self.calls.insert(machine);
    }

    /// The account an incoming call belongs to: the one whose registrar or proxy sent it,
    /// else the first.
    fn profile_for(&self, source: std::net::IpAddr) -> Option<Arc<CallProfile>> {
        self.profiles
            .iter()
            .find(|p| p.is_own_server(source))
            .or_else(|| self.profiles.first())
            .cloned()
    }
}

/// Our view of a SIP name-addr: the user part as the number when it is one.
pub(super) fn party(n: &NameAddr) -> Party {
    Party {
        uri: n.uri.clone(),
        number: split_uri(&n.uri).user.and_then(number_in),
        display_name: n.display_name.clone(),
    }
}
