//! Placing a call: choosing the account, the target and the media ports.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use dialtone_api::{CallId, RegistrationState};
use dialtone_call::{Call, Now};
use dialtone_sip::transport::{Target, TransportKind};

use super::media::MediaRuntime;
use super::profile::CallProfile;
use super::target::{self, split_uri, DialTarget, UriParts};
use super::{CallManager, Outgoing, Runtime};
use crate::error::EngineError;

impl CallManager {
    pub(super) async fn dial(
        &mut self,
        to: &str,
        account_id: Option<&str>,
    ) -> Result<CallId, EngineError> {
        let profile = self.pick_profile(account_id)?;
        let (dialled, sip_target) = resolve(&profile, to)?;
        let via = self
            .agent
            .local_addr_for(&sip_target, &profile.tls)
            .await
            .map_err(|e| {
                EngineError::CallSetup(format!("cannot reach {}: {e:?}", sip_target.addr))
            })?;
        let media = self.bind_media(&profile, via.ip()).await?;
        let call_id = new_call_id();
        let now = Now::new(std::time::Instant::now(), Utc::now());
        let call = Call::outgoing(
            call_id.clone(),
            profile.id.clone(),
            dialled.party(),
            self.call_config(),
            now,
        );
        self.runtimes.insert(
            call_id.clone(),
            Runtime {
                profile,
                sip: None,
                media,
                pending_offer: None,
                outgoing: Some(Outgoing {
                    target: sip_target,
                    dialled,
                }),
            },
        );
        self.calls.insert(call);
        Ok(call_id)
    }

    /// What `dial` would call, without calling: the account and the target are checked.
    pub(super) fn check_dial(
        &self,
        to: &str,
        account_id: Option<&str>,
    ) -> Result<String, EngineError> {
        let profile = self.pick_profile(account_id)?;
        resolve(&profile, to).map(|(dialled, _)| dialled.uri)
    }

    /// The named account, or the first one that can place calls now.
    fn pick_profile(&self, account_id: Option<&str>) -> Result<Arc<CallProfile>, EngineError> {
        let ids: Vec<String> = self.profiles.iter().map(|p| p.id.clone()).collect();
        let states = self.events.accounts(&ids);
        let ready = |p: &CallProfile| {
            !p.registers
                || states
                    .iter()
                    .any(|s| s.id == p.id && s.state == RegistrationState::Registered)
        };
        match account_id {
            Some(id) => {
                let p = self
                    .profiles
                    .iter()
                    .find(|p| p.id == id)
                    .ok_or_else(|| EngineError::UnknownAccount(id.to_owned()))?;
                if ready(p) {
                    Ok(p.clone())
                } else {
                    Err(EngineError::NoAccount(Some(id.to_owned())))
                }
            }
            None => self
                .profiles
                .iter()
                .find(|p| ready(p))
                .cloned()
                .ok_or(EngineError::NoAccount(None)),
        }
    }

    /// RTP sockets and a media session advertising `advertised`.
    pub(super) async fn bind_media(
        &self,
        profile: &CallProfile,
        advertised: IpAddr,
    ) -> Result<MediaRuntime, EngineError> {
        let m = &self.settings.media;
        let mut config =
            dialtone_media::MediaConfig::new(SocketAddr::new(advertised, 0), rand::random());
        config.codecs = profile.codecs.clone();
        config.ptime_ms = m.ptime;
        config.rtp_timeout = if m.rtp_timeout == 0 {
            Duration::from_secs(86_400 * 365)
        } else {
            Duration::from_secs(m.rtp_timeout)
        };
        config.jitter_min_delay = Duration::from_millis(u64::from(m.jitter_min_ms));
        config.jitter_max_delay = Duration::from_millis(u64::from(m.jitter_max_ms));
        MediaRuntime::bind(&self.settings.rtp, advertised, config).await
    }
}

/// `c-` and 16 hex digits.
pub(super) fn new_call_id() -> CallId {
    format!("c-{:016x}", rand::random::<u64>())
}

/// The local account calls the host in the URI itself: it must be an IP literal.
fn direct_target(t: &DialTarget) -> Result<Target, String> {
    let UriParts {
        host_port, params, ..
    } = split_uri(&t.uri);
    let kind = if params.to_ascii_lowercase().contains("transport=tcp") {
        TransportKind::Tcp
    } else {
        TransportKind::Udp
    };
    let addr = if let Ok(a) = host_port.parse::<SocketAddr>() {
        a
    } else if let Ok(ip) = host_port.trim_matches(['[', ']']).parse::<IpAddr>() {
        SocketAddr::new(ip, 5060)
    } else {
        return Err(format!(
            "without an account, dial a SIP URI whose host is an IP address (got `{host_port}`)"
        ));
    };
    Ok(Target {
        kind,
        addr,
        tls_name: None,
    })
}

/// What the person dialled, and where the INVITE goes: the account's registrar or proxy, or
/// the dialled URI's host for the built-in local account.
fn resolve(profile: &CallProfile, to: &str) -> Result<(DialTarget, Target), EngineError> {
    let bad = |reason| EngineError::BadNumber {
        to: to.to_owned(),
        reason,
    };
    let dialled = target::parse(to, &profile.domain, &profile.dial_plan).map_err(bad)?;
    let sip_target = match &profile.target {
        Some(t) => t.clone(),
        None => direct_target(&dialled).map_err(bad)?,
    };
    Ok((dialled, sip_target))
}
