//! The query groups store: one row per eBay search that alerts share (their `query_key`), with
//! the model the adaptive scheduler plans from ([`GroupModel`]). Rows are written in the run's
//! transaction, so the model and the run it learned from commit together.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};

use crate::db::sql;
use crate::runner::planner::{GroupDemand, GroupModel};

#[derive(FromQueryResult)]
struct ModelRow {
    query_key: String,
    weighted_new: f64,
    weighted_hours: f64,
    last_run_at: Option<DateTime<Utc>>,
    auction_ends_at: Option<DateTime<Utc>>,
}

impl ModelRow {
    fn model(&self) -> GroupModel {
        GroupModel {
            weighted_new: self.weighted_new,
            weighted_hours: self.weighted_hours,
            last_run_at: self.last_run_at,
            auction_ends_at: self.auction_ends_at,
        }
    }
}

/// The models of `keys` (a group never run has none).
pub async fn models<C: ConnectionTrait>(
    db: &C,
    keys: &[String],
) -> Result<HashMap<String, GroupModel>, DbErr> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let placeholders: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let rows = ModelRow::find_by_statement(sql(
        db.get_database_backend(),
        &format!(
            "SELECT query_key, weighted_new, weighted_hours, last_run_at, auction_ends_at \
             FROM query_groups WHERE query_key IN ({})",
            placeholders.join(", ")
        ),
        keys.iter().map(|k| k.clone().into()),
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.query_key.clone(), r.model()))
        .collect())
}

/// Writes a group's model after a run that fetched `pages` pages and found `new_listings`.
pub async fn save<C: ConnectionTrait>(
    db: &C,
    query_key: &str,
    model: &GroupModel,
    new_listings: usize,
    pages: u32,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    db.execute_raw(sql(
        db.get_database_backend(),
        "INSERT INTO query_groups (query_key, weighted_new, weighted_hours, last_run_at, auction_ends_at, \
         last_new_listings, last_pages, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (query_key) DO UPDATE SET weighted_new = excluded.weighted_new, \
         weighted_hours = excluded.weighted_hours, last_run_at = excluded.last_run_at, \
         auction_ends_at = excluded.auction_ends_at, last_new_listings = excluded.last_new_listings, \
         last_pages = excluded.last_pages, updated_at = excluded.updated_at",
        [
            query_key.into(),
            model.weighted_new.into(),
            model.weighted_hours.into(),
            model.last_run_at.into(),
            model.auction_ends_at.into(),
            i32::try_from(new_listings).unwrap_or(i32::MAX).into(),
            i32::try_from(pages).unwrap_or(i32::MAX).into(),
            now.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Every query group with an active alert: its most frequent alert, whether an alert of it
/// reports auctions ending soon, and its model.
pub async fn active<C: ConnectionTrait>(db: &C) -> Result<Vec<GroupDemand>, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        query_key: String,
        minutes: i32,
        auctions: i32,
        weighted_new: Option<f64>,
        weighted_hours: Option<f64>,
        last_run_at: Option<DateTime<Utc>>,
        auction_ends_at: Option<DateTime<Utc>>,
    }
    let rows = Row::find_by_statement(sql(
        db.get_database_backend(),
        "SELECT a.query_key, MIN(a.frequency_minutes) AS minutes, \
         MAX(CASE WHEN a.ending_within_hours IS NOT NULL AND a.buying_options <> 'fixed_price' THEN 1 ELSE 0 END) AS auctions, \
         MAX(g.weighted_new) AS weighted_new, MAX(g.weighted_hours) AS weighted_hours, \
         MAX(g.last_run_at) AS last_run_at, MAX(g.auction_ends_at) AS auction_ends_at \
         FROM alerts a LEFT JOIN query_groups g ON g.query_key = a.query_key \
         WHERE a.paused = $1 GROUP BY a.query_key ORDER BY a.query_key",
        [false.into()],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| GroupDemand {
            query_key: r.query_key,
            frequency_minutes: r.minutes,
            watches_auctions: r.auctions > 0,
            model: GroupModel {
                weighted_new: r.weighted_new.unwrap_or(0.0),
                weighted_hours: r.weighted_hours.unwrap_or(0.0),
                last_run_at: r.last_run_at,
                auction_ends_at: r.auction_ends_at,
            },
        })
        .collect())
}

/// One of a user's active alerts, with what the plan needs.
#[derive(Debug, FromQueryResult)]
pub struct ActiveAlert {
    /// The alert.
    pub id: uuid::Uuid,
    /// Its phrase.
    pub search_phrase: String,
    /// Its query key.
    pub query_key: String,
    /// Its chosen frequency.
    pub frequency_minutes: i32,
}

/// The user's active (unpaused) alerts, oldest first.
pub async fn active_alerts_of<C: ConnectionTrait>(
    db: &C,
    user_id: uuid::Uuid,
) -> Result<Vec<ActiveAlert>, DbErr> {
    ActiveAlert::find_by_statement(sql(
        db.get_database_backend(),
        "SELECT id, search_phrase, query_key, frequency_minutes FROM alerts \
         WHERE user_id = $1 AND paused = $2 ORDER BY created_at, id",
        [user_id.into(), false.into()],
    ))
    .all(db)
    .await
}
