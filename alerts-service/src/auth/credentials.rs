//! [`Credentials`]: this process's short memory of verified sessions and API tokens, so a burst
//! of requests does not look the same credential up on every call, and API token use is
//! recorded at most once a minute instead of on every request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::Utc;
use sea_orm::DatabaseConnection;
use tokio::time::Instant;
use uuid::Uuid;

use crate::accounts;

/// How long a verified credential is trusted without asking the database again.
pub const AUTH_CACHE_TTL: Duration = Duration::from_secs(5);

/// Entries kept before expired ones are swept (bounds memory under a flood of distinct tokens).
const MAX_ENTRIES: usize = 10_000;

/// Recently verified credentials and recent API token uses of this process.
#[derive(Default)]
pub struct Credentials {
    /// Credential hash → (verified at, user id, address). Revoking a token or signing out
    /// clears this process's entries at once, other replicas' within [`AUTH_CACHE_TTL`].
    verified: Mutex<HashMap<String, (Instant, Uuid, String)>>,
    /// Token hash → when this process last recorded its use.
    touches: Mutex<HashMap<String, Instant>>,
}

impl Credentials {
    /// A credential verified less than [`AUTH_CACHE_TTL`] ago.
    pub fn cached(&self, key: &str) -> Option<(Uuid, String)> {
        let cache = self.verified.lock().ok()?;
        let (at, id, email) = cache.get(key)?;
        (at.elapsed() < AUTH_CACHE_TTL).then(|| (*id, email.clone()))
    }

    /// Remembers a verified credential.
    pub fn remember(&self, key: String, id: Uuid, email: String) {
        if let Ok(mut cache) = self.verified.lock() {
            if cache.len() > MAX_ENTRIES {
                cache.retain(|_, (at, _, _)| at.elapsed() < AUTH_CACHE_TTL);
            }
            cache.insert(key, (Instant::now(), id, email));
        }
    }

    /// Forgets every cached credential (after a revocation or sign-out).
    pub fn forget_all(&self) {
        if let Ok(mut cache) = self.verified.lock() {
            cache.clear();
        }
    }

    /// Records that an API token was used, without slowing the request down.
    pub fn token_used(&self, db: &DatabaseConnection, token_hash: String) {
        let now = Instant::now();
        {
            let Ok(mut touches) = self.touches.lock() else {
                return;
            };
            if touches
                .get(&token_hash)
                .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(60))
            {
                return;
            }
            if touches.len() > MAX_ENTRIES {
                touches.clear();
            }
            touches.insert(token_hash.clone(), now);
        }
        let db = db.clone();
        tokio::spawn(async move {
            if let Err(error) = accounts::touch_token(&db, token_hash, Utc::now()).await {
                tracing::warn!(%error, "could not record API token use");
            }
        });
    }
}
