//! The listings store: seen listings and runs. Recording a run writes everything one search's
//! results mean for the alerts that share it — seen
//! listings, emails, `products.observed` events, run rows and next run times — written into the
//! caller's transaction in a handful of statements, however many alerts share the query.
//!
//! Statement count matters more than row count here: a cycle of 10,000 alerts spent most of its
//! time in round trips when each alert wrote its own seven statements.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use chrono::{DateTime, Utc};
use pubsub::{Event, Money, ObservedItem, Payload, ProductsObserved};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, FromQueryResult, Value};
use uuid::Uuid;

use crate::db::entities::alert;
use crate::db::sql;
use crate::runner::RunSummary;
use crate::runner::matching::{self, Listing, Notice, Seen};
use crate::state::AppState;
use crate::{event_outbox, quota};

/// Rows per multi-row statement: 13 values a seen listing keeps well under SQLite's 32,766 and
/// Postgres's 65,535 bind parameters.
const ROWS_PER_STATEMENT: usize = 2_000;

/// One alert's share of a search.
struct Planned<'a> {
    alert: &'a alert::Model,
    notices: Vec<Notice>,
    run_id: Uuid,
}

/// A row of `alert_runs`.
pub(crate) struct RunRow {
    pub id: Uuid,
    pub alert_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub status: &'static str,
    pub items_found: usize,
    pub new_items: usize,
    pub email_sent: bool,
    pub shared_search: bool,
    pub error: Option<String>,
}

/// Records a successful search for every alert in `alerts` (all of one query) and returns the
/// summary of each alert that still exists, in the same order, with its id.
pub(crate) async fn record_runs(
    state: &AppState,
    txn: &DatabaseTransaction,
    alerts: &[alert::Model],
    listings: &[Listing],
    now: DateTime<Utc>,
    stretch: f64,
    shared_search: bool,
) -> Result<Vec<(Uuid, RunSummary)>, DbErr> {
    // An alert deleted while its search was in flight is skipped, not a failed group: lock the
    // rows still there (a DELETE now waits for this commit) and record runs only for those.
    let present = lock_present(txn, alerts).await?;
    let alerts: Vec<&alert::Model> = alerts.iter().filter(|a| present.contains(&a.id)).collect();
    if alerts.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = alerts.iter().map(|a| a.id).collect();
    let mut seen = load_seen(txn, &ids, listings).await?;
    let planned: Vec<Planned> = alerts
        .into_iter()
        .map(|alert| {
            let target = alert
                .target_price
                .as_deref()
                .and_then(|t| Decimal::from_str(t).ok());
            let known = seen.remove(&alert.id).unwrap_or_default();
            Planned {
                alert,
                notices: matching::select(listings, &known, alert.last_run_at.is_none(), target),
                run_id: Uuid::now_v7(),
            }
        })
        .collect();

    upsert_seen(txn, &planned, listings, now).await?;
    queue_emails(state, txn, &planned, listings).await?;

    // The listings are the same for every alert of the group: convert them once.
    let items: Vec<ObservedItem> = listings.iter().map(observed_item).collect();
    let events: Vec<Event> = planned
        .iter()
        .map(|p| {
            Event::new(
                event_outbox::SOURCE,
                Some(p.alert.id.to_string()),
                Payload::ProductsObserved(ProductsObserved {
                    alert_id: p.alert.id,
                    run_id: p.run_id,
                    search_phrase: p.alert.search_phrase.clone(),
                    marketplace: state.settings.ebay_marketplace.clone(),
                    observed_at: now,
                    items: items.clone(),
                }),
            )
        })
        .collect();
    event_outbox::enqueue_many(txn, &events).await?;

    let runs: Vec<RunRow> = planned
        .iter()
        .map(|p| RunRow {
            id: p.run_id,
            alert_id: p.alert.id,
            started_at: now,
            status: status(p),
            items_found: listings.len(),
            new_items: p.notices.len(),
            email_sent: !p.notices.is_empty(),
            shared_search,
            error: None,
        })
        .collect();
    insert_runs(txn, &runs).await?;
    schedule_next(txn, &planned, now, stretch).await?;

    Ok(planned
        .iter()
        .map(|p| {
            (
                p.alert.id,
                RunSummary {
                    items_found: listings.len(),
                    new_items: p.notices.len(),
                    email_sent: !p.notices.is_empty(),
                },
            )
        })
        .collect())
}

/// Locks the given alerts' rows (Postgres; SQLite has one writer already) and returns the ids of
/// those that still exist.
async fn lock_present(
    txn: &DatabaseTransaction,
    alerts: &[alert::Model],
) -> Result<HashSet<Uuid>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: Uuid,
    }
    let backend = txn.get_database_backend();
    let lock = if backend == DbBackend::Postgres {
        " FOR NO KEY UPDATE"
    } else {
        ""
    };
    let rows = Row::find_by_statement(sql(
        backend,
        &format!(
            "SELECT id FROM alerts WHERE id IN ({}) ORDER BY id{lock}",
            placeholders(1, alerts.len())
        ),
        alerts.iter().map(|a| Value::from(a.id)),
    ))
    .all(txn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

fn status(planned: &Planned) -> &'static str {
    if planned.notices.is_empty() {
        "no_new_listings"
    } else {
        "ok"
    }
}

/// Numbered placeholders `$start, $start+1, …` for `count` values.
fn placeholders(start: usize, count: usize) -> String {
    (start..start + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(FromQueryResult)]
struct SeenRow {
    alert_id: Uuid,
    item_id: String,
    last_price: String,
    last_notified_price: Option<String>,
}

/// What each alert already knows about the listings of this search, in one query.
async fn load_seen(
    txn: &DatabaseTransaction,
    alert_ids: &[Uuid],
    listings: &[Listing],
) -> Result<HashMap<Uuid, HashMap<String, Seen>>, DbErr> {
    if listings.is_empty() || alert_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let item_ids: HashSet<&str> = listings.iter().map(|l| l.item_id.as_str()).collect();
    let mut values: Vec<Value> = alert_ids.iter().map(|id| (*id).into()).collect();
    values.extend(item_ids.iter().map(|id| (*id).to_owned().into()));
    let rows = SeenRow::find_by_statement(sql(
        txn.get_database_backend(),
        &format!(
            "SELECT alert_id, item_id, last_price, last_notified_price FROM seen_listings \
             WHERE alert_id IN ({}) AND item_id IN ({})",
            placeholders(1, alert_ids.len()),
            placeholders(alert_ids.len() + 1, item_ids.len())
        ),
        values,
    ))
    .all(txn)
    .await?;
    let mut seen: HashMap<Uuid, HashMap<String, Seen>> = HashMap::new();
    for row in rows {
        // Stored prices were written by this code; an unreadable one counts as never seen.
        let Ok(last_price) = Decimal::from_str(&row.last_price) else {
            continue;
        };
        seen.entry(row.alert_id).or_default().insert(
            row.item_id,
            Seen {
                last_price,
                last_notified_price: row
                    .last_notified_price
                    .as_deref()
                    .and_then(|p| Decimal::from_str(p).ok()),
            },
        );
    }
    Ok(seen)
}

/// Inserts new listings and refreshes known ones for every alert, in as few statements as the
/// bind-parameter limits allow.
async fn upsert_seen(
    txn: &DatabaseTransaction,
    planned: &[Planned<'_>],
    listings: &[Listing],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    const COLUMNS: usize = 13;
    // Duplicate ids within one response (eBay pages can overlap) would make the upsert fail.
    let mut unique = HashSet::new();
    let listings: Vec<(usize, &Listing)> = listings
        .iter()
        .enumerate()
        .filter(|(_, l)| unique.insert(l.item_id.as_str()))
        .collect();
    let prices: Vec<String> = listings
        .iter()
        .map(|(_, l)| format!("{:.2}", l.price))
        .collect();
    let rows = planned.iter().flat_map(|p| {
        listings
            .iter()
            .zip(&prices)
            .map(move |(l, price)| (p, l, price))
    });
    let rows: Vec<_> = rows.collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * COLUMNS);
        let mut tuples = Vec::with_capacity(chunk.len());
        for (planned, (index, l), price) in chunk {
            let notified = planned.notices.iter().any(|n| n.index == *index);
            tuples.push(format!("({})", placeholders(values.len() + 1, COLUMNS)));
            values.extend([
                planned.alert.id.into(),
                l.item_id.clone().into(),
                l.title.clone().into(),
                l.item_url.clone().into(),
                l.image_url.clone().into(),
                l.condition.clone().into(),
                l.currency.clone().into(),
                (*price).clone().into(),
                (*price).clone().into(),
                notified.then(|| (*price).clone()).into(),
                now.into(),
                now.into(),
                notified.then_some(now).into(),
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
            tuples.join(", ")
        );
        txn.execute_raw(sql(txn.get_database_backend(), &statement, values))
            .await?;
    }
    Ok(())
}

/// Renders and queues the email of every alert with something to say.
async fn queue_emails(
    state: &AppState,
    txn: &DatabaseTransaction,
    planned: &[Planned<'_>],
    listings: &[Listing],
) -> Result<(), DbErr> {
    let to_notify: Vec<&Planned> = planned.iter().filter(|p| !p.notices.is_empty()).collect();
    if to_notify.is_empty() {
        return Ok(());
    }
    let owners = owner_emails(txn, to_notify.iter().map(|p| p.alert.user_id)).await?;
    let mut emails = Vec::with_capacity(to_notify.len());
    for p in to_notify {
        let owner = owners
            .get(&p.alert.user_id)
            .ok_or_else(|| DbErr::RecordNotFound(format!("owner {}", p.alert.user_id)))?;
        emails.push(
            crate::runner::email::render(state, p.alert, listings, &p.notices, owner, p.run_id)
                .map_err(|e| DbErr::Custom(format!("alert email template: {e}")))?,
        );
    }
    crate::email::enqueue_many(txn, &state.mailer, emails).await
}

/// The addresses of the given users, in one query.
async fn owner_emails(
    txn: &DatabaseTransaction,
    user_ids: impl Iterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: Uuid,
        email: String,
    }
    let ids: HashSet<Uuid> = user_ids.collect();
    let rows = Row::find_by_statement(sql(
        txn.get_database_backend(),
        &format!(
            "SELECT id, email FROM users WHERE id IN ({})",
            placeholders(1, ids.len())
        ),
        ids.into_iter().map(Value::from),
    ))
    .all(txn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.email)).collect())
}

/// Inserts run rows in one statement.
pub(crate) async fn insert_runs<C: ConnectionTrait>(db: &C, runs: &[RunRow]) -> Result<(), DbErr> {
    const COLUMNS: usize = 10;
    if runs.is_empty() {
        return Ok(());
    }
    let finished_at = Utc::now();
    for chunk in runs.chunks(ROWS_PER_STATEMENT) {
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * COLUMNS);
        let mut tuples = Vec::with_capacity(chunk.len());
        for run in chunk {
            tuples.push(format!("({})", placeholders(values.len() + 1, COLUMNS)));
            values.extend([
                run.id.into(),
                run.alert_id.into(),
                run.started_at.into(),
                finished_at.into(),
                run.status.into(),
                i32::try_from(run.items_found).unwrap_or(i32::MAX).into(),
                i32::try_from(run.new_items).unwrap_or(i32::MAX).into(),
                run.email_sent.into(),
                run.shared_search.into(),
                run.error.clone().into(),
            ]);
        }
        db.execute_raw(sql(
            db.get_database_backend(),
            &format!(
                "INSERT INTO alert_runs (id, alert_id, started_at, finished_at, status, items_found, new_items, \
                 email_sent, shared_search, error) VALUES {}",
                tuples.join(", ")
            ),
            values,
        ))
        .await?;
    }
    Ok(())
}

/// Sets each alert's last run and next due time and releases its lease.
async fn schedule_next(
    txn: &DatabaseTransaction,
    planned: &[Planned<'_>],
    now: DateTime<Utc>,
    stretch: f64,
) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    let rows: Vec<(Uuid, DateTime<Utc>, &'static str, i32)> = planned
        .iter()
        .map(|p| {
            let effective = quota::effective_interval_minutes(p.alert.frequency_minutes, stretch);
            // Counted from the alert's own schedule, so runs do not drift later by their
            // duration; a manual run before the due time counts from now.
            let step = chrono::Duration::minutes(i64::from(effective));
            let mut next = p.alert.next_run_at.min(now) + step;
            if next <= now {
                next = now + step;
            }
            (p.alert.id, next, status(p), effective)
        })
        .collect();
    if backend == DbBackend::Postgres {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let mut values: Vec<Value> = vec![now.into()];
            let mut tuples = Vec::with_capacity(chunk.len());
            for (id, next, status, effective) in chunk {
                let n = values.len() + 1;
                tuples.push(format!(
                    "(${n}::uuid, ${}::timestamptz, ${}::text, ${}::int)",
                    n + 1,
                    n + 2,
                    n + 3
                ));
                values.extend([
                    (*id).into(),
                    (*next).into(),
                    (*status).into(),
                    (*effective).into(),
                ]);
            }
            txn.execute_raw(sql(
                backend,
                &format!(
                    "UPDATE alerts SET last_run_at = $1, next_run_at = v.next_run_at, last_run_status = v.status, \
                     last_run_error = NULL, leased_until = NULL, effective_interval_minutes = v.effective \
                     FROM (VALUES {}) AS v(id, next_run_at, status, effective) WHERE alerts.id = v.id",
                    tuples.join(", ")
                ),
                values,
            ))
            .await?;
        }
    } else {
        // SQLite (the one-process mode) has one writer and few alerts: one statement each.
        for (id, next, status, effective) in rows {
            txn.execute_raw(sql(
                backend,
                "UPDATE alerts SET last_run_at = $1, next_run_at = $2, last_run_status = $3, last_run_error = NULL, \
                 leased_until = NULL, effective_interval_minutes = $4 WHERE id = $5",
                [now.into(), next.into(), status.into(), effective.into(), id.into()],
            ))
            .await?;
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_from_the_start_given() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(1, 0), "");
    }
}
