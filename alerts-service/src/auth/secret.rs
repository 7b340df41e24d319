use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random secret (256 bits) for links, cookies and tokens. Its `Debug` hides the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// 32 random bytes, URL-safe base64 (43 characters), with an optional visible prefix.
    pub fn generate(prefix: &str) -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The secret itself; show it once, store only [`Secret::hash`].
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What is stored: hex SHA-256 (a fast hash is right for 256-bit random values).
    pub fn hash(&self) -> String {
        hash_token(&self.0)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Hex SHA-256 of a presented token, for lookup.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_prefixed_and_hidden_from_debug() {
        let a = Secret::generate("eat_");
        let b = Secret::generate("eat_");
        assert_ne!(a, b);
        assert!(a.expose().starts_with("eat_") && a.expose().len() == 47);
        assert_eq!(format!("{a:?}"), "Secret(***)");
        assert_eq!(a.hash(), hash_token(a.expose()));
        assert_eq!(a.hash().len(), 64);
    }
}
