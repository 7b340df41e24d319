//! The report store: every query behind an insight report, and the `insight_report` table of
//! reports queued for email ([`queue`]). A report has one definition, [`build`]: the read API
//! ([`report`]) and the insight emails ([`report_of`]) both come through it.
//!
//! The series come from `daily_rollup` (one row per day, however many runs the day had); only
//! the latest run's listings and their first price in the window touch the fact table, through
//! index lookups of a few dozen listings.

pub mod outbox;
pub mod queue;

use chrono::{DateTime, NaiveDate, Utc};
use pubsub::insights::InsightReport;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryResult, Value};
use uuid::Uuid;

use crate::db::entities::{alert_activity, dim_alert};
use crate::db::{Db, Dialect, get_decimal, get_opt_decimal};
use crate::ingest::observations::decode_low_items;
use crate::ingest::rollup::DayStats;
use crate::insights::compute::{
    self, CurrentListing, InsightInputs, Listing, RollupDay, SegmentRollupDay,
};
use crate::insights::csv;
use crate::insights::deals::{self, VERDICT_WINDOW_DAYS};
use crate::insights::segments::{MeasuredPrice, PriceBasis, Segment};
use pubsub::insights::{Verdict, VerdictRequest};

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

/// The alerts that get insight emails: current revision, not deleted, not paused, and whose
/// owner did not unsubscribe from insight emails.
pub async fn active_alerts(db: &Db) -> Result<Vec<dim_alert::Model>, DbErr> {
    dim_alert::Entity::find()
        .filter(dim_alert::Column::IsCurrent.eq(true))
        .filter(dim_alert::Column::Deleted.eq(false))
        .filter(dim_alert::Column::Paused.eq(false))
        .filter(
            sea_orm::Condition::any()
                .add(dim_alert::Column::InsightEmails.is_null())
                .add(dim_alert::Column::InsightEmails.eq(true)),
        )
        .all(&db.conn)
        .await
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
    build(db, alert_id, alert.as_deref(), activity.as_ref(), days, now)
        .await
        .map(Some)
}

/// Computes the report of an alert whose current revision the caller already holds (the
/// insight emails plan from a list of them), over `days` days ending at `now`.
pub async fn report_of(
    db: &Db,
    alert: &dim_alert::Model,
    days: u32,
    now: DateTime<Utc>,
) -> Result<InsightReport, DbErr> {
    let activity = alert_activity::Entity::find_by_id(alert.alert_id)
        .one(&db.conn)
        .await?;
    build(
        db,
        alert.alert_id,
        Some(alert),
        activity.as_ref(),
        days,
        now,
    )
    .await
}

/// What a report is: its inputs read from the rollups and the latest run, then computed.
pub async fn build(
    db: &Db,
    alert_id: Uuid,
    alert: Option<&dim_alert::Model>,
    activity: Option<&alert_activity::Model>,
    days: u32,
    now: DateTime<Utc>,
) -> Result<InsightReport, DbErr> {
    let inputs = inputs(db, alert_id, alert, activity, days, now).await?;
    Ok(compute::compute(&inputs))
}

/// Reads the inputs of one report.
async fn inputs(
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
    let verdict_start = compute::window_start(today, VERDICT_WINDOW_DAYS);
    let segment_days =
        segment_rollups(db, alert_id, &currency, start.min(verdict_start), today).await?;
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
        segment_days,
    })
}

/// The segment rollups of one alert and currency between two days (inclusive), oldest first,
/// each with the listing at its robust low when kept. Rows of segments this build does not know
/// (a newer version's) are skipped.
pub async fn segment_rollups(
    db: &Db,
    alert_id: Uuid,
    currency: &str,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<Vec<SegmentRollupDay>, DbErr> {
    let rows = db
        .conn
        .query_all_raw(db.dialect.statement(
            "SELECT day, segment, observations, without_shipping, min_price, p25, median, p75, \
             mean, max_price, robust_low, low_items, new_listings FROM segment_rollup \
             WHERE alert_id = $1 AND currency = $2 AND day >= $3 AND day <= $4 \
             ORDER BY day, segment",
            vec![
                Value::from(alert_id),
                Value::from(currency.to_owned()),
                Value::from(start),
                Value::from(end),
            ],
        ))
        .await?;
    let d = db.dialect;
    let mut days = Vec::with_capacity(rows.len());
    let mut low_keys = Vec::with_capacity(rows.len());
    for row in &rows {
        let segment: String = row.try_get("", "segment")?;
        let Some(segment) = Segment::parse(&segment) else {
            continue;
        };
        let count: i64 = row.try_get("", "observations")?;
        let without: i64 = row.try_get("", "without_shipping")?;
        let new_listings: i64 = row.try_get("", "new_listings")?;
        let robust_low = get_decimal(row, d, "robust_low")?;
        let lows: String = row.try_get("", "low_items")?;
        low_keys.push(
            decode_low_items(&lows)
                .get(&robust_low.normalize())
                .copied(),
        );
        days.push(SegmentRollupDay {
            date: row.try_get("", "day")?,
            segment,
            stats: DayStats {
                count: u64::try_from(count).unwrap_or(0),
                min: get_decimal(row, d, "min_price")?,
                p25: get_decimal(row, d, "p25")?,
                median: get_decimal(row, d, "median")?,
                p75: get_decimal(row, d, "p75")?,
                mean: get_decimal(row, d, "mean")?,
                max: get_decimal(row, d, "max_price")?,
            },
            robust_low,
            low_listing: None,
            without_shipping: u64::try_from(without).unwrap_or(0),
            new_listings: u64::try_from(new_listings).unwrap_or(0),
        });
    }
    let wanted: Vec<i64> = low_keys.iter().flatten().copied().collect();
    let listings = listings_by_key(db, &wanted).await?;
    for (day, key) in days.iter_mut().zip(low_keys) {
        day.low_listing = key.and_then(|k| listings.get(&k).cloned());
    }
    Ok(days)
}

/// Listings by their surrogate keys (one query on Postgres).
async fn listings_by_key(
    db: &Db,
    keys: &[i64],
) -> Result<std::collections::HashMap<i64, Listing>, DbErr> {
    let mut keys = keys.to_vec();
    keys.sort_unstable();
    keys.dedup();
    let mut out = std::collections::HashMap::with_capacity(keys.len());
    if keys.is_empty() {
        return Ok(out);
    }
    let select = "SELECT item_key, item_id, title, item_url, image_url FROM dim_item";
    let rows = match db.dialect {
        Dialect::Postgres => {
            db.conn
                .query_all_raw(db.dialect.statement(
                    &format!("{select} WHERE item_key = ANY($1::int8[])"),
                    vec![Value::from(keys)],
                ))
                .await?
        }
        Dialect::Sqlite => {
            let mut rows = Vec::new();
            for key in keys {
                rows.extend(
                    db.conn
                        .query_all_raw(db.dialect.statement(
                            &format!("{select} WHERE item_key = $1"),
                            vec![Value::from(key)],
                        ))
                        .await?,
                );
            }
            rows
        }
    };
    for row in &rows {
        let key: i64 = row.try_get("", "item_key")?;
        if let Some(listing) = listing(row)? {
            out.insert(key, listing);
        }
    }
    Ok(out)
}

/// The daily rollups of one alert and currency between two days (inclusive), oldest first.
pub async fn rollups(
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
                stats: DayStats {
                    count: u64::try_from(count).unwrap_or(0),
                    min: get_decimal(row, d, "min_price")?,
                    p25: get_decimal(row, d, "p25")?,
                    median: get_decimal(row, d, "median")?,
                    p75: get_decimal(row, d, "p75")?,
                    mean: get_decimal(row, d, "mean")?,
                    max: get_decimal(row, d, "max_price")?,
                },
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

/// The latest run's listings with their first price inside the window. The first prices come
/// from `alert_listing_day` (one row per listing and day), not from every run's observations.
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
            "SELECT f.item_key, f.price, f.segment, f.measured_price, f.shipping_known, \
             i.item_id, i.title, i.item_url, i.image_url \
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
    let firsts = first_prices(db, alert_id, currency, start).await?;
    let mut current = Vec::with_capacity(rows.len());
    for row in &rows {
        let Some(listing) = listing(row)? else {
            continue;
        };
        let price = get_decimal(row, db.dialect, "price")?;
        let key: i64 = row.try_get("", "item_key")?;
        let segment: Option<String> = row.try_get("", "segment")?;
        let measured = match (
            segment.as_deref().and_then(Segment::parse),
            get_opt_decimal(row, db.dialect, "measured_price")?,
        ) {
            (Some(segment), Some(amount)) => {
                let known: Option<i64> = row.try_get("", "shipping_known")?;
                Some((
                    segment,
                    MeasuredPrice {
                        amount,
                        without_shipping: known == Some(0),
                    },
                ))
            }
            _ => None,
        };
        current.push(CurrentListing {
            listing,
            price,
            date: day,
            first_price: firsts.get(&key).copied().unwrap_or(price),
            measured,
        });
    }
    Ok(current)
}

/// Each listing's first price in the window: the earliest day's first price.
async fn first_prices(
    db: &Db,
    alert_id: Uuid,
    currency: &str,
    start: NaiveDate,
) -> Result<std::collections::HashMap<i64, rust_decimal::Decimal>, DbErr> {
    let rows = db
        .conn
        .query_all_raw(db.dialect.statement(
            "SELECT item_key, first_price FROM alert_listing_day \
             WHERE alert_id = $1 AND day >= $2 AND currency = $3 ORDER BY day DESC",
            vec![
                Value::from(alert_id),
                Value::from(start),
                Value::from(currency.to_owned()),
            ],
        ))
        .await?;
    let mut out = std::collections::HashMap::new();
    // Newest first, so the last write per listing is its earliest day.
    for row in &rows {
        out.insert(
            row.try_get::<i64>("", "item_key")?,
            get_decimal(row, db.dialect, "first_price")?,
        );
    }
    Ok(out)
}

/// The alert's price basis and currency as analytics knows them (`None`: unknown or deleted).
async fn basis_and_currency(
    db: &Db,
    alert_id: Uuid,
) -> Result<Option<(PriceBasis, String, Option<String>)>, DbErr> {
    let AlertState::Known { alert, activity } = alert_state(db, alert_id).await? else {
        return Ok(None);
    };
    let basis = PriceBasis::of_alert(
        alert.is_some(),
        alert.as_ref().and_then(|a| a.price_basis.as_deref()),
    );
    let currency = alert
        .as_ref()
        .and_then(|a| a.currency.clone())
        .or_else(|| activity.map(|a| a.currency))
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "USD".to_owned());
    Ok(Some((
        basis,
        currency,
        alert.and_then(|a| a.search_phrase.clone()),
    )))
}

/// Deal verdicts on listings a run of the alert saw, against its segments' last 30 days.
/// An alert analytics has never heard of has no history: every verdict is null.
pub async fn verdicts(
    db: &Db,
    alert_id: Uuid,
    request: &VerdictRequest,
    now: DateTime<Utc>,
) -> Result<Vec<Verdict>, DbErr> {
    let today = now.date_naive();
    let (basis, currency) = match basis_and_currency(db, alert_id).await? {
        Some((basis, currency, _)) => (basis, currency),
        None => (PriceBasis::default(), String::new()),
    };
    let history = if currency.is_empty() {
        Vec::new()
    } else {
        let start = compute::window_start(today, VERDICT_WINDOW_DAYS);
        segment_rollups(db, alert_id, &currency, start, today).await?
    };
    let typical = deals::typical_by_segment(&history, today);
    Ok(deals::judge(
        &request.items,
        request.observed_at,
        basis,
        &currency,
        &typical,
    ))
}

/// A CSV export: its file name and body.
#[derive(Debug, Clone)]
pub struct CsvExport {
    /// Suggested file name.
    pub file_name: String,
    /// The CSV text.
    pub body: String,
}

/// `insights.csv`: the segment rollups of the last `days` days (`None`: unknown alert).
pub async fn insights_csv(
    db: &Db,
    alert_id: Uuid,
    days: u32,
    now: DateTime<Utc>,
) -> Result<Option<CsvExport>, DbErr> {
    let Some((_, currency, phrase)) = basis_and_currency(db, alert_id).await? else {
        return Ok(None);
    };
    let today = now.date_naive();
    let rows = segment_rollups(
        db,
        alert_id,
        &currency,
        compute::window_start(today, days),
        today,
    )
    .await?;
    Ok(Some(CsvExport {
        file_name: csv::file_name("insights", phrase.as_deref(), today),
        body: csv::insights_csv(&rows),
    }))
}

/// `listings.csv`: every listing the alert saw in the last `days` days, with its first
/// sighting, latest and lowest asking price. Reads this one alert's facts of the window through
/// the `(alert_id, item_key, observed_at)` index: an export on request, not a report.
pub async fn listings_csv(
    db: &Db,
    alert_id: Uuid,
    days: u32,
    now: DateTime<Utc>,
) -> Result<Option<CsvExport>, DbErr> {
    let Some((_, currency, phrase)) = basis_and_currency(db, alert_id).await? else {
        return Ok(None);
    };
    let today = now.date_naive();
    let start = compute::window_start(today, days);
    let rows = db
        .conn
        .query_all_raw(db.dialect.statement(
            "SELECT f.item_key, f.observed_at, f.price, f.segment, i.item_id, i.title, \
             i.item_url, i.condition, l.first_seen_at \
             FROM fact_price_observation f \
             JOIN dim_item i ON i.item_key = f.item_key \
             JOIN alert_listing l ON l.alert_id = f.alert_id AND l.item_key = f.item_key \
             WHERE f.alert_id = $1 AND f.observed_date >= $2 AND f.currency = $3 \
             ORDER BY f.item_key, f.observed_at",
            vec![
                Value::from(alert_id),
                Value::from(start),
                Value::from(currency.clone()),
            ],
        ))
        .await?;
    let mut by_item: std::collections::BTreeMap<i64, csv::ListingRow> =
        std::collections::BTreeMap::new();
    for row in &rows {
        let key: i64 = row.try_get("", "item_key")?;
        let at: DateTime<Utc> = row.try_get("", "observed_at")?;
        let price = get_decimal(row, db.dialect, "price")?;
        let segment: Option<String> = row.try_get("", "segment")?;
        match by_item.get_mut(&key) {
            // Rows come oldest first: the latest sighting wins.
            Some(listing) => {
                listing.last_seen = at;
                listing.last_price = price;
                listing.lowest_price = listing.lowest_price.min(price);
                if segment.is_some() {
                    listing.segment = segment;
                }
            }
            None => {
                by_item.insert(
                    key,
                    csv::ListingRow {
                        item_id: row.try_get("", "item_id")?,
                        title: row.try_get("", "title")?,
                        condition: row.try_get("", "condition")?,
                        segment,
                        first_seen: row.try_get("", "first_seen_at")?,
                        last_seen: at,
                        last_price: price,
                        lowest_price: price,
                        currency: currency.clone(),
                        item_url: row.try_get("", "item_url")?,
                    },
                );
            }
        }
    }
    let listings: Vec<csv::ListingRow> = by_item.into_values().collect();
    Ok(Some(CsvExport {
        file_name: csv::file_name("listings", phrase.as_deref(), today),
        body: csv::listings_csv(&listings),
    }))
}
