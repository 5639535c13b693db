//! DTMF carried in SIP INFO bodies: `application/dtmf-relay` (`Signal=5\r\nDuration=160`) and
//! `application/dtmf` (the bare digit).

/// What an INFO body says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InfoBody {
    Dtmf {
        digit: char,
        duration_ms: Option<u32>,
    },
    /// No body at all (some peers use INFO as a keep-alive).
    Empty,
    /// A content type we do not read, or a DTMF body without a valid digit.
    Unsupported,
}

/// The media type without parameters, lower-cased (`Application/DTMF-Relay; x=y` →
/// `application/dtmf-relay`).
pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Reads an INFO body.
pub(crate) fn parse_info(content_type: Option<&str>, body: &[u8]) -> InfoBody {
    let text = String::from_utf8_lossy(body);
    if text.trim().is_empty() {
        return InfoBody::Empty;
    }
    match content_type.map(media_type).as_deref() {
        Some("application/dtmf-relay") => {
            let mut digit = None;
            let mut duration_ms = None;
            for line in text.lines() {
                let Some((key, value)) = line.split_once('=') else {
                    continue;
                };
                let value = value.trim();
                if key.trim().eq_ignore_ascii_case("signal") {
                    digit = dtmf_digit(value);
                } else if key.trim().eq_ignore_ascii_case("duration") {
                    duration_ms = value.parse().ok();
                }
            }
            match digit {
                Some(digit) => InfoBody::Dtmf { digit, duration_ms },
                None => InfoBody::Unsupported,
            }
        }
        Some("application/dtmf") => match dtmf_digit(text.trim()) {
            Some(digit) => InfoBody::Dtmf {
                digit,
                duration_ms: None,
            },
            None => InfoBody::Unsupported,
        },
        _ => InfoBody::Unsupported,
    }
}

/// `0`-`9`, `*`, `#`, `A`-`D` (either case), and the RFC 4733 event numbers 10 (`*`) and 11
/// (`#`) that some gateways write instead.
fn dtmf_digit(value: &str) -> Option<char> {
    match value {
        "10" => return Some('*'),
        "11" => return Some('#'),
        _ => {}
    }
    let mut chars = value.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    match c.to_ascii_uppercase() {
        c @ ('0'..='9' | '*' | '#' | 'A'..='D') => Some(c),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dtmf_relay_bodies() {
        assert_eq!(
            parse_info(
                Some("application/dtmf-relay"),
                b"Signal=5\r\nDuration=160\r\n"
            ),
            InfoBody::Dtmf {
                digit: '5',
                duration_ms: Some(160)
            }
        );
        assert_eq!(
            parse_info(
                Some("Application/DTMF-Relay;charset=x"),
                b"Signal= #\nDuration= 250"
            ),
            InfoBody::Dtmf {
                digit: '#',
                duration_ms: Some(250)
            }
        );
        assert_eq!(
            parse_info(Some("application/dtmf-relay"), b"Signal=11\r\n"),
            InfoBody::Dtmf {
                digit: '#',
                duration_ms: None
            }
        );
        assert_eq!(
            parse_info(Some("application/dtmf-relay"), b"Signal=55\r\n"),
            InfoBody::Unsupported
        );
    }

    #[test]
    fn dtmf_bodies() {
        assert_eq!(
            parse_info(Some("application/dtmf"), b"d\r\n"),
            InfoBody::Dtmf {
                digit: 'D',
                duration_ms: None
            }
        );
        assert_eq!(
            parse_info(Some("application/dtmf"), b"x"),
            InfoBody::Unsupported
        );
    }

    #[test]
    fn other_bodies() {
        assert_eq!(parse_info(None, b""), InfoBody::Empty);
        assert_eq!(
            parse_info(Some("application/media_control+xml"), b"<x/>"),
            InfoBody::Unsupported
        );
        assert_eq!(parse_info(None, b"Signal=5"), InfoBody::Unsupported);
    }
}
