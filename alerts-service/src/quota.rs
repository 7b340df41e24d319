//! The daily eBay call budget, counted across replicas in Redis and reset at eBay's day boundary
//! (midnight, Pacific time). When demand exceeds the budget, every alert's interval is stretched
//! by the same factor, so all alerts keep running, just less often, instead of some failing.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::America::Los_Angeles;
use redis::aio::ConnectionManager;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::sql;

/// Where calls are counted.
#[derive(Clone)]
pub enum CallCounter {
    /// In Redis, shared by every replica.
    Redis {
        /// Connection.
        conn: ConnectionManager,
        /// Key prefix.
        prefix: String,
    },
    /// In this process (one-process mode only).
    Local(Arc<Mutex<(NaiveDate, u64)>>),
}

/// eBay's current quota day (its calendar date in Pacific time).
pub fn ebay_day(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&Los_Angeles).date_naive()
}

/// When the current quota day ends.
pub fn resets_at(now: DateTime<Utc>) -> DateTime<Utc> {
    let next = ebay_day(now).succ_opt().unwrap_or_else(|| ebay_day(now));
    Los_Angeles
        .with_ymd_and_hms(next.year(), next.month(), next.day(), 0, 0, 0)
        .earliest()
        .map_or(now + chrono::Duration::days(1), |t| t.with_timezone(&Utc))
}

impl CallCounter {
    /// An in-process counter.
    pub fn local() -> Self {
        Self::Local(Arc::new(Mutex::new((NaiveDate::MIN, 0))))
    }

    fn key(prefix: &str, day: NaiveDate) -> String {
        format!("{prefix}ebay:calls:{day}")
    }

    /// Takes one call from today's budget; `false` when the budget is spent (nothing taken).
    /// If Redis is unreachable the call is allowed: eBay itself enforces the hard limit.
    pub async fn try_take(&self, budget: u32, now: DateTime<Utc>) -> bool {
        let day = ebay_day(now);
        match self {
            Self::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let key = Self::key(prefix, day);
                let taken: Result<(u64,), _> = redis::pipe()
                    .atomic()
                    .cmd("INCR")
                    .arg(&key)
                    .cmd("EXPIRE")
                    .arg(&key)
                    .arg(2 * 24 * 3600)
                    .ignore()
                    .query_async(&mut conn)
                    .await;
                match taken {
                    Ok((n,)) if n > u64::from(budget) => {
                        let _: Result<(), _> =
                            redis::cmd("DECR").arg(&key).query_async(&mut conn).await;
                        false
                    }
                    Ok(_) => true,
                    Err(error) => {
                        tracing::warn!(%error, "call counter unavailable; allowing the call");
                        true
                    }
                }
            }
            Self::Local(state) => {
                let Ok(mut state) = state.lock() else {
                    return true;
                };
                if state.0 != day {
                    *state = (day, 0);
                }
                if state.1 >= u64::from(budget) {
                    false
                } else {
                    state.1 += 1;
                    true
                }
            }
        }
    }

    /// Marks today's budget as spent for every replica, because eBay said so (a 429 on Browse
    /// means the application's daily quota is gone, whatever our own count says). Searches then
    /// wait for eBay's reset instead of spending calls that would all fail.
    pub async fn exhaust(&self, budget: u32, now: DateTime<Utc>) {
        let day = ebay_day(now);
        match self {
            Self::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let set: Result<(), _> = redis::cmd("SET")
                    .arg(Self::key(prefix, day))
                    .arg(u64::from(budget))
                    .arg("EX")
                    .arg(2 * 24 * 3600)
                    .query_async(&mut conn)
                    .await;
                if let Err(error) = set {
                    tracing::warn!(%error, "could not record that eBay's quota is spent");
                }
            }
            Self::Local(state) => {
                if let Ok(mut state) = state.lock() {
                    *state = (day, u64::from(budget));
                }
            }
        }
    }

    /// Calls made today.
    pub async fn used(&self, now: DateTime<Utc>) -> u64 {
        let day = ebay_day(now);
        match self {
            Self::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                redis::cmd("GET")
                    .arg(Self::key(prefix, day))
                    .query_async::<Option<u64>>(&mut conn)
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or(0)
            }
            Self::Local(state) => state.lock().map_or(0, |s| if s.0 == day { s.1 } else { 0 }),
        }
    }
}

/// How many calls a day the active alerts need: one per distinct query per run of its most
/// frequent alert.
pub async fn daily_demand<C: ConnectionTrait>(db: &C) -> Result<f64, DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        minutes: i32,
    }
    let rows = Row::find_by_statement(sql(
        db.get_database_backend(),
        "SELECT MIN(frequency_minutes) AS minutes FROM alerts WHERE paused = $1 GROUP BY query_key",
        [false.into()],
    ))
    .all(db)
    .await?;
    Ok(rows
        .iter()
        .map(|r| 1440.0 / f64::from(r.minutes.max(1)))
        .sum())
}

/// The factor every interval is multiplied by (1 when the budget covers the demand).
pub fn stretch_factor(demand_per_day: f64, budget: u32) -> f64 {
    if budget == 0 {
        return f64::INFINITY;
    }
    (demand_per_day / f64::from(budget)).max(1.0)
}

/// The interval an alert actually runs at, in whole minutes.
pub fn effective_interval_minutes(frequency_minutes: i32, stretch: f64) -> i32 {
    let stretched = (f64::from(frequency_minutes) * stretch).ceil();
    if stretched.is_finite() {
        stretched.min(f64::from(i32::MAX)) as i32
    } else {
        i32::MAX
    }
}

/// The quota as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaView {
    /// Calls allowed per eBay day.
    pub daily_budget: u32,
    /// Calls made so far today (all replicas).
    pub calls_today: u64,
    /// Calls left today.
    pub remaining: u64,
    /// When the count resets (midnight Pacific time).
    pub resets_at: DateTime<Utc>,
    /// Calls a day the active alerts would need at their chosen frequencies.
    pub demand_per_day: f64,
    /// How much every interval is stretched to stay within budget (1 = not at all) under
    /// the uniform policy; under the adaptive one, what it would be.
    pub stretch_factor: f64,
    /// How the budget is spent (`SCHEDULER_POLICY`).
    pub policy: crate::config::SchedulerPolicy,
    /// The caller's active alerts: how often each runs now, and why.
    pub alerts: Vec<AlertCadence>,
    /// Searches a day the caller's active alerts ask for (one per shared search).
    pub asked_per_day: f64,
    /// Searches a day the plan gives them.
    pub given_per_day: f64,
    /// Set when the caller's alerts ask for more than the budget gives them.
    pub warning: Option<String>,
}

/// One alert's place in the plan, as the dashboard shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertCadence {
    /// The alert.
    pub alert_id: uuid::Uuid,
    /// Its search phrase.
    pub search_phrase: String,
    /// The frequency its owner chose (minutes).
    pub frequency_minutes: i32,
    /// Minutes between its searches now.
    pub effective_interval_minutes: i32,
    /// Why it runs at that interval.
    pub reason: crate::runner::planner::Reason,
    /// The same in words, e.g. "busy search: every 6 min".
    pub explanation: String,
    /// New matching listings an hour its search has shown lately (adaptive policy; with a
    /// small prior for searches that have not run twice yet).
    pub new_listings_per_hour: Option<f64>,
}

/// The warning shown when alerts ask for more searches than the plan gives them.
pub fn shortfall_warning(asked_per_day: f64, given_per_day: f64) -> Option<String> {
    // A few percent of slack: intervals are whole minutes, rounded up.
    (asked_per_day > given_per_day * 1.05 && asked_per_day > 0.0).then(|| {
        format!(
            "Your alerts ask for about {:.0} searches a day; the shared eBay budget gives them about {:.0}, so some run less often than you chose.",
            asked_per_day, given_per_day
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_day_ends_at_midnight_pacific() {
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 6, 59, 0).unwrap();
        assert_eq!(
            ebay_day(summer),
            NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
        );
        assert_eq!(
            resets_at(summer),
            Utc.with_ymd_and_hms(2026, 7, 1, 7, 0, 0).unwrap(),
            "PDT is UTC-7"
        );
        let winter = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert_eq!(
            resets_at(winter),
            Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap(),
            "PST is UTC-8"
        );
    }

    #[test]
    fn intervals_stretch_in_proportion_only_when_demand_exceeds_the_budget() {
        assert_eq!(stretch_factor(1_000.0, 5_000), 1.0);
        assert_eq!(stretch_factor(10_000.0, 5_000), 2.0);
        assert_eq!(effective_interval_minutes(2, 2.0), 4);
        assert_eq!(
            effective_interval_minutes(10, 1.25),
            13,
            "rounded up, never faster than allowed"
        );
        assert_eq!(effective_interval_minutes(10, 1.0), 10);
    }

    #[test]
    fn a_warning_appears_only_when_alerts_ask_noticeably_more_than_they_get() {
        let cases = [
            (720.0, 720.0, false),
            (720.0, 700.0, false),
            (720.0, 100.0, true),
            (0.0, 0.0, false),
        ];
        for (asked, given, warned) in cases {
            assert_eq!(
                shortfall_warning(asked, given).is_some(),
                warned,
                "{asked} vs {given}"
            );
        }
        assert_eq!(
            shortfall_warning(720.0, 100.0).unwrap(),
            "Your alerts ask for about 720 searches a day; the shared eBay budget gives them about 100, so some run less often than you chose."
        );
    }

    #[tokio::test]
    async fn the_local_counter_refuses_past_the_budget_and_resets_the_next_day() {
        let counter = CallCounter::local();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        assert!(counter.try_take(2, now).await);
        assert!(counter.try_take(2, now).await);
        assert!(!counter.try_take(2, now).await);
        assert_eq!(counter.used(now).await, 2);
        let tomorrow = now + chrono::Duration::days(1);
        assert!(counter.try_take(2, tomorrow).await);
    }
}
