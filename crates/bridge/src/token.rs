//! The bearer token every request must carry: 32 random bytes, base64url, kept in the store
//! as the setting `bridge.token`. Never logged.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use subtle::ConstantTimeEq;

use crate::error::BridgeError;
use crate::store_access::Store;

/// The store setting that holds the token.
pub const TOKEN_SETTING: &str = "bridge.token";

/// The token, generated and saved on first use.
pub fn ensure_token(store: &Store) -> Result<String, BridgeError> {
    match store.setting(TOKEN_SETTING)? {
        Some(token) if !token.trim().is_empty() => Ok(token),
        _ => regenerate_token(store),
    }
}

/// A fresh token replaces the old one (a running bridge keeps the token it started with).
pub fn regenerate_token(store: &Store) -> Result<String, BridgeError> {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    store.set_setting(TOKEN_SETTING, &token)?;
    Ok(token)
}

/// Compares in constant time (for equal lengths; the length itself is not secret).
pub(crate) fn matches(expected: &str, given: &str) -> bool {
    expected.as_bytes().ct_eq(given.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_kept_and_regenerated() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(&dir.path().join("t.db"))?;
        let first = ensure_token(&store)?;
        assert_eq!(first.len(), 43);
        assert_eq!(ensure_token(&store)?, first);
        let second = regenerate_token(&store)?;
        assert_ne!(second, first);
        assert_eq!(ensure_token(&store)?, second);
        Ok(())
    }

    #[test]
    fn compare() {
        assert!(matches("abc", "abc"));
        assert!(!matches("abc", "abd"));
        assert!(!matches("abc", "ab"));
        assert!(!matches("abc", ""));
    }
}
