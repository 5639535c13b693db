//! `tel:` URIs (RFC 3966), read leniently enough for what CRMs put in links.
//!
//! - `tel:+1-201-555-0123` (global), `tel:7042;phone-context=example.com` or
//!   `tel:030123;phone-context=+49` (local).
//! - Parameters are split on `;` before percent-decoding, so `%3B` cannot forge one;
//!   names are case-insensitive. `ext` becomes [`DialNumber::extension`], `phone-context`
//!   [`DialNumber::phone_context`]; `isub` and unknown parameters are ignored.
//! - Lenient where RFC 3966 is strict: spaces (also `%20`) and `/` are separators, a local
//!   number needs no `phone-context`, `tel://` is read like `tel:`, and a
//!   `phone-context` on a global number is ignored (it has no meaning there).
//! - The number itself follows the rules in [`crate::number`].

use crate::error::LinkError;
use crate::link::DialNumber;
use crate::number::clean_number;
use percent_encoding::percent_decode_str;

/// Reads what follows `tel:` in `input`.
pub(crate) fn parse_tel(input: &str, rest: &str) -> Result<DialNumber, LinkError> {
    let invalid = |reason: &str| LinkError::InvalidNumber {
        input: input.to_owned(),
        reason: reason.to_owned(),
    };
    if input.chars().any(char::is_control) {
        return Err(invalid("contains control characters"));
    }
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let mut parts = rest.split(';');
    let number_part = parts.next().unwrap_or_default();
    let number = clean_number(input, &decode(input, number_part)?)?;

    let mut extension = None;
    let mut phone_context = None;
    for param in parts {
        let (name, value) = param.split_once('=').unwrap_or((param, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "ext" => {
                if extension.is_some() {
                    return Err(invalid("`ext` is given twice"));
                }
                extension = Some(parse_extension(input, &decode(input, value)?)?);
            }
            "phone-context" => {
                if phone_context.is_some() {
                    return Err(invalid("`phone-context` is given twice"));
                }
                phone_context = Some(parse_context(input, &decode(input, value)?)?);
            }
            // `isub`, and parameters this crate does not know, change nothing to dial.
            _ => {}
        }
    }
    if number.starts_with('+') {
        phone_context = None;
    }
    Ok(DialNumber {
        number,
        extension,
        phone_context,
    })
}

fn decode(input: &str, s: &str) -> Result<String, LinkError> {
    let decoded = percent_decode_str(s)
        .decode_utf8()
        .map_err(|_| LinkError::InvalidNumber {
            input: input.to_owned(),
            reason: "percent-encoding that is not UTF-8".to_owned(),
        })?;
    if decoded.chars().any(char::is_control) {
        return Err(LinkError::InvalidNumber {
            input: input.to_owned(),
            reason: "contains (percent-encoded) control characters".to_owned(),
        });
    }
    Ok(decoded.into_owned())
}

/// `;ext=` is one or more digits with separators (RFC 3966 `1*phonedigit`).
fn parse_extension(input: &str, value: &str) -> Result<String, LinkError> {
    let ext = clean_number(input, value).map_err(|e| match e {
        LinkError::InvalidNumber { input, reason } => LinkError::InvalidNumber {
            input,
            reason: format!("extension: {reason}"),
        },
        other => other,
    })?;
    if !ext.chars().all(|c| c.is_ascii_digit()) {
        return Err(LinkError::InvalidNumber {
            input: input.to_owned(),
            reason: "the extension may only hold digits".to_owned(),
        });
    }
    Ok(ext)
}

/// `;phone-context=` is a global number prefix (`+49-30` → `+4930`) or a domain name
/// (lower-cased).
fn parse_context(input: &str, value: &str) -> Result<String, LinkError> {
    let value = value.trim();
    if value.starts_with('+') {
        let ctx = clean_number(input, value)?;
        if ctx[1..].chars().all(|c| c.is_ascii_digit()) {
            return Ok(ctx);
        }
    } else if is_domain_name(value) {
        return Ok(value.to_ascii_lowercase());
    }
    Err(LinkError::InvalidNumber {
        input: input.to_owned(),
        reason: "`phone-context` must be a `+` number prefix or a domain name".to_owned(),
    })
}

pub(crate) fn is_domain_name(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}
