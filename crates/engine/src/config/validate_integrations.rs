//! Checks of `[dialing]`, `[bridge]`, `[history]`, `[[webhooks]]` and `[screen_pop]`.

use std::collections::HashSet;

use super::error::ConfigError;
use super::integrations::{
    BridgeSettings, DialingConfig, HistoryConfig, ScreenPopConfig, SecretSource, WebhookConfig,
    WEBHOOK_EVENTS,
};
use super::raw::{RawBridge, RawDialing, RawHistory, RawScreenPop, RawWebhook};
use super::validate::Cx;

impl Cx<'_> {
    pub(super) fn dialing(&self, raw: RawDialing) -> Result<DialingConfig, ConfigError> {
        let d = DialingConfig::default();
        let default_region = match raw.default_region {
            None => None,
            Some(s) => {
                let region = s.get_ref().trim().to_ascii_uppercase();
                if region.len() != 2 || !region.chars().all(|c| c.is_ascii_uppercase()) {
                    return Err(self.err(
                        s.span(),
                        format!(
                            "dialing.default_region `{}` is not a two-letter ISO 3166 region (e.g. `DE`, `US`, `GB`)",
                            s.get_ref()
                        ),
                    ));
                }
                if dialtone_links::check_region(&region).is_err() {
                    return Err(self.err(
                        s.span(),
                        format!("dialing.default_region `{region}` is not a region with a numbering plan"),
                    ));
                }
                Some(region)
            }
        };
        let confirm_timeout = match raw.confirm_timeout {
            None => d.confirm_timeout,
            Some(s) if !(5..=600).contains(s.get_ref()) => {
                return Err(self.err(s.span(), "dialing.confirm_timeout must be 5 to 600 seconds"))
            }
            Some(s) => *s.get_ref(),
        };
        Ok(DialingConfig {
            default_region,
            confirm_links: raw.confirm_links.unwrap_or(d.confirm_links),
            confirm: raw.confirm.unwrap_or(d.confirm),
            confirm_timeout,
        })
    }

    pub(super) fn bridge(&self, raw: RawBridge) -> Result<BridgeSettings, ConfigError> {
        let d = BridgeSettings::default();
        let rate_limit_per_minute = match raw.rate_limit_per_minute {
            None => d.rate_limit_per_minute,
            Some(s) if *s.get_ref() == 0 || *s.get_ref() > 600 => {
                return Err(self.err(s.span(), "bridge.rate_limit_per_minute must be 1 to 600"))
            }
            Some(s) => *s.get_ref(),
        };
        let max_body_bytes = match raw.max_body_bytes {
            None => d.max_body_bytes,
            Some(s) if !(1024..=1024 * 1024).contains(s.get_ref()) => {
                return Err(self.err(s.span(), "bridge.max_body_bytes must be 1024 to 1048576"))
            }
            Some(s) => *s.get_ref(),
        };
        Ok(BridgeSettings {
            enabled: raw.enabled.unwrap_or(d.enabled),
            port: raw.port.unwrap_or(d.port),
            rate_limit_per_minute,
            max_body_bytes,
        })
    }

    pub(super) fn history(&self, raw: RawHistory) -> Result<HistoryConfig, ConfigError> {
        let d = HistoryConfig::default();
        let database = match raw.database {
            None => None,
            Some(s) if s.get_ref().trim().is_empty() => {
                return Err(self.err(
                    s.span(),
                    "history.database is empty (leave it out for the default)",
                ))
            }
            Some(s) => Some(self.resolve(s.get_ref())),
        };
        Ok(HistoryConfig {
            database,
            retention_days: raw.retention_days.unwrap_or(d.retention_days),
        })
    }

    pub(super) fn webhooks(&self, raw: Vec<RawWebhook>) -> Result<Vec<WebhookConfig>, ConfigError> {
        let mut names = HashSet::new();
        let mut out = Vec::with_capacity(raw.len());
        for w in raw {
            let name = w.name.get_ref().trim().to_owned();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(self.err(
                    w.name.span(),
                    "webhooks.name must be letters, digits, `_` or `-`",
                ));
            }
            if !names.insert(name.clone()) {
                return Err(self.err(w.name.span(), format!("webhook `{name}`: duplicate name")));
            }
            let url = w.url.get_ref().trim().to_owned();
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(self.err(
                    w.url.span(),
                    format!("webhook `{name}`: url must be an http:// or https:// URL"),
                ));
            }
            let events = match w.events {
                None => Vec::new(),
                Some(s) => {
                    for e in s.get_ref() {
                        if !WEBHOOK_EVENTS.contains(&e.as_str()) {
                            return Err(self.err(
                                s.span(),
                                format!(
                                    "webhook `{name}`: unknown event `{e}` (known: {})",
                                    WEBHOOK_EVENTS.join(", ")
                                ),
                            ));
                        }
                    }
                    s.into_inner()
                }
            };
            let secret = match w.secret_env {
                None => SecretSource::Keyring,
                Some(s) if s.get_ref().trim().is_empty() => {
                    return Err(self.err(s.span(), format!("webhook `{name}`: secret_env is empty")))
                }
                Some(s) => SecretSource::Env(s.into_inner()),
            };
            let max_attempts = match w.max_attempts {
                None => 8,
                Some(s) if !(1..=50).contains(s.get_ref()) => {
                    return Err(self.err(
                        s.span(),
                        format!("webhook `{name}`: max_attempts must be 1 to 50"),
                    ))
                }
                Some(s) => *s.get_ref(),
            };
            let timeout = match w.timeout {
                None => 10,
                Some(s) if !(1..=120).contains(s.get_ref()) => {
                    return Err(self.err(
                        s.span(),
                        format!("webhook `{name}`: timeout must be 1 to 120 seconds"),
                    ))
                }
                Some(s) => *s.get_ref(),
            };
            out.push(WebhookConfig {
                name,
                url,
                events,
                secret,
                max_attempts,
                timeout,
            });
        }
        Ok(out)
    }

    pub(super) fn screen_pop(
        &self,
        raw: Option<RawScreenPop>,
    ) -> Result<Option<ScreenPopConfig>, ConfigError> {
        let Some(raw) = raw else { return Ok(None) };
        let url = raw.url.get_ref().trim().to_owned();
        // The same check the screen pop itself applies: http(s), host spelled out, known
        // placeholders.
        if let Err(e) = dialtone_links::validate_screen_pop_template(&url) {
            return Err(self.err(
                raw.url.span(),
                format!("screen_pop.url must be an http:// or https:// URL template: {e}"),
            ));
        }
        Ok(Some(ScreenPopConfig {
            url,
            on: raw.on.unwrap_or_default(),
        }))
    }
}
