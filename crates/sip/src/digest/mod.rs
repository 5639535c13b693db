//! HTTP Digest authentication for SIP clients (RFC 2617, RFC 7616, RFC 8760; RFC 2069 fallback).
//!
//! Pure computation: no IO, no clock, no randomness. The caller supplies the client nonce
//! (`cnonce`) for every request it authorizes.
//!
//! Typical use: on a 401/407, pass every `WWW-Authenticate` / `Proxy-Authenticate` value to
//! [`choose_challenge`], build a [`DigestClient`] with the result, and put
//! [`DigestClient::authorize`]'s output in the `Authorization` / `Proxy-Authorization` header of
//! the retried request. On a later 401/407 (for example `stale=true`), call
//! [`DigestClient::update`] with the new challenge.

mod client;
mod parse;

#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

pub use client::DigestClient;
pub use parse::{choose_challenge, parse_challenge};

/// Everything that can go wrong while reading digest challenges.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    /// The header value's scheme is not `Digest` (the offending scheme is carried).
    #[error("authentication scheme {0:?} is not Digest")]
    NotDigest(String),
    /// The `algorithm` parameter names an algorithm this client does not implement.
    #[error("unsupported digest algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// A `qop` parameter was present but offered no protection quality this client implements.
    #[error("unsupported qop {0:?}")]
    UnsupportedQop(String),
    /// A required parameter (`realm` or `nonce`) is absent.
    #[error("digest challenge is missing the {0} parameter")]
    MissingParam(&'static str),
    /// The header value is not a well-formed list of auth-params.
    #[error("malformed digest challenge at byte {position}: {reason}")]
    Syntax {
        /// Byte offset in the header value where parsing stopped.
        position: usize,
        /// What was wrong there.
        reason: &'static str,
    },
    /// None of the offered challenges is both parseable and supported (and in the wanted realm).
    #[error("no usable digest challenge")]
    NoUsableChallenge,
}

/// Digest hash algorithm, declared weakest to strongest so that `Ord` ranks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    /// `MD5` (RFC 2617; the default when a challenge names no algorithm).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256` (RFC 7616, RFC 8760).
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
}

impl Algorithm {
    /// The token as written on the wire: `MD5`, `MD5-sess`, `SHA-256`, `SHA-256-sess`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    /// Whether this is a `-sess` variant (HA1 also covers nonce and cnonce).
    pub fn is_sess(self) -> bool {
        matches!(self, Algorithm::Md5Sess | Algorithm::Sha256Sess)
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algorithm {
    type Err = DigestError;

    /// Case-insensitive; anything else is [`DigestError::UnsupportedAlgorithm`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const ALL: [Algorithm; 4] = [
            Algorithm::Md5,
            Algorithm::Md5Sess,
            Algorithm::Sha256,
            Algorithm::Sha256Sess,
        ];
        ALL.into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| DigestError::UnsupportedAlgorithm(s.to_owned()))
    }
}

/// Quality of protection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qop {
    /// `auth`: authentication of method and URI.
    Auth,
    /// `auth-int`: additionally covers a hash of the message body.
    AuthInt,
}

impl Qop {
    /// The token as written on the wire: `auth` or `auth-int`.
    pub fn as_str(self) -> &'static str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
        }
    }
}

impl fmt::Display for Qop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One parsed `WWW-Authenticate` / `Proxy-Authenticate` Digest challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// Protection space, echoed back verbatim.
    pub realm: String,
    /// Server nonce.
    pub nonce: String,
    /// Opaque server data, echoed back when present.
    pub opaque: Option<String>,
    /// Hash algorithm (`MD5` when the challenge names none).
    pub algorithm: Algorithm,
    /// Offered qop values in the server's order, known ones only, without duplicates.
    /// Empty when the challenge has no `qop` parameter (RFC 2069 style).
    pub qop: Vec<Qop>,
    /// `stale=true`: the previous nonce expired but the credentials were fine.
    pub stale: bool,
}

/// A password that never shows in `Debug` or `Display` output (both print `***`).
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Password(s.into())
    }

    /// The secret itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}
