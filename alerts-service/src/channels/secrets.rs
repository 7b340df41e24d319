//! Channel secrets at rest and on the wire.
//!
//! **At rest.** A channel URL carries its credentials (a bot token, a webhook token, an ntfy
//! topic), and a generic webhook has a signing secret. Both are stored *sealed*: encrypted with
//! ChaCha20-Poly1305 under `CHANNEL_SECRET_KEY` (32 random bytes, base64), with a fresh nonce
//! per value and the channel id as associated data, so a sealed value copied onto another row
//! does not open. A database dump alone therefore reveals no channel secret. Without the key
//! (development, or an operator who has not set one) values are stored as `plain:…` and the
//! service says so once at start-up; setting a key later seals new and updated channels, and
//! old rows still open. Losing the key makes sealed channels unusable (they must be added
//! again); it never exposes them.
//!
//! **On the wire.** [`sign`] makes the Standard Webhooks `webhook-signature`:
//! `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), the key being the bytes after
//! `whsec_`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

const SEALED: &str = "v1:";
const PLAIN: &str = "plain:";

/// Seals and opens stored channel secrets.
pub struct SecretBox {
    key: Option<LessSafeKey>,
    rng: SystemRandom,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBox(sealing: {})", self.key.is_some())
    }
}

/// Why a stored value cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Sealed, but no key is configured.
    #[error("the channel was saved with CHANNEL_SECRET_KEY, which is not set now")]
    NoKey,
    /// Sealed with another key, or altered.
    #[error("the channel's sealed secret does not open with CHANNEL_SECRET_KEY (another key?)")]
    WrongKey,
    /// Not a value this module wrote.
    #[error("the channel's stored secret is not readable")]
    Corrupt,
}

impl SecretBox {
    /// From `CHANNEL_SECRET_KEY` (base64 of 32 bytes), or without sealing when `None`.
    pub fn new(key_b64: Option<&str>) -> Result<Self, String> {
        let key = match key_b64.map(str::trim).filter(|k| !k.is_empty()) {
            None => None,
            Some(text) => {
                let bytes = B64.decode(text).map_err(|_| {
                    "CHANNEL_SECRET_KEY must be base64 of 32 random bytes (e.g. `openssl rand -base64 32`)"
                        .to_owned()
                })?;
                let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(|_| {
                    format!(
                        "CHANNEL_SECRET_KEY must decode to 32 bytes (got {}); e.g. `openssl rand -base64 32`",
                        bytes.len()
                    )
                })?;
                Some(LessSafeKey::new(unbound))
            }
        };
        Ok(Self {
            key,
            rng: SystemRandom::new(),
        })
    }

    /// Whether values are encrypted.
    pub fn seals(&self) -> bool {
        self.key.is_some()
    }

    /// Seals `value` for the row `context` (the channel id).
    pub fn seal(&self, value: &str, context: &[u8]) -> String {
        let Some(key) = &self.key else {
            return format!("{PLAIN}{value}");
        };
        let mut nonce = [0u8; NONCE_LEN];
        if self.rng.fill(&mut nonce).is_err() {
            // The OS random source failing is not recoverable in a sensible way; storing the
            // secret unsealed would be worse than failing the request.
            return String::new();
        }
        let mut data = value.as_bytes().to_vec();
        if key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context),
                &mut data,
            )
            .is_err()
        {
            return String::new();
        }
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        format!("{SEALED}{}", B64.encode(out))
    }

    /// Opens a value [`seal`](Self::seal) wrote for `context`.
    pub fn open(&self, stored: &str, context: &[u8]) -> Result<String, OpenError> {
        if let Some(plain) = stored.strip_prefix(PLAIN) {
            return Ok(plain.to_owned());
        }
        let sealed = stored.strip_prefix(SEALED).ok_or(OpenError::Corrupt)?;
        let key = self.key.as_ref().ok_or(OpenError::NoKey)?;
        let bytes = B64.decode(sealed).map_err(|_| OpenError::Corrupt)?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError::Corrupt);
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| OpenError::Corrupt)?;
        let mut data = data.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(context), &mut data)
            .map_err(|_| OpenError::WrongKey)?;
        String::from_utf8(plain.to_vec()).map_err(|_| OpenError::Corrupt)
    }
}

/// A new Standard Webhooks signing secret: `whsec_` + base64 of 24 random bytes.
pub fn new_webhook_secret() -> String {
    let bytes: [u8; 24] = rand::random();
    format!("whsec_{}", B64.encode(bytes))
}

/// The `webhook-signature` header value for a delivery.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key_bytes = secret
        .strip_prefix("whsec_")
        .and_then(|k| B64.decode(k).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec());
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key_bytes);
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(id.as_bytes());
    ctx.update(b".");
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("v1,{}", B64.encode(ctx.sign().as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_row() {
        let sealing = SecretBox::new(Some(KEY)).unwrap();
        let sealed = sealing.seal("tgram://1:SECRET/2", b"row-1");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("SECRET"));
        assert_ne!(
            sealed,
            sealing.seal("tgram://1:SECRET/2", b"row-1"),
            "fresh nonce"
        );
        assert_eq!(
            sealing.open(&sealed, b"row-1").unwrap(),
            "tgram://1:SECRET/2"
        );
        assert!(matches!(
            sealing.open(&sealed, b"row-2"),
            Err(OpenError::WrongKey)
        ));
        let other = SecretBox::new(Some(&B64.encode([7u8; 32]))).unwrap();
        assert!(matches!(
            other.open(&sealed, b"row-1"),
            Err(OpenError::WrongKey)
        ));
        let none = SecretBox::new(None).unwrap();
        assert!(matches!(
            none.open(&sealed, b"row-1"),
            Err(OpenError::NoKey)
        ));
    }

    #[test]
    fn without_a_key_values_are_marked_plain_and_still_open_once_a_key_is_set() {
        let none = SecretBox::new(None).unwrap();
        let stored = none.seal("x", b"r");
        assert_eq!(stored, "plain:x");
        assert_eq!(
            SecretBox::new(Some(KEY))
                .unwrap()
                .open(&stored, b"r")
                .unwrap(),
            "x"
        );
        assert!(matches!(
            none.open("garbage", b"r"),
            Err(OpenError::Corrupt)
        ));
    }

    #[test]
    fn bad_keys_are_refused_with_the_variable_name() {
        for bad in ["not base64!", "AAAA"] {
            let error = SecretBox::new(Some(bad)).unwrap_err();
            assert!(error.contains("CHANNEL_SECRET_KEY"), "{error}");
        }
    }

    #[test]
    fn signatures_match_the_standard_webhooks_test_vector() {
        // The example of the Standard Webhooks specification and its reference libraries.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn webhook_secrets_are_whsec_prefixed_base64() {
        let secret = new_webhook_secret();
        let key = secret.strip_prefix("whsec_").unwrap();
        assert_eq!(B64.decode(key).unwrap().len(), 24);
        assert_ne!(secret, new_webhook_secret());
    }
}
