//! What a link or typed text asks to dial, and [`parse_link`], which tells.

use crate::callto::parse_callto;
use crate::error::LinkError;
use crate::number::{clean_number, MAX_INPUT_LEN};
use crate::sip_uri::parse_sip;
use crate::tel::parse_tel;

/// Something to dial.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Link {
    /// A telephone number (from `tel:`, `callto:` or typed digits).
    Number(DialNumber),
    /// A SIP address: a `sip:`/`sips:` URI as given but trimmed, scheme lower-cased; typed
    /// `user@host` and `callto:user@host` become `sip:user@host`.
    Sip { uri: String },
}

/// A telephone number as given, not yet normalised (see [`crate::normalize`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialNumber {
    /// Digits, with a leading `+` kept and visual separators removed; may hold `*` and `#`
    /// when there is no `+` (`*97#`).
    pub number: String,
    /// `;ext=` of a `tel:` link: digits only. To be sent as DTMF once the call is up; it is
    /// not part of the number to dial.
    pub extension: Option<String>,
    /// `;phone-context=` of a local `tel:` number: a `+` prefix (`+49`) or a lower-case
    /// domain name. Always `None` for global (`+`) numbers.
    pub phone_context: Option<String>,
}

/// Reads a `tel:`, `sip:`, `sips:` or `callto:` link (schemes in any case), or typed text
/// without a scheme: a number (with separators) or `user@host`.
///
/// The input is trimmed; more than [`crate::MAX_INPUT_LEN`] bytes is [`LinkError::TooLong`].
/// Any other scheme (`javascript:`, `data:`, `http:` …) is [`LinkError::UnsupportedScheme`].
/// Number rules: see the crate documentation.
pub fn parse_link(input: &str) -> Result<Link, LinkError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(LinkError::Empty);
    }
    if input.len() > MAX_INPUT_LEN {
        return Err(LinkError::TooLong {
            max: MAX_INPUT_LEN,
            unit: "characters",
        });
    }
    let Some((scheme, rest)) = split_scheme(input) else {
        return parse_typed(input);
    };
    let scheme = scheme.to_ascii_lowercase();
    match scheme.as_str() {
        "tel" => parse_tel(input, rest).map(Link::Number),
        "sip" | "sips" => parse_sip(input, &scheme, rest).map(|uri| Link::Sip { uri }),
        "callto" => parse_callto(input, rest),
        _ => Err(LinkError::UnsupportedScheme(scheme)),
    }
}

/// `scheme` and the rest when `input` starts with `scheme:` (RFC 3986:
/// `ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`).
fn split_scheme(input: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = input.split_once(':')?;
    let mut chars = scheme.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (first_ok && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .then_some((scheme, rest))
}

/// Typed text: `user@host[:port]` is a SIP address, anything else must be a number.
fn parse_typed(input: &str) -> Result<Link, LinkError> {
    if input.contains('@') {
        return parse_sip(input, "sip", input).map(|uri| Link::Sip { uri });
    }
    Ok(Link::Number(DialNumber {
        number: clean_number(input, input)?,
        extension: None,
        phone_context: None,
    }))
}
