//! A configured receiver of webhooks.

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::error::WebhookError;
use crate::event::WebhookEvent;

/// How long an attempt may take when the config does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A CRM back end that receives webhooks. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Unique among endpoints; the outbox rows name their endpoint by it.
    pub name: String,
    /// Where to POST; http or https only.
    pub url: Url,
    /// The events to send; empty means all.
    pub events: Vec<WebhookEvent>,
    /// The HMAC key for `X-Dialtone-Signature`. Never logged.
    pub secret: String,
    /// The limit for one attempt (connect, send, response headers and body).
    pub timeout: Duration,
    /// Attempts before a delivery to this endpoint is given up; `None`: the dispatcher's
    /// [`RetryPolicy`](crate::RetryPolicy) `max_attempts`.
    pub max_attempts: Option<u32>,
}

impl WebhookEndpoint {
    /// An endpoint from config text, checked with [`WebhookEndpoint::validate`].
    pub fn new(
        name: impl Into<String>,
        url: &str,
        events: Vec<WebhookEvent>,
        secret: impl Into<String>,
        timeout: Duration,
    ) -> Result<Self, WebhookError> {
        let name = name.into();
        let url = Url::parse(url).map_err(|source| WebhookError::InvalidUrl {
            endpoint: name.clone(),
            source,
        })?;
        let endpoint = Self {
            name,
            url,
            events,
            secret: secret.into(),
            timeout,
            max_attempts: None,
        };
        endpoint.validate()?;
        Ok(endpoint)
    }

    /// The same endpoint with its own attempt limit.
    pub fn with_max_attempts(self, max_attempts: u32) -> Self {
        Self {
            max_attempts: Some(max_attempts),
            ..self
        }
    }

    /// Checks what the fields' types cannot: a name, an http(s) URL with a host, a timeout.
    pub fn validate(&self) -> Result<(), WebhookError> {
        if self.name.trim().is_empty() {
            return Err(WebhookError::EmptyName);
        }
        match self.url.scheme() {
            "http" | "https" => {}
            other => {
                return Err(WebhookError::UnsupportedScheme {
                    endpoint: self.name.clone(),
                    scheme: other.to_owned(),
                })
            }
        }
        if self.url.host().is_none() {
            return Err(WebhookError::MissingHost {
                endpoint: self.name.clone(),
            });
        }
        if self.timeout.is_zero() {
            return Err(WebhookError::ZeroTimeout {
                endpoint: self.name.clone(),
                timeout: self.timeout,
            });
        }
        Ok(())
    }

    /// Whether this endpoint wants `event` (an empty list wants all).
    pub fn wants(&self, event: WebhookEvent) -> bool {
        self.events.is_empty() || self.events.contains(&event)
    }
}

impl fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("name", &self.name)
            .field("url", &self.url.as_str())
            .field("events", &self.events)
            .field("secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_secret() {
        let e = WebhookEndpoint::new(
            "crm",
            "https://crm.example.com/hook",
            vec![],
            "s3cr3t-value",
            DEFAULT_TIMEOUT,
        );
        let text = format!("{e:?}");
        assert!(text.contains("crm.example.com"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
    }

    #[test]
    fn only_http_and_https_with_a_host() {
        let make = |url: &str| WebhookEndpoint::new("crm", url, vec![], "k", DEFAULT_TIMEOUT);
        assert!(make("http://127.0.0.1:8080/hook").is_ok());
        assert!(make("https://crm.example.com/").is_ok());
        assert!(matches!(
            make("ftp://crm.example.com/"),
            Err(WebhookError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            make("file:///etc/passwd"),
            Err(WebhookError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            make("not a url"),
            Err(WebhookError::InvalidUrl { .. })
        ));
        assert!(matches!(
            WebhookEndpoint::new("crm", "http://h/", vec![], "k", Duration::ZERO),
            Err(WebhookError::ZeroTimeout { .. })
        ));
        assert!(matches!(
            WebhookEndpoint::new(" ", "http://h/", vec![], "k", DEFAULT_TIMEOUT),
            Err(WebhookError::EmptyName)
        ));
    }

    #[test]
    fn empty_event_list_wants_everything() {
        let mut e = WebhookEndpoint::new("crm", "http://h/", vec![], "k", DEFAULT_TIMEOUT)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(WebhookEvent::ALL.iter().all(|ev| e.wants(*ev)));
        e.events = vec![WebhookEvent::CallMissed];
        assert!(e.wants(WebhookEvent::CallMissed));
        assert!(!e.wants(WebhookEvent::CallEnded));
    }
}
