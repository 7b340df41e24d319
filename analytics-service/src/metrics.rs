//! Prometheus metrics, one registry per [`Application`](crate::Application) (so tests and an
//! embedding process can run several side by side), served as text at `GET /metrics`.

use prometheus::{
    Encoder, Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

/// Every metric analytics-service exports; cheap to clone (the metrics are shared handles).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Events stored, by CloudEvents type (redeliveries not counted).
    pub events_ingested: IntCounterVec,
    /// Events recognised as already processed (redeliveries) and acknowledged without effect.
    pub events_duplicate: IntCounter,
    /// Alert changes ignored because analytics already held a newer revision or a tombstone.
    pub alert_changes_stale: IntCounter,
    /// Listing observations stored (one per listing per run); `rate()` gives observations/s.
    pub observations_ingested: IntCounter,
    /// Observations not stored: older than the retention period or already stored for the run.
    pub observations_skipped: IntCounter,
    /// Messages this consumer moved to a dead-letter stream.
    pub events_dead_lettered: IntCounter,
    /// Duration of one ingestion batch (one transaction).
    pub ingest_batch_seconds: Histogram,
    /// Messages delivered to the consumer group but not yet acknowledged, by topic.
    pub consumer_pending: IntGaugeVec,
    /// Messages on the topic not yet delivered to the consumer group, by topic.
    pub consumer_lag: IntGaugeVec,
    /// Length of each topic's dead-letter stream.
    pub dead_letter_stream_length: IntGaugeVec,
    /// Insight reports computed and queued for email.
    pub insight_reports_created: IntCounter,
    /// Insight emails accepted by the SMTP server.
    pub insight_emails_sent: IntCounter,
    /// Insight emails given up on.
    pub insight_emails_failed: IntCounter,
    /// Insight email attempts that failed and will be retried.
    pub insight_emails_retried: IntCounter,
    /// Outbox events (`insight.generated`) published to the broker.
    pub events_relayed: IntCounter,
    /// Relay rounds stopped by the broker or the database; their events wait for a later round.
    pub event_relay_failures: IntCounter,
    /// Outbox events not yet published (refreshed on every scrape).
    pub event_outbox_pending: IntGauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let counter = |name: &str, help: &str| -> Result<IntCounter, prometheus::Error> {
            let metric = IntCounter::new(name, help)?;
            registry.register(Box::new(metric.clone()))?;
            Ok(metric)
        };
        let gauge_by_topic = |name: &str, help: &str| -> Result<IntGaugeVec, prometheus::Error> {
            let metric = IntGaugeVec::new(Opts::new(name, help), &["topic"])?;
            registry.register(Box::new(metric.clone()))?;
            Ok(metric)
        };
        let events_ingested = IntCounterVec::new(
            Opts::new(
                "analytics_events_ingested_total",
                "Events stored, by CloudEvents type",
            ),
            &["type"],
        )?;
        registry.register(Box::new(events_ingested.clone()))?;
        let ingest_batch_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "analytics_ingest_batch_seconds",
                "Duration of one ingestion batch transaction",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
        )?;
        registry.register(Box::new(ingest_batch_seconds.clone()))?;
        let event_outbox_pending = IntGauge::new(
            "analytics_event_outbox_pending",
            "Outbox events not yet published",
        )?;
        registry.register(Box::new(event_outbox_pending.clone()))?;
        Ok(Self {
            events_ingested,
            events_duplicate: counter(
                "analytics_events_duplicate_total",
                "Redelivered events acknowledged without effect",
            )?,
            alert_changes_stale: counter(
                "analytics_alert_changes_stale_total",
                "Alert changes older than the revision held (or after a deletion), ignored",
            )?,
            observations_ingested: counter(
                "analytics_observations_ingested_total",
                "Listing observations stored",
            )?,
            observations_skipped: counter(
                "analytics_observations_skipped_total",
                "Observations not stored (past retention or already stored)",
            )?,
            events_dead_lettered: counter(
                "analytics_events_dead_lettered_total",
                "Messages moved to a dead-letter stream by this consumer",
            )?,
            ingest_batch_seconds,
            consumer_pending: gauge_by_topic(
                "analytics_consumer_pending",
                "Messages delivered to the analytics group but not acknowledged",
            )?,
            consumer_lag: gauge_by_topic(
                "analytics_consumer_lag",
                "Messages not yet delivered to the analytics group",
            )?,
            dead_letter_stream_length: gauge_by_topic(
                "analytics_dead_letter_stream_length",
                "Entries in the topic's dead-letter stream",
            )?,
            insight_reports_created: counter(
                "analytics_insight_reports_created_total",
                "Insight reports computed and queued for email",
            )?,
            insight_emails_sent: counter(
                "analytics_insight_emails_sent_total",
                "Insight emails accepted by the SMTP server",
            )?,
            insight_emails_failed: counter(
                "analytics_insight_emails_failed_total",
                "Insight emails given up on",
            )?,
            insight_emails_retried: counter(
                "analytics_insight_emails_retried_total",
                "Insight email attempts that failed and will be retried",
            )?,
            events_relayed: counter(
                "analytics_events_relayed_total",
                "Outbox events published to the broker",
            )?,
            event_relay_failures: counter(
                "analytics_event_relay_failures_total",
                "Relay rounds stopped by a broker or database error",
            )?,
            event_outbox_pending,
            registry,
        })
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8_lossy(&buffer).into_owned())
    }
}
