//! analytics-service: consumes alert and price events into a star schema, computes two-week
//! price insights per alert, emails them, and serves them to alerts-service.
//!
//! # Layout
//!
//! * [`config`] — settings from flags, environment and `.env`, validated at start-up.
//! * [`error`] — the read API's JSON errors and the service's own.
//! * [`state`] / [`startup`] — the shared [`AppState`] and the runnable [`Application`].
//! * [`db`] — connection, dialects (Postgres, SQLite), migrations, entities, partitions.
//! * [`ingest`] — the consumer's handler: inbox, alert revisions, facts, rollups (with the one
//!   daily-statistics type, [`ingest::rollup::DayStats`]).
//! * [`reports`] — the report store: every query a report is built from, [`reports::build`]
//!   (the one way a report is made, for the read API and the emails alike) and the queue of
//!   report emails ([`reports::queue`]).
//! * [`insights`] — the pure part of a report: its arithmetic, segments (like-for-like
//!   comparison, robust lows), deal verdicts, the CSV exports, the chart and the email.
//! * [`workers`] — consume loop, insight emails, event relay, maintenance, the cron schedule;
//!   each a `…_once` a test can call.
//! * [`routes`] — the read API and the operational endpoints, thin over [`reports`].
//! * [`metrics`] — Prometheus metrics.
//!
//! # Embedding
//!
//! ```no_run
//! # async fn embed(transport: pubsub::Transport) -> Result<(), analytics_service::AppError> {
//! use analytics_service::{Application, Settings};
//! let settings = Settings::new("sqlite://analytics.db?mode=rwc", pubsub::TransportSettings::new("memory://"));
//! let app = Application::build(settings, transport).await?;
//! app.run_until(async { /* the host's shutdown signal */ }).await
//! # }
//! ```

pub mod config;
pub mod db;
pub mod error;
pub mod ingest;
pub mod insights;
pub mod metrics;
pub mod reports;
pub mod routes;
pub mod startup;
pub mod state;
pub mod workers;

pub use config::Settings;
pub use state::AppState;

pub use error::{ApiError, AppError};
pub use startup::Application;
pub use workers::insight_emails::{InsightOutcome, send_due_insights_once};
pub use workers::maintenance::run_maintenance_once;

/// Ingests one batch of events (as the consumer would) and returns its dispositions; the
/// messages are not acknowledged, that is pubsub's job. For tests and benchmarks.
pub async fn ingest_batch(ctx: &AppState, batch: &[pubsub::Incoming]) -> Vec<pubsub::Disposition> {
    ctx.ingestor.ingest_batch(batch).await
}
