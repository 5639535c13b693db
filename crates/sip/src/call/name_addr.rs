//! `name-addr` / `addr-spec` values (RFC 3261 20.10, 25.1): what From, To, Contact,
//! P-Asserted-Identity carry, parsed by hand because rsipstack keeps display-name escapes and
//! splits on quoted characters.

use std::fmt;

/// A SIP party: optional display name and a URI (`"Alice" <sip:alice@example.com>`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameAddr {
    /// Unquoted and unescaped.
    pub display_name: Option<String>,
    /// `sip:`, `sips:` or `tel:` URI, as written.
    pub uri: String,
}

impl NameAddr {
    /// A party without a display name.
    pub fn new(uri: impl Into<String>) -> Self {
        NameAddr {
            display_name: None,
            uri: uri.into(),
        }
    }

    /// A party with a display name.
    pub fn with_display_name(display_name: impl Into<String>, uri: impl Into<String>) -> Self {
        NameAddr {
            display_name: Some(display_name.into()),
            uri: uri.into(),
        }
    }

    /// Parses a header value (`"Bob" <sip:bob@h>;tag=x`, `Bob <sip:bob@h>`, `sip:bob@h;tag=x`);
    /// header parameters (such as `tag`) are dropped. `None` if there is no URI.
    pub fn parse(value: &str) -> Option<NameAddr> {
        split_name_addr(value).map(|(name_addr, _)| name_addr)
    }

    /// The value as written in a header: `"Display" <uri>` or `<uri>`.
    pub fn to_header_value(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = self.display_name.as_deref().filter(|n| !n.is_empty()) {
            f.write_str("\"")?;
            for c in name.chars() {
                match c {
                    '"' | '\\' => write!(f, "\\{c}")?,
                    '\r' | '\n' => {}
                    _ => write!(f, "{c}")?,
                }
            }
            f.write_str("\" ")?;
        }
        let uri: String = self
            .uri
            .chars()
            .filter(|c| !matches!(c, '\r' | '\n' | '<' | '>'))
            .collect();
        write!(f, "<{uri}>")
    }
}

/// Splits a header value into its name-addr and the header parameters after it (starting
/// at the first `;`, or empty).
pub(crate) fn split_name_addr(value: &str) -> Option<(NameAddr, &str)> {
    let value = value.trim();
    let mut display = String::new();
    let mut quoted_name = None;
    let mut chars = value.char_indices().peekable();
    // Display name: a quoted string or tokens, up to `<`.
    while let Some(&(i, c)) = chars.peek() {
        match c {
            '"' => {
                chars.next();
                let mut name = String::new();
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                name.push(escaped);
                            }
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        _ => name.push(c),
                    }
                }
                if !closed {
                    return None;
                }
                quoted_name = Some(name);
            }
            '<' => {
                let rest = &value[i + 1..];
                let end = rest.find('>')?;
                let uri = rest[..end].trim().to_string();
                if uri.is_empty() {
                    return None;
                }
                let params = rest[end + 1..].trim_start();
                let display_name = quoted_name.or_else(|| {
                    let d = display.trim();
                    (!d.is_empty()).then(|| d.to_string())
                });
                return Some((NameAddr { display_name, uri }, params));
            }
            _ => {
                display.push(c);
                chars.next();
            }
        }
    }
    if quoted_name.is_some() {
        return None; // a display name without <uri>
    }
    // addr-spec: no angle brackets, header parameters start at the first `;`.
    let (uri, params) = match value.find(';') {
        Some(i) => (&value[..i], &value[i..]),
        None => (value, ""),
    };
    let uri = uri.trim();
    if uri.is_empty() || uri.contains(char::is_whitespace) {
        return None;
    }
    Some((NameAddr::new(uri), params))
}

/// The value of header parameter `name` (`;tag=abc` → `abc`) in the parameters part of a
/// name-addr header, `Some("")` for a parameter without value.
pub(crate) fn header_param<'a>(params: &'a str, name: &str) -> Option<&'a str> {
    params.split(';').skip(1).find_map(|p| {
        let (key, value) = match p.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (p.trim(), ""),
        };
        key.eq_ignore_ascii_case(name)
            .then(|| value.trim_matches('"'))
    })
}

/// The `tag` parameter of a From/To value.
pub(crate) fn tag_of(value: &str) -> Option<String> {
    let (_, params) = split_name_addr(value)?;
    header_param(params, "tag")
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Splits a header value holding a comma-separated list (Record-Route, Route, Contact),
/// ignoring commas inside quotes and angle brackets.
pub(crate) fn split_list(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut escaped = false;
    let mut depth = 0usize;
    for c in value.chars() {
        if in_quotes {
            current.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_quotes = true;
                current.push(c);
            }
            '<' => {
                depth += 1;
                current.push(c);
            }
            '>' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            ',' if depth == 0 => {
                let v = current.trim();
                if !v.is_empty() {
                    out.push(v.to_string());
                }
                current.clear();
            }
            _ => current.push(c),
        }
    }
    let v = current.trim();
    if !v.is_empty() {
        out.push(v.to_string());
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quoted_display_names_are_unescaped() {
        let (na, params) =
            split_name_addr(r#""Smith, \"Al\"" <sip:al@example.com;transport=tcp>;tag=a1"#)
                .unwrap();
        assert_eq!(na.display_name.as_deref(), Some(r#"Smith, "Al""#));
        assert_eq!(na.uri, "sip:al@example.com;transport=tcp");
        assert_eq!(header_param(params, "tag"), Some("a1"));
    }

    #[test]
    fn token_display_names_and_addr_specs() {
        let na = NameAddr::parse("Bob  Jones <sip:bob@h>").unwrap();
        assert_eq!(na.display_name.as_deref(), Some("Bob  Jones"));
        let (na, params) = split_name_addr("sip:carol@h;tag=77").unwrap();
        assert_eq!(na.uri, "sip:carol@h");
        assert_eq!(na.display_name, None);
        assert_eq!(header_param(params, "TAG"), Some("77"));
        assert_eq!(tag_of("<sip:x@y>"), None);
        assert_eq!(
            tag_of("<sip:x@y;tag=uri-param>;tag=hdr"),
            Some("hdr".into())
        );
    }

    #[test]
    fn broken_values_are_refused() {
        assert_eq!(NameAddr::parse(""), None);
        assert_eq!(NameAddr::parse("\"unterminated <sip:a@b>"), None);
        assert_eq!(NameAddr::parse("\"Name only\""), None);
        assert_eq!(NameAddr::parse("<>"), None);
        assert_eq!(NameAddr::parse("<sip:a@b"), None);
    }

    #[test]
    fn display_escapes_and_round_trips() {
        let na = NameAddr::with_display_name("A \"B\" \\ C", "sip:a@b");
        let text = na.to_string();
        assert_eq!(text, r#""A \"B\" \\ C" <sip:a@b>"#);
        assert_eq!(NameAddr::parse(&text), Some(na));
        assert_eq!(NameAddr::new("sip:a@b").to_string(), "<sip:a@b>");
        // No header injection through a display name or URI.
        let evil = NameAddr::with_display_name("x\r\nVia: evil", "sip:a@b>\r\nX: y");
        assert!(!evil.to_string().contains('\n'));
    }

    #[test]
    fn lists_split_outside_quotes_and_brackets() {
        let parts = split_list(r#"<sip:p1;lr>, "a,b" <sip:p2;lr>,<sip:p3,x;lr>"#);
        assert_eq!(
            parts,
            vec![
                "<sip:p1;lr>".to_string(),
                r#""a,b" <sip:p2;lr>"#.to_string(),
                "<sip:p3,x;lr>".to_string()
            ]
        );
        assert!(split_list("  ").is_empty());
    }
}
