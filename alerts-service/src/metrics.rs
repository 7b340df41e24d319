//! Prometheus metrics: requests by route and status, latency, outbox backlog, email deliveries,
//! insight summaries consumed.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// The metrics of one process.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Requests by route pattern, method and status.
    pub requests: IntCounterVec,
    /// Request latency by route pattern.
    pub latency: HistogramVec,
    /// Unpublished events in the outbox (refreshed on scrape).
    pub outbox_backlog: IntGauge,
    /// Failed publish attempts.
    pub outbox_publish_failures: IntCounter,
    /// Emails delivered.
    pub emails_sent: IntCounter,
    /// Failed delivery attempts.
    pub email_failures: IntCounter,
    /// `ebay-alerts.insights` messages fetched by the insight summary consumer (redeliveries
    /// included).
    pub insight_summaries_received: IntCounter,
    /// Channel notifications queued for insight summaries (one per channel of the alert).
    pub insight_notifications_queued: IntCounter,
    /// Insight summaries already consumed (redelivered or republished), dropped.
    pub insight_summaries_duplicate: IntCounter,
    /// Insight summary messages moved to the dead-letter stream.
    pub insight_summaries_dead_lettered: IntCounter,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("alerts".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route, method and status",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["route"],
        )?;
        let outbox_backlog =
            IntGauge::new("outbox_backlog", "Events written but not yet published")?;
        let outbox_publish_failures = IntCounter::new(
            "outbox_publish_failures_total",
            "Failed event publish attempts",
        )?;
        let emails_sent = IntCounter::new("emails_sent_total", "Emails handed to the SMTP server")?;
        let email_failures =
            IntCounter::new("email_failures_total", "Failed email delivery attempts")?;
        let insight_summaries_received = IntCounter::new(
            "insight_summaries_received_total",
            "Insight summary messages fetched (redeliveries included)",
        )?;
        let insight_notifications_queued = IntCounter::new(
            "insight_notifications_queued_total",
            "Channel notifications queued for insight summaries",
        )?;
        let insight_summaries_duplicate = IntCounter::new(
            "insight_summaries_duplicate_total",
            "Insight summaries consumed before, dropped",
        )?;
        let insight_summaries_dead_lettered = IntCounter::new(
            "insight_summaries_dead_lettered_total",
            "Insight summary messages moved to the dead-letter stream",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(outbox_backlog.clone()))?;
        registry.register(Box::new(outbox_publish_failures.clone()))?;
        registry.register(Box::new(emails_sent.clone()))?;
        registry.register(Box::new(email_failures.clone()))?;
        registry.register(Box::new(insight_summaries_received.clone()))?;
        registry.register(Box::new(insight_notifications_queued.clone()))?;
        registry.register(Box::new(insight_summaries_duplicate.clone()))?;
        registry.register(Box::new(insight_summaries_dead_lettered.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            outbox_backlog,
            outbox_publish_failures,
            emails_sent,
            email_failures,
            insight_summaries_received,
            insight_notifications_queued,
            insight_summaries_duplicate,
            insight_summaries_dead_lettered,
        })
    }

    /// The registry, for metrics other modules own (channel deliveries).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&self.registry.gather(), &mut buffer) {
            tracing::warn!(%error, "could not encode metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}
