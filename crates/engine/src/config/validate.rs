//! From the file's text to a checked [`Config`]: serde with spans, then checks that point
//! at the offending value.

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::error::{ConfigError, NO_PATH};
use super::raw::{AccountsOutline, RawAccount, RawConfig};
use super::types::{HostPort, ProxyUri};
use super::{
    AccountConfig, Config, LocalAccount, LogConfig, RegistrationConfig, SipConfig, DEFAULT_EXPIRES,
    MAX_EXPIRES, MIN_EXPIRES,
};

pub(super) fn parse(text: &str, path: Option<&Path>) -> Result<Config, ConfigError> {
    let cx = Cx {
        path: path.map_or_else(|| NO_PATH.to_owned(), |p| p.display().to_string()),
        text,
        base_dir: path.and_then(Path::parent),
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| cx.serde_error(&e))?;
    cx.build(raw, path)
}

pub(super) struct Cx<'a> {
    path: String,
    text: &'a str,
    base_dir: Option<&'a Path>,
}

impl Cx<'_> {
    pub(super) fn err(&self, span: Range<usize>, message: impl std::fmt::Display) -> ConfigError {
        ConfigError::invalid_at(&self.path, self.text, span.start, message)
    }

    /// A toml/serde error, prefixed with the account it falls in when that can be told.
    fn serde_error(&self, e: &toml::de::Error) -> ConfigError {
        let span = e.span();
        let message = e.message().trim_end().replace('\n', "; ");
        let message = match span.as_ref().and_then(|s| self.account_at(s.start)) {
            Some(who) => format!("{who}: {message}"),
            None => message,
        };
        ConfigError::invalid_span(&self.path, self.text, span, message)
    }

    /// Names the `[[accounts]]` entry whose text contains byte `offset`.
    fn account_at(&self, offset: usize) -> Option<String> {
        let outline: AccountsOutline = toml::from_str(self.text).ok()?;
        outline
            .accounts
            .iter()
            .enumerate()
            .find(|(_, a)| a.span().contains(&offset))
            .map(|(i, a)| match &a.get_ref().id {
                Some(toml::Value::String(id)) => format!("account `{id}`"),
                _ => format!("account #{}", i + 1),
            })
    }

    /// Resolves a configured path against the config file's folder.
    pub(super) fn resolve(&self, p: &str) -> PathBuf {
        let p = PathBuf::from(p);
        match self.base_dir {
            Some(dir) if p.is_relative() && !dir.as_os_str().is_empty() => dir.join(p),
            _ => p,
        }
    }

    fn build(&self, raw: RawConfig, path: Option<&Path>) -> Result<Config, ConfigError> {
        let defaults = Config::default();

        let sip = {
            let d = defaults.sip;
            let listen = match raw.sip.listen {
                None => d.listen,
                Some(s) => s.get_ref().trim().parse::<IpAddr>().map_err(|_| {
                    self.err(
                        s.span(),
                        format!(
                            "sip.listen: `{}` is not an IP address (use e.g. `0.0.0.0`, `127.0.0.1` or `::`)",
                            s.get_ref()
                        ),
                    )
                })?,
            };
            SipConfig {
                listen,
                port: raw.sip.port.unwrap_or(d.port),
                stray_requests: raw.sip.stray_requests.unwrap_or(d.stray_requests),
                keepalive_interval: raw.sip.keepalive_interval.unwrap_or(d.keepalive_interval),
                user_agent: self.opt_text("sip.user_agent", raw.sip.user_agent)?,
            }
        };

        let registration = {
            let d = defaults.registration;
            let retry_min = raw
                .registration
                .retry_min
                .as_ref()
                .map_or(d.retry_min, |s| *s.get_ref());
            if let Some(s) = &raw.registration.retry_min {
                if *s.get_ref() < 1 {
                    return Err(
                        self.err(s.span(), "registration.retry_min must be at least 1 second")
                    );
                }
            }
            let retry_max = raw
                .registration
                .retry_max
                .as_ref()
                .map_or(d.retry_max.max(retry_min), |s| *s.get_ref());
            if let Some(s) = &raw.registration.retry_max {
                if *s.get_ref() < retry_min {
                    return Err(self.err(
                        s.span(),
                        format!("registration.retry_max ({retry_max}) must not be less than retry_min ({retry_min})"),
                    ));
                }
            }
            RegistrationConfig {
                retry_min,
                retry_max,
            }
        };

        let local = {
            let d = defaults.local;
            let user = match raw.local.user {
                None => d.user,
                Some(s) => self.user_part("local.user", s)?,
            };
            let display_name = match raw.local.display_name {
                None => d.display_name,
                Some(s) => self.opt_text("local.display_name", Some(s))?,
            };
            LocalAccount { user, display_name }
        };

        let log = {
            let d = defaults.log;
            let level = match raw.log.level {
                None => d.level,
                Some(s) => {
                    if s.get_ref().trim().is_empty() {
                        return Err(self.err(
                            s.span(),
                            "log.level is empty (use e.g. `info` or `dialtone=debug`)",
                        ));
                    }
                    s.into_inner()
                }
            };
            let file = match raw.log.file {
                None => None,
                Some(s) if s.get_ref().is_empty() => {
                    return Err(self.err(
                        s.span(),
                        "log.file is empty (leave it out to log to stderr)",
                    ))
                }
                Some(s) => Some(self.resolve(s.get_ref())),
            };
            LogConfig { level, file }
        };

        let calls = self.calls(raw.calls)?;
        let media = self.media(raw.media)?;
        let audio = self.audio(raw.audio)?;
        let dialing = self.dialing(raw.dialing)?;
        let bridge = self.bridge(raw.bridge)?;
        let history = self.history(raw.history)?;
        let webhooks = self.webhooks(raw.webhooks)?;
        let screen_pop = self.screen_pop(raw.screen_pop)?;
        let app = self.app(raw.app)?;

        let mut accounts = Vec::with_capacity(raw.accounts.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for a in raw.accounts {
            let id_span = a.id.span();
            let account = self.account(a)?;
            if let Some(&first) = seen.get(&account.id) {
                let (line, _) = super::error::line_column(self.text, first);
                return Err(self.err(
                    id_span,
                    format!(
                        "account `{}`: duplicate id (first used on line {line})",
                        account.id
                    ),
                ));
            }
            seen.insert(account.id.clone(), id_span.start);
            accounts.push(account);
        }

        Ok(Config {
            sip,
            registration,
            local,
            log,
            calls,
            media,
            audio,
            dialing,
            bridge,
            history,
            webhooks,
            screen_pop,
            accounts,
            app,
            source: path.map(Path::to_path_buf),
        })
    }

    fn account(&self, a: RawAccount) -> Result<AccountConfig, ConfigError> {
        let id = a.id.get_ref().clone();
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(self.err(
                a.id.span(),
                format!(
                    "account id `{id}` must be non-empty and use only letters, digits, `_` and `-`"
                ),
            ));
        }
        let who = format!("account `{id}`");

        let user = self.user_part(&format!("{who}: user"), a.user)?;
        let auth_user = match a.auth_user {
            None => None,
            Some(s) => Some(self.user_part(&format!("{who}: auth_user"), s)?),
        };
        let display_name = self.opt_text(&format!("{who}: display_name"), a.display_name)?;

        let domain = a
            .domain
            .get_ref()
            .parse::<HostPort>()
            .map_err(|m| self.err(a.domain.span(), format!("{who}: domain {m}")))?;
        let proxy = match a.proxy {
            None => None,
            Some(s) => Some(
                s.get_ref()
                    .parse::<ProxyUri>()
                    .map_err(|m| self.err(s.span(), format!("{who}: proxy {m}")))?,
            ),
        };
        let transport = a.transport.unwrap_or_default();

        let expires = match a.expires {
            None => DEFAULT_EXPIRES,
            Some(s) => {
                let v = *s.get_ref();
                if !(MIN_EXPIRES..=MAX_EXPIRES).contains(&v) {
                    return Err(self.err(
                        s.span(),
                        format!("{who}: expires {v} is out of range ({MIN_EXPIRES}-{MAX_EXPIRES} seconds)"),
                    ));
                }
                v
            }
        };

        let password_env = match a.password_env {
            None => None,
            Some(s) => {
                let v = s.get_ref();
                if v.is_empty() || v.contains('=') || v.contains('\0') {
                    return Err(self.err(
                        s.span(),
                        format!(
                            "{who}: password_env `{v}` is not a valid environment variable name"
                        ),
                    ));
                }
                Some(s.into_inner())
            }
        };
        let realm = self.opt_text(&format!("{who}: realm"), a.realm)?;

        let tls_ca_file = match a.tls_ca_file {
            None => None,
            Some(s) => {
                let p = self.resolve(s.get_ref());
                if s.get_ref().is_empty() {
                    return Err(self.err(s.span(), format!("{who}: tls_ca_file is empty")));
                }
                if !p.is_file() {
                    let what = if p.exists() {
                        "is not a file"
                    } else {
                        "does not exist"
                    };
                    return Err(self.err(
                        s.span(),
                        format!("{who}: tls_ca_file `{}` {what}", p.display()),
                    ));
                }
                let secure = transport.is_secure()
                    || proxy
                        .as_ref()
                        .is_some_and(|p| p.effective_transport(transport).is_secure());
                if !secure {
                    tracing::warn!(account = %id, "tls_ca_file is set but the account uses no TLS transport");
                }
                Some(p)
            }
        };

        let codecs = match a.codecs {
            None => None,
            Some(s) => Some(
                super::check_codecs(s.get_ref())
                    .map_err(|m| self.err(s.span(), format!("{who}: codecs {m}")))?,
            ),
        };

        let dial_rules = match a.dial_rules {
            None => dialtone_links::DialRules::default(),
            Some(s) => {
                s.get_ref()
                    .validate()
                    .map_err(|e| self.err(s.span(), format!("{who}: dial_rules: {e}")))?;
                s.into_inner()
            }
        };

        Ok(AccountConfig {
            id,
            display_name,
            user,
            auth_user,
            domain,
            proxy,
            transport,
            expires,
            enabled: a.enabled.unwrap_or(true),
            password_env,
            realm,
            tls_ca_file,
            keepalive_interval: a.keepalive_interval,
            register: a.register.unwrap_or(true),
            auto_answer: a.auto_answer.unwrap_or_default(),
            codecs,
            dial_rules,
        })
    }

    /// A SIP user part: non-empty, no whitespace, control characters, `@`, `:` or `;`.
    fn user_part(&self, what: &str, s: Spanned<String>) -> Result<String, ConfigError> {
        let v = s.get_ref();
        if v.is_empty() {
            return Err(self.err(s.span(), format!("{what} is empty")));
        }
        if let Some(c) = v.chars().find(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '@' | ':' | ';' | '<' | '>' | '"')
        }) {
            return Err(self.err(s.span(), format!("{what} `{v}` must not contain {c:?}")));
        }
        Ok(s.into_inner())
    }

    /// Optional free text: must be non-empty and free of control characters (it ends up in
    /// SIP headers).
    pub(super) fn opt_text(
        &self,
        what: &str,
        s: Option<Spanned<String>>,
    ) -> Result<Option<String>, ConfigError> {
        let Some(s) = s else { return Ok(None) };
        let v = s.get_ref();
        if v.trim().is_empty() {
            return Err(self.err(s.span(), format!("{what} is empty (leave it out instead)")));
        }
        if v.chars().any(char::is_control) {
            return Err(self.err(
                s.span(),
                format!("{what} must not contain control characters"),
            ));
        }
        Ok(Some(s.into_inner()))
    }
}
