//! The digits of a number as people write them: `+49 (0)30 123-45.67`, `030/1234567`,
//! `*97#`.
//!
//! Rules (shared by `tel:`, `callto:`, typed input and [`crate::to_e164`]):
//! - Visual separators are dropped: `-` `.` `(` `)` `/` and any white space that is not a
//!   control character (a plain space, a non-breaking space pasted from a web page, ...).
//! - A `+` is allowed only before the first digit (`(+49) 30 123` is fine).
//! - In a number that starts with `+`, a `(0)` (the national trunk prefix written in
//!   brackets, `+49 (0)30 …`) is dropped.
//! - `*` and `#` (DTMF service codes such as `*97#`) are allowed, but only in numbers
//!   without `+`.
//! - Letters are refused, including RFC 3966's hex digits `A`–`F` and the pause/wait
//!   characters `p`, `w`, `,` and `;` of some diallers: Dialtone dials the number and
//!   leaves post-dial DTMF to the user.
//! - Control characters are refused, and so is anything else.
//! - At most [`MAX_DIGITS`] digits.

use crate::error::LinkError;

/// Most digits (and `*`/`#`) a number may have. E.164 allows 15; the rest is room for
/// prefixes and service codes.
pub const MAX_DIGITS: usize = 64;

/// Longest input (link, typed text, number) accepted, in bytes.
pub const MAX_INPUT_LEN: usize = 2048;

/// `raw` without its separators. `input` is what the user gave, for the error.
pub(crate) fn clean_number(input: &str, raw: &str) -> Result<String, LinkError> {
    let invalid = |reason: String| LinkError::InvalidNumber {
        input: input.to_owned(),
        reason,
    };
    if raw.len() > MAX_INPUT_LEN {
        return Err(LinkError::TooLong {
            max: MAX_INPUT_LEN,
            unit: "characters",
        });
    }
    let raw = raw.trim();
    let mut out = String::with_capacity(raw.len());
    let mut has_service_chars = false;
    let mut chars = raw.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '0'..='9' => out.push(c),
            '*' | '#' => {
                has_service_chars = true;
                out.push(c);
            }
            '+' if out.is_empty() => out.push(c),
            '+' => return Err(invalid("`+` is only allowed before the first digit".into())),
            '(' if out.len() > 1 && out.starts_with('+') && raw[i..].starts_with("(0)") => {
                // `+49 (0)30 …`: the trunk prefix is not dialled after a country code.
                chars.next();
                chars.next();
            }
            '-' | '.' | '(' | ')' | '/' => {}
            c if c.is_control() => return Err(invalid("contains control characters".into())),
            c if c.is_whitespace() => {}
            'p' | 'P' | 'w' | 'W' | ',' | ';' => {
                return Err(invalid(format!(
                    "pause/wait characters such as `{c}` are not supported; dial the number, then send the digits"
                )))
            }
            c if c.is_alphabetic() => {
                return Err(invalid(format!("letters such as `{c}` are not allowed in a number")))
            }
            c => return Err(invalid(format!("`{c}` is not allowed in a number"))),
        }
    }
    let digits = out.strip_prefix('+').unwrap_or(&out);
    if digits.is_empty() {
        return Err(invalid("has no digits".into()));
    }
    if digits.len() > MAX_DIGITS {
        return Err(LinkError::TooLong {
            max: MAX_DIGITS,
            unit: "digits",
        });
    }
    if has_service_chars && out.starts_with('+') {
        return Err(invalid(
            "`*` and `#` are only allowed in numbers without `+`".into(),
        ));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn separators_go_and_digits_stay() {
        for (raw, want) in [
            ("+49 (0)30 123-45.67", "+49301234567"),
            ("(+49) 30 1234567", "+49301234567"),
            ("030/1234567", "0301234567"),
            ("0 (30) 123", "030123"),
            ("*97#", "*97#"),
            ("+1\u{a0}201\u{2009}555", "+1201555"),
        ] {
            assert_eq!(clean_number(raw, raw).unwrap(), want, "{raw}");
        }
    }

    #[test]
    fn bad_characters_are_named() {
        for (raw, needle) in [
            ("12+3", "`+`"),
            ("+", "no digits"),
            ("--", "no digits"),
            ("123p456", "pause"),
            ("1-800-FLOWERS", "letters"),
            ("12<3", "`<`"),
            ("1\u{0}2", "control"),
            ("+49*97", "only allowed in numbers without"),
        ] {
            let err = clean_number(raw, raw).unwrap_err().to_string();
            assert!(err.contains(needle), "{raw}: {err}");
        }
        assert_eq!(
            clean_number("x", &"1".repeat(65)),
            Err(LinkError::TooLong {
                max: 64,
                unit: "digits"
            })
        );
        assert!(clean_number("x", &"1".repeat(64)).is_ok());
    }
}
