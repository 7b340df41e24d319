//! The alert runner: finds due alerts, searches eBay once per distinct query, decides what is
//! new to each alert's owner, and commits per alert — seen listings, the run, the next run
//! time, the email and the `products.observed` event — in one transaction.
//!
//! Due alerts are leased with `FOR UPDATE SKIP LOCKED` plus a `leased_until` time, so any
//! number of replicas share the work, no alert runs twice at once, and an alert held by a
//! crashed replica is picked up again when its lease ends.

pub mod email;
pub mod matching;
pub mod scheduler;

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use pubsub::{Event, Money, ObservedItem, Payload, ProductsObserved};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, FromQueryResult, TransactionTrait};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::entities::alert;
use crate::db::{skip_locked, sql};
use crate::state::AppState;
use crate::{ebay, outbox, quota};
use matching::{Listing, Seen};

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
    let summary = commit_run(state, &txn, &alert, &listings, now, stretch, false).await?;
    txn.commit().await?;
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
            for alert in &group {
                let summary =
                    commit_run(state, &txn, alert, &listings, now, stretch, shared).await?;
                outcome.alerts_run += 1;
                outcome.emails_queued += usize::from(summary.email_sent);
            }
            txn.commit().await?;
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
    let response = state
        .ebay
        .search(&request)
        .await
        .map_err(|e| RunError::Ebay(e.to_string()))?;
    if !response.warnings.is_empty() {
        tracing::warn!(alert = %alert.id, warnings = ?response.warnings, "eBay returned warnings");
    }
    Ok(response
        .item_summaries
        .into_iter()
        .filter_map(|item| {
            let price = item.price.clone()?;
            Some(Listing {
                shipping: item.shipping_cost().map(|a| a.value),
                item_url: item.item_web_url.clone().unwrap_or_else(|| {
                    format!(
                        "https://www.ebay.com/itm/{}",
                        item.legacy_item_id().unwrap_or(&item.item_id)
                    )
                }),
                image_url: item.image.as_ref().and_then(|i| i.image_url.clone()),
                seller: item.seller.as_ref().and_then(|s| s.username.clone()),
                item_id: item.item_id,
                title: item.title,
                condition: item.condition,
                price: price.value,
                currency: if price.currency.is_empty() {
                    alert.currency.clone()
                } else {
                    price.currency
                },
                buying_options: item.buying_options,
            })
        })
        .collect())
}

#[derive(FromQueryResult)]
struct SeenRow {
    item_id: String,
    last_price: String,
    last_notified_price: Option<String>,
}

/// Writes one alert's run into the caller's transaction.
async fn commit_run(
    state: &AppState,
    txn: &DatabaseTransaction,
    alert: &alert::Model,
    listings: &[Listing],
    now: DateTime<Utc>,
    stretch: f64,
    shared_search: bool,
) -> Result<RunSummary, DbErr> {
    let backend = state.db.get_database_backend();
    let seen = load_seen(txn, alert.id, listings).await?;
    let target = alert
        .target_price
        .as_deref()
        .and_then(|t| Decimal::from_str(t).ok());
    let notices = matching::select(listings, &seen, alert.last_run_at.is_none(), target);
    let run_id = Uuid::now_v7();

    upsert_seen(txn, alert.id, listings, &notices, now).await?;
    let email_sent = !notices.is_empty();
    if email_sent {
        let (owner_email,) = owner_email(txn, alert.user_id).await?;
        let queued = email::render(state, alert, listings, &notices, &owner_email, run_id)
            .map_err(|e| DbErr::Custom(format!("alert email template: {e}")))?;
        crate::email::enqueue(txn, &state.mailer, queued).await?;
    }
    let event = Event::new(
        outbox::SOURCE,
        Some(alert.id.to_string()),
        Payload::ProductsObserved(ProductsObserved {
            alert_id: alert.id,
            run_id,
            search_phrase: alert.search_phrase.clone(),
            marketplace: state.settings.ebay_marketplace.clone(),
            observed_at: now,
            items: listings.iter().map(observed_item).collect(),
        }),
    );
    outbox::enqueue(txn, &event).await?;
    let status = if email_sent { "ok" } else { "no_new_listings" };
    insert_run(
        txn,
        alert.id,
        run_id,
        now,
        status,
        listings.len(),
        notices.len(),
        email_sent,
        shared_search,
        None,
    )
    .await?;
    let effective = quota::effective_interval_minutes(alert.frequency_minutes, stretch);
    // Counted from the alert's own schedule, so runs do not drift later by their duration.
    let step = chrono::Duration::minutes(i64::from(effective));
    // A manual run before the due time counts from now, not from the future due time.
    let mut next = alert.next_run_at.min(now) + step;
    if next <= now {
        next = now + step;
    }
    txn.execute_raw(sql(
        backend,
        "UPDATE alerts SET last_run_at = $1, next_run_at = $2, last_run_status = $3, last_run_error = NULL, \
         leased_until = NULL, effective_interval_minutes = $4 WHERE id = $5",
        [now.into(), next.into(), status.into(), effective.into(), alert.id.into()],
    ))
    .await?;
    Ok(RunSummary {
        items_found: listings.len(),
        new_items: notices.len(),
        email_sent,
    })
}

fn observed_item(l: &Listing) -> ObservedItem {
    ObservedItem {
        item_id: l.item_id.clone(),
        title: l.title.clone(),
        price: Money::new(l.price, l.currency.clone()),
        shipping_cost: l.shipping.map(|s| Money::new(s, l.currency.clone())),
        condition: l.condition.clone(),
        buying_options: l.buying_options.clone(),
        item_url: l.item_url.clone(),
        image_url: l.image_url.clone(),
        seller: l.seller.clone(),
    }
}

async fn owner_email(txn: &DatabaseTransaction, user_id: Uuid) -> Result<(String,), DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        email: String,
    }
    let row = Row::find_by_statement(sql(
        txn.get_database_backend(),
        "SELECT email FROM users WHERE id = $1",
        [user_id.into()],
    ))
    .one(txn)
    .await?
    .ok_or_else(|| DbErr::RecordNotFound(format!("owner {user_id}")))?;
    Ok((row.email,))
}

async fn load_seen(
    txn: &DatabaseTransaction,
    alert_id: Uuid,
    listings: &[Listing],
) -> Result<HashMap<String, Seen>, DbErr> {
    if listings.is_empty() {
        return Ok(HashMap::new());
    }
    let placeholders: Vec<String> = (0..listings.len()).map(|i| format!("${}", i + 2)).collect();
    let mut values: Vec<sea_orm::Value> = vec![alert_id.into()];
    values.extend(listings.iter().map(|l| l.item_id.clone().into()));
    let rows = SeenRow::find_by_statement(sql(
        txn.get_database_backend(),
        &format!(
            "SELECT item_id, last_price, last_notified_price FROM seen_listings WHERE alert_id = $1 AND item_id IN ({})",
            placeholders.join(", ")
        ),
        values,
    ))
    .all(txn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.item_id,
                Seen {
                    last_price: Decimal::from_str(&r.last_price).ok()?,
                    last_notified_price: r
                        .last_notified_price
                        .as_deref()
                        .and_then(|p| Decimal::from_str(p).ok()),
                },
            ))
        })
        .collect())
}

/// Inserts new listings and refreshes known ones in one statement.
async fn upsert_seen(
    txn: &DatabaseTransaction,
    alert_id: Uuid,
    listings: &[Listing],
    notices: &[matching::Notice],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if listings.is_empty() {
        return Ok(());
    }
    let notified: HashMap<usize, ()> = notices.iter().map(|n| (n.index, ())).collect();
    let mut rows = Vec::with_capacity(listings.len());
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(listings.len() * 13);
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    // Duplicate ids within one response (eBay pages can overlap) would make the upsert fail.
    let mut unique = std::collections::HashSet::new();
    for (index, l) in listings.iter().enumerate() {
        if !unique.insert(l.item_id.as_str()) {
            continue;
        }
        let price = format!("{:.2}", l.price);
        let notified_price = notified.contains_key(&index).then(|| price.clone());
        let notified_at = notified.contains_key(&index).then_some(now);
        let cells: Vec<String> = (0..13).map(|_| next()).collect();
        rows.push(format!("({})", cells.join(", ")));
        values.extend([
            alert_id.into(),
            l.item_id.clone().into(),
            l.title.clone().into(),
            l.item_url.clone().into(),
            l.image_url.clone().into(),
            l.condition.clone().into(),
            l.currency.clone().into(),
            price.clone().into(),
            price.into(),
            notified_price.into(),
            now.into(),
            now.into(),
            notified_at.into(),
        ]);
    }
    let statement = format!(
        "INSERT INTO seen_listings (alert_id, item_id, title, item_url, image_url, condition, currency, first_price, \
         last_price, last_notified_price, first_seen_at, last_seen_at, last_notified_at) VALUES {} \
         ON CONFLICT (alert_id, item_id) DO UPDATE SET \
           title = excluded.title, image_url = excluded.image_url, condition = excluded.condition, \
           previous_price = CASE WHEN seen_listings.last_price <> excluded.last_price THEN seen_listings.last_price ELSE seen_listings.previous_price END, \
           last_price = excluded.last_price, last_seen_at = excluded.last_seen_at, \
           last_notified_price = COALESCE(excluded.last_notified_price, seen_listings.last_notified_price), \
           last_notified_at = COALESCE(excluded.last_notified_at, seen_listings.last_notified_at)",
        rows.join(", ")
    );
    txn.execute_raw(sql(txn.get_database_backend(), &statement, values))
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_run<C: ConnectionTrait>(
    db: &C,
    alert_id: Uuid,
    run_id: Uuid,
    started_at: DateTime<Utc>,
    status: &str,
    items_found: usize,
    new_items: usize,
    email_sent: bool,
    shared_search: bool,
    error: Option<String>,
) -> Result<(), DbErr> {
    db.execute_raw(sql(
        db.get_database_backend(),
        "INSERT INTO alert_runs (id, alert_id, started_at, finished_at, status, items_found, new_items, email_sent, shared_search, error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        [
            run_id.into(),
            alert_id.into(),
            started_at.into(),
            Utc::now().into(),
            status.into(),
            i32::try_from(items_found).unwrap_or(i32::MAX).into(),
            i32::try_from(new_items).unwrap_or(i32::MAX).into(),
            email_sent.into(),
            shared_search.into(),
            error.into(),
        ],
    ))
    .await?;
    Ok(())
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
    insert_run(
        &txn,
        alert.id,
        Uuid::now_v7(),
        now,
        "error",
        0,
        0,
        false,
        false,
        Some(message.clone()),
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
