//! Topic names (DESIGN §7): Redis stream keys or Pub/Sub channels.

/// Alert configuration changes: `alert.created`, `alert.updated`, `alert.deleted`.
pub const ALERT_CONFIG: &str = "ebay-alerts.alert-config";
/// Listings seen by alert runs: `products.observed`.
pub const PRODUCT_PRICES: &str = "ebay-alerts.product-prices";
/// Insight summaries produced by analytics-service: `insight.generated` (consumed by
/// alerts-service, which sends them to the alert's notification channels).
pub const INSIGHTS: &str = "ebay-alerts.insights";
/// Suffix of the dead-letter stream kept beside each topic.
pub const DEAD_LETTER_SUFFIX: &str = ".dead";

/// The dead-letter stream of `topic`, e.g. `ebay-alerts.product-prices.dead`.
pub fn dead_letter(topic: &str) -> String {
    format!("{topic}{DEAD_LETTER_SUFFIX}")
}
