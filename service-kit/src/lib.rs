//! The small common place of the eBay Alerts services: what `alerts-service`,
//! `analytics-service` and the one-process `ebay-alerts` binary do the same way, written once.
//!
//! # Layout
//!
//! * [`cli`] — the start-up prologue every binary shares: read `.env`, parse the command line,
//!   turn a usage error into the right exit code.
//! * [`telemetry`] — `tracing` to stderr, `RUST_LOG` filters, `LOG_FORMAT=json`.
//! * [`shutdown`] — SIGINT/SIGTERM as a future, and the [`CancellationToken`] every worker of a
//!   service listens to.
//! * [`Sensitive`] — a secret (a URL with a password, a token) whose `Debug` never shows it.
//!
//! It depends on nothing of the project, so every crate may use it.

pub mod cli;
pub mod sensitive;
pub mod shutdown;
pub mod telemetry;

pub use sensitive::Sensitive;
pub use tokio_util::sync::CancellationToken;
