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
//! * [`runner`] — the scheduler and alert runs: eBay searches shared per query, "new to you"
//!   matching, alert emails, `products.observed` events; [`quota`] — the daily eBay budget;
//!   [`ebay`] — the boundary to the eBay SDK.
//! * [`email`] — templates, the email outbox and its sender.
//! * [`db`] — connection, migrations, entities; [`metrics`], [`telemetry`].

pub mod alerts;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod ebay;
pub mod email;
pub mod error;
pub mod metrics;
pub mod outbox;
pub mod quota;
pub mod routes;
pub mod runner;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod timestamp;
