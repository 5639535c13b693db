//! What the person typed (`1002`, `+49 (30) 123-456`, `sip:bob@example.com`) to the
//! Request-URI and To of an INVITE.

use dialtone_api::Party;
use dialtone_links::{DialNumber, Link, Normalized};

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

/// How numbers are rewritten for an account: normalised to E.164 with the default region,
/// then the account's dial rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialPlan {
    /// ISO 3166 region for national numbers (`[dialing] default_region`).
    pub region: Option<String>,
    pub rules: dialtone_links::DialRules,
}

/// Turns what was dialled into a target on `domain` (`host[:port]`, brackets for IPv6):
/// a number (visual separators dropped, normalised and rewritten by `plan`), a `tel:`,
/// `callto:`, `sip:` or `sips:` link, or a SIP user name (`support`).
pub fn parse(input: &str, domain: &str, plan: &DialPlan) -> Result<DialTarget, String> {
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
    let is_link = lower.starts_with("tel:") || lower.starts_with("callto:") || has_scheme(input);
    if is_link || looks_like_number(input) {
        return match dialtone_links::parse_link(input).map_err(|e| e.to_string())? {
            Link::Sip { uri: u } => uri(&u),
            Link::Number(n) => numbered(&n, domain, plan),
            _ => Err(format!("`{input}` cannot be dialled")),
        };
    }
    let user = user_name(input)?;
    Ok(DialTarget {
        uri: format!("sip:{user}@{domain}"),
        number: None,
    })
}

/// `scheme:` before any `@` (`javascript:…`, `mailto:…`): a link, for `dialtone-links` to
/// accept or refuse by its scheme.
fn has_scheme(input: &str) -> bool {
    let head = input.split('@').next().unwrap_or(input);
    head.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
    })
}

/// Digits, `+`, `*`, `#` and visual separators only.
fn looks_like_number(input: &str) -> bool {
    input.chars().any(|c| c.is_ascii_digit())
        && input.chars().all(|c| {
            c.is_ascii_digit() || matches!(c, '+' | '*' | '#' | ' ' | '-' | '.' | '(' | ')' | '/')
        })
}

/// A number: normalised when a region is known (a `+` number is E.164 already), then
/// rewritten by the account's dial rules. The number kept for history is the E.164 form.
fn numbered(n: &DialNumber, domain: &str, plan: &DialPlan) -> Result<DialTarget, String> {
    let normalized = match &plan.region {
        Some(region) => dialtone_links::normalize(n, region).map_err(|e| e.to_string())?,
        None if n.number.starts_with('+') => Normalized::E164(n.number.clone()),
        None => Normalized::Short(n.number.clone()),
    };
    let user = dialtone_links::apply_rules(&normalized, &plan.rules);
    Ok(DialTarget {
        uri: format!("sip:{user}@{domain}"),
        number: Some(normalized.as_str().to_owned()),
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

/// A SIP user name typed as is (`support`, `sales.team`): the characters RFC 3261 allows
/// unescaped in a user part.
fn user_name(input: &str) -> Result<&str, String> {
    if !input.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("`{input}` has no digits"));
    }
    match input
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-_.!~*'()&=+$,;?/".contains(*c)))
    {
        Some(c) => Err(format!(
            "`{input}`: `{c}` is not allowed in a number or user name"
        )),
        None => Ok(input),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn plain(input: &str, domain: &str) -> Result<DialTarget, String> {
        parse(input, domain, &DialPlan::default())
    }

    fn german(rules: &str) -> DialPlan {
        DialPlan {
            region: Some("DE".into()),
            rules: toml::from_str(rules).unwrap(),
        }
    }

    #[test]
    fn numbers_lose_their_separators() {
        let t = plain(" +49 (30) 123-45.67 ", "pbx.example.com").unwrap();
        assert_eq!(t.uri, "sip:+49301234567@pbx.example.com");
        assert_eq!(t.number.as_deref(), Some("+49301234567"));
        let t = plain("1002", "127.0.0.1:5060").unwrap();
        assert_eq!(t.uri, "sip:1002@127.0.0.1:5060");
        assert_eq!(plain("*97#", "h").unwrap().uri, "sip:*97#@h");
    }

    #[test]
    fn national_numbers_become_e164_then_follow_the_dial_rules() {
        let t = parse("030 1234567", "pbx", &german("")).unwrap();
        assert_eq!(t.uri, "sip:+49301234567@pbx");
        assert_eq!(t.number.as_deref(), Some("+49301234567"));
        let rules =
            "outside_prefix = \"0\"\n[replace_country]\ncountry_code = \"49\"\nwith = \"0\"\n";
        let t = parse("tel:+49-30-1234567", "pbx", &german(rules)).unwrap();
        assert_eq!(t.uri, "sip:0030 1234567@pbx".replace(' ', ""));
        assert_eq!(t.number.as_deref(), Some("+49301234567"));
        let t = parse(
            "callto://+44 20 7946 0958",
            "pbx",
            &german("international_prefix = \"00\""),
        )
        .unwrap();
        assert_eq!(t.uri, "sip:00442079460958@pbx");
        // Internal extensions are never rewritten.
        let t = parse("1002", "pbx", &german(rules)).unwrap();
        assert_eq!(t.uri, "sip:1002@pbx");
    }

    #[test]
    fn tel_links_without_a_region_keep_their_digits() {
        let t = plain("tel:+1-201-555-0123;ext=42", "pbx").unwrap();
        assert_eq!(t.uri, "sip:+12015550123@pbx");
        let t = plain("TEL:1002", "pbx").unwrap();
        assert_eq!(t.uri, "sip:1002@pbx");
    }

    #[test]
    fn extensions_with_letters_are_user_parts() {
        let t = plain("support", "h").unwrap();
        assert_eq!(t.uri, "sip:support@h");
        assert_eq!(t.number, None);
    }

    #[test]
    fn sip_uris_are_kept() {
        let t = plain("SIP:1003@127.0.0.1:5070;transport=tcp", "ignored").unwrap();
        assert_eq!(t.uri, "sip:1003@127.0.0.1:5070;transport=tcp");
        assert_eq!(t.number.as_deref(), Some("1003"));
        let t = plain("sips:bob@example.com", "ignored").unwrap();
        assert_eq!(t.uri, "sips:bob@example.com");
        assert_eq!(t.number, None);
        let t = plain("callto:bob@example.com", "ignored").unwrap();
        assert_eq!(t.uri, "sip:bob@example.com");
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        assert!(plain("", "h").unwrap_err().contains("nothing"));
        assert!(plain("+", "h").is_err());
        assert!(plain("12<34", "h").unwrap_err().contains("`<`"));
        assert!(plain("sip:@", "h").is_err());
        assert!(plain("sip:bob@", "h")
            .unwrap_err()
            .contains("no valid host"));
        assert!(plain("1\r\nVia: x", "h").unwrap_err().contains("control"));
        assert!(plain(&"1".repeat(300), "h").unwrap_err().contains("longer"));
        let js = plain("javascript:alert(1)", "h").unwrap_err();
        assert!(js.contains("javascript"), "{js}");
        assert!(plain("tel:", "h").is_err());
        assert!(
            parse("+999 1234567", "h", &german("")).is_err(),
            "no such country code"
        );
    }
}
