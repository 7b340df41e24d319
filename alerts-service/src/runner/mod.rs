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
pub mod planner;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, TransactionTrait};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::SchedulerPolicy;
use crate::db::entities::alert;
use crate::db::{skip_locked, sql};
use crate::state::AppState;
use crate::{ebay, listings, query_groups, quota};
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
    /// Whether an email was queued (or held for a digest: quiet hours, a digest alert).
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

/// How often each alert runs: the uniform stretch, or the adaptive plan per query group.
#[derive(Debug, Clone)]
pub enum Cadence {
    /// Every alert's interval times one factor (`SCHEDULER_POLICY=uniform`).
    Uniform(f64),
    /// Minutes between searches per query key ([`planner::plan`]); an alert that asks for
    /// less often keeps its own frequency.
    Planned(HashMap<String, i32>),
}

impl Cadence {
    /// The cadence of the configured policy at `now`.
    pub async fn current(state: &AppState, now: DateTime<Utc>) -> Result<Self, DbErr> {
        let budget = state.settings.ebay_daily_call_budget;
        match state.settings.scheduler_policy {
            SchedulerPolicy::Uniform => {
                let demand = quota::daily_demand(&state.db).await?;
                Ok(Self::Uniform(quota::stretch_factor(demand, budget)))
            }
            SchedulerPolicy::Adaptive => {
                let plan = current_plan(state, now).await?;
                Ok(Self::Planned(
                    plan.groups
                        .into_iter()
                        .map(|g| (g.query_key, g.interval_minutes))
                        .collect(),
                ))
            }
        }
    }

    /// Minutes until the alert's next run.
    pub fn interval_minutes(&self, alert: &alert::Model) -> i32 {
        match self {
            Self::Uniform(stretch) => {
                quota::effective_interval_minutes(alert.frequency_minutes, *stretch)
            }
            Self::Planned(intervals) => intervals
                .get(&alert.query_key)
                .copied()
                .unwrap_or(alert.frequency_minutes)
                .max(alert.frequency_minutes),
        }
    }
}

/// The adaptive plan for every active query group, with the rest of today's budget.
pub async fn current_plan(state: &AppState, now: DateTime<Utc>) -> Result<planner::Plan, DbErr> {
    let budget = u64::from(state.settings.ebay_daily_call_budget);
    let remaining = budget.saturating_sub(state.calls.used(now).await);
    let pace = planner::pace_per_hour(remaining, quota::resets_at(now) - now);
    let groups = query_groups::active(&state.db).await?;
    Ok(planner::plan(&groups, pace, now))
}

/// Runs every due alert once (in batches until none is due) and returns what happened.
pub async fn run_due_once(state: &AppState) -> Result<CycleOutcome, DbErr> {
    let mut outcome = CycleOutcome::default();
    let cadence = Cadence::current(state, state.clock.now()).await?;
    // Results of this cycle's searches by query: alerts of one query leased in different
    // batches still share one call.
    let searched: SearchCache = std::sync::Mutex::new(HashMap::new());
    loop {
        let now = state.clock.now();
        let leased = lease_due(state, now).await?;
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
        // When the budget may not reach every due group, the ones with the most new listings
        // waiting (and any past the starvation ceiling) go first.
        let keys: Vec<String> = groups.keys().cloned().collect();
        let models = query_groups::models(&state.db, &keys).await?;
        let mut ordered: Vec<(f64, Vec<alert::Model>)> = groups
            .into_iter()
            .map(|(key, group)| {
                let model = models.get(&key).copied().unwrap_or_default();
                (planner::priority(&model, now), group)
            })
            .collect();
        ordered.sort_by(|a, b| b.0.total_cmp(&a.0));
        // Futures are built in a plain loop (not a closure) so the whole pass stays `Send`.
        let mut runs = Vec::with_capacity(ordered.len());
        for (_, group) in ordered {
            let model = group
                .first()
                .and_then(|a| models.get(&a.query_key))
                .copied()
                .unwrap_or_default();
            runs.push(run_group(state, group, model, &cadence, &searched));
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
type SearchCache = std::sync::Mutex<HashMap<String, std::sync::Arc<Found>>>;

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
    let now = state.clock.now();
    let cadence = Cadence::current(state, now).await?;
    let model = query_groups::models(&state.db, std::slice::from_ref(&alert.query_key))
        .await?
        .remove(&alert.query_key)
        .unwrap_or_default();
    let found = match search(state, &alert, model.last_run_at, now).await {
        Ok(found) => found,
        Err(error @ RunError::BudgetSpent(_)) => {
            release(state, alert.id).await?;
            return Err(error);
        }
        Err(error) => {
            record_failure(state, &alert, &error.to_string(), &cadence, now).await?;
            return Err(error);
        }
    };
    let txn = state.db.begin().await?;
    let summary = listings::record_runs(
        state,
        &txn,
        std::slice::from_ref(&alert),
        &found.listings,
        now,
        &cadence,
        false,
    )
    .await?
    .pop()
    .map(|(_, summary)| summary);
    learn(&txn, &alert.query_key, model, &found, now).await?;
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

/// Updates the group's model with what a search found, in the run's transaction.
async fn learn<C: ConnectionTrait>(
    db: &C,
    query_key: &str,
    model: planner::GroupModel,
    found: &Found,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let auction_ends_at = found
        .listings
        .iter()
        .filter(|l| l.is_auction())
        .filter_map(|l| l.ends_at)
        .filter(|end| *end > now)
        .min();
    let updated = model.observe(now, found.new_listings, auction_ends_at);
    query_groups::save(
        db,
        query_key,
        &updated,
        found.new_listings,
        found.pages,
        now,
    )
    .await
}

async fn run_group(
    state: &AppState,
    group: Vec<alert::Model>,
    model: planner::GroupModel,
    cadence: &Cadence,
    searched: &SearchCache,
) -> Result<CycleOutcome, DbErr> {
    let now = state.clock.now();
    let mut outcome = CycleOutcome::default();
    let Some(first) = group.first() else {
        return Ok(outcome);
    };
    let cached = searched
        .lock()
        .ok()
        .and_then(|c| c.get(&first.query_key).cloned());
    let fresh = cached.is_none();
    let found = match cached {
        Some(found) => Ok(found),
        None => search(state, first, model.last_run_at, now)
            .await
            .map(|found| {
                outcome.ebay_calls = found.pages as usize;
                let found = std::sync::Arc::new(found);
                if let Ok(mut cache) = searched.lock() {
                    cache.insert(first.query_key.clone(), found.clone());
                }
                found
            }),
    };
    match found {
        Ok(found) => {
            // One transaction for every alert of the query: one commit (one WAL flush) per
            // group instead of per alert. A database error rolls the group back; the leases
            // then expire and the alerts run again, with nothing half-done.
            let shared = group.len() > 1;
            let txn = state.db.begin().await?;
            let summaries =
                listings::record_runs(state, &txn, &group, &found.listings, now, cadence, shared)
                    .await?;
            if fresh {
                learn(&txn, &first.query_key, model, &found, now).await?;
            }
            txn.commit().await?;
            outcome.alerts_run += summaries.len();
            outcome.emails_queued += summaries.iter().filter(|(_, s)| s.email_sent).count();
        }
        Err(RunError::BudgetSpent(until)) => {
            for alert in &group {
                postpone(state, alert, until.min(now + interval(alert, cadence))).await?;
            }
            outcome.deferred = group.len();
        }
        Err(error) => {
            outcome.ebay_calls = 1;
            outcome.failed_searches = 1;
            for alert in &group {
                record_failure(state, alert, &error.to_string(), cadence, now).await?;
                outcome.alerts_run += 1;
            }
        }
    }
    Ok(outcome)
}

fn interval(alert: &alert::Model, cadence: &Cadence) -> chrono::Duration {
    chrono::Duration::minutes(i64::from(cadence.interval_minutes(alert)))
}

/// What one search of a query found.
#[derive(Debug, Default)]
pub struct Found {
    /// The listings of every page fetched.
    pub listings: Vec<Listing>,
    /// Of those, listed after the group's previous search (its rate's evidence).
    pub new_listings: usize,
    /// Pages fetched (each one call).
    pub pages: u32,
}

/// Searches eBay for the alert's query, newest first, within today's budget. A page entirely
/// listed since the group's previous search (`since`) may have more new listings behind it, so
/// the next page is fetched too (offsets are multiples of the limit, as eBay requires), up to
/// [`planner::MAX_PAGES`]; without a previous search there is nothing to compare with and one
/// page is enough (a first run reports only its newest listings anyway).
async fn search(
    state: &AppState,
    alert: &alert::Model,
    since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Found, RunError> {
    let limit = state.settings.ebay_search_limit;
    let mut found = Found::default();
    loop {
        let page = search_page(state, alert, found.pages * limit, now).await;
        let page = match page {
            Ok(page) => page,
            // A later page that fails leaves what the first pages found.
            Err(_) if found.pages > 0 => break,
            Err(error) => return Err(error),
        };
        found.pages += 1;
        let returned = page.len();
        let new = page
            .iter()
            .filter(|l| match (since, l.listed_at) {
                (Some(since), Some(listed)) => listed > since,
                _ => false,
            })
            .count();
        found.new_listings += new;
        found.listings.extend(page);
        let entirely_new = since.is_some() && returned > 0 && new == returned;
        if !(entirely_new && returned as u32 >= limit && found.pages < planner::MAX_PAGES) {
            break;
        }
    }
    Ok(found)
}

/// One eBay call for a page of the alert's query, within today's budget.
async fn search_page(
    state: &AppState,
    alert: &alert::Model,
    offset: u32,
    now: DateTime<Utc>,
) -> Result<Vec<Listing>, RunError> {
    if !state
        .calls
        .try_take(state.settings.ebay_daily_call_budget, now)
        .await
    {
        return Err(RunError::BudgetSpent(quota::resets_at(now)));
    }
    let mut request = ebay::search_request(
        alert,
        state.settings.ebay_search_limit,
        &state.settings.ebay_marketplace,
    );
    if offset > 0 {
        request = request.with_offset(offset);
    }
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
    cadence: &Cadence,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let retry = now + interval(alert, cadence).min(RETRY_AFTER_FAILURE);
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
    let now = state.clock.now();
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
