//! API tests of alerts-service against real Postgres, Redis and an SMTP server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod alerts;
mod channels;
mod deals;
mod helpers;
mod insight_metrics;
mod insights;
mod newcomer;
mod operations;
mod outbox;
mod precise;
mod quiet_hours;
mod receiver;
mod runner;
mod scheduling;
