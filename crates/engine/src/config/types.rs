//! Small value types of the configuration: transports, policies, host:port and proxy URIs.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use serde::Deserialize;

/// A SIP transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    #[default]
    Udp,
    Tcp,
    Tls,
    Ws,
    Wss,
}

impl Transport {
    /// Every transport, in the order used in messages.
    pub const ALL: [Transport; 5] = [
        Transport::Udp,
        Transport::Tcp,
        Transport::Tls,
        Transport::Ws,
        Transport::Wss,
    ];

    /// The lowercase name, as written in the config and in `;transport=` parameters.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
            Transport::Ws => "ws",
            Transport::Wss => "wss",
        }
    }

    /// The port used when none is given: 5060 (udp, tcp), 5061 (tls), 80 (ws), 443 (wss).
    pub fn default_port(self) -> u16 {
        match self {
            Transport::Udp | Transport::Tcp => 5060,
            Transport::Tls => 5061,
            Transport::Ws => 80,
            Transport::Wss => 443,
        }
    }

    /// Whether the transport runs over TLS.
    pub fn is_secure(self) -> bool {
        matches!(self, Transport::Tls | Transport::Wss)
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Transport {
    type Err = String;

    /// Case-insensitive, as in SIP `;transport=` parameters.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Transport::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown transport `{s}`, expected one of `udp`, `tcp`, `tls`, `ws`, `wss`")
            })
    }
}

/// What to do with SIP requests that do not come from an account's registrar or proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StrayPolicy {
    /// Answer 403 Forbidden.
    #[default]
    Reject,
    /// Ignore silently.
    Drop,
}

impl fmt::Display for StrayPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StrayPolicy::Reject => "reject",
            StrayPolicy::Drop => "drop",
        })
    }
}

/// A host with an optional port, as in an account's `domain`.
///
/// `host` is an IP literal or a host name, without IPv6 brackets; `Display` adds them back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    pub host: String,
    pub port: Option<u16>,
}

impl HostPort {
    /// The host as an IP address, when it is a literal.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// The host as written in a URI: IPv6 literals in brackets.
    pub fn uri_host(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        }
    }
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.uri_host())?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

impl FromStr for HostPort {
    type Err = String;

    /// Accepts `host`, `host:port`, `[v6]`, `[v6]:port` and a bare IPv6 literal.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err("is empty, expected host[:port]".to_owned());
        }
        if let Some(scheme) = ["sip:", "sips:"]
            .into_iter()
            .find(|p| s.len() >= p.len() && s[..p.len()].eq_ignore_ascii_case(p))
        {
            return Err(format!(
                "`{s}` must be host[:port], without `{scheme}` (use `proxy` for a URI)"
            ));
        }
        if let Some(rest) = s.strip_prefix('[') {
            let Some((inside, after)) = rest.split_once(']') else {
                return Err(format!("`{s}`: missing `]` after the IPv6 address"));
            };
            if inside.parse::<Ipv6Addr>().is_err() {
                return Err(format!("`{inside}` is not a valid IPv6 address"));
            }
            let port = match after {
                "" => None,
                _ => match after.strip_prefix(':') {
                    Some(p) => Some(parse_port(p)?),
                    None => return Err(format!("`{s}`: unexpected `{after}` after `]`")),
                },
            };
            return Ok(HostPort {
                host: inside.to_owned(),
                port,
            });
        }
        if s.parse::<Ipv6Addr>().is_ok() {
            return Ok(HostPort {
                host: s.to_owned(),
                port: None,
            });
        }
        let (host, port) = match s.split_once(':') {
            Some((h, p)) => {
                if p.contains(':') {
                    return Err(format!(
                        "`{s}`: write IPv6 addresses in brackets, like `[::1]:5060`"
                    ));
                }
                (h, Some(parse_port(p)?))
            }
            None => (s, None),
        };
        check_host_name(host)?;
        Ok(HostPort {
            host: host.to_owned(),
            port,
        })
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    match p.parse::<u16>() {
        Ok(0) | Err(_) => Err(format!("`{p}` is not a valid port (1-65535)")),
        Ok(port) => Ok(port),
    }
}

fn check_host_name(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("the host is empty".to_owned());
    }
    let ok = host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
        && !host.starts_with('.')
        && !host.starts_with('-')
        && !host.contains("..");
    if ok {
        Ok(())
    } else {
        Err(format!("`{host}` is not a valid host name or IP address"))
    }
}

/// An outbound proxy URI: `sip:host[:port][;transport=x]` or `sips:...`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProxyUri {
    /// IP literal (no brackets) or host name.
    pub host: String,
    pub port: Option<u16>,
    /// The `;transport=` parameter, when given.
    pub transport: Option<Transport>,
    /// `sips:` scheme.
    pub secure: bool,
}

impl ProxyUri {
    /// The host and port part.
    pub fn host_port(&self) -> HostPort {
        HostPort {
            host: self.host.clone(),
            port: self.port,
        }
    }

    /// The transport to use for this proxy: the `;transport=` parameter, else TLS for
    /// `sips:`, else `fallback` (usually the account's transport).
    pub fn effective_transport(&self, fallback: Transport) -> Transport {
        match (self.transport, self.secure) {
            // RFC 3261 §26.2.2: sips over TCP means TLS.
            (Some(Transport::Tcp), true) => Transport::Tls,
            (Some(t), _) => t,
            (None, true) => Transport::Tls,
            (None, false) => fallback,
        }
    }
}

impl fmt::Display for ProxyUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.secure { "sips" } else { "sip" };
        write!(f, "{scheme}:{}", self.host_port())?;
        if let Some(t) = self.transport {
            write!(f, ";transport={t}")?;
        }
        Ok(())
    }
}

impl FromStr for ProxyUri {
    type Err = String;

    /// Parses `sip:`/`sips:` + host[:port] + parameters; `transport` is understood, `lr` and
    /// other parameters are accepted and ignored. User info and headers are refused.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let (secure, rest) = if lower.starts_with("sips:") {
            (true, &s[5..])
        } else if lower.starts_with("sip:") {
            (false, &s[4..])
        } else {
            return Err(format!(
                "`{s}` is not a SIP URI, expected sip:host[:port][;transport=...]"
            ));
        };
        if rest.contains('@') {
            return Err(format!("`{s}`: a proxy URI takes no user part"));
        }
        if rest.contains('?') {
            return Err(format!("`{s}`: a proxy URI takes no headers"));
        }
        let mut parts = rest.split(';');
        let host_part = parts.next().unwrap_or_default();
        let hp: HostPort = host_part.parse()?;
        let mut transport = None;
        for param in parts {
            let (name, value) = param.split_once('=').unwrap_or((param, ""));
            if name.is_empty() {
                return Err(format!("`{s}`: empty URI parameter"));
            }
            if name.eq_ignore_ascii_case("transport") {
                let t: Transport = value.parse()?;
                transport = Some(t);
            }
        }
        if secure && transport == Some(Transport::Udp) {
            return Err(format!("`{s}`: sips: cannot use transport=udp"));
        }
        if secure && transport == Some(Transport::Ws) {
            return Err(format!("`{s}`: sips: cannot use transport=ws"));
        }
        Ok(ProxyUri {
            host: hp.host,
            port: hp.port,
            transport,
            secure,
        })
    }
}
