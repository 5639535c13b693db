//! Computing `Authorization` / `Proxy-Authorization` values for a challenge.

use std::fmt;
use std::fmt::Write as _;

use md5::Md5;
use sha2::{Digest as _, Sha256};

use super::{Algorithm, Challenge, Password, Qop};

/// Credentials answering one challenge; counts `nc` across requests that reuse its nonce.
///
/// `Debug` shows the username, challenge and count, never the password.
#[derive(Clone)]
pub struct DigestClient {
    username: String,
    password: Password,
    challenge: Challenge,
    nc: u32,
}

impl fmt::Debug for DigestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestClient")
            .field("username", &self.username)
            .field("password", &self.password)
            .field("challenge", &self.challenge)
            .field("nc", &self.nc)
            .finish()
    }
}

impl DigestClient {
    /// Credentials for `challenge`; no request authorized yet (`nc() == 0`).
    pub fn new(username: impl Into<String>, password: Password, challenge: Challenge) -> Self {
        DigestClient {
            username: username.into(),
            password,
            challenge,
            nc: 0,
        }
    }

    /// The challenge currently being answered.
    pub fn challenge(&self) -> &Challenge {
        &self.challenge
    }

    /// Replaces the challenge (new 401/407, or `stale=true`). A different nonce resets the
    /// nonce count to 0; the same nonce keeps counting.
    pub fn update(&mut self, challenge: Challenge) {
        if challenge.nonce != self.challenge.nonce {
            self.nc = 0;
        }
        self.challenge = challenge;
    }

    /// Nonce count of the last [`authorize`](Self::authorize) call for the current nonce.
    pub fn nc(&self) -> u32 {
        self.nc
    }

    /// The `Authorization` / `Proxy-Authorization` header value for one request.
    ///
    /// Increments the nonce count first (the first call sends `nc=00000001`). Uses `qop=auth`
    /// when offered, `auth-int` only when `auth` is not (then `H(body)` enters HA2), and the
    /// RFC 2069 form (no `qop`, `nc`, `cnonce`) when the challenge offered no qop — except
    /// that `-sess` algorithms still send `cnonce`, since their HA1 depends on it.
    ///
    /// Output shape: `Digest username="..", realm="..", nonce="..", uri="..", response="..",
    /// algorithm=SHA-256, cnonce="..", qop=auth, nc=00000001, opaque=".."` — `algorithm` is
    /// always written, `opaque` echoed when present, quoted values have `"` and `\` escaped.
    pub fn authorize(&mut self, method: &str, uri: &str, body: &[u8], cnonce: &str) -> String {
        self.nc = self.nc.saturating_add(1);
        let ch = &self.challenge;
        let alg = ch.algorithm;
        let nc = format!("{:08x}", self.nc);

        let qop = if ch.qop.contains(&Qop::Auth) {
            Some(Qop::Auth)
        } else if ch.qop.contains(&Qop::AuthInt) {
            Some(Qop::AuthInt)
        } else {
            None
        };

        let mut ha1 = hash(
            alg,
            format!("{}:{}:{}", self.username, ch.realm, self.password.expose()).as_bytes(),
        );
        if alg.is_sess() {
            ha1 = hash(alg, format!("{ha1}:{}:{cnonce}", ch.nonce).as_bytes());
        }
        let ha2 = match qop {
            Some(Qop::AuthInt) => hash(
                alg,
                format!("{method}:{uri}:{}", hash(alg, body)).as_bytes(),
            ),
            _ => hash(alg, format!("{method}:{uri}").as_bytes()),
        };
        let response = match qop {
            Some(q) => hash(
                alg,
                format!("{ha1}:{}:{nc}:{cnonce}:{}:{ha2}", ch.nonce, q.as_str()).as_bytes(),
            ),
            None => hash(alg, format!("{ha1}:{}:{ha2}", ch.nonce).as_bytes()),
        };

        let mut out = String::from("Digest ");
        push_quoted(&mut out, "username", &self.username);
        out.push_str(", ");
        push_quoted(&mut out, "realm", &ch.realm);
        out.push_str(", ");
        push_quoted(&mut out, "nonce", &ch.nonce);
        out.push_str(", ");
        push_quoted(&mut out, "uri", uri);
        out.push_str(", ");
        push_quoted(&mut out, "response", &response);
        let _ = write!(out, ", algorithm={}", alg.as_str());
        if qop.is_some() || alg.is_sess() {
            out.push_str(", ");
            push_quoted(&mut out, "cnonce", cnonce);
        }
        if let Some(q) = qop {
            let _ = write!(out, ", qop={}, nc={nc}", q.as_str());
        }
        if let Some(opaque) = &ch.opaque {
            out.push_str(", ");
            push_quoted(&mut out, "opaque", opaque);
        }
        out
    }
}

/// Lower-case hex digest of `data` with the algorithm's hash function.
fn hash(alg: Algorithm, data: &[u8]) -> String {
    match alg {
        Algorithm::Md5 | Algorithm::Md5Sess => hex::encode(Md5::digest(data)),
        Algorithm::Sha256 | Algorithm::Sha256Sess => hex::encode(Sha256::digest(data)),
    }
}

/// Appends `name="value"` with `"` and `\` escaped. CR and LF are dropped so that no value
/// can break out of the header line (parsed challenges never contain them).
fn push_quoted(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => {}
            _ => out.push(c),
        }
    }
    out.push('"');
}
