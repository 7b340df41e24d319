//! Background work, each piece a function a test can call once, wrapped by `serve`:
//!
//! * [`consumer`] — the event consume loop around [`crate::ingest`];
//! * [`event_relay`] — publishes the event outbox (`insight.generated`) between passes;
//! * [`insight_emails`] — plans a report per due alert and delivers queued report emails;
//! * [`maintenance`] — fact partitions ahead of time and retention;
//! * [`schedule`] — the cron schedule running the two above;
//! * [`probe`] — consumer lag for `/metrics`.

pub mod consumer;
pub mod event_relay;
pub mod insight_emails;
pub mod maintenance;
pub mod probe;
pub mod schedule;
