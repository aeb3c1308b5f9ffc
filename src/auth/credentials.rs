//! Random credentials in the style of crates.io's API tokens: a recognisable prefix, random
//! bytes, only a SHA-256 hash stored, constant-time comparison.

use rand::Rng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub const PUBLIC_KEY_PREFIX: &str = "pk_";
pub const SECRET_PREFIX: &str = "sk_";
const REFRESH_PREFIX: &str = "rt_";

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A public API key (`pk_…`): not a secret, it is embedded in browser code.
pub fn new_public_key() -> String {
    format!("{PUBLIC_KEY_PREFIX}{}", random_hex(16))
}

/// An API secret (`sk_…`): shown once at creation, then only its hash exists.
pub fn new_secret() -> String {
    format!("{SECRET_PREFIX}{}", random_hex(32))
}

/// An opaque refresh token.
pub fn new_refresh_token() -> String {
    format!("{REFRESH_PREFIX}{}", random_hex(32))
}

pub fn sha256(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// Compares a presented secret with a stored hash in constant time.
pub fn secret_matches(presented: &str, stored_hash: &[u8]) -> bool {
    sha256(presented).ct_eq(stored_hash).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_random_and_verifiable() {
        let (a, b) = (new_secret(), new_secret());
        assert!(a.starts_with("sk_") && a.len() == 67);
        assert_ne!(a, b);
        assert!(secret_matches(&a, &sha256(&a)));
        assert!(!secret_matches(&b, &sha256(&a)));
        assert!(new_public_key().starts_with("pk_"));
    }
}
