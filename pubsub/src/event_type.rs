//! The CloudEvents `type` attribute of each event this system defines (DESIGN §7).
//!
//! A leaf of its own because both the envelope ([`crate::event`], which decodes by type) and the
//! payloads ([`crate::payload`], which name their type) need these names; kept in either, the
//! two modules would import each other.

/// An alert was created; `data.alert` is the full alert.
pub const ALERT_CREATED: &str = "alert.created";
/// An alert was changed (including pause/resume); `data.alert` is the full alert.
pub const ALERT_UPDATED: &str = "alert.updated";
/// An alert was deleted; `data` is `{alert_id, revision}`.
pub const ALERT_DELETED: &str = "alert.deleted";
/// One alert run saw these listings.
pub const PRODUCTS_OBSERVED: &str = "products.observed";
/// analytics-service generated an alert's periodic insight report; `data` is its short summary.
pub const INSIGHT_GENERATED: &str = "insight.generated";
