//! Two-week price insights (DESIGN §10), all pure: computed from what [`crate::reports`] read
//! ([`compute`]), drawn ([`chart`]) and written as an email ([`email`]). The JSON shape is
//! [`pubsub::insights::InsightReport`], shared with alerts-service.

pub mod chart;
pub mod compute;
pub mod csv;
pub mod deals;
pub mod email;
pub mod segments;
