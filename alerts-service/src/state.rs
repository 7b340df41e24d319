//! What every handler and worker shares.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::auth::RateLimiter;
use crate::config::Settings;
use crate::db::entities::api_token;
use crate::email::Templates;
use crate::metrics::Metrics;

/// Shared state; handlers get it as `web::Data<AppState>`.
pub struct AppState {
    /// Validated settings.
    pub settings: Settings,
    /// Database pool.
    pub db: DatabaseConnection,
    /// Event transport (Redis Streams, Pub/Sub or in-memory).
    pub transport: pubsub::Transport,
    /// Email sender.
    pub mailer: mailer::Mailer,
    /// Email templates.
    pub templates: Templates,
    /// Login rate limits.
    pub limiter: RateLimiter,
    /// The eBay Browse API client.
    pub ebay: ebay_sdk::EbayClient,
    /// Today's eBay calls, across replicas.
    pub calls: crate::quota::CallCounter,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// HTTP client for analytics-service's read API (pooled connections).
    pub http: reqwest::Client,
    /// Nudges the event relay when a change wrote to the outbox (it also polls, for changes
    /// made by other replicas).
    pub wake_relay: Arc<Notify>,
    /// Nudges the email sender when an email was queued.
    pub wake_sender: Arc<Notify>,
    /// When this process last recorded each API token's use, to write `last_used_at` at most
    /// once a minute per token instead of on every request.
    token_touches: Mutex<HashMap<String, Instant>>,
    /// Recently verified credentials (hash → user), so a burst of API calls does not look the
    /// same token up on every request. Entries live [`AUTH_CACHE_TTL`]; revoking a token or
    /// signing out clears this process's entry at once, other replicas within that time.
    auth_cache: Mutex<HashMap<String, (Instant, uuid::Uuid, String)>>,
}

/// How long a verified credential is trusted without asking the database again.
pub const AUTH_CACHE_TTL: Duration = Duration::from_secs(5);

impl AppState {
    /// Assembles the state from its parts.
    pub fn new(
        settings: Settings,
        db: DatabaseConnection,
        transport: pubsub::Transport,
        mailer: mailer::Mailer,
        limiter: RateLimiter,
        ebay: ebay_sdk::EbayClient,
        calls: crate::quota::CallCounter,
    ) -> Result<Self, String> {
        Ok(Self {
            settings,
            db,
            transport,
            mailer,
            templates: Templates::load().map_err(|e| format!("email templates: {e}"))?,
            limiter,
            ebay,
            calls,
            metrics: Metrics::new().map_err(|e| format!("metrics: {e}"))?,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| format!("HTTP client: {e}"))?,
            wake_relay: Arc::new(Notify::new()),
            wake_sender: Arc::new(Notify::new()),
            token_touches: Mutex::new(HashMap::new()),
            auth_cache: Mutex::new(HashMap::new()),
        })
    }

    /// A credential verified less than [`AUTH_CACHE_TTL`] ago.
    pub fn cached_credential(&self, key: &str) -> Option<(uuid::Uuid, String)> {
        let cache = self.auth_cache.lock().ok()?;
        let (at, id, email) = cache.get(key)?;
        (at.elapsed() < AUTH_CACHE_TTL).then(|| (*id, email.clone()))
    }

    /// Remembers a verified credential.
    pub fn cache_credential(&self, key: String, id: uuid::Uuid, email: String) {
        if let Ok(mut cache) = self.auth_cache.lock() {
            if cache.len() > 10_000 {
                cache.retain(|_, (at, _, _)| at.elapsed() < AUTH_CACHE_TTL);
            }
            cache.insert(key, (Instant::now(), id, email));
        }
    }

    /// Forgets every cached credential (after a revocation or sign-out).
    pub fn forget_credentials(&self) {
        if let Ok(mut cache) = self.auth_cache.lock() {
            cache.clear();
        }
    }

    /// Records that an API token was used, without slowing the request down.
    pub fn token_used(&self, token_hash: String) {
        let now = Instant::now();
        {
            let Ok(mut touches) = self.token_touches.lock() else {
                return;
            };
            if touches
                .get(&token_hash)
                .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(60))
            {
                return;
            }
            if touches.len() > 10_000 {
                touches.clear();
            }
            touches.insert(token_hash.clone(), now);
        }
        let db = self.db.clone();
        tokio::spawn(async move {
            let updated = api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(Utc::now()))
                .filter(api_token::Column::TokenHash.eq(token_hash))
                .exec(&db)
                .await;
            if let Err(error) = updated {
                tracing::warn!(%error, "could not record API token use");
            }
        });
    }
}
