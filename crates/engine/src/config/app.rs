//! `[app]`: the desktop app's own preferences. The phone service and headless
//! `dialtone serve` read but ignore them; the desktop shell acts on them.

use super::error::ConfigError;
use super::raw::RawApp;
use super::validate::Cx;

/// `[app]`: desktop app preferences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    /// Start the app when the user logs in (default false).
    pub start_at_login: bool,
    /// Start with the window hidden in the tray (default false).
    pub start_minimised: bool,
    /// Look for a newer version at start (default true).
    pub check_updates: bool,
    /// Where updates are looked for; `None`: the built-in endpoint. `https://`, or `http://` to
    /// a loopback address (a local test server; release builds still refuse plain http when
    /// they check).
    pub update_endpoint: Option<String>,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            start_at_login: false,
            start_minimised: false,
            check_updates: true,
            update_endpoint: None,
        }
    }
}

/// Checks an update endpoint: `https://host[:port][/path]` (or `http://` to a loopback host),
/// no user info, no whitespace or control characters. Returns it trimmed.
pub fn check_update_endpoint(url: &str) -> Result<String, String> {
    let url = url.trim();
    let scheme = |prefix: &str| {
        url.get(..prefix.len())
            .filter(|s| s.eq_ignore_ascii_case(prefix))
            .map(|_| &url[prefix.len()..])
    };
    let (rest, plain) = match (scheme("https://"), scheme("http://")) {
        (Some(rest), _) => (rest, false),
        (None, Some(rest)) => (rest, true),
        (None, None) => return Err(format!("`{url}` must be an https:// URL")),
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "`{url}` must not contain spaces or control characters"
        ));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(format!("`{url}` must not contain a user name or password"));
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if plain && !loopback {
        return Err(format!(
            "`{url}` must be an https:// URL (plain http only to a loopback address)"
        ));
    }
    Ok(url.to_owned())
}

impl Cx<'_> {
    pub(super) fn app(&self, raw: RawApp) -> Result<AppConfig, ConfigError> {
        let d = AppConfig::default();
        let update_endpoint = match raw.update_endpoint {
            None => None,
            Some(s) => Some(
                check_update_endpoint(s.get_ref())
                    .map_err(|m| self.err(s.span(), format!("app.update_endpoint {m}")))?,
            ),
        };
        Ok(AppConfig {
            start_at_login: raw.start_at_login.unwrap_or(d.start_at_login),
            start_minimised: raw.start_minimised.unwrap_or(d.start_minimised),
            check_updates: raw.check_updates.unwrap_or(d.check_updates),
            update_endpoint,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::check_update_endpoint;
    use crate::config::{Config, ConfigError};

    #[test]
    fn defaults_and_values() {
        let c = Config::parse("", None).ok().map(|c| c.app);
        assert_eq!(c, Some(super::AppConfig::default()));
        let c = Config::parse(
            "[app]\nstart_at_login = true\nstart_minimised = true\ncheck_updates = false\nupdate_endpoint = \"https://updates.example.com/dialtone.json\"\n",
            None,
        );
        let app = match c {
            Ok(c) => c.app,
            Err(e) => panic!("{e}"),
        };
        assert!(app.start_at_login && app.start_minimised && !app.check_updates);
        assert_eq!(
            app.update_endpoint.as_deref(),
            Some("https://updates.example.com/dialtone.json")
        );
    }

    #[test]
    fn bad_endpoint_points_at_the_value() {
        let text = "[app]\nupdate_endpoint = \"http://updates.example.com/\"\n";
        match Config::parse(text, None) {
            Err(ConfigError::Invalid {
                line,
                column,
                message,
                ..
            }) => {
                assert_eq!((line, column), (2, 19));
                assert!(message.contains("app.update_endpoint"), "{message}");
                assert!(message.contains("https://"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let unknown = Config::parse("[app]\nauto_start = true\n", None);
        assert!(matches!(unknown, Err(ConfigError::Invalid { .. })));
    }

    #[test]
    fn endpoint_checks() {
        assert!(check_update_endpoint("https://u.example.com").is_ok());
        assert!(check_update_endpoint("HTTPS://[::1]:8443/x").is_ok());
        assert!(check_update_endpoint("https://").is_err());
        assert!(check_update_endpoint("https://:443/x").is_err());
        assert!(check_update_endpoint("https://user:pw@u.example.com/").is_err());
        assert!(check_update_endpoint("https://u.example.com/a b").is_err());
        assert!(check_update_endpoint("ftp://u.example.com/").is_err());
        assert!(check_update_endpoint("").is_err());
    }
}
