//! The email sender worker: delivers the email outbox ([`deliver_due_once`] for tests and
//! `run-due`, [`run`] the loop `serve` spawns).
//!
//! Rows are leased (`sending`, `leased_until`) in a short transaction with
//! `FOR UPDATE SKIP LOCKED`, so replicas never pick the same row; then sent outside any
//! transaction, then marked `sent`. If a process dies between sending and marking, the lease
//! expires and the row is sent again with the same Message-ID — the most SMTP allows — so a
//! duplicate is possible only in that window and recognisable by receivers.

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, Set,
    TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use mailer::{NextStep, RetryPolicy};

use crate::db::entities::email_outbox;
use crate::db::{skip_locked, sql};
use crate::email::{FAILED, QUEUED, SENDING, SENT};
use crate::state::AppState;

/// Attempts before giving up on transient failures (about a day with the backoff below).
pub const MAX_ATTEMPTS: i32 = 12;
/// How long a sender may hold a row before another may retry it.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Rows leased per round.
const BATCH: usize = 200;
/// How long a delivery's outcome is retried against an unreachable database; well inside
/// [`LEASE`], so the row is settled before another sender could take it again.
const RECORD_PATIENCE: Duration = Duration::from_secs(120);

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryOutcome {
    /// Delivered.
    pub sent: usize,
    /// Failed now, will be retried.
    pub retrying: usize,
    /// Failed for good.
    pub failed: usize,
}

#[derive(FromQueryResult)]
struct Due {
    id: Uuid,
}

/// Releases due digests ([`crate::email::digests`]), then leases due rows and delivers them.
pub async fn deliver_due_once(state: &AppState) -> Result<DeliveryOutcome, DbErr> {
    crate::email::digests::release_due(state).await?;
    deliver_due(state).await
}

/// Leases due rows and delivers them.
async fn deliver_due(state: &AppState) -> Result<DeliveryOutcome, DbErr> {
    let backend = state.db.get_database_backend();
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let due = Due::find_by_statement(sql(
        backend,
        &format!(
            "SELECT id FROM email_outbox WHERE (status = $1 AND next_attempt_at <= $2) \
             OR (status = $3 AND leased_until < $4) ORDER BY created_at LIMIT {BATCH}{}",
            skip_locked(backend)
        ),
        [QUEUED.into(), now.into(), SENDING.into(), now.into()],
    ))
    .all(&txn)
    .await?;
    let ids: Vec<Uuid> = due.into_iter().map(|d| d.id).collect();
    if ids.is_empty() {
        txn.commit().await?;
        return Ok(DeliveryOutcome::default());
    }
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value(SENDING))
        .col_expr(email_outbox::Column::LeasedUntil, Expr::value(now + LEASE))
        .col_expr(
            email_outbox::Column::Attempts,
            Expr::col(email_outbox::Column::Attempts).add(1),
        )
        .filter(email_outbox::Column::Id.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    txn.commit().await?;

    let rows = email_outbox::Entity::find()
        .filter(email_outbox::Column::Id.is_in(ids))
        .all(&state.db)
        .await?;
    let results: Vec<Result<Disposition, DbErr>> = futures::stream::iter(rows)
        .map(|row| deliver(state, row))
        .buffer_unordered(16)
        .collect()
        .await;
    let mut outcome = DeliveryOutcome::default();
    for result in results {
        match result? {
            Disposition::Sent => outcome.sent += 1,
            Disposition::Retrying => outcome.retrying += 1,
            Disposition::Failed => outcome.failed += 1,
        }
    }
    Ok(outcome)
}

enum Disposition {
    Sent,
    Retrying,
    Failed,
}

async fn deliver(state: &AppState, row: email_outbox::Model) -> Result<Disposition, DbErr> {
    let email = mailer::OutgoingEmail {
        to: row.recipient.clone(),
        subject: row.subject.clone(),
        text: row.text_body.clone(),
        html: row.html_body.clone(),
        inline_images: Vec::new(),
        unsubscribe_url: row.unsubscribe_url.clone(),
        message_id: Some(row.message_id.clone()),
    };
    let attempts = row.attempts;
    let mut update: email_outbox::ActiveModel = row.into();
    update.leased_until = Set(None);
    let sent = state.mailer.send(&email).await;
    let attempts_made = u32::try_from(attempts).unwrap_or(0);
    let disposition = match (RETRY.next_step(&sent, attempts_made), sent) {
        (NextStep::Sent, _) => {
            update.status = Set(SENT.to_owned());
            update.sent_at = Set(Some(Utc::now()));
            update.last_error = Set(None);
            state.metrics.emails_sent.inc();
            Disposition::Sent
        }
        (NextStep::RetryAfter(wait), Err(error)) => {
            tracing::warn!(%error, attempts, "email delivery failed; will retry");
            update.status = Set(QUEUED.to_owned());
            update.next_attempt_at =
                Set(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default());
            update.last_error = Set(Some(error.to_string()));
            state.metrics.email_failures.inc();
            Disposition::Retrying
        }
        (_, result) => {
            let error = result.err().map(|e| e.to_string()).unwrap_or_default();
            tracing::error!(%error, attempts, "email delivery failed for good");
            update.status = Set(FAILED.to_owned());
            update.last_error = Set(Some(error));
            state.metrics.email_failures.inc();
            Disposition::Failed
        }
    };
    record(state, update).await?;
    Ok(disposition)
}

/// Writes a delivery's outcome. After a successful send this write is what prevents a second
/// send, so a database blip (a restart, a failover) is waited out rather than leaving the row
/// leased, which would send the email again when the lease ends.
async fn record(state: &AppState, update: email_outbox::ActiveModel) -> Result<(), DbErr> {
    let deadline = tokio::time::Instant::now() + RECORD_PATIENCE;
    let mut wait = Duration::from_millis(250);
    loop {
        match update.clone().update(&state.db).await {
            Ok(_) => return Ok(()),
            Err(error) if tokio::time::Instant::now() + wait < deadline => {
                tracing::warn!(%error, "cannot record an email's delivery yet; retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(10));
            }
            Err(error) => return Err(error),
        }
    }
}

/// 10 s, 20 s, 40 s … capped at two hours, for [`MAX_ATTEMPTS`] attempts (about a day).
const RETRY: RetryPolicy = RetryPolicy {
    first_wait: Duration::from_secs(10),
    max_wait: Duration::from_secs(2 * 3600),
    max_attempts: MAX_ATTEMPTS as u32,
};

/// The wait before retrying after `attempts` attempts.
#[cfg(test)]
fn backoff(attempts: i32) -> chrono::Duration {
    chrono::Duration::from_std(RETRY.wait_after(u32::try_from(attempts).unwrap_or(0)))
        .unwrap_or_default()
}

/// Runs the sender until shutdown: woken when an email is queued, polling every 2 s otherwise.
pub async fn run(state: &AppState, shutdown: CancellationToken) {
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        // Until the held emails of an alert are released they are not due; a failure here is
        // retried next round and never stops the sending of what is due.
        if let Err(error) = crate::email::digests::release_due(state).await {
            tracing::warn!(%error, "email sender could not release digests");
        }
        match deliver_due(state).await {
            Ok(outcome) if outcome.sent + outcome.retrying + outcome.failed == BATCH => continue,
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "email sender could not reach the database"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = state.wake_sender.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn retries_back_off_exponentially_up_to_two_hours() {
        assert_eq!(backoff(1).num_seconds(), 20);
        assert_eq!(backoff(3).num_seconds(), 80);
        assert_eq!(backoff(30).num_seconds(), 7_200);
    }
}
