//! `products.observed` events into the star schema, a whole batch at a time.
//!
//! Inside the batch transaction, after the per-alert locks (so no other replica is writing the
//! same alerts), in this order — every transaction touches the tables in the same order and the
//! rows in key order, so concurrent replicas cannot deadlock:
//!
//! 1. `ingested_run`: the batch's runs are registered; runs registered before (the same run
//!    re-sent under a new event id) are left out, so everything below counts each observation
//!    once;
//! 2. `dim_item`: listings not known to the in-process cache (or whose title, URL, picture,
//!    seller or condition changed) are upserted; the rest need no statement at all;
//! 3. `fact_price_observation`: one row per listing per run, one multi-row statement;
//! 4. `alert_listing`: which listings each alert has seen, and when first; new pairs are the
//!    day's "new listings";
//! 5. `alert_listing_day`: each listing's first price of the day (new (listing, day) pairs only);
//! 6. `daily_rollup`: each affected (alert, currency, day) row is read, its price histogram
//!    merged with the batch's prices, its statistics recomputed, and written back — one row per
//!    alert and day, however many observations the batch had;
//! 7. `segment_rollup`: the same per segment (condition group × buying format, lots and
//!    for-parts apart; see [`crate::insights::segments`]), on each alert's price basis, with the
//!    day's robust low;
//! 8. `alert_activity`: each alert's latest run.
//!
//! Each alert's price basis is read from its current `dim_alert` row once per batch (one indexed
//! query; alert changes earlier in the same batch are already visible); an alert analytics has
//! not heard of yet is measured with shipping, the default of new alerts.
//!
//! The caches are only updated after the transaction committed (see [`CacheUpdates`]): a key
//! learnt inside a transaction that rolled back may not exist.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::{DateTime, NaiveDate, Utc};
use pubsub::{ObservedItem, ProductsObserved};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Value};
use uuid::Uuid;

use super::rollup::{self, Histogram, day_stats};
use crate::db::bulk::{self, Column};
use crate::db::{Dialect, get_decimal};
use crate::insights::segments::{self, MeasuredPrice, PriceBasis, Segment};

/// Remembers what is known to be stored, so steady-state batches skip most dimension work.
///
/// Bounded: when a map grows past its limit it is cleared (the next batches re-learn the keys
/// with one upsert each), which is simpler than an LRU and costs little.
#[derive(Debug, Default)]
pub struct Caches {
    /// item_id → (item_key, fingerprint of the stored attributes).
    items: HashMap<String, (i64, u64)>,
    /// (alert, item_key) pairs present in `alert_listing`.
    listings: HashSet<(Uuid, i64)>,
    /// (alert, item_key, day) triples present in `alert_listing_day`.
    listing_days: HashSet<(Uuid, i64, NaiveDate)>,
}

const MAX_CACHED_ITEMS: usize = 500_000;
const MAX_CACHED_LISTINGS: usize = 1_000_000;
const MAX_CACHED_LISTING_DAYS: usize = 1_000_000;

/// Keys learnt by a batch, applied to [`Caches`] once its transaction committed.
#[derive(Debug, Default)]
pub struct CacheUpdates {
    items: Vec<(String, i64, u64)>,
    listings: Vec<(Uuid, i64)>,
    listing_days: Vec<(Uuid, i64, NaiveDate)>,
}

impl Caches {
    /// Records what a committed batch stored.
    pub fn apply(&mut self, updates: CacheUpdates) {
        if self.items.len() + updates.items.len() > MAX_CACHED_ITEMS {
            self.items.clear();
        }
        if self.listings.len() + updates.listings.len() > MAX_CACHED_LISTINGS {
            self.listings.clear();
        }
        if self.listing_days.len() + updates.listing_days.len() > MAX_CACHED_LISTING_DAYS {
            self.listing_days.clear();
        }
        self.listing_days.extend(updates.listing_days);
        for (item_id, key, fingerprint) in updates.items {
            self.items.insert(item_id, (key, fingerprint));
        }
        self.listings.extend(updates.listings);
    }
}

/// What storing a batch's observations did.
#[derive(Debug, Default)]
pub struct Stored {
    /// Fact rows inserted.
    pub inserted: u64,
    /// Listings not stored because the run already had them.
    pub duplicates: u64,
    /// Keys to remember after commit.
    pub cache: CacheUpdates,
}

/// One listing of one run, ready for the fact table.
struct Row<'a> {
    alert_id: Uuid,
    run_id: Uuid,
    observed_at: DateTime<Utc>,
    item: &'a ObservedItem,
}

/// A fact row as inserted.
struct Inserted {
    alert_id: Uuid,
    item_key: i64,
    day: NaiveDate,
    currency: String,
    price: Decimal,
    observed_at: DateTime<Utc>,
    segment: Segment,
    /// The price on the alert's basis; `None` when the sighting sets no figure.
    measured: Option<MeasuredPrice>,
}

/// What the caches already vouch for, taken synchronously before the transaction so no lock is
/// held across its awaits.
pub struct Plan<'a> {
    rows: Vec<Row<'a>>,
    known_items: HashMap<String, i64>,
    to_upsert: BTreeMap<&'a str, (&'a ObservedItem, u64)>,
    known_pairs: HashSet<(Uuid, i64)>,
    known_days: HashSet<(Uuid, i64, NaiveDate)>,
}

/// Looks the batch's listings up in the caches.
pub fn plan<'a>(caches: &Caches, observations: &[&'a ProductsObserved]) -> Plan<'a> {
    let rows = flatten(observations);
    let mut known_items = HashMap::with_capacity(rows.len());
    // The last occurrence in the batch is the freshest description of a listing.
    let mut to_upsert: BTreeMap<&str, (&ObservedItem, u64)> = BTreeMap::new();
    let mut known_pairs = HashSet::new();
    let mut known_days = HashSet::new();
    for row in &rows {
        let print = fingerprint(row.item);
        match caches.items.get(&row.item.item_id) {
            Some((key, cached)) if *cached == print => {
                known_items.insert(row.item.item_id.clone(), *key);
                if caches.listings.contains(&(row.alert_id, *key)) {
                    known_pairs.insert((row.alert_id, *key));
                }
                let day = (row.alert_id, *key, row.observed_at.date_naive());
                if caches.listing_days.contains(&day) {
                    known_days.insert(day);
                }
            }
            _ => {
                to_upsert.insert(&row.item.item_id, (row.item, print));
            }
        }
    }
    Plan {
        rows,
        known_items,
        to_upsert,
        known_pairs,
        known_days,
    }
}

/// Stores every listing of `observations` (already deduplicated by event id) in `conn`'s
/// transaction. The caller holds the locks of every alert concerned.
pub async fn store<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    plan: Plan<'_>,
    observations: &[&ProductsObserved],
    now: DateTime<Utc>,
) -> Result<Stored, DbErr> {
    let mut stored = Stored::default();
    let stored_runs = runs_already_stored(conn, dialect, observations).await?;
    let rows: Vec<&Row<'_>> = plan
        .rows
        .iter()
        .filter(|r| !stored_runs.contains(&r.run_id))
        .collect();
    stored.duplicates = (plan.rows.len() - rows.len()) as u64;
    if rows.is_empty() {
        return Ok(stored);
    }

    let item_keys = item_keys(conn, dialect, &plan, now, &mut stored.cache).await?;
    let bases = price_bases(conn, dialect, &rows).await?;
    let inserted = insert_facts(conn, dialect, &rows, &item_keys, &bases).await?;
    stored.inserted = inserted.len() as u64;
    let (new_listings, new_by_segment) = record_listings(
        conn,
        dialect,
        &plan.known_pairs,
        &inserted,
        &mut stored.cache,
    )
    .await?;
    record_listing_days(
        conn,
        dialect,
        &plan.known_days,
        &inserted,
        &mut stored.cache,
    )
    .await?;
    update_rollups(conn, dialect, &inserted, &new_listings, now).await?;
    update_segment_rollups(conn, dialect, &inserted, &new_by_segment, now).await?;
    let fresh: Vec<&ProductsObserved> = observations
        .iter()
        .copied()
        .filter(|o| !stored_runs.contains(&o.run_id))
        .collect();
    record_activity(conn, dialect, &fresh).await?;
    Ok(stored)
}

/// Registers the batch's runs; returns those that were registered before (already stored).
///
/// A registry keyed by run id answers with one index probe per run, whatever the size of the
/// (partitioned) fact table, and its unique key makes a concurrent duplicate impossible.
async fn runs_already_stored<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    observations: &[&ProductsObserved],
) -> Result<HashSet<Uuid>, DbErr> {
    let runs: BTreeMap<Uuid, &ProductsObserved> = observations
        .iter()
        .filter(|o| !o.items.is_empty())
        .map(|o| (o.run_id, *o))
        .collect();
    if runs.is_empty() {
        return Ok(HashSet::new());
    }
    let registered = bulk::insert(
        conn,
        dialect,
        "ingested_run",
        &[
            ("run_id", Column::Uuid(runs.keys().copied().collect())),
            (
                "alert_id",
                Column::Uuid(runs.values().map(|o| o.alert_id).collect()),
            ),
            (
                "observed_at",
                Column::Time(runs.values().map(|o| o.observed_at).collect()),
            ),
        ],
        "ON CONFLICT (run_id) DO NOTHING RETURNING run_id",
    )
    .await?;
    let fresh: HashSet<Uuid> = registered
        .iter()
        .map(|row| row.try_get::<Uuid>("", "run_id"))
        .collect::<Result<_, _>>()?;
    Ok(runs
        .keys()
        .filter(|r| !fresh.contains(r))
        .copied()
        .collect())
}

/// Every listing of every run, each listing once per run (eBay can repeat one across pages).
fn flatten<'a>(observations: &[&'a ProductsObserved]) -> Vec<Row<'a>> {
    let mut rows = Vec::with_capacity(observations.iter().map(|o| o.items.len()).sum());
    for observation in observations {
        let mut seen = HashSet::with_capacity(observation.items.len());
        for item in &observation.items {
            if seen.insert(item.item_id.as_str()) {
                rows.push(Row {
                    alert_id: observation.alert_id,
                    run_id: observation.run_id,
                    observed_at: observation.observed_at,
                    item,
                });
            }
        }
    }
    rows
}

fn fingerprint(item: &ObservedItem) -> u64 {
    let mut hasher = DefaultHasher::new();
    (
        &item.title,
        &item.item_url,
        &item.image_url,
        &item.seller,
        &item.condition,
    )
        .hash(&mut hasher);
    hasher.finish()
}

/// item_id → item_key for every row, upserting what the cache does not vouch for.
async fn item_keys<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    plan: &Plan<'_>,
    now: DateTime<Utc>,
    updates: &mut CacheUpdates,
) -> Result<HashMap<String, i64>, DbErr> {
    let mut keys = plan.known_items.clone();
    let to_upsert = &plan.to_upsert;
    if to_upsert.is_empty() {
        return Ok(keys);
    }
    let items: Vec<&ObservedItem> = to_upsert.values().map(|(item, _)| *item).collect();
    let returned = bulk::insert(
        conn,
        dialect,
        "dim_item",
        &[
            (
                "item_id",
                Column::Text(items.iter().map(|i| i.item_id.clone()).collect()),
            ),
            (
                "title",
                Column::Text(items.iter().map(|i| i.title.clone()).collect()),
            ),
            (
                "item_url",
                Column::Text(items.iter().map(|i| i.item_url.clone()).collect()),
            ),
            (
                "image_url",
                Column::OptText(items.iter().map(|i| i.image_url.clone()).collect()),
            ),
            (
                "seller",
                Column::OptText(items.iter().map(|i| i.seller.clone()).collect()),
            ),
            (
                "condition",
                Column::OptText(items.iter().map(|i| i.condition.clone()).collect()),
            ),
            ("first_seen_at", Column::Time(vec![now; items.len()])),
        ],
        // Always "update" so RETURNING yields the key of existing rows too (one statement
        // instead of an insert plus a lookup); only listings the cache missed get here.
        "ON CONFLICT (item_id) DO UPDATE SET title = excluded.title, item_url = excluded.item_url, \
         image_url = excluded.image_url, seller = excluded.seller, condition = excluded.condition \
         RETURNING item_key, item_id",
    )
    .await?;
    for row in returned {
        let key: i64 = row.try_get("", "item_key")?;
        let item_id: String = row.try_get("", "item_id")?;
        if let Some((_, print)) = to_upsert.get(item_id.as_str()) {
            updates.items.push((item_id.clone(), key, *print));
        }
        keys.insert(item_id, key);
    }
    Ok(keys)
}

/// Each alert's price basis, from its current revision (see the module doc).
async fn price_bases<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    rows: &[&Row<'_>],
) -> Result<HashMap<Uuid, PriceBasis>, DbErr> {
    let alerts: Vec<Uuid> = rows
        .iter()
        .map(|r| r.alert_id)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let found: Vec<QueryResult> = match dialect {
        Dialect::Postgres => {
            conn.query_all_raw(dialect.statement(
                "SELECT alert_id, price_basis FROM dim_alert \
                 WHERE is_current AND alert_id = ANY($1::uuid[])",
                vec![Value::from(alerts.clone())],
            ))
            .await?
        }
        Dialect::Sqlite => {
            let mut found = Vec::new();
            for alert in &alerts {
                found.extend(
                    conn.query_all_raw(dialect.statement(
                        "SELECT alert_id, price_basis FROM dim_alert \
                         WHERE is_current AND alert_id = $1",
                        vec![Value::from(*alert)],
                    ))
                    .await?,
                );
            }
            found
        }
    };
    let mut bases: HashMap<Uuid, PriceBasis> = alerts
        .iter()
        .map(|a| (*a, PriceBasis::of_alert(false, None)))
        .collect();
    for row in found {
        let alert: Uuid = row.try_get("", "alert_id")?;
        let basis: Option<String> = row.try_get("", "price_basis")?;
        bases.insert(alert, PriceBasis::of_alert(true, basis.as_deref()));
    }
    Ok(bases)
}

async fn insert_facts<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    rows: &[&Row<'_>],
    item_keys: &HashMap<String, i64>,
    bases: &HashMap<Uuid, PriceBasis>,
) -> Result<Vec<Inserted>, DbErr> {
    let mut inserted = Vec::with_capacity(rows.len());
    for row in rows {
        let item_key = item_keys.get(&row.item.item_id).copied().ok_or_else(|| {
            DbErr::Custom(format!("no item key for listing {}", row.item.item_id))
        })?;
        let segment = segments::segment_of(row.item);
        let basis = bases.get(&row.alert_id).copied().unwrap_or_default();
        let measured = segments::measured_price(row.item, segment.format, basis, row.observed_at)
            // A shipping cost in another currency cannot be added: the item price alone.
            .map(|m| match &row.item.shipping_cost {
                Some(s) if s.currency != row.item.price.currency && !m.without_shipping => {
                    MeasuredPrice {
                        amount: m.amount - s.value,
                        without_shipping: basis == PriceBasis::WithShipping,
                    }
                }
                _ => m,
            });
        inserted.push(Inserted {
            alert_id: row.alert_id,
            item_key,
            day: row.observed_at.date_naive(),
            currency: row.item.price.currency.clone(),
            price: row.item.price.value,
            observed_at: row.observed_at,
            segment,
            measured,
        });
    }
    let n = inserted.len();
    let affected = bulk::execute(
        conn,
        dialect,
        "fact_price_observation",
        &[
            (
                "alert_id",
                Column::Uuid(inserted.iter().map(|r| r.alert_id).collect()),
            ),
            (
                "item_key",
                Column::Int(inserted.iter().map(|r| r.item_key).collect()),
            ),
            (
                "run_id",
                Column::Uuid(rows.iter().map(|r| r.run_id).collect()),
            ),
            (
                "observed_at",
                Column::Time(inserted.iter().map(|r| r.observed_at).collect()),
            ),
            (
                "observed_date",
                Column::Date(inserted.iter().map(|r| r.day).collect()),
            ),
            (
                "price",
                Column::Decimal(inserted.iter().map(|r| r.price).collect()),
            ),
            (
                "currency",
                Column::Text(inserted.iter().map(|r| r.currency.clone()).collect()),
            ),
            (
                "segment",
                Column::OptText(
                    inserted
                        .iter()
                        .map(|r| r.measured.map(|_| r.segment.key()))
                        .collect(),
                ),
            ),
            (
                "measured_price",
                Column::Decimal(
                    inserted
                        .iter()
                        .map(|r| r.measured.map_or(r.price, |m| m.amount))
                        .collect(),
                ),
            ),
            (
                "shipping_known",
                Column::Int(
                    inserted
                        .iter()
                        .map(|r| i64::from(!r.measured.is_some_and(|m| m.without_shipping)))
                        .collect(),
                ),
            ),
        ],
        "",
    )
    .await?;
    // Runs already stored were left out above under the alerts' locks, so a shortfall means the
    // unique key caught something unforeseen: fail the batch rather than count wrongly.
    if affected != n as u64 {
        return Err(DbErr::Custom(format!(
            "expected to store {n} observations but stored {affected}"
        )));
    }
    Ok(inserted)
}

/// New listings per (alert, currency, day), and per segment too.
type NewListings = (
    HashMap<(Uuid, String, NaiveDate), u64>,
    HashMap<SegmentDayKey, u64>,
);

/// Records (alert, listing) pairs; returns new listings per (alert, currency, day) and per
/// (alert, currency, day, segment).
async fn record_listings<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    known_pairs: &HashSet<(Uuid, i64)>,
    inserted: &[Inserted],
    updates: &mut CacheUpdates,
) -> Result<NewListings, DbErr> {
    // The earliest sighting in the batch of each pair the cache does not know.
    let mut pairs: BTreeMap<(Uuid, i64), &Inserted> = BTreeMap::new();
    for row in inserted {
        if known_pairs.contains(&(row.alert_id, row.item_key)) {
            continue;
        }
        pairs
            .entry((row.alert_id, row.item_key))
            .and_modify(|seen| {
                if row.observed_at < seen.observed_at {
                    *seen = row;
                }
            })
            .or_insert(row);
    }
    let mut new_listings = HashMap::new();
    let mut new_by_segment = HashMap::new();
    if pairs.is_empty() {
        return Ok((new_listings, new_by_segment));
    }
    let rows: Vec<&Inserted> = pairs.values().copied().collect();
    let returned = bulk::insert(
        conn,
        dialect,
        "alert_listing",
        &[
            (
                "alert_id",
                Column::Uuid(rows.iter().map(|r| r.alert_id).collect()),
            ),
            (
                "item_key",
                Column::Int(rows.iter().map(|r| r.item_key).collect()),
            ),
            (
                "currency",
                Column::Text(rows.iter().map(|r| r.currency.clone()).collect()),
            ),
            (
                "first_seen_at",
                Column::Time(rows.iter().map(|r| r.observed_at).collect()),
            ),
            (
                "first_seen_date",
                Column::Date(rows.iter().map(|r| r.day).collect()),
            ),
        ],
        "ON CONFLICT (alert_id, item_key) DO NOTHING \
         RETURNING alert_id, item_key, currency, first_seen_date",
    )
    .await?;
    for row in &returned {
        let alert_id: Uuid = row.try_get("", "alert_id")?;
        let item_key: i64 = row.try_get("", "item_key")?;
        let currency: String = row.try_get("", "currency")?;
        let day: NaiveDate = row.try_get("", "first_seen_date")?;
        // A listing counts as new in its segment on its first day; an auction whose bids are
        // not yet measured counts only in the alert's total.
        if let Some(first) = pairs.get(&(alert_id, item_key))
            && first.measured.is_some()
        {
            *new_by_segment
                .entry((alert_id, currency.clone(), day, first.segment.key()))
                .or_insert(0) += 1;
        }
        *new_listings.entry((alert_id, currency, day)).or_insert(0) += 1;
    }
    updates.listings.extend(pairs.keys().copied());
    Ok((new_listings, new_by_segment))
}

/// Records each listing's first price of each day (`alert_listing_day`), for price drops.
async fn record_listing_days<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    known_days: &HashSet<(Uuid, i64, NaiveDate)>,
    inserted: &[Inserted],
    updates: &mut CacheUpdates,
) -> Result<(), DbErr> {
    let mut firsts: BTreeMap<(Uuid, i64, NaiveDate), &Inserted> = BTreeMap::new();
    for row in inserted {
        let key = (row.alert_id, row.item_key, row.day);
        if known_days.contains(&key) {
            continue;
        }
        firsts
            .entry(key)
            .and_modify(|seen| {
                if row.observed_at < seen.observed_at {
                    *seen = row;
                }
            })
            .or_insert(row);
    }
    if firsts.is_empty() {
        return Ok(());
    }
    let rows: Vec<&Inserted> = firsts.values().copied().collect();
    bulk::execute(
        conn,
        dialect,
        "alert_listing_day",
        &[
            (
                "alert_id",
                Column::Uuid(rows.iter().map(|r| r.alert_id).collect()),
            ),
            (
                "item_key",
                Column::Int(rows.iter().map(|r| r.item_key).collect()),
            ),
            ("day", Column::Date(rows.iter().map(|r| r.day).collect())),
            (
                "currency",
                Column::Text(rows.iter().map(|r| r.currency.clone()).collect()),
            ),
            (
                "first_price",
                Column::Decimal(rows.iter().map(|r| r.price).collect()),
            ),
            (
                "first_at",
                Column::Time(rows.iter().map(|r| r.observed_at).collect()),
            ),
        ],
        // An earlier observation arriving late becomes the day's first; later ones change nothing.
        "ON CONFLICT (alert_id, item_key, day) DO UPDATE SET \
         first_price = excluded.first_price, first_at = excluded.first_at, \
         currency = excluded.currency \
         WHERE excluded.first_at < alert_listing_day.first_at",
    )
    .await?;
    updates.listing_days.extend(firsts.keys().copied());
    Ok(())
}

type DayKey = (Uuid, String, NaiveDate);

/// What a batch adds to one day of one alert.
struct DayDelta {
    histogram: Histogram,
    /// The lowest price of the batch and a listing that had it.
    low: (Decimal, i64),
}

/// A stored rollup row, as far as merging needs it.
struct StoredDay {
    histogram: Histogram,
    low: (Decimal, i64),
}

async fn update_rollups<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    inserted: &[Inserted],
    new_listings: &HashMap<(Uuid, String, NaiveDate), u64>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // Sorted by key so concurrent batches lock rows in the same order.
    let mut deltas: BTreeMap<DayKey, DayDelta> = BTreeMap::new();
    for row in inserted {
        let delta = deltas
            .entry((row.alert_id, row.currency.clone(), row.day))
            .or_insert_with(|| DayDelta {
                histogram: Histogram::new(),
                low: (row.price, row.item_key),
            });
        rollup::add(&mut delta.histogram, row.price, 1);
        if row.price < delta.low.0 {
            delta.low = (row.price, row.item_key);
        }
    }
    if deltas.is_empty() {
        return Ok(());
    }
    let mut stored = read_days(conn, dialect, deltas.keys()).await?;

    let n = deltas.len();
    let mut alert_ids = Vec::with_capacity(n);
    let mut currencies = Vec::with_capacity(n);
    let mut days = Vec::with_capacity(n);
    let mut counts = Vec::with_capacity(n);
    let (mut mins, mut p25s, mut medians, mut p75s, mut means, mut maxes) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let mut min_items = Vec::with_capacity(n);
    let mut added = Vec::with_capacity(n);
    let mut encoded = Vec::with_capacity(n);
    for (key, delta) in deltas {
        let (histogram, low) = match stored.remove(&key) {
            Some(mut day) => {
                for (price, count) in delta.histogram {
                    rollup::add(&mut day.histogram, price, count);
                }
                // The earlier listing keeps the title of "lowest" on a tie.
                let low = if delta.low.0 < day.low.0 {
                    delta.low
                } else {
                    day.low
                };
                (day.histogram, low)
            }
            None => (delta.histogram, delta.low),
        };
        let Some(stats) = day_stats(&histogram) else {
            continue;
        };
        let (alert_id, currency, day) = key;
        let fresh = new_listings
            .get(&(alert_id, currency.clone(), day))
            .copied()
            .unwrap_or(0);
        alert_ids.push(alert_id);
        currencies.push(currency);
        days.push(day);
        counts.push(i64::try_from(stats.count).unwrap_or(i64::MAX));
        mins.push(stats.min);
        p25s.push(stats.p25);
        medians.push(stats.median);
        p75s.push(stats.p75);
        means.push(stats.mean);
        maxes.push(stats.max);
        min_items.push(low.1);
        added.push(i64::try_from(fresh).unwrap_or(i64::MAX));
        encoded.push(rollup::encode(&histogram));
    }
    let rows = alert_ids.len();
    bulk::execute(
        conn,
        dialect,
        "daily_rollup",
        &[
            ("alert_id", Column::Uuid(alert_ids)),
            ("currency", Column::Text(currencies)),
            ("day", Column::Date(days)),
            ("observations", Column::Int(counts)),
            ("min_price", Column::Decimal(mins)),
            ("p25", Column::Decimal(p25s)),
            ("median", Column::Decimal(medians)),
            ("p75", Column::Decimal(p75s)),
            ("mean", Column::Decimal(means)),
            ("max_price", Column::Decimal(maxes)),
            ("min_item_key", Column::Int(min_items)),
            ("new_listings", Column::Int(added)),
            ("price_counts", Column::Text(encoded)),
            ("updated_at", Column::Time(vec![now; rows])),
        ],
        "ON CONFLICT (alert_id, currency, day) DO UPDATE SET \
         observations = excluded.observations, min_price = excluded.min_price, \
         p25 = excluded.p25, median = excluded.median, p75 = excluded.p75, \
         mean = excluded.mean, max_price = excluded.max_price, \
         min_item_key = excluded.min_item_key, \
         new_listings = daily_rollup.new_listings + excluded.new_listings, \
         price_counts = excluded.price_counts, updated_at = excluded.updated_at",
    )
    .await?;
    Ok(())
}

/// The stored rollups of the given days (absent days are simply missing from the map).
async fn read_days<'k, C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    keys: impl Iterator<Item = &'k DayKey>,
) -> Result<HashMap<DayKey, StoredDay>, DbErr> {
    let keys: Vec<&DayKey> = keys.collect();
    let rows: Vec<QueryResult> = match dialect {
        Dialect::Postgres => {
            conn.query_all_raw(dialect.statement(
                "SELECT r.alert_id, r.currency, r.day, r.price_counts, r.min_price, r.min_item_key \
                 FROM unnest($1::uuid[], $2::text[], $3::date[]) AS k(alert_id, currency, day) \
                 JOIN daily_rollup r ON r.alert_id = k.alert_id AND r.currency = k.currency \
                  AND r.day = k.day",
                vec![
                    Value::from(keys.iter().map(|k| k.0).collect::<Vec<_>>()),
                    Value::from(keys.iter().map(|k| k.1.clone()).collect::<Vec<_>>()),
                    Value::from(keys.iter().map(|k| k.2).collect::<Vec<_>>()),
                ],
            ))
            .await?
        }
        Dialect::Sqlite => {
            let mut rows = Vec::new();
            for (alert_id, currency, day) in keys {
                rows.extend(
                    conn.query_all_raw(dialect.statement(
                        "SELECT alert_id, currency, day, price_counts, min_price, min_item_key \
                         FROM daily_rollup WHERE alert_id = $1 AND currency = $2 AND day = $3",
                        vec![
                            Value::from(*alert_id),
                            Value::from(currency.clone()),
                            Value::from(*day),
                        ],
                    ))
                    .await?,
                );
            }
            rows
        }
    };
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let key: DayKey = (
            row.try_get("", "alert_id")?,
            row.try_get("", "currency")?,
            row.try_get("", "day")?,
        );
        let text: String = row.try_get("", "price_counts")?;
        // A histogram dropped by retention (or damaged) cannot be merged into; its day is
        // long past, so a late observation simply restarts it.
        let histogram = rollup::decode(&text).unwrap_or_default();
        out.insert(
            key,
            StoredDay {
                histogram,
                low: (
                    get_decimal(&row, dialect, "min_price")?,
                    row.try_get("", "min_item_key")?,
                ),
            },
        );
    }
    Ok(out)
}

type SegmentDayKey = (Uuid, String, NaiveDate, String);

/// How many of the lowest distinct prices (with a known total) of a segment-day keep the listing
/// that had them, so the listing at the robust low can be named (it is among them unless more
/// than this many prices that day were outliers).
const LOW_ITEMS: usize = 8;

/// What a batch adds to one segment-day, or what is stored for it.
#[derive(Default)]
struct SegmentDay {
    histogram: Histogram,
    without_shipping: u64,
    /// Lowest distinct prices and a listing that had each.
    low_items: BTreeMap<Decimal, i64>,
}

impl SegmentDay {
    fn add_low(&mut self, price: Decimal, item_key: i64) {
        // The earlier listing keeps a price on a tie.
        self.low_items.entry(price.normalize()).or_insert(item_key);
        while self.low_items.len() > LOW_ITEMS {
            self.low_items.pop_last();
        }
    }
}

/// `low_items` as stored: `price:item_key` pairs, lowest first.
fn encode_low_items(items: &BTreeMap<Decimal, i64>) -> String {
    items
        .iter()
        .map(|(price, key)| format!("{price}:{key}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses the stored `low_items` text, skipping damaged pairs (they only name a listing).
pub fn decode_low_items(text: &str) -> BTreeMap<Decimal, i64> {
    text.split_ascii_whitespace()
        .filter_map(|pair| {
            let (price, key) = pair.split_once(':')?;
            Some((
                price.parse::<Decimal>().ok()?.normalize(),
                key.parse().ok()?,
            ))
        })
        .collect()
}

async fn update_segment_rollups<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    inserted: &[Inserted],
    new_listings: &HashMap<SegmentDayKey, u64>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    // Sorted by key so concurrent batches lock rows in the same order.
    let mut deltas: BTreeMap<SegmentDayKey, SegmentDay> = BTreeMap::new();
    for row in inserted {
        let Some(measured) = row.measured else {
            continue;
        };
        let delta = deltas
            .entry((
                row.alert_id,
                row.currency.clone(),
                row.day,
                row.segment.key(),
            ))
            .or_default();
        rollup::add(&mut delta.histogram, measured.amount, 1);
        delta.without_shipping += u64::from(measured.without_shipping);
        // A price whose total is unknown never names the lowest (see `robust_low` below).
        if !measured.without_shipping {
            delta.add_low(measured.amount, row.item_key);
        }
    }
    if deltas.is_empty() {
        return Ok(());
    }
    let mut stored = read_segment_days(conn, dialect, deltas.keys()).await?;

    let n = deltas.len();
    let mut keys = Vec::with_capacity(n);
    let mut stats_rows = Vec::with_capacity(n);
    let mut lows = Vec::with_capacity(n);
    let mut without = Vec::with_capacity(n);
    let mut low_items = Vec::with_capacity(n);
    let mut added = Vec::with_capacity(n);
    let mut encoded = Vec::with_capacity(n);
    for (key, delta) in deltas {
        let mut day = stored.remove(&key).unwrap_or_default();
        for (price, count) in delta.histogram {
            rollup::add(&mut day.histogram, price, count);
        }
        day.without_shipping += delta.without_shipping;
        for (price, item_key) in delta.low_items {
            day.add_low(price, item_key);
        }
        let Some(stats) = day_stats(&day.histogram) else {
            continue;
        };
        // The lowest comparable price among those with a known total; only a day without any
        // (older events, or every listing's shipping calculated) falls back to all prices.
        let fence = segments::lower_fence(&stats);
        let low = day
            .low_items
            .keys()
            .find(|price| **price >= fence)
            .copied()
            .or_else(|| segments::robust_low(&day.histogram, &stats))
            .unwrap_or(stats.min);
        let fresh = new_listings.get(&key).copied().unwrap_or(0);
        keys.push(key);
        lows.push(low);
        stats_rows.push(stats);
        without.push(i64::try_from(day.without_shipping).unwrap_or(i64::MAX));
        low_items.push(encode_low_items(&day.low_items));
        added.push(i64::try_from(fresh).unwrap_or(i64::MAX));
        encoded.push(rollup::encode(&day.histogram));
    }
    let rows = keys.len();
    let stat = |f: fn(&rollup::DayStats) -> Decimal| stats_rows.iter().map(f).collect();
    bulk::execute(
        conn,
        dialect,
        "segment_rollup",
        &[
            ("alert_id", Column::Uuid(keys.iter().map(|k| k.0).collect())),
            (
                "currency",
                Column::Text(keys.iter().map(|k| k.1.clone()).collect()),
            ),
            ("day", Column::Date(keys.iter().map(|k| k.2).collect())),
            (
                "segment",
                Column::Text(keys.iter().map(|k| k.3.clone()).collect()),
            ),
            (
                "observations",
                Column::Int(
                    stats_rows
                        .iter()
                        .map(|s| i64::try_from(s.count).unwrap_or(i64::MAX))
                        .collect(),
                ),
            ),
            ("without_shipping", Column::Int(without)),
            ("min_price", Column::Decimal(stat(|s| s.min))),
            ("p25", Column::Decimal(stat(|s| s.p25))),
            ("median", Column::Decimal(stat(|s| s.median))),
            ("p75", Column::Decimal(stat(|s| s.p75))),
            ("mean", Column::Decimal(stat(|s| s.mean))),
            ("max_price", Column::Decimal(stat(|s| s.max))),
            ("robust_low", Column::Decimal(lows)),
            ("low_items", Column::Text(low_items)),
            ("new_listings", Column::Int(added)),
            ("price_counts", Column::Text(encoded)),
            ("updated_at", Column::Time(vec![now; rows])),
        ],
        "ON CONFLICT (alert_id, currency, day, segment) DO UPDATE SET \
         observations = excluded.observations, without_shipping = excluded.without_shipping, \
         min_price = excluded.min_price, p25 = excluded.p25, median = excluded.median, \
         p75 = excluded.p75, mean = excluded.mean, max_price = excluded.max_price, \
         robust_low = excluded.robust_low, low_items = excluded.low_items, \
         new_listings = segment_rollup.new_listings + excluded.new_listings, \
         price_counts = excluded.price_counts, updated_at = excluded.updated_at",
    )
    .await?;
    Ok(())
}

/// The stored segment rollups of the given segment-days.
async fn read_segment_days<'k, C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    keys: impl Iterator<Item = &'k SegmentDayKey>,
) -> Result<HashMap<SegmentDayKey, SegmentDay>, DbErr> {
    let keys: Vec<&SegmentDayKey> = keys.collect();
    let rows: Vec<QueryResult> = match dialect {
        Dialect::Postgres => {
            conn.query_all_raw(dialect.statement(
                "SELECT r.alert_id, r.currency, r.day, r.segment, r.price_counts, \
                 r.without_shipping, r.low_items \
                 FROM unnest($1::uuid[], $2::text[], $3::date[], $4::text[]) \
                  AS k(alert_id, currency, day, segment) \
                 JOIN segment_rollup r ON r.alert_id = k.alert_id AND r.currency = k.currency \
                  AND r.day = k.day AND r.segment = k.segment",
                vec![
                    Value::from(keys.iter().map(|k| k.0).collect::<Vec<_>>()),
                    Value::from(keys.iter().map(|k| k.1.clone()).collect::<Vec<_>>()),
                    Value::from(keys.iter().map(|k| k.2).collect::<Vec<_>>()),
                    Value::from(keys.iter().map(|k| k.3.clone()).collect::<Vec<_>>()),
                ],
            ))
            .await?
        }
        Dialect::Sqlite => {
            let mut rows = Vec::new();
            for (alert_id, currency, day, segment) in keys {
                rows.extend(
                    conn.query_all_raw(dialect.statement(
                        "SELECT alert_id, currency, day, segment, price_counts, \
                         without_shipping, low_items FROM segment_rollup \
                         WHERE alert_id = $1 AND currency = $2 AND day = $3 AND segment = $4",
                        vec![
                            Value::from(*alert_id),
                            Value::from(currency.clone()),
                            Value::from(*day),
                            Value::from(segment.clone()),
                        ],
                    ))
                    .await?,
                );
            }
            rows
        }
    };
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let key: SegmentDayKey = (
            row.try_get("", "alert_id")?,
            row.try_get("", "currency")?,
            row.try_get("", "day")?,
            row.try_get("", "segment")?,
        );
        let text: String = row.try_get("", "price_counts")?;
        let without: i64 = row.try_get("", "without_shipping")?;
        let lows: String = row.try_get("", "low_items")?;
        out.insert(
            key,
            SegmentDay {
                // As for `daily_rollup`: a histogram emptied by retention restarts.
                histogram: rollup::decode(&text).unwrap_or_default(),
                without_shipping: u64::try_from(without).unwrap_or(0),
                low_items: decode_low_items(&lows),
            },
        );
    }
    Ok(out)
}

/// Each alert's latest run, so insights can show the listings currently on offer.
async fn record_activity<C: ConnectionTrait>(
    conn: &C,
    dialect: Dialect,
    observations: &[&ProductsObserved],
) -> Result<(), DbErr> {
    struct Activity {
        last_run: Uuid,
        last_at: DateTime<Utc>,
        currency: String,
        first_at: DateTime<Utc>,
        runs: i64,
    }
    let mut per_alert: BTreeMap<Uuid, Activity> = BTreeMap::new();
    for o in observations {
        // A run that found nothing has no currency; '' means "keep the one known".
        let currency = o
            .items
            .first()
            .map(|i| i.price.currency.clone())
            .unwrap_or_default();
        per_alert
            .entry(o.alert_id)
            .and_modify(|a| {
                if o.observed_at >= a.last_at {
                    a.last_at = o.observed_at;
                    a.last_run = o.run_id;
                    if !currency.is_empty() {
                        a.currency = currency.clone();
                    }
                }
                a.first_at = a.first_at.min(o.observed_at);
                a.runs += 1;
            })
            .or_insert(Activity {
                last_run: o.run_id,
                last_at: o.observed_at,
                currency: currency.clone(),
                first_at: o.observed_at,
                runs: 1,
            });
    }
    if per_alert.is_empty() {
        return Ok(());
    }
    let alerts: Vec<(&Uuid, &Activity)> = per_alert.iter().collect();
    bulk::insert(
        conn,
        dialect,
        "alert_activity",
        &[
            ("alert_id", Column::Uuid(alerts.iter().map(|(id, _)| **id).collect())),
            ("last_run_id", Column::Uuid(alerts.iter().map(|(_, a)| a.last_run).collect())),
            ("last_observed_at", Column::Time(alerts.iter().map(|(_, a)| a.last_at).collect())),
            ("currency", Column::Text(alerts.iter().map(|(_, a)| a.currency.clone()).collect())),
            ("first_observed_at", Column::Time(alerts.iter().map(|(_, a)| a.first_at).collect())),
            ("runs", Column::Int(alerts.iter().map(|(_, a)| a.runs).collect())),
        ],
        // SET expressions see the row as it was, so every CASE compares against the old time.
        "ON CONFLICT (alert_id) DO UPDATE SET \
         last_run_id = CASE WHEN excluded.last_observed_at >= alert_activity.last_observed_at \
           THEN excluded.last_run_id ELSE alert_activity.last_run_id END, \
         currency = CASE WHEN excluded.last_observed_at >= alert_activity.last_observed_at \
           AND excluded.currency <> '' THEN excluded.currency ELSE alert_activity.currency END, \
         last_observed_at = CASE WHEN excluded.last_observed_at >= alert_activity.last_observed_at \
           THEN excluded.last_observed_at ELSE alert_activity.last_observed_at END, \
         first_observed_at = CASE WHEN excluded.first_observed_at < alert_activity.first_observed_at \
           THEN excluded.first_observed_at ELSE alert_activity.first_observed_at END, \
         runs = alert_activity.runs + excluded.runs",
    )
    .await?;
    Ok(())
}
