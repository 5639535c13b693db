//! Parsing of `WWW-Authenticate` / `Proxy-Authenticate` Digest challenges.

use super::{Algorithm, Challenge, DigestError, Qop};

/// Parses the value of one `WWW-Authenticate` / `Proxy-Authenticate` header
/// (`Digest realm="x", nonce="y", ...`).
///
/// Accepts case-insensitive scheme and parameter names, quoted and token values, backslash
/// escapes and commas inside quoted strings, arbitrary whitespace including folded lines,
/// empty list elements, and a missing comma between parameters separated by whitespace.
/// A missing `algorithm` means MD5; unknown parameters and unknown qop values are ignored.
///
/// # Errors
/// [`DigestError::NotDigest`] for another scheme, [`DigestError::UnsupportedAlgorithm`] for
/// e.g. `SHA-512-256`, [`DigestError::UnsupportedQop`] when `qop` offers nothing known,
/// [`DigestError::MissingParam`] without `realm` or `nonce`, [`DigestError::Syntax`] for
/// malformed input (including a repeated known parameter).
pub fn parse_challenge(value: &str) -> Result<Challenge, DigestError> {
    let mut cur = Cursor { s: value, pos: 0 };
    cur.skip_ws();
    let scheme = cur.token();
    if !scheme.eq_ignore_ascii_case("Digest") {
        return Err(DigestError::NotDigest(scheme.to_owned()));
    }
    if !cur.at_end() && !cur.skip_ws() {
        return Err(cur.error("expected whitespace after scheme"));
    }

    let mut realm = None;
    let mut nonce = None;
    let mut opaque = None;
    let mut algorithm = None;
    let mut qop = None;
    let mut stale = None;

    loop {
        // Separators; RFC 7230 #rule allows empty list elements.
        while cur.skip_ws() || cur.eat(',') {}
        if cur.at_end() {
            break;
        }
        let name_pos = cur.pos;
        let name = cur.token();
        if name.is_empty() {
            return Err(cur.error("expected parameter name"));
        }
        cur.skip_ws();
        if !cur.eat('=') {
            return Err(cur.error("expected '=' after parameter name"));
        }
        cur.skip_ws();
        let val = if cur.peek() == Some('"') {
            cur.quoted()?
        } else {
            let v = cur.bare_value();
            if v.is_empty() {
                return Err(cur.error("expected parameter value"));
            }
            v.to_owned()
        };
        let spaced = cur.skip_ws();
        if !cur.at_end() && cur.peek() != Some(',') && !spaced {
            return Err(cur.error("expected ',' between parameters"));
        }

        let slot = match name.to_ascii_lowercase().as_str() {
            "realm" => &mut realm,
            "nonce" => &mut nonce,
            "opaque" => &mut opaque,
            "algorithm" => &mut algorithm,
            "qop" => &mut qop,
            "stale" => &mut stale,
            _ => continue,
        };
        if slot.is_some() {
            return Err(DigestError::Syntax {
                position: name_pos,
                reason: "duplicate parameter",
            });
        }
        *slot = Some(val);
    }

    let realm = realm.ok_or(DigestError::MissingParam("realm"))?;
    let nonce = nonce.ok_or(DigestError::MissingParam("nonce"))?;
    let algorithm = match algorithm {
        Some(a) => a.trim().parse::<Algorithm>()?,
        None => Algorithm::Md5,
    };
    let qop = match qop {
        None => Vec::new(),
        Some(raw) => {
            let mut list = Vec::new();
            for item in raw.split(',').map(|q| q.trim_matches(is_ws)) {
                let q = if item.eq_ignore_ascii_case("auth") {
                    Qop::Auth
                } else if item.eq_ignore_ascii_case("auth-int") {
                    Qop::AuthInt
                } else {
                    continue;
                };
                if !list.contains(&q) {
                    list.push(q);
                }
            }
            if list.is_empty() {
                return Err(DigestError::UnsupportedQop(raw));
            }
            list
        }
    };
    let stale = stale.is_some_and(|s| s.trim().eq_ignore_ascii_case("true"));

    Ok(Challenge {
        realm,
        nonce,
        opaque,
        algorithm,
        qop,
        stale,
    })
}

/// From all the challenge header values of one 401/407, the strongest supported one.
///
/// Ranks by [`Algorithm`]'s order (SHA-256-sess > SHA-256 > MD5-sess > MD5); among equals the
/// first one offered wins. Values that fail to parse (other schemes, unsupported algorithms,
/// malformed) are skipped. With `realm` set, only challenges with exactly that realm count.
///
/// # Errors
/// [`DigestError::NoUsableChallenge`] when nothing is eligible.
pub fn choose_challenge(values: &[&str], realm: Option<&str>) -> Result<Challenge, DigestError> {
    let mut best: Option<Challenge> = None;
    for value in values {
        let Ok(ch) = parse_challenge(value) else {
            continue;
        };
        if realm.is_some_and(|r| r != ch.realm) {
            continue;
        }
        if best.as_ref().is_none_or(|b| ch.algorithm > b.algorithm) {
            best = Some(ch);
        }
    }
    best.ok_or(DigestError::NoUsableChallenge)
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// RFC 7230 `tchar`.
fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn error(&self, reason: &'static str) -> DigestError {
        DigestError::Syntax {
            position: self.pos,
            reason,
        }
    }

    /// Skips spaces, tabs and line breaks (folded header lines); true if anything was skipped.
    fn skip_ws(&mut self) -> bool {
        let rest = self.rest();
        let n = rest.len() - rest.trim_start_matches(is_ws).len();
        self.pos += n;
        n > 0
    }

    /// Consumes a run of `tchar`s (possibly empty).
    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let n = rest.len() - rest.trim_start_matches(f).len();
        self.pos += n;
        &rest[..n]
    }

    fn token(&mut self) -> &'a str {
        self.take_while(is_tchar)
    }

    /// An unquoted value. Lenient beyond `token`: anything up to whitespace, ',' or '"', so
    /// base64-ish nonces with '/' and '=' sent unquoted still parse.
    fn bare_value(&mut self) -> &'a str {
        self.take_while(|c| !is_ws(c) && c != ',' && c != '"')
    }

    /// A quoted-string starting at the opening quote; returns its unescaped content.
    /// A line break followed by a space or tab (obs-fold) is dropped; any other raw CR or LF
    /// is an error, so parsed values never carry line breaks.
    fn quoted(&mut self) -> Result<String, DigestError> {
        let start = self.pos;
        self.eat('"');
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(DigestError::Syntax {
                    position: start,
                    reason: "unterminated quoted string",
                });
            };
            self.pos += c.len_utf8();
            match c {
                '"' => return Ok(out),
                '\\' => match self.peek() {
                    Some(e) if e != '\r' && e != '\n' => {
                        self.pos += e.len_utf8();
                        out.push(e);
                    }
                    _ => return Err(self.error("bad escape in quoted string")),
                },
                '\r' | '\n' => {
                    if c == '\r' {
                        self.eat('\n');
                    }
                    if !matches!(self.peek(), Some(' ' | '\t')) {
                        return Err(self.error("line break in quoted string"));
                    }
                }
                _ => out.push(c),
            }
        }
    }
}
