//! alerts-service: users, saved eBay searches (alerts), the scheduler, alert emails and the
//! event outbox (DESIGN §1, §6, §9).
//!
//! # Layout
//!
//! * [`config`] — settings from flags and environment, validated at start-up.
//! * [`startup`] — builds the state and the [`startup::Application`] (HTTP server + workers).
//! * [`domain`] — parse-don't-validate types: [`domain::SearchPhrase`], [`domain::Frequency`],
//!   [`domain::Price`], [`domain::EmailAddress`], alert drafts and changes.
//! * [`routes`] — one module per resource; [`error`] — the API error shape.
//! * [`auth`] — sign-in links, sessions, API tokens, CSRF, login rate limits.
//! * [`alerts`] — the alert store: a change and its event in one transaction.
//! * [`outbox`] — the transactional event outbox and its relay to Redis.
//! * [`email`] — templates, the email outbox and its sender.
//! * [`db`] — connection, migrations, entities; [`metrics`], [`telemetry`].

pub mod alerts;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod error;
pub mod metrics;
pub mod outbox;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
