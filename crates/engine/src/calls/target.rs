//! What the person typed (`1002`, `+49 (30) 123-456`, `sip:bob@example.com`) to the
//! Request-URI and To of an INVITE.

use dialtone_api::Party;

/// Where a call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DialTarget {
    /// `sip:1002@pbx.example.com`
    pub uri: String,
    /// The dialled number, when a number was dialled.
    pub number: Option<String>,
}

impl DialTarget {
    pub fn party(&self) -> Party {
        Party {
            uri: self.uri.clone(),
            number: self.number.clone(),
            display_name: None,
        }
    }
}

/// Longest input accepted.
const MAX_LEN: usize = 256;

/// Turns a number or SIP URI into a target on `domain` (`host[:port]`, brackets for IPv6).
/// Visual separators in numbers (spaces, `-`, `.`, `(`, `)`, `/`) are dropped.
pub fn parse(input: &str, domain: &str) -> Result<DialTarget, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("nothing to dial".to_owned());
    }
    if input.len() > MAX_LEN {
        return Err(format!("longer than {MAX_LEN} characters"));
    }
    if input.chars().any(char::is_control) {
        return Err("contains control characters".to_owned());
    }
    let lower = input.to_ascii_lowercase();
    if lower.starts_with("sip:") || lower.starts_with("sips:") {
        return uri(input);
    }
    let number = number(input)?;
    Ok(DialTarget {
        uri: format!("sip:{number}@{domain}"),
        number: Some(number),
    })
}

/// The parts of `scheme:user@host:port;params?headers` the call layer needs.
pub(crate) struct UriParts<'a> {
    pub user: Option<&'a str>,
    /// `host[:port]`, brackets kept for IPv6.
    pub host_port: &'a str,
    /// What follows the host: `;transport=tcp?…`, possibly empty.
    pub params: &'a str,
}

pub(crate) fn split_uri(uri: &str) -> UriParts<'_> {
    let rest = uri.split_once(':').map_or(uri, |(_, r)| r);
    let (user, host) = match rest.split_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let end = host.find([';', '?']).unwrap_or(host.len());
    UriParts {
        user,
        host_port: &host[..end],
        params: &host[end..],
    }
}

/// The user part as a number (`1002`, `+4930123456`) when it is one; user parameters
/// (`;phone-context=…`) are not part of it.
pub(crate) fn number_in(user: &str) -> Option<String> {
    let user = user.split(';').next().unwrap_or(user);
    let digits = user.strip_prefix('+').unwrap_or(user);
    (!digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())).then(|| user.to_owned())
}

fn uri(input: &str) -> Result<DialTarget, String> {
    let (scheme, rest) = input.split_once(':').unwrap_or(("sip", input));
    let parts = split_uri(input);
    if parts.host_port.is_empty()
        || parts
            .host_port
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '@'))
    {
        return Err(format!("`{input}` has no valid host"));
    }
    if let Some(u) = parts.user {
        if u.is_empty()
            || u.chars()
                .any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        {
            return Err(format!("`{input}` has an invalid user part"));
        }
    }
    Ok(DialTarget {
        uri: format!("{}:{}", scheme.to_ascii_lowercase(), rest),
        number: parts.user.and_then(number_in),
    })
}

fn number(input: &str) -> Result<String, String> {
    let mut out = String::with_capacity(input.len());
    for (i, c) in input.chars().enumerate() {
        match c {
            '0'..='9' | '*' | '#' => out.push(c),
            '+' if i == 0 => out.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' => {}
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '!' | '~' | '\'') => out.push(c),
            _ => return Err(format!("`{input}`: `{c}` is not allowed in a number")),
        }
    }
    if out.is_empty() || out == "+" {
        return Err(format!("`{input}` has no digits"));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_their_separators() {
        let t = parse(" +49 (30) 123-45.67 ", "pbx.example.com").unwrap();
        assert_eq!(t.uri, "sip:+4930123456 7@pbx.example.com".replace(' ', ""));
        assert_eq!(t.number.as_deref(), Some("+49301234567"));
        let t = parse("1002", "127.0.0.1:5060").unwrap();
        assert_eq!(t.uri, "sip:1002@127.0.0.1:5060");
        assert_eq!(parse("*97#", "h").unwrap().uri, "sip:*97#@h");
    }

    #[test]
    fn extensions_with_letters_are_user_parts() {
        let t = parse("support", "h").unwrap();
        assert_eq!(t.uri, "sip:support@h");
    }

    #[test]
    fn sip_uris_are_kept() {
        let t = parse("SIP:1003@127.0.0.1:5070;transport=tcp", "ignored").unwrap();
        assert_eq!(t.uri, "sip:1003@127.0.0.1:5070;transport=tcp");
        assert_eq!(t.number.as_deref(), Some("1003"));
        let t = parse("sips:bob@example.com", "ignored").unwrap();
        assert_eq!(t.uri, "sips:bob@example.com");
        assert_eq!(t.number, None);
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        assert!(parse("", "h").unwrap_err().contains("nothing"));
        assert!(parse("+", "h").unwrap_err().contains("no digits"));
        assert!(parse("12<34", "h").unwrap_err().contains("`<`"));
        assert!(parse("sip:@", "h").is_err());
        assert!(parse("sip:bob@", "h")
            .unwrap_err()
            .contains("no valid host"));
        assert!(parse("1\r\nVia: x", "h").unwrap_err().contains("control"));
        assert!(parse(&"1".repeat(300), "h").unwrap_err().contains("longer"));
    }
}
