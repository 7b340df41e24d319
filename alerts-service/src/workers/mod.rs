//! Every background loop of alerts-service. Each has a `…_once` function a test or the
//! `run-due` command calls directly, and a `run` loop that `serve` spawns and stops through one
//! [`tokio_util::sync::CancellationToken`].
//!
//! * [`scheduler`] — the cron tick that runs due alerts ([`crate::runner::run_due_once`]).
//! * [`event_relay`] — publishes the event outbox to the broker ([`event_relay::relay_once`]).
//! * [`email_sender`] — delivers the email outbox ([`email_sender::deliver_due_once`]).
//! * [`channel_sender`] — delivers the channel outbox ([`channel_sender::deliver_due_once`]).
//! * [`insight_summaries`] — consumes analytics' `insight.generated` events into the channel
//!   outbox ([`insight_summaries::consume_once`]).

pub mod channel_sender;
pub mod email_sender;
pub mod event_relay;
pub mod insight_summaries;
pub mod scheduler;
