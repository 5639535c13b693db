//! Signing: `X-Dialtone-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
//!
//! `<timestamp>` is the `X-Dialtone-Timestamp` header, the Unix time in seconds of the attempt
//! (each retry is signed anew). A receiver should recompute the signature over the raw body
//! bytes, compare in constant time, and reject a timestamp more than a few minutes from its own
//! clock (replays); `X-Dialtone-Delivery` is stable across retries, so it can also drop
//! deliveries it has already processed.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The signature header.
pub const HEADER_SIGNATURE: &str = "X-Dialtone-Signature";
/// The attempt's Unix time in seconds, as a decimal string; part of the signed text.
pub const HEADER_TIMESTAMP: &str = "X-Dialtone-Timestamp";
/// The webhook event name (`call.started`).
pub const HEADER_EVENT: &str = "X-Dialtone-Event";
/// The outbox id of the delivery, the same on every retry.
pub const HEADER_DELIVERY: &str = "X-Dialtone-Delivery";

const PREFIX: &str = "sha256=";

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    // Infallible whatever the secret: HMAC takes keys of any length (longer ones are hashed
    // first, RFC 2104), and the hmac crate's `new_from_slice` only errs for fixed-size MACs.
    #[allow(clippy::expect_used)]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// `sha256=<lowercase hex HMAC-SHA256 of "<timestamp>.<body>">`.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let tag = mac(secret, timestamp, body).finalize().into_bytes();
    format!("{PREFIX}{}", hex::encode(tag))
}

/// Whether `header_value` is the signature of `timestamp` and `body` under `secret`. The
/// comparison takes the same time wherever the first difference is. Checks no freshness: the
/// caller compares `timestamp` with its clock.
pub fn verify(secret: &[u8], timestamp: &str, body: &[u8], header_value: &str) -> bool {
    let Some(hex_tag) = header_value.trim().strip_prefix(PREFIX) else {
        return false;
    };
    let Ok(given) = hex::decode(hex_tag) else {
        return false;
    };
    let expected = mac(secret, timestamp, body).finalize().into_bytes();
    // Lengths are public (32 bytes); `ct_eq` on slices of different lengths is false.
    bool::from(expected.as_slice().ct_eq(&given))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_7_through_sign() {
        // RFC 4231 test case 7: a 131-byte key of 0xaa; the data contains a '.', which splits
        // it into our "<timestamp>.<body>" form.
        let key = [0xaa_u8; 131];
        let timestamp =
            "This is a test using a larger than block-size key and a larger than block-size data";
        let body = b" The key needs to be hashed before being used by the HMAC algorithm.";
        assert_eq!(
            sign(&key, timestamp, body),
            "sha256=9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        );
    }

    #[test]
    fn rfc4231_case_2_with_the_hmac_crate() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap_or_else(|e| panic!("{e}"));
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn fixed_vector_matches_the_formula_spelled_out() {
        let secret = b"whsec_test";
        let timestamp = "1700000000";
        let body = br#"{"event":"call.ringing"}"#;
        // Spelled out: HMAC-SHA256(secret, timestamp + "." + body), lowercase hex.
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|e| panic!("{e}"));
        mac.update(format!("{timestamp}.{}", String::from_utf8_lossy(body)).as_bytes());
        let by_hand = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        let signed = sign(secret, timestamp, body);
        assert_eq!(signed, by_hand);
        // And the value Python's hmac module gives for the same input.
        assert_eq!(
            signed,
            "sha256=5aace2b04fadc793746c7246220a5ad2bb7e60af073a554ea447f0163f36d88b"
        );
        assert!(verify(secret, timestamp, body, &signed));
    }

    #[test]
    fn verify_rejects_any_change() {
        let sig = sign(b"k", "1700000000", b"{}");
        assert!(verify(b"k", "1700000000", b"{}", &sig));
        assert!(!verify(b"K", "1700000000", b"{}", &sig));
        assert!(!verify(b"k", "1700000001", b"{}", &sig));
        assert!(!verify(b"k", "1700000000", b"{ }", &sig));
        assert!(!verify(b"k", "1700000000", b"{}", &sig["sha256=".len()..]));
        assert!(!verify(b"k", "1700000000", b"{}", &sig[..sig.len() - 2]));
        assert!(!verify(b"k", "1700000000", b"{}", "sha256=zz"));
        assert!(!verify(b"k", "1700000000", b"{}", ""));
        let mut flipped = sig.clone();
        flipped.replace_range(sig.len() - 1.., if sig.ends_with('0') { "1" } else { "0" });
        assert!(!verify(b"k", "1700000000", b"{}", &flipped));
    }
}
