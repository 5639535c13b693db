//! Which DTMF digits a call accepts.

/// At most this many digits per command.
pub const MAX_DTMF_DIGITS: usize = 64;

/// The digits in canonical form (`a-d` upper-cased), or `None` when empty, too long, or
/// holding anything but `0-9*#A-D`.
pub fn normalize_dtmf(digits: &str) -> Option<String> {
    let digits: String = digits.chars().map(|c| c.to_ascii_uppercase()).collect();
    let valid = !digits.is_empty()
        && digits.chars().count() <= MAX_DTMF_DIGITS
        && digits.chars().all(is_dtmf_digit);
    valid.then_some(digits)
}

/// `0-9`, `*`, `#`, `A-D` (upper case).
pub fn is_dtmf_digit(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D')
}
