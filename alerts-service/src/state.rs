//! [`AppState`]: what every handler and worker shares, built once at start-up (the same name
//! and role as analytics-service's). It holds connections and caches, and no behaviour of its
//! own: the stores, routes and workers act on it.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

use crate::auth::credentials::Credentials;
use crate::auth::rate_limit::RateLimiter;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::email::templates::Templates;
use crate::error::AppError;
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
    /// Stops asking analytics for deal verdicts for a while after it failed to answer.
    pub verdict_breaker: crate::verdicts::Breaker,
    /// Nudges the event relay when a change wrote to the outbox (it also polls, for changes
    /// made by other replicas).
    pub wake_relay: Arc<Notify>,
    /// Nudges the email sender when an email was queued.
    pub wake_sender: Arc<Notify>,
    /// Recently verified sessions and tokens of this process.
    pub credentials: Credentials,
    /// Channel delivery: the guarded HTTP client, sealed secrets, service bases, metrics.
    pub channels: crate::channels::Channels,
    /// Nudges the channel sender when a run queued channel notifications.
    pub wake_channels: Arc<Notify>,
    /// Where the scheduler and the runner read "now" (simulated in tests and benchmarks).
    pub clock: Arc<dyn Clock>,
}

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
    ) -> Result<Self, AppError> {
        let metrics = Metrics::new().map_err(|e| AppError::Config(format!("metrics: {e}")))?;
        let channels = crate::channels::Channels::new(&settings.channels, metrics.registry())
            .map_err(AppError::Config)?;
        if !channels.secrets.seals() {
            tracing::warn!(
                "CHANNEL_SECRET_KEY is not set: channel URLs and webhook secrets are stored unsealed"
            );
        }
        Ok(Self {
            settings,
            db,
            transport,
            mailer,
            templates: Templates::load()
                .map_err(|e| AppError::Config(format!("email templates: {e}")))?,
            limiter,
            ebay,
            calls,
            metrics,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| AppError::Config(format!("HTTP client: {e}")))?,
            verdict_breaker: crate::verdicts::Breaker::default(),
            wake_relay: Arc::new(Notify::new()),
            wake_sender: Arc::new(Notify::new()),
            credentials: Credentials::default(),
            channels,
            wake_channels: Arc::new(Notify::new()),
            clock: Arc::new(SystemClock),
        })
    }

    /// The same state reading time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}
