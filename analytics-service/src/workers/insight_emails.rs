//! Insight emails: at most one per alert per insight period, never lost, never doubled.
//!
//! Two steps, each safe to run from several replicas at once:
//!
//! 1. **Plan.** For every active alert (current revision, not deleted, not paused) whose
//!    current period has no report yet, compute the report and insert it as `queued` with its
//!    Message-ID chosen up front. `UNIQUE (alert_id, period_start)` makes a second replica's
//!    insert a no-op. Periods are staggered per alert (a phase derived from the alert id), so a
//!    cron tick handles only the alerts whose period just began instead of all of them at
//!    midnight; and a report is never made less than half a period after the previous one.
//! 2. **Deliver.** Lease due `queued` rows (`FOR UPDATE SKIP LOCKED` on Postgres; SQLite has a
//!    single writer), count the attempt, send, then mark `sent`, or `queued` again with a
//!    backoff, or `failed` after the last attempt or a permanent refusal. A worker that dies
//!    mid-send leaves a lease that expires; the retry reuses the stored Message-ID, so a
//!    duplicate (possible only if the crash fell between the SMTP server accepting and the row
//!    being marked) is recognisably the same email.
//!
//! A paused or deleted alert, or one whose owner unsubscribed from insight emails, gets no
//! email: planning skips it, and delivery cancels a report queued before that changed.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use futures::StreamExt;
use mailer::{NextStep, RetryPolicy};
use pubsub::insights::InsightReport;
use pubsub::{Event, InsightGenerated, Payload};
use sea_orm::{DbErr, TransactionTrait};
use uuid::Uuid;

use crate::db::entities::{dim_alert, insight_report::status};
use crate::error::AppError;
use crate::insights::email::EmailDetails;
use crate::reports::outbox;
use crate::reports::queue::{self, Leased, NewReport};
use crate::reports::{self, AlertState};
use crate::state::AppState;
use crate::workers::event_relay;

/// The CloudEvents `source` of the events analytics-service publishes.
pub const ANALYTICS_SOURCE: &str = "analytics-service";
/// How long a worker holds a report it is sending.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Reports leased per round.
const LEASE_BATCH: i64 = 50;
/// Reports computed at once by the planning step.
const PLANNING_CONCURRENCY: usize = 4;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct InsightOutcome {
    /// Reports computed and queued.
    pub reports_created: usize,
    /// Emails accepted by the SMTP server.
    pub sent: usize,
    /// Attempts that failed and will be retried.
    pub retried: usize,
    /// Emails given up on.
    pub failed: usize,
    /// Reports not sent because the alert was paused or deleted meanwhile.
    pub cancelled: usize,
    /// `insight.generated` events relayed from the outbox to the transport.
    pub events_published: usize,
}

/// Relays the outbox's `insight.generated` events, so a pass's events go out as soon as it
/// has planned. A broker that is down costs nothing but time: the emails go on, the events
/// stay in the outbox and the relay loop ([`event_relay::run`], woken here) publishes them when
/// the broker is back.
pub async fn relay_events(ctx: &AppState) -> usize {
    let relayed = event_relay::relay_once(ctx).await;
    if let Some(error) = relayed.error {
        tracing::warn!(%error, "insight events stay in the outbox for the relay loop");
        ctx.wake_relay.notify_one();
    }
    relayed.published
}

/// The scheduled pass: plan reports for due alerts, then deliver every due queued report.
pub async fn send_due_insights_once(ctx: &AppState) -> Result<InsightOutcome, AppError> {
    send_due_insights_at(ctx, Utc::now()).await
}

/// [`send_due_insights_once`] as if it were `now` (tests move time forward with it).
pub async fn send_due_insights_at(
    ctx: &AppState,
    now: DateTime<Utc>,
) -> Result<InsightOutcome, AppError> {
    let created = plan_due_reports(ctx, now).await?;
    let events_published = relay_events(ctx).await;
    let mut outcome = deliver_queued(ctx, now, None).await?;
    outcome.reports_created = created;
    outcome.events_published = events_published;
    Ok(outcome)
}

/// `send-insights --alert ID`: a report for this alert now, even if it had one this period.
pub async fn send_insights_for_alert(
    ctx: &AppState,
    alert_id: Uuid,
) -> Result<InsightOutcome, AppError> {
    let now = Utc::now();
    let AlertState::Known {
        alert: Some(alert), ..
    } = reports::alert_state(&ctx.db, alert_id).await?
    else {
        return Err(AppError::UnknownAlert(alert_id));
    };
    let mut outcome = InsightOutcome::default();
    if alert.paused == Some(true) {
        tracing::info!(%alert_id, "alert is paused; no insight email");
        return Ok(outcome);
    }
    if alert.insight_emails == Some(false) {
        tracing::info!(%alert_id, "the owner unsubscribed from insight emails; none sent");
        return Ok(outcome);
    }
    // `now` as the period start cannot collide with a scheduled period's start in practice,
    // and keeps the one-per-period constraint meaningful for the scheduled ones.
    if create_report(ctx, &alert, now, now).await? {
        outcome.reports_created = 1;
    }
    let events_published = relay_events(ctx).await;
    let delivered = deliver_queued(ctx, now, Some(alert_id)).await?;
    Ok(InsightOutcome {
        reports_created: outcome.reports_created,
        events_published,
        ..delivered
    })
}

/// Start of the insight period `now` falls in, for one alert. Periods are staggered by a phase
/// taken from the alert id, so alerts' emails spread over the period.
pub fn period_start(
    alert_id: Uuid,
    now: DateTime<Utc>,
    period: std::time::Duration,
) -> DateTime<Utc> {
    let period = i64::try_from(period.as_secs().max(1)).unwrap_or(i64::MAX);
    let phase = i64::try_from(alert_id.as_u128() % period as u128).unwrap_or(0);
    let seconds = now.timestamp();
    let start = (seconds - phase).div_euclid(period) * period + phase;
    Utc.timestamp_opt(start, 0).single().unwrap_or(now)
}

/// Computes and queues a report for every due alert; returns how many were created.
pub async fn plan_due_reports(ctx: &AppState, now: DateTime<Utc>) -> Result<usize, AppError> {
    let alerts = reports::active_alerts(&ctx.db).await?;
    let last = queue::last_reports(&ctx.db).await?;
    let period = ctx.settings.insights.period;
    let half_period = chrono::Duration::seconds(i64::try_from(period.as_secs() / 2).unwrap_or(0));

    let due: Vec<(dim_alert::Model, DateTime<Utc>)> = alerts
        .into_iter()
        .filter(|alert| alert.owner_email.is_some())
        .filter_map(|alert| {
            let slot = period_start(alert.alert_id, now, period);
            match last.get(&alert.alert_id) {
                Some((last_slot, last_generated))
                    if *last_slot >= slot || now - *last_generated < half_period =>
                {
                    None
                }
                _ => Some((alert, slot)),
            }
        })
        .collect();
    // A few reports at a time: each is a handful of short queries, so overlapping them hides
    // the round trips without loading the database.
    let created = futures::stream::iter(due)
        .map(|(alert, slot)| async move {
            match create_report(ctx, &alert, slot, now).await {
                Ok(created) => created,
                Err(error) => {
                    // One alert's failure must not stop the others' emails.
                    tracing::warn!(alert_id = %alert.alert_id, %error, "could not plan an insight report");
                    false
                }
            }
        })
        .buffer_unordered(PLANNING_CONCURRENCY)
        .filter(|created| futures::future::ready(*created))
        .count()
        .await;
    Ok(created)
}

/// Computes one alert's report, the same way the read API does, and queues it; false when
/// another worker already had.
async fn create_report(
    ctx: &AppState,
    alert: &dim_alert::Model,
    slot: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let Some(recipient) = alert.owner_email.as_deref() else {
        return Ok(false);
    };
    let report = reports::report_of(&ctx.db, alert, ctx.settings.insights.days, now).await?;
    // The queue row and its `insight.generated` event in one transaction: neither exists
    // without the other, whatever crashes when.
    let tx = ctx.db.conn.begin().await?;
    let created = queue::insert(
        &tx,
        ctx.db.dialect,
        NewReport {
            alert_id: alert.alert_id,
            period_start: slot,
            generated_at: now,
            report: &report,
            recipient,
            search_phrase: alert.search_phrase.as_deref().unwrap_or_default(),
            unsubscribe_url: alert.unsubscribe_url.as_deref(),
            message_id: ctx.mailer.new_message_id(),
        },
    )
    .await?;
    let Some(report_id) = created else {
        tx.rollback().await?;
        return Ok(false);
    };
    let event = Event::new(
        ANALYTICS_SOURCE,
        Some(alert.alert_id.to_string()),
        Payload::InsightGenerated(InsightGenerated::from_report(report_id, slot, &report)),
    );
    outbox::insert(&tx, ctx.db.dialect, &event, now).await?;
    tx.commit().await?;
    ctx.metrics.insight_reports_created.inc();
    Ok(true)
}

/// Delivers every queued report that is due (optionally only one alert's).
pub async fn deliver_queued(
    ctx: &AppState,
    now: DateTime<Utc>,
    only_alert: Option<Uuid>,
) -> Result<InsightOutcome, AppError> {
    let mut outcome = InsightOutcome::default();
    loop {
        let leased = queue::lease(&ctx.db, now, now + LEASE, LEASE_BATCH, only_alert).await?;
        let last_round = (leased.len() as i64) < LEASE_BATCH;
        for report in leased {
            deliver(ctx, report, now, &mut outcome).await?;
        }
        if last_round {
            return Ok(outcome);
        }
    }
}

async fn deliver(
    ctx: &AppState,
    leased: Leased,
    now: DateTime<Utc>,
    outcome: &mut InsightOutcome,
) -> Result<(), DbErr> {
    // The alert as it is now: paused or deleted since the report was planned means no email,
    // and a changed address means the new one.
    let alert = match reports::alert_state(&ctx.db, leased.alert_id).await? {
        AlertState::Known {
            alert: Some(alert), ..
        } if alert.paused != Some(true) && alert.insight_emails != Some(false) => alert,
        _ => {
            queue::finish(&ctx.db, leased.report_id, status::CANCELLED, None, now).await?;
            outcome.cancelled += 1;
            return Ok(());
        }
    };
    let Some(recipient) = alert.owner_email.clone() else {
        queue::finish(&ctx.db, leased.report_id, status::CANCELLED, None, now).await?;
        outcome.cancelled += 1;
        return Ok(());
    };
    let unsubscribe_url = alert.unsubscribe_url.clone().or(leased.unsubscribe_url);
    let phrase = alert.search_phrase.clone().unwrap_or(leased.search_phrase);

    let rendered = serde_json::from_str::<InsightReport>(&leased.report)
        .map_err(|e| e.to_string())
        .and_then(|report| {
            ctx.emails
                .render(
                    &report,
                    &EmailDetails {
                        search_phrase: &phrase,
                        public_url: &ctx.settings.public_url,
                        unsubscribe_url: unsubscribe_url.as_deref(),
                    },
                )
                .map_err(|e| e.to_string())
        });
    let email = match rendered {
        Ok(rendered) => {
            rendered.into_outgoing(&recipient, unsubscribe_url.as_deref(), &leased.message_id)
        }
        Err(error) => {
            tracing::error!(report_id = %leased.report_id, %error, "insight email cannot be rendered");
            queue::finish(&ctx.db, leased.report_id, status::FAILED, Some(&error), now).await?;
            ctx.metrics.insight_emails_failed.inc();
            outcome.failed += 1;
            return Ok(());
        }
    };

    let sent = ctx.mailer.send(&email).await;
    let policy = RetryPolicy {
        first_wait: Duration::from_secs(60),
        max_wait: Duration::from_secs(64 * 60),
        max_attempts: ctx.settings.insights.max_attempts,
    };
    let attempts = u32::try_from(leased.attempts).unwrap_or(0);
    match (policy.next_step(&sent, attempts), sent) {
        (NextStep::Sent, _) => {
            queue::finish(&ctx.db, leased.report_id, status::SENT, None, now).await?;
            ctx.metrics.insight_emails_sent.inc();
            outcome.sent += 1;
        }
        (NextStep::RetryAfter(wait), Err(error)) => {
            tracing::warn!(report_id = %leased.report_id, %error, attempts = leased.attempts, "insight email failed; will retry");
            let at = now + chrono::Duration::from_std(wait).unwrap_or_default();
            queue::retry_at(&ctx.db, leased.report_id, at, &error.to_string()).await?;
            ctx.metrics.insight_emails_retried.inc();
            outcome.retried += 1;
        }
        (_, result) => {
            let error = result.err().map(|e| e.to_string()).unwrap_or_default();
            tracing::error!(report_id = %leased.report_id, %error, "insight email failed for good");
            queue::finish(&ctx.db, leased.report_id, status::FAILED, Some(&error), now).await?;
            ctx.metrics.insight_emails_failed.inc();
            outcome.failed += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn periods_are_staggered_per_alert_and_contain_now() {
        let day = Duration::from_secs(86_400);
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let a = Uuid::from_u128(3_600);
        let b = Uuid::from_u128(7 * 3_600);

        let start_a = period_start(a, now, day);
        let start_b = period_start(b, now, day);

        assert_eq!(
            start_a,
            Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap()
        );
        assert_eq!(
            start_b,
            Utc.with_ymd_and_hms(2026, 11, 23, 7, 0, 0).unwrap()
        );
        for start in [start_a, start_b] {
            assert!(start <= now && now - start < chrono::Duration::days(1));
        }
        let early = Utc.with_ymd_and_hms(2026, 11, 23, 0, 30, 0).unwrap();
        assert_eq!(
            period_start(a, early, day),
            Utc.with_ymd_and_hms(2026, 11, 22, 1, 0, 0).unwrap()
        );
    }
}
