//! Integration tests of analytics-service against real Postgres, Redis and SMTP (and SQLite
//! with the in-memory broker for the zero-setup mode).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod emails;
mod event_relay;
mod fixture;
mod helpers;
mod ingest;
mod insight_events;
mod maintenance;
mod read_api;
mod segments;
mod sqlite;
