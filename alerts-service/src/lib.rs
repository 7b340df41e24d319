//! alerts-service: users, saved eBay searches (alerts), the scheduler, alert emails and the
//! event outbox (DESIGN §1, §6, §9).
//!
//! # Layout
//!
//! The same skeleton as analytics-service (see `docs/architecture.md`):
//!
//! * `main.rs` — parse the command line, start logging, run a subcommand.
//! * [`config`] — settings from flags and environment (the broker's and the mailer's flattened
//!   from `pubsub` and `mailer`), secrets in [`service_kit::Sensitive`], validated at start-up.
//! * [`startup`] — [`startup::build_state`] and the [`startup::Application`]: the HTTP server and
//!   the workers, stopped as one through a `CancellationToken`.
//! * [`state`] — [`state::AppState`], what handlers and workers share.
//! * [`error`] — [`error::ApiError`] (the API's one error shape) and [`error::AppError`]
//!   (start-up).
//! * [`domain`] — parse-don't-validate types: [`domain::SearchPhrase`], [`domain::Frequency`],
//!   [`domain::Price`], [`domain::EmailAddress`], alert drafts and changes.
//! * Stores, named for their nouns, own all SQL: [`accounts`] (users, sign-in links, sessions,
//!   API tokens), [`alerts`] (an alert change and its event in one transaction), [`listings`]
//!   (seen listings and runs, a search's results recorded in a few statements),
//!   [`event_outbox`] and [`email`] (the two outboxes), [`quota`] (the daily eBay budget),
//!   [`query_groups`] (what each shared search's runs have shown, for the adaptive plan).
//! * [`routes`] — one thin module per resource.
//! * [`workers`] — every background loop: the scheduler, the event relay, the email sender,
//!   the channel sender.
//! * [`channels`] — notification channels beyond email (webhooks, ntfy, Telegram, Discord,
//!   Slack): URLs, the SSRF guard, sealed secrets, templates, sending, and their store.
//! * [`runner`] — one run of due alerts: eBay searches shared per query, "new to you" matching,
//!   alert emails, and `runner::planner`, the adaptive spending plan; [`ebay`] — the boundary
//!   to the eBay SDK; [`clock`] — where they read "now" (simulated in the `detection` bench);
//!   [`verdicts`] — deal verdicts asked of analytics-service (never holding an email back).
//! * [`auth`] — who is calling: the extractor, CSRF, credentials cache, login rate limits.
//! * [`db`] — connection, migrations (`db/migrations/`), entities; [`metrics`];
//!   [`timestamp`] — RFC 3339 formatting for hot JSON paths.

pub mod accounts;
pub mod alerts;
pub mod auth;
pub mod channels;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod ebay;
pub mod email;
pub mod error;
pub mod event_outbox;
pub mod listings;
pub mod metrics;
pub mod query_groups;
pub mod quota;
pub mod routes;
pub mod runner;
pub mod startup;
pub mod state;
pub mod timestamp;
pub mod verdicts;
pub mod workers;
