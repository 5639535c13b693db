//! `callto:` links as CRMs and web pages write them: `callto:+49301234567`,
//! `callto://+49301234567`, `callto:0049 30 123` (a number, read by the rules in
//! [`crate::number`]) or `callto:bob@example.com` (a SIP address, dialled as
//! `sip:bob@example.com`; `callto:sip:…`/`callto:sips:…` are read as that URI).
//!
//! The whole link is percent-decoded first (`callto` has no parameters to protect), and a
//! trailing `/` that browsers add to `callto://…` is dropped. Skype names
//! (`callto:echo123`) are letters, so they are refused as numbers.

use crate::error::LinkError;
use crate::link::{DialNumber, Link};
use crate::number::clean_number;
use crate::sip_uri::parse_sip;
use percent_encoding::percent_decode_str;

/// Reads what follows `callto:` in `input`.
pub(crate) fn parse_callto(input: &str, rest: &str) -> Result<Link, LinkError> {
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let decoded = percent_decode_str(rest)
        .decode_utf8()
        .map_err(|_| LinkError::InvalidNumber {
            input: input.to_owned(),
            reason: "percent-encoding that is not UTF-8".to_owned(),
        })?;
    let decoded = decoded.trim();
    let decoded = decoded.strip_suffix('/').unwrap_or(decoded);
    if decoded.is_empty() {
        return Err(LinkError::Empty);
    }
    let lower = decoded
        .chars()
        .take(5)
        .collect::<String>()
        .to_ascii_lowercase();
    if lower.starts_with("sip:") {
        return parse_sip(input, "sip", &decoded[4..]).map(|uri| Link::Sip { uri });
    }
    if lower == "sips:" {
        return parse_sip(input, "sips", &decoded[5..]).map(|uri| Link::Sip { uri });
    }
    if decoded.contains('@') {
        return parse_sip(input, "sip", decoded).map(|uri| Link::Sip { uri });
    }
    Ok(Link::Number(DialNumber {
        number: clean_number(input, decoded)?,
        extension: None,
        phone_context: None,
    }))
}
