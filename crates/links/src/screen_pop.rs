//! Screen-pop URLs: a CRM page to open for a call, from a template such as
//! `https://crm.example.com/search?phone={e164}&name={name}`.
//!
//! - Placeholders: `{e164}`, `{number}`, `{name}`, `{callId}`, `{direction}`,
//!   `{accountId}`; any other `{…}` is [`LinkError::UnknownPlaceholder`]. There is no
//!   escape for literal braces (they are not valid in a URL anyway).
//! - Values are percent-encoded as URL components: everything but `A–Z a–z 0–9 - . _ ~`,
//!   so `+` is `%2B`, a space `%20`, `&` `%26`, and non-ASCII is UTF-8 percent-encoded.
//!   Missing values (`e164`, `name`) are empty.
//! - The template must start with `http://` or `https://` and the host must be written out
//!   in full before the first placeholder (placeholders may only stand in the path, query
//!   or fragment), so no caller-supplied value can pick the scheme or the host.
//! - The result must parse as an http(s) URL with a host (`url` crate); it is returned as
//!   that crate serialises it.

use crate::error::LinkError;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;

/// Longest template accepted, in bytes.
const MAX_TEMPLATE_LEN: usize = 4096;

/// RFC 3986 unreserved characters stay; everything else is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The values a screen-pop template can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenPopVars<'a> {
    /// `{e164}`: the caller's number in E.164 form, when known.
    pub e164: Option<String>,
    /// `{number}`: the number as received or dialled.
    pub number: String,
    /// `{name}`: the caller's display name, when known.
    pub name: Option<String>,
    /// `{callId}`
    pub call_id: String,
    /// `{direction}`: e.g. `inbound` or `outbound`.
    pub direction: &'a str,
    /// `{accountId}`
    pub account_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholder {
    E164,
    Number,
    Name,
    CallId,
    Direction,
    AccountId,
}

enum Piece<'t> {
    Literal(&'t str),
    Value(Placeholder),
}

/// The URL to open for a call, from `template` with `vars` filled in.
pub fn screen_pop_url(template: &str, vars: &ScreenPopVars<'_>) -> Result<String, LinkError> {
    let pieces = checked_pieces(template)?;
    render(template, &pieces, |p| match p {
        Placeholder::E164 => vars.e164.as_deref().unwrap_or_default(),
        Placeholder::Number => &vars.number,
        Placeholder::Name => vars.name.as_deref().unwrap_or_default(),
        Placeholder::CallId => &vars.call_id,
        Placeholder::Direction => vars.direction,
        Placeholder::AccountId => &vars.account_id,
    })
}

/// Checks a template when the configuration is loaded: known placeholders, an http(s) URL
/// with the host written out before any placeholder, and a valid URL once filled in.
pub fn validate_screen_pop_template(template: &str) -> Result<(), LinkError> {
    let pieces = checked_pieces(template)?;
    render(template, &pieces, |_| "x+ 1").map(|_| ())
}

fn invalid(template: &str, reason: impl Into<String>) -> LinkError {
    LinkError::InvalidTemplate {
        template: template.to_owned(),
        reason: reason.into(),
    }
}

fn checked_pieces(template: &str) -> Result<Vec<Piece<'_>>, LinkError> {
    if template.len() > MAX_TEMPLATE_LEN {
        return Err(LinkError::TooLong {
            max: MAX_TEMPLATE_LEN,
            unit: "characters",
        });
    }
    if template.chars().any(char::is_control) {
        return Err(invalid(template, "it contains control characters"));
    }
    let pieces = parse_pieces(template)?;
    let fixed_prefix = match pieces.first() {
        Some(Piece::Literal(s)) => *s,
        _ => "",
    };
    check_prefix(template, fixed_prefix, pieces.len() > 1)?;
    Ok(pieces)
}

fn parse_pieces(template: &str) -> Result<Vec<Piece<'_>>, LinkError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let Some(open) = rest.find(['{', '}']) else {
            pieces.push(Piece::Literal(rest));
            break;
        };
        if rest[open..].starts_with('}') {
            return Err(invalid(template, "a `}` without its `{`"));
        }
        if open > 0 {
            pieces.push(Piece::Literal(&rest[..open]));
        }
        let after = &rest[open + 1..];
        let close = after
            .find(['{', '}'])
            .filter(|&i| after[i..].starts_with('}'))
            .ok_or_else(|| invalid(template, "a `{` without its `}`"))?;
        let placeholder = match &after[..close] {
            "e164" => Placeholder::E164,
            "number" => Placeholder::Number,
            "name" => Placeholder::Name,
            "callId" => Placeholder::CallId,
            "direction" => Placeholder::Direction,
            "accountId" => Placeholder::AccountId,
            other => return Err(LinkError::UnknownPlaceholder(other.to_owned())),
        };
        pieces.push(Piece::Value(placeholder));
        rest = &after[close + 1..];
    }
    Ok(pieces)
}

/// `prefix` is the template before its first placeholder (all of it when there is none).
fn check_prefix(template: &str, prefix: &str, has_placeholders: bool) -> Result<(), LinkError> {
    let lower = prefix.to_ascii_lowercase();
    let Some(after_scheme) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return Err(invalid(
            template,
            "it must start with `http://` or `https://`",
        ));
    };
    let authority_end = after_scheme.find(['/', '?', '#']);
    let authority = &after_scheme[..authority_end.unwrap_or(after_scheme.len())];
    if authority.is_empty() {
        return Err(invalid(template, "it has no host"));
    }
    if has_placeholders && authority_end.is_none() {
        return Err(invalid(
            template,
            "placeholders may only stand after the host (in the path, query or fragment)",
        ));
    }
    Ok(())
}

fn render<'v>(
    template: &str,
    pieces: &[Piece<'_>],
    value: impl Fn(Placeholder) -> &'v str,
) -> Result<String, LinkError> {
    let mut out = String::with_capacity(template.len());
    for piece in pieces {
        match piece {
            Piece::Literal(s) => out.push_str(s),
            Piece::Value(p) => out.extend(utf8_percent_encode(value(*p), COMPONENT)),
        }
    }
    let url = Url::parse(&out)
        .map_err(|e| invalid(template, format!("it does not give a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(template, "it does not give an http(s) URL"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(template, "it gives a URL without a host"));
    }
    Ok(url.into())
}
