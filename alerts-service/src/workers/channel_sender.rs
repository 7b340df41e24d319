//! The channel sender worker: delivers the channel outbox ([`deliver_due_once`] for tests and
//! `run-due`, [`run`] the loop `serve` spawns beside the email sender).
//!
//! Rows are leased in a short transaction (`FOR UPDATE SKIP LOCKED`, `leased_until`), then
//! each is delivered as its own task: at most [`crate::channels::PER_HOST_CONCURRENCY`] at once
//! per receiver host, each bounded by the client's timeouts, so a slow or dead receiver holds
//! only its own host's slots — never other channels, the email sender or the runner. A row
//! that waits too long for its host's slot goes back to the queue unattempted.
//!
//! Retries: timeouts, connection failures, 408, 429 and 5xx are retried with exponential
//! backoff and jitter (5 s doubling to at most an hour, [`MAX_ATTEMPTS`] attempts), never
//! sooner than the receiver's `Retry-After`; other answers fail the row for good and show on
//! the channel. Every attempt of a row carries the same `webhook-id`, so a receiver that saw
//! an attempt whose answer was lost drops the repeat: exactly one delivery per receiver.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::DbErr;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::channels::send::{self, Delivery, Outcome};
use crate::channels::store::{self, Due, Settled};
use crate::channels::{ChannelUrl, Notification};
use crate::state::AppState;

/// Attempts before a notification is given up: eleven waits of 5 s doubling to the hour's cap,
/// 8,715 s in all before jitter, so between about 1.2 and 2.4 hours of retries.
pub const MAX_ATTEMPTS: i32 = 12;
/// How long a sender may hold a row: host wait + request timeout + recording, with room.
const LEASE: chrono::Duration = chrono::Duration::minutes(2);
/// Rows leased per round.
const BATCH: usize = 500;
/// How long a row waits for a slot of its receiver host before going back to the queue.
const HOST_WAIT: Duration = Duration::from_secs(20);
/// The first retry's wait; it doubles per attempt.
const FIRST_WAIT: Duration = Duration::from_secs(5);
/// The longest wait between attempts.
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChannelOutcome {
    /// Delivered.
    pub sent: usize,
    /// Failed now, will be retried (or waited for their host).
    pub retrying: usize,
    /// Failed for good.
    pub failed: usize,
}

impl ChannelOutcome {
    fn add(&mut self, d: Disposition) {
        match d {
            Disposition::Sent => self.sent += 1,
            Disposition::Retrying => self.retrying += 1,
            Disposition::Failed => self.failed += 1,
        }
    }
}

/// How one row ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Disposition {
    Sent,
    Retrying,
    Failed,
}

/// Turns held notifications whose time has come (quiet hours over, a digest hour reached) into
/// one digest per channel (insight summaries go out as they are); returns how many digests and
/// summaries were queued. Each channel's digest row
/// and the marking of the rows it carries commit together, and the held rows are locked
/// (`SKIP LOCKED`) while that happens, so a replica dying midway leaves them held for the next
/// pass and two replicas never digest the same row.
pub async fn release_digests_once(state: &Arc<AppState>) -> Result<usize, DbErr> {
    use sea_orm::TransactionTrait;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let held = store::lock_due_held(&txn, now, BATCH).await?;
    let mut by_channel: Vec<(
        uuid::Uuid,
        Vec<uuid::Uuid>,
        Vec<crate::channels::Notification>,
    )> = Vec::new();
    // Insight summaries held through quiet hours go out as they are.
    let (summaries, held): (Vec<_>, Vec<_>) = held
        .into_iter()
        .partition(|row| row.kind == crate::channels::notify::INSIGHT_KIND);
    let summaries: Vec<uuid::Uuid> = summaries.iter().map(|row| row.id).collect();
    store::release_as_is(&txn, &summaries, now).await?;
    for row in held {
        let parsed = serde_json::from_str(&row.payload);
        if parsed.is_err() {
            // Written by this code; one that does not read is carried with the others (so it
            // is not picked up forever) but adds nothing to the digest.
            tracing::error!(id = %row.id, "a held channel notification does not parse");
        }
        let group = match by_channel.iter().position(|(c, _, _)| *c == row.channel_id) {
            Some(i) => &mut by_channel[i],
            None => {
                by_channel.push((row.channel_id, Vec::new(), Vec::new()));
                let last = by_channel.len() - 1;
                &mut by_channel[last]
            }
        };
        group.1.push(row.id);
        group.2.extend(parsed.ok());
    }
    let mut written = 0;
    for (channel_id, ids, notes) in &by_channel {
        if let Some(digest) = crate::channels::digest::combine(notes, now) {
            store::write_digest(&txn, *channel_id, &digest, ids, now).await?;
            written += 1;
        }
    }
    txn.commit().await?;
    Ok(written + summaries.len())
}

/// Releases due digests, then leases due rows and delivers them all, concurrently, before
/// returning.
pub async fn deliver_due_once(state: &Arc<AppState>) -> Result<ChannelOutcome, DbErr> {
    release_digests_once(state).await?;
    let due = store::lease_due(&state.db, state.clock.now(), LEASE, BATCH).await?;
    let mut tasks = JoinSet::new();
    for row in due {
        let state = state.clone();
        tasks.spawn(async move { deliver(&state, row).await });
    }
    let mut outcome = ChannelOutcome::default();
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(d)) => outcome.add(d),
            Ok(Err(error)) => return Err(error),
            Err(error) => tracing::error!(%error, "a channel delivery task panicked"),
        }
    }
    Ok(outcome)
}

/// The wait before the attempt after `attempts` attempts: exponential, with jitter so that
/// many rows failing together (a receiver that was down) do not return together, and never
/// sooner than the receiver asked.
pub fn backoff(attempts: i32, retry_after: Option<Duration>, jitter: f64) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(0);
    let base = FIRST_WAIT
        .saturating_mul(2u32.saturating_pow(exponent))
        .min(MAX_WAIT);
    // Between half and all of the base.
    let jittered = base.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0));
    jittered.max(retry_after.unwrap_or_default())
}

async fn deliver(state: &AppState, due: Due) -> Result<Disposition, DbErr> {
    let channels = &state.channels;
    let kind = due.kind.clone();
    let context = due.channel_id.as_bytes();
    let opened = channels
        .secrets
        .open(&due.url_sealed, context)
        .map_err(|e| e.to_string())
        .and_then(|u| ChannelUrl::parse(&u).map_err(|e| e.to_string()));
    let url = match opened {
        Ok(url) => url,
        Err(error) => return fail(state, &due, &kind, None, error).await,
    };
    let secret = match due
        .secret_sealed
        .as_deref()
        .map(|s| channels.secrets.open(s, context))
    {
        None => None,
        Some(Ok(secret)) => Some(secret),
        Some(Err(error)) => return fail(state, &due, &kind, None, error.to_string()).await,
    };
    let notification: Notification = match serde_json::from_str(&due.payload) {
        Ok(n) => n,
        Err(error) => {
            return fail(
                state,
                &due,
                &kind,
                None,
                format!("unreadable notification: {error}"),
            )
            .await;
        }
    };
    let host = url
        .endpoint(&channels.bases)
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let gate = channels.host_gate(&host);
    let Ok(Ok(permit)) = tokio::time::timeout(HOST_WAIT, gate.acquire_owned()).await else {
        // Its host is busy with slower deliveries: back in the queue, this attempt not counted.
        let at = state.clock.now() + chrono::Duration::seconds(1);
        store::requeue(&state.db, due.id, at).await?;
        return Ok(Disposition::Retrying);
    };
    let attempt = send::deliver(
        channels,
        Delivery {
            url: &url,
            secret: secret.as_deref(),
            title_template: due.title_template.as_deref(),
            body_template: due.body_template.as_deref(),
            message_id: due.id.to_string(),
            notification: &notification,
        },
    )
    .await;
    // The host's slot is for the request only; recording the outcome does not hold it.
    drop(permit);
    // Leasing reads the injected clock, so the retry times it compares with must too.
    let now = state.clock.now();
    let label = [kind.as_str()];
    match attempt.next {
        Outcome::Delivered => {
            store::settle(&state.db, &due, &Settled::Sent, attempt.status, None, now).await?;
            channels.metrics.sent.with_label_values(&label).inc();
            Ok(Disposition::Sent)
        }
        Outcome::Retry { after } if due.attempts < MAX_ATTEMPTS => {
            let wait = backoff(due.attempts, after, rand::random::<f64>());
            let at = now + chrono::Duration::from_std(wait).unwrap_or_default();
            tracing::warn!(channel = %due.channel_id, %kind, attempts = due.attempts, status = ?attempt.status, "channel delivery failed; will retry");
            store::settle(
                &state.db,
                &due,
                &Settled::Retry(at),
                attempt.status,
                attempt.error,
                now,
            )
            .await?;
            channels.metrics.retried.with_label_values(&label).inc();
            Ok(Disposition::Retrying)
        }
        Outcome::Retry { .. } => {
            // The attempt's own error promises a retry; the channel must say there is none.
            let error = attempt.error.unwrap_or_else(|| "failed".into());
            let error = format!(
                "{}; gave up after {MAX_ATTEMPTS} attempts",
                error.trim_end_matches("; will retry")
            );
            fail(state, &due, &kind, attempt.status, error).await
        }
        Outcome::Failed => {
            let error = attempt.error.unwrap_or_else(|| "failed".into());
            fail(state, &due, &kind, attempt.status, error).await
        }
    }
}

async fn fail(
    state: &AppState,
    due: &Due,
    kind: &str,
    status: Option<u16>,
    error: String,
) -> Result<Disposition, DbErr> {
    tracing::warn!(channel = %due.channel_id, %kind, ?status, %error, "channel delivery failed for good");
    let now = state.clock.now();
    store::settle(&state.db, due, &Settled::Failed, status, Some(error), now).await?;
    state
        .channels
        .metrics
        .failed
        .with_label_values(&[kind])
        .inc();
    Ok(Disposition::Failed)
}

/// Runs the sender until shutdown: each round's deliveries run as their own tasks, so the next
/// round starts without waiting for a slow receiver; woken when a run queued notifications,
/// polling every second otherwise.
pub async fn run(state: Arc<AppState>, shutdown: CancellationToken) {
    let mut tasks: JoinSet<Result<Disposition, DbErr>> = JoinSet::new();
    loop {
        while let Some(joined) = tasks.try_join_next() {
            if let Ok(Err(error)) = joined {
                tracing::warn!(%error, "channel sender could not record a delivery");
            }
        }
        if shutdown.is_cancelled() {
            break;
        }
        if let Err(error) = release_digests_once(&state).await {
            tracing::warn!(%error, "channel sender could not release digests");
        }
        let leased = match store::lease_due(&state.db, state.clock.now(), LEASE, BATCH).await {
            Ok(rows) => rows,
            Err(error) => {
                tracing::warn!(%error, "channel sender could not reach the database");
                Vec::new()
            }
        };
        let full = leased.len() == BATCH;
        for row in leased {
            let state = state.clone();
            tasks.spawn(async move { deliver(&state, row).await });
        }
        if full {
            continue;
        }
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = state.wake_channels.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
    // Finish what is in flight (commit, then stop), as every worker does.
    while tasks.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_an_hour_and_honours_retry_after() {
        let cases = [
            (1, None, 1.0, 5),
            (1, None, 0.0, 2),
            (2, None, 1.0, 10),
            (4, None, 1.0, 40),
            (30, None, 1.0, 3600),
            (30, None, 0.0, 1800),
            (1, Some(120), 1.0, 120),
            (4, Some(3), 1.0, 40),
        ];
        for (attempts, after, jitter, secs) in cases {
            let wait = backoff(attempts, after.map(Duration::from_secs), jitter);
            assert_eq!(wait.as_secs(), secs, "{attempts} {after:?} {jitter}");
        }
    }
}
