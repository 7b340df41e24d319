//! Insight summaries to channels (issue #18): consumes analytics-service's `insight.generated`
//! events from `ebay-alerts.insights` and writes one `alert.insight` row per channel of the
//! alert into the channel outbox, which [`super::channel_sender`] delivers like any other
//! notification. analytics-service never learns a channel's URL or secret: it only says what
//! the summary is; which channels it goes to, and how, is decided here.
//!
//! Delivery is at-least-once (the pubsub consumer group [`GROUP`], shared by replicas); each
//! event's id is recorded in `consumed_events` in the transaction that writes the outbox rows,
//! so a redelivered event notifies nobody twice (and the rows' `run_id` is the report id, so
//! even a republished event with a new id adds no second row per channel). Events that cannot
//! be decoded, or are not `insight.generated`, go to `ebay-alerts.insights.dead`; a database
//! failure leaves the event pending for a retry. Email is not a channel here: analytics sends
//! the insight email itself.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use pubsub::consumer::{self, ConsumerOptions, Disposition, Handler, Incoming, PollReport};
use pubsub::{ConsumerGroup, InsightGenerated, Payload, Subscriber, TransportError, topic};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, TransactionTrait, Value};
use tokio_util::sync::CancellationToken;

use crate::channels::notify::insight_notification;
use crate::channels::store::{self, Queued};
use crate::db::entities::{alert, user};
use crate::db::sql;
use crate::state::AppState;

/// The consumer group alerts-service's replicas share on the insights topic.
pub const GROUP: &str = "alerts-service";
/// Consumed event ids are kept this long (far beyond any redelivery), then pruned.
const KEEP_CONSUMED: chrono::Duration = chrono::Duration::days(30);
/// How often the loop prunes old consumed event ids.
const PRUNE_EVERY: Duration = Duration::from_secs(3_600);

/// What handling one summary did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Outbox rows written, one per channel (possibly none: the alert has no channels).
    Queued(usize),
    /// The event id was consumed before: nothing written.
    Duplicate,
    /// The alert is gone or paused: nothing to tell.
    Skipped,
}

/// A member of [`GROUP`] on the insights topic.
pub async fn subscriber(state: &AppState) -> Result<Box<dyn Subscriber>, TransportError> {
    state
        .transport
        .subscriber(&ConsumerGroup::new(GROUP, &[topic::INSIGHTS]))
        .await
}

/// Fetches one batch (waiting up to `options.wait`) and handles it.
pub async fn consume_once(
    state: &Arc<AppState>,
    subscriber: &mut dyn Subscriber,
    options: &ConsumerOptions,
) -> Result<PollReport, TransportError> {
    let mut handler = Summaries {
        state: state.clone(),
    };
    let report = consumer::poll_once(subscriber, &mut handler, options).await?;
    let metrics = &state.metrics;
    metrics
        .insight_summaries_received
        .inc_by(report.received as u64);
    metrics
        .insight_summaries_dead_lettered
        .inc_by(report.dead_lettered as u64);
    Ok(report)
}

/// Consumes until `shutdown`; a batch in progress is finished first.
pub async fn run(state: Arc<AppState>, shutdown: CancellationToken) {
    let options = ConsumerOptions::default();
    let mut subscriber = loop {
        match subscriber(&state).await {
            Ok(s) => break s,
            Err(error) => {
                tracing::warn!(%error, "insight summaries: cannot join the consumer group yet");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(options.error_backoff) => {}
                }
            }
        }
    };
    let mut last_prune: Option<tokio::time::Instant> = None;
    while !shutdown.is_cancelled() {
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            if let Err(error) = prune_consumed(&state, Utc::now()).await {
                tracing::warn!(%error, "could not prune consumed event ids");
            }
            last_prune = Some(tokio::time::Instant::now());
        }
        match consume_once(&state, subscriber.as_mut(), &options).await {
            Ok(report) if report.received > 0 => {
                tracing::debug!(?report, "insight summaries handled");
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "insight summaries: the broker is unreachable; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(options.error_backoff) => {}
                }
            }
        }
    }
}

/// Deletes consumed event ids older than [`KEEP_CONSUMED`].
pub async fn prune_consumed(state: &AppState, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let done = state
        .db
        .execute_raw(sql(
            state.db.get_database_backend(),
            "DELETE FROM consumed_events WHERE consumed_at < $1",
            [Value::from(now - KEEP_CONSUMED)],
        ))
        .await?;
    Ok(done.rows_affected())
}

/// Records `event_id` and queues the summary for every channel of its alert, in one
/// transaction.
pub async fn handle(
    state: &AppState,
    event_id: &str,
    summary: &InsightGenerated,
    now: DateTime<Utc>,
) -> Result<Handled, DbErr> {
    let txn = state.db.begin().await?;
    let backend = txn.get_database_backend();
    let recorded = txn
        .execute_raw(sql(
            backend,
            "INSERT INTO consumed_events (event_id, topic, consumed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (event_id) DO NOTHING",
            [
                Value::from(event_id.to_owned()),
                Value::from(topic::INSIGHTS),
                Value::from(now),
            ],
        ))
        .await?;
    if recorded.rows_affected() == 0 {
        txn.rollback().await?;
        return Ok(Handled::Duplicate);
    }
    let alert = alert::Entity::find_by_id(summary.alert_id)
        .one(&txn)
        .await?;
    let Some(alert) = alert.filter(|a| !a.paused) else {
        txn.commit().await?;
        return Ok(Handled::Skipped);
    };
    let routes = store::routes(&txn, &[alert.id]).await?;
    let channels = routes
        .get(&alert.id)
        .map(|r| r.channels.clone())
        .unwrap_or_default();
    let notification = insight_notification(
        |path| state.settings.public_link(path),
        &alert.search_phrase,
        summary,
        now,
    );
    // Held through the owner's quiet hours, then sent as it is (a summary is not combined
    // into a listings digest, and a digest alert's summary keeps INSIGHTS_CRON's schedule).
    let held_until = if channels.is_empty() {
        None
    } else {
        user::Entity::find_by_id(alert.user_id)
            .one(&txn)
            .await?
            .as_ref()
            .and_then(crate::accounts::quiet_hours_of)
            .and_then(|q| q.quiet_until(now))
    };
    let rows: Vec<Queued> = channels
        .iter()
        .map(|&channel_id| Queued {
            channel_id,
            run_id: Some(summary.report_id),
            notification: notification.clone(),
            held_until,
        })
        .collect();
    let queued = rows.len();
    store::enqueue_many(&txn, rows, now).await?;
    txn.commit().await?;
    if queued > 0 {
        state.wake_channels.notify_one();
    }
    Ok(Handled::Queued(queued))
}

struct Summaries {
    state: Arc<AppState>,
}

#[async_trait]
impl Handler for Summaries {
    async fn handle(&mut self, batch: &[Incoming]) -> Vec<Disposition> {
        let mut out = Vec::with_capacity(batch.len());
        for incoming in batch {
            let disposition = match &incoming.event.payload {
                Payload::InsightGenerated(summary) => {
                    match handle(&self.state, &incoming.event.id, summary, Utc::now()).await {
                        Ok(handled) => {
                            tracing::info!(alert_id = %summary.alert_id, ?handled, "insight summary");
                            let metrics = &self.state.metrics;
                            match handled {
                                Handled::Queued(n) => {
                                    metrics.insight_notifications_queued.inc_by(n as u64);
                                }
                                Handled::Duplicate => metrics.insight_summaries_duplicate.inc(),
                                Handled::Skipped => {}
                            }
                            Disposition::Done
                        }
                        Err(error) => Disposition::Retry(error.to_string()),
                    }
                }
                other => Disposition::Reject(format!(
                    "alerts-service consumes only insight.generated on {}, not {}",
                    topic::INSIGHTS,
                    other.event_type()
                )),
            };
            out.push(disposition);
        }
        out
    }
}
