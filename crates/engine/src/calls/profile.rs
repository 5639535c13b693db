//! What the call manager needs of an account: where its INVITEs go, who it calls as, its
//! credentials, codecs and auto-answer policy.

use std::net::IpAddr;

use dialtone_call::AutoAnswerPolicy;
use dialtone_media::codec::{self, CodecInfo};
use dialtone_sip::transport::{Target, TlsSettings};
use dialtone_sip::Credentials;

use super::target::DialPlan;
use crate::config::AutoAnswer;

#[derive(Clone)]
pub(crate) struct CallProfile {
    pub id: String,
    pub aor: String,
    pub display_name: Option<String>,
    pub user: String,
    /// `host[:port]` of the domain, for numbers dialled without a host.
    pub domain: String,
    /// Where INVITEs go (the outbound proxy or the registrar); `None` for the local account,
    /// which calls the host in the dialled URI directly.
    pub target: Option<Target>,
    pub tls: TlsSettings,
    pub route: Option<String>,
    pub credentials: Option<Credentials>,
    pub codecs: Vec<&'static CodecInfo>,
    pub auto_answer: AutoAnswerPolicy,
    /// Whether this account registers (and so can only call once registered).
    pub registers: bool,
    /// How dialled numbers are normalised and rewritten for this account.
    pub dial_plan: DialPlan,
}

impl CallProfile {
    /// Whether a request from `source` came from this account's registrar or proxy.
    pub fn is_own_server(&self, source: IpAddr) -> bool {
        self.target.as_ref().is_some_and(|t| t.addr.ip() == source)
    }
}

/// The codec table entries for configured names, in order. The config has checked the
/// names against the same table, so the whole table is only a fallback that cannot happen.
pub(crate) fn codecs(names: &[String]) -> Vec<&'static CodecInfo> {
    codec::preference(names).unwrap_or_else(|_| codec::supported().iter().collect())
}

pub(crate) fn auto_answer_policy(a: AutoAnswer) -> AutoAnswerPolicy {
    match a {
        AutoAnswer::Never => AutoAnswerPolicy::Never,
        AutoAnswer::Always => AutoAnswerPolicy::Always,
        AutoAnswer::Trusted => AutoAnswerPolicy::Trusted,
    }
}

/// The call side of a configured account.
pub(crate) fn for_account(
    config: &crate::config::Config,
    account: &crate::config::AccountConfig,
    target: Target,
    tls: TlsSettings,
    route: Option<String>,
    password: Option<dialtone_sip::digest::Password>,
) -> CallProfile {
    CallProfile {
        id: account.id.clone(),
        aor: account.aor(),
        display_name: account.display_name.clone(),
        user: account.user.clone(),
        domain: account.domain.to_string(),
        target: Some(target),
        tls,
        route,
        credentials: password.map(|password| Credentials {
            username: account.auth_user().to_owned(),
            password,
        }),
        codecs: codecs(account.codecs_or(&config.media)),
        auto_answer: auto_answer_policy(account.auto_answer),
        registers: account.register,
        dial_plan: DialPlan {
            region: config.dialing.default_region.clone(),
            rules: account.dial_rules.clone(),
        },
    }
}

/// The built-in local account: calls SIP URIs directly, is called at `addr`.
pub(crate) fn for_local(config: &crate::config::Config, addr: std::net::SocketAddr) -> CallProfile {
    let host = dialtone_sip::wire::host_port(addr);
    CallProfile {
        id: dialtone_api::LOCAL_ACCOUNT_ID.to_owned(),
        aor: format!("sip:{}@{host}", config.local.user),
        display_name: config.local.display_name.clone(),
        user: config.local.user.clone(),
        domain: host,
        target: None,
        tls: TlsSettings::default(),
        route: None,
        credentials: None,
        codecs: codecs(&config.media.codecs),
        auto_answer: AutoAnswerPolicy::Never,
        registers: false,
        dial_plan: DialPlan {
            region: config.dialing.default_region.clone(),
            rules: Default::default(),
        },
    }
}
