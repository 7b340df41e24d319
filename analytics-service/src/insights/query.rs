//! Gathers what a report is computed from. The series come from `daily_rollup` (one row per
//! day, however many runs the day had); only the latest run's listings and their first price in
//! the window touch the fact table, through index lookups of a few dozen listings.

use chrono::{DateTime, NaiveDate, Utc};
use pubsub::insights::InsightReport;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryResult, Value};
use uuid::Uuid;

use super::compute::{self, CurrentListing, InsightInputs, Listing, RollupDay};
use crate::db::entities::{alert_activity, dim_alert};
use crate::db::{Db, Dialect, get_decimal};

/// What analytics knows of an alert.
#[derive(Debug, Clone)]
pub enum AlertState {
    /// Never heard of: neither an alert event nor observations.
    Unknown,
    /// Deleted (a tombstone is current).
    Deleted,
    /// Known, with its current revision if an alert event arrived, and its latest run if
    /// observations did.
    Known {
        /// Current revision.
        alert: Option<Box<dim_alert::Model>>,
        /// Latest run.
        activity: Option<alert_activity::Model>,
    },
}

/// Looks an alert up.
pub async fn alert_state(db: &Db, alert_id: Uuid) -> Result<AlertState, DbErr> {
    let alert = dim_alert::Entity::find()
        .filter(dim_alert::Column::AlertId.eq(alert_id))
        .filter(dim_alert::Column::IsCurrent.eq(true))
        .one(&db.conn)
        .await?;
    if alert.as_ref().is_some_and(|a| a.deleted) {
        return Ok(AlertState::Deleted);
    }
    let activity = alert_activity::Entity::find_by_id(alert_id)
        .one(&db.conn)
        .await?;
    if alert.is_none() && activity.is_none() {
        return Ok(AlertState::Unknown);
    }
    Ok(AlertState::Known {
        alert: alert.map(Box::new),
        activity,
    })
}

/// Computes the report of an alert over `days` days ending at `now`; `None` when the alert is
/// unknown or deleted.
pub async fn report(
    db: &Db,
    alert_id: Uuid,
    days: u32,
    now: DateTime<Utc>,
) -> Result<Option<InsightReport>, DbErr> {
    let AlertState::Known { alert, activity } = alert_state(db, alert_id).await? else {
        return Ok(None);
    };
    let inputs = inputs(db, alert_id, alert.as_deref(), activity.as_ref(), days, now).await?;
    Ok(Some(compute::compute(&inputs)))
}

/// Reads the inputs of one report.
pub async fn inputs(
    db: &Db,
    alert_id: Uuid,
    alert: Option<&dim_alert::Model>,
    activity: Option<&alert_activity::Model>,
    days: u32,
    now: DateTime<Utc>,
) -> Result<InsightInputs, DbErr> {
    let today = now.date_naive();
    let start = compute::window_start(today, days);
    // The alert's own currency; for an alert known only from observations, its listings'.
    let currency = alert
        .and_then(|a| a.currency.clone())
        .or_else(|| activity.map(|a| a.currency.clone()))
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "USD".to_owned());

    let rollups = rollups(db, alert_id, &currency, start, today).await?;
    let current = match activity {
        Some(a) if a.last_observed_at.date_naive() >= start => {
            current_listings(db, alert_id, &currency, a, start).await?
        }
        _ => Vec::new(),
    };
    Ok(InsightInputs {
        alert_id,
        search_phrase: alert.and_then(|a| a.search_phrase.clone()),
        currency,
        days,
        today,
        now,
        rollups,
        current,
    })
}

async fn rollups(
    db: &Db,
    alert_id: Uuid,
    currency: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<RollupDay>, DbErr> {
    let rows = db
        .conn
        .query_all_raw(db.dialect.statement(
            "SELECT r.day, r.observations, r.min_price, r.p25, r.median, r.p75, r.mean, \
             r.max_price, r.new_listings, i.item_id, i.title, i.item_url, i.image_url \
             FROM daily_rollup r LEFT JOIN dim_item i ON i.item_key = r.min_item_key \
             WHERE r.alert_id = $1 AND r.currency = $2 AND r.day >= $3 AND r.day <= $4 \
             ORDER BY r.day",
            vec![
                Value::from(alert_id),
                Value::from(currency.to_owned()),
                Value::from(start),
                Value::from(end),
            ],
        ))
        .await?;
    let d = db.dialect;
    rows.iter()
        .map(|row| {
            let count: i64 = row.try_get("", "observations")?;
            let new_listings: i64 = row.try_get("", "new_listings")?;
            Ok(RollupDay {
                date: row.try_get("", "day")?,
                count: u64::try_from(count).unwrap_or(0),
                min: get_decimal(row, d, "min_price")?,
                p25: get_decimal(row, d, "p25")?,
                median: get_decimal(row, d, "median")?,
                p75: get_decimal(row, d, "p75")?,
                mean: get_decimal(row, d, "mean")?,
                max: get_decimal(row, d, "max_price")?,
                new_listings: u64::try_from(new_listings).unwrap_or(0),
                lowest: listing(row)?,
            })
        })
        .collect()
}

fn listing(row: &QueryResult) -> Result<Option<Listing>, DbErr> {
    let item_id: Option<String> = row.try_get("", "item_id")?;
    Ok(match item_id {
        Some(item_id) => Some(Listing {
            item_id,
            title: row.try_get("", "title")?,
            item_url: row.try_get("", "item_url")?,
            image_url: row.try_get("", "image_url")?,
        }),
        None => None,
    })
}

/// The latest run's listings with their first price inside the window.
async fn current_listings(
    db: &Db,
    alert_id: Uuid,
    currency: &str,
    activity: &alert_activity::Model,
    start: NaiveDate,
) -> Result<Vec<CurrentListing>, DbErr> {
    let day = activity.last_observed_at.date_naive();
    let rows = db
        .conn
        .query_all_raw(db.dialect.statement(
            "SELECT f.item_key, f.price, i.item_id, i.title, i.item_url, i.image_url \
             FROM fact_price_observation f JOIN dim_item i ON i.item_key = f.item_key \
             WHERE f.run_id = $1 AND f.observed_date = $2 AND f.alert_id = $3 AND f.currency = $4",
            vec![
                Value::from(activity.last_run_id),
                Value::from(day),
                Value::from(alert_id),
                Value::from(currency.to_owned()),
            ],
        ))
        .await?;
    let mut current = Vec::with_capacity(rows.len());
    let mut keys = Vec::with_capacity(rows.len());
    for row in &rows {
        let Some(listing) = listing(row)? else {
            continue;
        };
        let price = get_decimal(row, db.dialect, "price")?;
        keys.push(row.try_get::<i64>("", "item_key")?);
        current.push(CurrentListing {
            listing,
            price,
            date: day,
            first_price: price,
        });
    }
    let firsts = first_prices(db, alert_id, currency, start, &keys).await?;
    for (listing, key) in current.iter_mut().zip(&keys) {
        if let Some(first) = firsts.get(key) {
            listing.first_price = *first;
        }
    }
    Ok(current)
}

/// Each listing's earliest price in the window: one index probe per listing on
/// `(alert_id, item_key, observed_at)`.
async fn first_prices(
    db: &Db,
    alert_id: Uuid,
    currency: &str,
    start: NaiveDate,
    keys: &[i64],
) -> Result<std::collections::HashMap<i64, rust_decimal::Decimal>, DbErr> {
    let mut out = std::collections::HashMap::with_capacity(keys.len());
    if keys.is_empty() {
        return Ok(out);
    }
    match db.dialect {
        Dialect::Postgres => {
            let rows = db
                .conn
                .query_all_raw(db.dialect.statement(
                    "SELECT k.item_key, fp.price FROM unnest($1::int8[]) AS k(item_key) \
                     CROSS JOIN LATERAL ( \
                       SELECT f.price FROM fact_price_observation f \
                       WHERE f.alert_id = $2 AND f.item_key = k.item_key AND f.currency = $3 \
                         AND f.observed_date >= $4 \
                       ORDER BY f.observed_at LIMIT 1) AS fp",
                    vec![
                        Value::from(keys.to_vec()),
                        Value::from(alert_id),
                        Value::from(currency.to_owned()),
                        Value::from(start),
                    ],
                ))
                .await?;
            for row in &rows {
                out.insert(
                    row.try_get::<i64>("", "item_key")?,
                    get_decimal(row, db.dialect, "price")?,
                );
            }
        }
        Dialect::Sqlite => {
            for key in keys {
                let row = db
                    .conn
                    .query_one_raw(db.dialect.statement(
                        "SELECT price FROM fact_price_observation \
                         WHERE alert_id = $1 AND item_key = $2 AND currency = $3 \
                           AND observed_date >= $4 ORDER BY observed_at LIMIT 1",
                        vec![
                            Value::from(alert_id),
                            Value::from(*key),
                            Value::from(currency.to_owned()),
                            Value::from(start),
                        ],
                    ))
                    .await?;
                if let Some(row) = row {
                    out.insert(*key, get_decimal(&row, db.dialect, "price")?);
                }
            }
        }
    }
    Ok(out)
}
