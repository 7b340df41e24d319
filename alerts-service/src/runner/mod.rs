//! The alert runner: finds due alerts, searches eBay once per distinct query, decides what is
//! new to each alert's owner, and commits per query group — seen listings, the runs, the next
//! run times, the emails and the `products.observed` events — in one transaction ([`record`]).
//!
//! Due alerts are leased with `FOR UPDATE SKIP LOCKED` plus a `leased_until` time, so any
//! number of replicas share the work, no alert runs twice at once, and an alert held by a
//! crashed replica is picked up again when its lease ends.

pub mod email;
pub mod filtering;
pub mod matching;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, TransactionTrait};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::entities::alert;
use crate::db::{skip_locked, sql};
use crate::state::AppState;
use crate::{ebay, listings, quota};
use matching::Listing;

/// Alerts leased per round.
const LEASE_BATCH: u64 = 500;
/// How long a runner may hold an alert.
const LEASE: chrono::Duration = chrono::Duration::minutes(5);
/// Distinct searches in flight at once.
const SEARCH_CONCURRENCY: usize = 16;
/// A failed search is retried after at most this long (or the alert's interval, if shorter).
const RETRY_AFTER_FAILURE: chrono::Duration = chrono::Duration::minutes(2);

/// The outcome of one alert's run, as `POST /api/v1/alerts/{id}/run` reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct RunSummary {
    /// Listings the search returned.
    pub items_found: usize,
    /// Listings mentioned in the email (new, cheaper, or at target).
    pub new_items: usize,
    /// Whether an email was queued.
    pub email_sent: bool,
    /// Listings the alert's filters hid, and why.
    pub hidden: filtering::Hidden,
}

/// What a scheduler pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CycleOutcome {
    /// Alerts that ran (successfully or not).
    pub alerts_run: usize,
    /// eBay searches made.
    pub ebay_calls: usize,
    /// Searches that failed (their alerts retry soon).
    pub failed_searches: usize,
    /// Emails queued.
    pub emails_queued: usize,
    /// Alerts postponed because today's eBay budget is spent.
    pub deferred: usize,
}

/// Why a run did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Database failure.
    #[error(transparent)]
    Database(#[from] DbErr),
    /// eBay failed; recorded on the run.
    #[error("eBay search failed: {0}")]
    Ebay(String),
    /// Today's budget is spent.
    #[error("today's eBay call budget is spent; the alert runs again at {0}")]
    BudgetSpent(DateTime<Utc>),
    /// The alert was deleted while it ran.
    #[error("the alert was deleted")]
    Gone,
}

/// Runs every due alert once (in batches until none is due) and returns what happened.
pub async fn run_due_once(state: &AppState) -> Result<CycleOutcome, DbErr> {
    let mut outcome = CycleOutcome::default();
    let demand = quota::daily_demand(&state.db).await?;
    let stretch = quota::stretch_factor(demand, state.settings.ebay_daily_call_budget);
    // Results of this cycle's searches by query: alerts of one query leased in different
    // batches still share one call.
    let searched: SearchCache = std::sync::Mutex::new(HashMap::new());
    loop {
        let leased = lease_due(state, Utc::now()).await?;
        if leased.is_empty() {
            break;
        }
        let batch_size = leased.len();
        let mut groups: HashMap<String, Vec<alert::Model>> = HashMap::new();
        for alert in leased {
            groups
                .entry(alert.query_key.clone())
                .or_default()
                .push(alert);
        }
        // Futures are built in a plain loop (not a closure) so the whole pass stays `Send`.
        let mut runs = Vec::with_capacity(groups.len());
        for group in groups.into_values() {
            runs.push(run_group(state, group, stretch, &searched));
        }
        let results: Vec<Result<CycleOutcome, DbErr>> = futures::stream::iter(runs)
            .buffer_unordered(SEARCH_CONCURRENCY)
            .collect()
            .await;
        for result in results {
            let part = result?;
            outcome.alerts_run += part.alerts_run;
            outcome.ebay_calls += part.ebay_calls;
            outcome.failed_searches += part.failed_searches;
            outcome.emails_queued += part.emails_queued;
            outcome.deferred += part.deferred;
        }
        if (batch_size as u64) < LEASE_BATCH {
            break;
        }
    }
    if outcome.emails_queued > 0 {
        state.wake_sender.notify_one();
    }
    if outcome.alerts_run > 0 {
        state.wake_relay.notify_one();
    }
    Ok(outcome)
}

/// Listings found per query key during one cycle.
type SearchCache = std::sync::Mutex<HashMap<String, std::sync::Arc<Vec<Listing>>>>;

/// Leases up to a batch of due, unpaused, unleased alerts.
async fn lease_due(state: &AppState, now: DateTime<Utc>) -> Result<Vec<alert::Model>, DbErr> {
    let backend = state.db.get_database_backend();
    let txn = state.db.begin().await?;
    let due = alert::Model::find_by_statement(sql(
        backend,
        &format!(
            "SELECT * FROM alerts WHERE paused = $1 AND next_run_at <= $2 AND (leased_until IS NULL OR leased_until < $3) \
             ORDER BY next_run_at LIMIT {LEASE_BATCH}{}",
            skip_locked(backend)
        ),
        [false.into(), now.into(), now.into()],
    ))
    .all(&txn)
    .await?;
    if !due.is_empty() {
        set_lease(&txn, due.iter().map(|a| a.id).collect(), Some(now + LEASE)).await?;
    }
    txn.commit().await?;
    Ok(due)
}

async fn set_lease<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
    until: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    alert::Entity::update_many()
        .col_expr(alert::Column::LeasedUntil, Expr::value(until))
        .filter(alert::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(())
}

/// Runs one alert now, as the scheduler would (the caller has checked ownership).
pub async fn run_alert_now(state: &AppState, alert: alert::Model) -> Result<RunSummary, RunError> {
    let stretch = quota::stretch_factor(
        quota::daily_demand(&state.db).await?,
        state.settings.ebay_daily_call_budget,
    );
    let now = Utc::now();
    let listings = match search(state, &alert, now).await {
        Ok(listings) => listings,
        Err(error @ RunError::BudgetSpent(_)) => {
            release(state, alert.id).await?;
            return Err(error);
        }
        Err(error) => {
            record_failure(state, &alert, &error.to_string(), stretch, now).await?;
            return Err(error);
        }
    };
    let txn = state.db.begin().await?;
    let summary = listings::record_runs(
        state,
        &txn,
        std::slice::from_ref(&alert),
        &listings,
        now,
        stretch,
        false,
    )
    .await?
    .pop()
    .map(|(_, summary)| summary);
    txn.commit().await?;
    let Some(summary) = summary else {
        return Err(RunError::Gone);
    };
    if summary.email_sent {
        state.wake_sender.notify_one();
    }
    state.wake_relay.notify_one();
    Ok(summary)
}

async fn run_group(
    state: &AppState,
    group: Vec<alert::Model>,
    stretch: f64,
    searched: &SearchCache,
) -> Result<CycleOutcome, DbErr> {
    let now = Utc::now();
    let mut outcome = CycleOutcome::default();
    let Some(first) = group.first() else {
        return Ok(outcome);
    };
    let cached = searched
        .lock()
        .ok()
        .and_then(|c| c.get(&first.query_key).cloned());
    let found = match cached {
        Some(listings) => Ok(listings),
        None => search(state, first, now).await.map(|listings| {
            outcome.ebay_calls = 1;
            let listings = std::sync::Arc::new(listings);
            if let Ok(mut cache) = searched.lock() {
                cache.insert(first.query_key.clone(), listings.clone());
            }
            listings
        }),
    };
    match found {
        Ok(listings) => {
            // One transaction for every alert of the query: one commit (one WAL flush) per
            // group instead of per alert. A database error rolls the group back; the leases
            // then expire and the alerts run again, with nothing half-done.
            let shared = group.len() > 1;
            let txn = state.db.begin().await?;
            let summaries =
                listings::record_runs(state, &txn, &group, &listings, now, stretch, shared).await?;
            txn.commit().await?;
            outcome.alerts_run += summaries.len();
            outcome.emails_queued += summaries.iter().filter(|(_, s)| s.email_sent).count();
        }
        Err(RunError::BudgetSpent(until)) => {
            for alert in &group {
                postpone(state, alert, until.min(now + interval(alert, stretch))).await?;
            }
            outcome.deferred = group.len();
        }
        Err(error) => {
            outcome.ebay_calls = 1;
            outcome.failed_searches = 1;
            for alert in &group {
                record_failure(state, alert, &error.to_string(), stretch, now).await?;
                outcome.alerts_run += 1;
            }
        }
    }
    Ok(outcome)
}

fn interval(alert: &alert::Model, stretch: f64) -> chrono::Duration {
    chrono::Duration::minutes(i64::from(quota::effective_interval_minutes(
        alert.frequency_minutes,
        stretch,
    )))
}

/// One eBay call for the alert's query, within today's budget.
async fn search(
    state: &AppState,
    alert: &alert::Model,
    now: DateTime<Utc>,
) -> Result<Vec<Listing>, RunError> {
    if !state
        .calls
        .try_take(state.settings.ebay_daily_call_budget, now)
        .await
    {
        return Err(RunError::BudgetSpent(quota::resets_at(now)));
    }
    let request = ebay::search_request(
        alert,
        state.settings.ebay_search_limit,
        &state.settings.ebay_marketplace,
    );
    let response = match state.ebay.search(&request).await {
        Ok(response) => response,
        Err(ebay_sdk::EbayError::QuotaExhausted { .. }) => {
            // eBay's limits are daily: retrying now would only fail again. Stop every replica
            // until eBay's day ends, and say so once.
            tracing::warn!(alert = %alert.id, "eBay answered 429: today's Browse API quota is spent; searches resume after eBay's daily reset");
            state
                .calls
                .exhaust(state.settings.ebay_daily_call_budget, now)
                .await;
            return Err(RunError::BudgetSpent(quota::resets_at(now)));
        }
        Err(error) => return Err(RunError::Ebay(error.to_string())),
    };

    if !response.warnings.is_empty() {
        tracing::warn!(alert = %alert.id, warnings = ?response.warnings, "eBay returned warnings");
    }
    Ok(response
        .item_summaries
        .into_iter()
        .filter_map(|item| ebay::listing(item, &alert.currency))
        .collect())
}

/// Records a failed search on the alert and its run; it is retried soon.
async fn record_failure(
    state: &AppState,
    alert: &alert::Model,
    error: &str,
    stretch: f64,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let retry = now + interval(alert, stretch).min(RETRY_AFTER_FAILURE);
    let message: String = error.chars().take(500).collect();
    let txn = state.db.begin().await?;
    listings::insert_runs(
        &txn,
        &[listings::RunRow {
            id: Uuid::now_v7(),
            alert_id: alert.id,
            started_at: now,
            status: "error",
            items_found: 0,
            new_items: 0,
            email_sent: false,
            shared_search: false,
            error: Some(message.clone()),
            hidden: None,
        }],
    )
    .await?;
    txn.execute_raw(sql(
        txn.get_database_backend(),
        "UPDATE alerts SET next_run_at = $1, last_run_status = $2, last_run_error = $3, leased_until = NULL WHERE id = $4",
        [retry.into(), "error".into(), message.into(), alert.id.into()],
    ))
    .await?;
    txn.commit().await
}

async fn postpone(
    state: &AppState,
    alert: &alert::Model,
    until: DateTime<Utc>,
) -> Result<(), DbErr> {
    state
        .db
        .execute_raw(sql(
            state.db.get_database_backend(),
            "UPDATE alerts SET next_run_at = $1, leased_until = NULL WHERE id = $2",
            [until.into(), alert.id.into()],
        ))
        .await?;
    Ok(())
}

/// Takes the lease of one alert for a manual run; `false` if a runner holds it.
pub async fn lease_one(state: &AppState, alert_id: Uuid) -> Result<bool, DbErr> {
    let now = Utc::now();
    let result = state
        .db
        .execute_raw(sql(
            state.db.get_database_backend(),
            "UPDATE alerts SET leased_until = $1 WHERE id = $2 AND (leased_until IS NULL OR leased_until < $3)",
            [(now + LEASE).into(), alert_id.into(), now.into()],
        ))
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Gives a lease back without running (e.g. after a failure before the run was recorded).
pub async fn release(state: &AppState, alert_id: Uuid) -> Result<(), DbErr> {
    set_lease(&state.db, vec![alert_id], None).await
}
