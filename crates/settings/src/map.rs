//! Between the engine's typed [`Config`] and the settings document.

use dialtone_api::{
    AccountSettings, AppSettings, AudioSettings, CallSettings, ConfirmPolicySetting,
    IntegrationSettings, Settings, WebhookSettings,
};
use dialtone_engine::config::{
    AccountConfig, Config, ConfirmPolicy, ScreenPopOn, SecretSource, WebhookConfig,
};

/// The settings document for `config`; `has_password` is left false (see `load`).
pub(crate) fn to_settings(config: &Config) -> Settings {
    Settings {
        accounts: config.accounts.iter().map(account).collect(),
        audio: AudioSettings {
            input_device: config.audio.input_device.clone(),
            output_device: config.audio.output_device.clone(),
            ringer_device: config.audio.ringer_device.clone(),
            echo_cancellation: config.audio.echo_cancellation,
        },
        calls: CallSettings {
            confirm_links: config.dialing.confirm_links,
            confirm: match config.dialing.confirm {
                ConfirmPolicy::Ask => ConfirmPolicySetting::Ask,
                ConfirmPolicy::Allow => ConfirmPolicySetting::Allow,
                ConfirmPolicy::Deny => ConfirmPolicySetting::Deny,
            },
            call_waiting: config.calls.call_waiting,
            dnd: config.calls.dnd,
        },
        integrations: IntegrationSettings {
            bridge_enabled: config.bridge.enabled,
            bridge_port: config.bridge.port,
            default_region: config.dialing.default_region.clone(),
            screen_pop_url: config.screen_pop.as_ref().map(|s| s.url.clone()),
            screen_pop_on: screen_pop_on(config.screen_pop.as_ref().map(|s| s.on)).to_owned(),
            webhooks: config.webhooks.iter().map(webhook).collect(),
        },
        app: AppSettings {
            start_at_login: config.app.start_at_login,
            start_minimised: config.app.start_minimised,
            check_updates_at_start: config.app.check_updates,
        },
    }
}

fn account(a: &AccountConfig) -> AccountSettings {
    AccountSettings {
        id: a.id.clone(),
        display_name: a.display_name.clone(),
        user: a.user.clone(),
        auth_user: a.auth_user.clone(),
        domain: a.domain.to_string(),
        proxy: a.proxy.as_ref().map(ToString::to_string),
        transport: a.transport.as_str().to_owned(),
        enabled: a.enabled,
        expires: a.expires,
        has_password: false,
    }
}

fn webhook(w: &WebhookConfig) -> WebhookSettings {
    WebhookSettings {
        name: w.name.clone(),
        url: w.url.clone(),
        events: w.events.clone(),
        secret_env: match &w.secret {
            SecretSource::Env(var) => Some(var.clone()),
            _ => None,
        },
    }
}

/// The config spelling of a screen-pop moment; `incoming` when there is no screen pop.
pub(crate) fn screen_pop_on(on: Option<ScreenPopOn>) -> &'static str {
    match on {
        Some(ScreenPopOn::Answered) => "answered",
        _ => "incoming",
    }
}

/// The config spelling of a confirmation policy.
pub(crate) fn confirm_str(c: ConfirmPolicySetting) -> &'static str {
    match c {
        ConfirmPolicySetting::Ask => "ask",
        ConfirmPolicySetting::Allow => "allow",
        ConfirmPolicySetting::Deny => "deny",
    }
}

/// `settings` as it will be written: optional text that is blank means "not set", and the
/// words the config spells in lower case (transport, screen-pop moment) or upper case
/// (region) are spelled so.
pub(crate) fn normalised(settings: &Settings) -> Settings {
    let mut s = settings.clone();
    for a in &mut s.accounts {
        a.id = a.id.trim().to_owned();
        a.display_name = opt(a.display_name.take());
        a.auth_user = opt(a.auth_user.take());
        a.proxy = opt(a.proxy.take());
        a.transport = a.transport.trim().to_ascii_lowercase();
        a.has_password = false;
    }
    s.audio.input_device = opt(s.audio.input_device.take());
    s.audio.output_device = opt(s.audio.output_device.take());
    s.audio.ringer_device = opt(s.audio.ringer_device.take());
    let i = &mut s.integrations;
    i.default_region = opt(i.default_region.take()).map(|r| r.to_ascii_uppercase());
    i.screen_pop_url = opt(i.screen_pop_url.take());
    i.screen_pop_on = i.screen_pop_on.trim().to_ascii_lowercase();
    if i.screen_pop_on.is_empty() {
        i.screen_pop_on = "incoming".to_owned();
    }
    for w in &mut i.webhooks {
        w.name = w.name.trim().to_owned();
        w.secret_env = opt(w.secret_env.take());
    }
    s
}

fn opt(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}
