//! alerts-service: users, alerts, the scheduler, alert emails and the event outbox.
//!
//! The service is built by the alerts API and alert runner issues; until then this crate only
//! reserves its place in the workspace so the layout of DESIGN §2 holds from the first commit.
