//! The event relay worker: publishes committed event outbox rows in id order and marks them
//! published ([`relay_once`] for tests and `run-due`, [`run`] the loop `serve` spawns).
//!
//! Several replicas may run the relay: on Postgres a transaction-scoped advisory lock lets one
//! relay work at a time (so events leave in commit order), and rows are leased with
//! `FOR UPDATE SKIP LOCKED`, so no row is published twice by two relays. A crash after publishing
//! but before marking republishes those rows: delivery is at-least-once and consumers deduplicate
//! on the event id.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use crate::config::policy;
use crate::db::entities::event_outbox;
use crate::db::{skip_locked, sql};
use crate::state::AppState;
use tokio_util::sync::CancellationToken;

/// Rows published per round.
pub const BATCH: u64 = 500;
/// Arbitrary constant naming the relay's advisory lock.
const RELAY_LOCK: i64 = 0x0eba_7a1e_0001;

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RelayOutcome {
    /// Events published.
    pub published: usize,
    /// Events that failed and wait for a retry.
    pub failed: usize,
    /// Another replica held the relay lock.
    pub skipped: bool,
}

#[derive(FromQueryResult)]
struct Pending {
    id: i64,
    topic: String,
    payload: String,
}

/// Publishes up to [`BATCH`] due rows.
pub async fn relay_once(state: &AppState) -> Result<RelayOutcome, DbErr> {
    let backend = state.db.get_database_backend();
    let txn = state.db.begin().await?;
    if backend == DbBackend::Postgres {
        let locked = txn
            .query_one_raw(sql(
                backend,
                "SELECT pg_try_advisory_xact_lock($1) AS locked",
                [RELAY_LOCK.into()],
            ))
            .await?
            .map(|row| row.try_get::<bool>("", "locked"))
            .transpose()?
            .unwrap_or(false);
        if !locked {
            txn.commit().await?;
            return Ok(RelayOutcome {
                skipped: true,
                ..RelayOutcome::default()
            });
        }
    }
    let now = Utc::now();
    let rows = Pending::find_by_statement(sql(
        backend,
        &format!(
            "SELECT id, topic, payload FROM event_outbox WHERE published_at IS NULL AND next_attempt_at <= $1 \
             ORDER BY id LIMIT {BATCH}{}",
            skip_locked(backend)
        ),
        [now.into()],
    ))
    .all(&txn)
    .await?;

    let mut outcome = RelayOutcome::default();
    // Consecutive rows of one topic go out as one pipelined batch, preserving order.
    let mut start = 0;
    while start < rows.len() {
        let topic = &rows[start].topic;
        let end = rows[start..]
            .iter()
            .position(|r| &r.topic != topic)
            .map_or(rows.len(), |n| start + n);
        let group = &rows[start..end];
        let payloads: Vec<Vec<u8>> = group
            .iter()
            .map(|r| r.payload.clone().into_bytes())
            .collect();
        let ids: Vec<i64> = group.iter().map(|r| r.id).collect();
        match state
            .transport
            .publisher()
            .publish_encoded(topic, &payloads)
            .await
        {
            Ok(()) => {
                event_outbox::Entity::update_many()
                    .col_expr(event_outbox::Column::PublishedAt, Expr::value(Utc::now()))
                    .filter(event_outbox::Column::Id.is_in(ids))
                    .exec(&txn)
                    .await?;
                outcome.published += group.len();
            }
            Err(error) => {
                tracing::warn!(%error, events = rows.len() - start, "could not publish events; will retry");
                state.metrics.outbox_publish_failures.inc();
                let rest: Vec<i64> = rows[start..].iter().map(|r| r.id).collect();
                event_outbox::Entity::update_many()
                    .col_expr(
                        event_outbox::Column::Attempts,
                        Expr::col(event_outbox::Column::Attempts).add(1),
                    )
                    .col_expr(
                        event_outbox::Column::NextAttemptAt,
                        Expr::value(Utc::now() + chrono::Duration::seconds(2)),
                    )
                    .col_expr(
                        event_outbox::Column::LastError,
                        Expr::value(error.to_string()),
                    )
                    .filter(event_outbox::Column::Id.is_in(rest))
                    .exec(&txn)
                    .await?;
                outcome.failed = rows.len() - start;
                break;
            }
        }
        start = end;
    }
    txn.commit().await?;
    Ok(outcome)
}

/// Deletes published rows older than the retention period.
pub async fn prune(state: &AppState) -> Result<u64, DbErr> {
    let cutoff =
        Utc::now() - chrono::Duration::from_std(policy::OUTBOX_RETENTION).unwrap_or_default();
    let deleted = event_outbox::Entity::delete_many()
        .filter(event_outbox::Column::PublishedAt.lt(cutoff))
        .exec(&state.db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Unpublished events (for `/metrics` and readiness).
pub async fn backlog(state: &AppState) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    event_outbox::Entity::find()
        .filter(event_outbox::Column::PublishedAt.is_null())
        .count(&state.db)
        .await
}

/// Runs the relay until `shutdown` resolves: woken by new outbox rows, polling every second for
/// rows written by other replicas, backing off while the broker is down.
pub async fn run(state: &AppState, shutdown: CancellationToken) {
    let mut backoff = Duration::from_millis(200);
    let mut last_prune = tokio::time::Instant::now();
    loop {
        if shutdown.is_cancelled() {
            return;
        }
        match relay_once(state).await {
            Ok(outcome) if outcome.failed == 0 => {
                backoff = Duration::from_millis(200);
                if outcome.published as u64 == BATCH {
                    continue;
                }
            }
            Ok(_) => {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
                continue;
            }
            Err(error) => tracing::warn!(%error, "event relay could not reach the database"),
        }
        if last_prune.elapsed() > Duration::from_secs(600) {
            last_prune = tokio::time::Instant::now();
            if let Err(error) = prune(state).await {
                tracing::warn!(%error, "could not prune the event outbox");
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = state.wake_relay.notified() => {}
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
