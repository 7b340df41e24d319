//! Both services together, in one test process: alerts-service's insights proxy asking a real
//! analytics-service. It lives here, not in alerts-service's tests, so neither service's crate
//! depends on the other, even for tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts_app;
mod insight_summaries;
mod insights;
