//! [`AppState`]: everything a request handler or a worker needs, built once and shared (the
//! same name as alerts-service's, so both services read alike).

use std::sync::Arc;

use mailer::Mailer;
use pubsub::Transport;
use tokio::sync::Notify;

use crate::config::Settings;
use crate::db::Db;
use crate::error::AppError;
use crate::ingest::Ingestor;
use crate::insights::email::EmailRenderer;
use crate::metrics::Metrics;
use crate::workers::probe::ConsumerProbe;

/// The service's shared state; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The validated settings.
    pub settings: Arc<Settings>,
    /// The OLAP database.
    pub db: Db,
    /// The event broker.
    pub transport: Transport,
    /// Sends insight emails.
    pub mailer: Mailer,
    /// Renders insight emails.
    pub emails: Arc<EmailRenderer>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// Turns event batches into rows (shares its caches with the consumer).
    pub ingestor: Ingestor,
    /// Reads consumer lag and dead-letter counts for `/metrics`.
    pub probe: Arc<ConsumerProbe>,
    /// Wakes the event relay loop ([`crate::workers::event_relay::run`]) before its next poll.
    pub wake_relay: Arc<Notify>,
}

impl AppState {
    /// Validates the settings, connects to the database and applies pending migrations.
    ///
    /// `transport` is passed in rather than built from the settings so the one-process mode can
    /// hand analytics the same in-memory broker alerts-service publishes to.
    pub async fn build(settings: Settings, transport: Transport) -> Result<Self, AppError> {
        settings.validate()?;
        let db = crate::db::connect_service(
            settings.database_url.expose(),
            settings.database_max_connections,
        )
        .await?;
        db.migrate().await?;
        let mailer = Mailer::new(settings.smtp_url.expose(), &settings.mail_from)?;
        let emails = EmailRenderer::new().map_err(|e| AppError::Email(e.to_string()))?;
        let metrics = Metrics::new().map_err(|e| AppError::Email(format!("metrics: {e}")))?;
        let ingestor = Ingestor::new(db.clone(), metrics.clone(), settings.retention_days);
        let probe = ConsumerProbe::new(&transport, &settings)?;
        Ok(Self {
            settings: Arc::new(settings),
            db,
            transport,
            mailer,
            emails: Arc::new(emails),
            metrics,
            ingestor,
            probe: Arc::new(probe),
            wake_relay: Arc::new(Notify::new()),
        })
    }
}
