//! Daily housekeeping: fact partitions for the coming months, and retention — observations
//! older than `ANALYTICS_RETENTION_DAYS` go (whole monthly partitions dropped on Postgres, rows
//! deleted on SQLite), while the daily rollups stay (only their price histograms are emptied),
//! so long-range charts keep working.
//!
//! On Postgres a month is dropped only once all of it is past the cutoff, so up to a month more
//! than the retention period is kept: dropping a partition is instant and leaves no bloat,
//! which a `DELETE` of millions of rows would not.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbErr, Value};

use crate::db::Dialect;
use crate::db::partitions;
use crate::state::AppState;

/// Processed event ids are kept this long: far beyond any redelivery, and beyond it a replayed
/// observation is still stopped by the fact table's unique key and an alert event by revisions.
pub const INBOX_RETENTION: Duration = Duration::days(30);

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MaintenanceOutcome {
    /// Partitions created ahead.
    pub partitions_created: usize,
    /// Partitions dropped past retention.
    pub partitions_dropped: Vec<String>,
    /// Observation rows deleted (SQLite).
    pub observations_deleted: u64,
    /// Daily price histograms emptied (their statistics stay).
    pub histograms_cleared: u64,
    /// Inbox rows deleted.
    pub inbox_rows_deleted: u64,
}

/// Runs housekeeping as of now.
pub async fn run_maintenance_once(ctx: &AppState) -> Result<MaintenanceOutcome, DbErr> {
    run_maintenance_at(ctx, Utc::now()).await
}

/// Runs housekeeping as of `now`.
pub async fn run_maintenance_at(
    ctx: &AppState,
    now: DateTime<Utc>,
) -> Result<MaintenanceOutcome, DbErr> {
    let db = &ctx.db;
    let today = now.date_naive();
    let cutoff = today - Duration::days(i64::from(ctx.settings.retention_days));
    let mut outcome = MaintenanceOutcome::default();

    if db.dialect == Dialect::Postgres {
        let ahead = partitions::months_ahead(today).into_iter().collect();
        outcome.partitions_created = partitions::ensure(db, &ahead).await?;
        outcome.partitions_dropped = partitions::drop_before(db, cutoff).await?;
    } else {
        outcome.observations_deleted = db
            .conn
            .execute_raw(db.dialect.statement(
                "DELETE FROM fact_price_observation WHERE observed_date < $1",
                vec![Value::from(cutoff)],
            ))
            .await?
            .rows_affected();
    }
    // A day past retention gets no more observations; its histogram is dead weight.
    outcome.histograms_cleared = db
        .conn
        .execute_raw(db.dialect.statement(
            "UPDATE daily_rollup SET price_counts = '' WHERE day < $1 AND price_counts <> ''",
            vec![Value::from(cutoff)],
        ))
        .await?
        .rows_affected();
    // The same for segments (not counted apart: the same days, the same dead weight).
    db.conn
        .execute_raw(db.dialect.statement(
            "UPDATE segment_rollup SET price_counts = '' WHERE day < $1 AND price_counts <> ''",
            vec![Value::from(cutoff)],
        ))
        .await?;
    // Per-listing days are only read for the insight window (at most 90 days), but are kept as
    // long as the observations so a longer window can be added without a backfill.
    db.conn
        .execute_raw(db.dialect.statement(
            "DELETE FROM alert_listing_day WHERE day < $1",
            vec![Value::from(cutoff)],
        ))
        .await?;
    db.conn
        .execute_raw(db.dialect.statement(
            "DELETE FROM ingested_run WHERE observed_at < $1",
            vec![Value::from(
                now - chrono::Duration::days(i64::from(ctx.settings.retention_days)),
            )],
        ))
        .await?;
    outcome.inbox_rows_deleted = db
        .conn
        .execute_raw(db.dialect.statement(
            "DELETE FROM inbox WHERE processed_at < $1",
            vec![Value::from(now - INBOX_RETENTION)],
        ))
        .await?
        .rows_affected();
    tracing::info!(?outcome, %cutoff, "maintenance done");
    Ok(outcome)
}
