//! Running an alert now, its recent listings, and the eBay quota.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use sea_orm::FromQueryResult;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::auth::CurrentUser;
use crate::config::policy;
use crate::db::sql;
use crate::domain::ConditionGroup;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::quota::{self, QuotaView};
use crate::runner::{self, RunError, RunSummary};
use crate::state::AppState;
use crate::verdicts;
use crate::{alerts, query_groups};

/// Mounts the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(run_now).service(items).service(quota_view);
}

/// Runs the alert now, exactly as the scheduler would (emails included). At most
/// three times a minute per alert (429 with `Retry-After` beyond that).
#[utoipa::path(
    operation_id = "run_alert",
    tag = "alerts",
    params(("id" = Uuid, Path, description = "alert id")),
    responses(
        (status = 200, body = RunSummary), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "paused, or already running"),
        (status = 429, body = ErrorBody, description = "run too often in the last minute (see `Retry-After`), or today's eBay budget is spent"),
        (status = 502, body = ErrorBody, description = "eBay failed; recorded on the alert")
    ),
    security(("session" = []), ("bearer" = []))
)]
#[post("/api/v1/alerts/{id}/run")]
async fn run_now(
    user: CurrentUser,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let alert = alerts::find(&state.db, &user, id.into_inner()).await?;
    if alert.paused {
        return Err(ApiError::conflict(
            "The alert is paused; resume it to run it.",
        ));
    }
    // Counted in the shared limiter (Redis when configured), so the limit holds across replicas.
    state
        .limiter
        .hit(
            &format!("run_now:{}", alert.id),
            policy::RUN_NOW_PER_ALERT,
            policy::RUN_NOW_WINDOW,
        )
        .await
        .map_err(ApiError::too_many_requests)?;
    if !runner::lease_one(&state, alert.id).await? {
        return Err(ApiError::conflict(
            "The alert is running right now; try again in a moment.",
        ));
    }
    match runner::run_alert_now(&state, alert).await {
        Ok(summary) => Ok(HttpResponse::Ok().json(summary)),
        Err(RunError::BudgetSpent(until)) => Err(ApiError::too_many_requests(
            (until - Utc::now()).num_seconds().max(1) as u64,
        )),
        Err(RunError::Ebay(message)) => Err(ApiError::upstream(format!(
            "eBay did not answer as expected: {message}"
        ))),
        Err(RunError::Gone) => Err(ApiError::not_found("alert")),
        Err(RunError::Database(error)) => Err(error.into()),
    }
}

/// A listing the alert has seen, with its price history and what a buyer decides on.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeenListing {
    /// eBay item id.
    pub item_id: String,
    /// Title.
    pub title: String,
    /// The listing on eBay.
    pub item_url: String,
    /// Picture.
    pub image_url: Option<String>,
    /// Condition group: `new`, `open_box`, `refurbished`, `used` or `for_parts` (null for
    /// listings seen before groups were recorded).
    pub condition: Option<ConditionGroup>,
    /// eBay's condition id, e.g. 3000.
    pub condition_id: Option<i32>,
    /// eBay's condition label, e.g. "Pre-owned - Excellent".
    pub condition_label: Option<String>,
    /// Currency of the prices.
    pub currency: String,
    /// Price now (an auction's current bid), decimal string; the same as `last_price`.
    pub price: String,
    /// Cheapest shipping to the account's location; null = unknown (calculated at checkout, or
    /// not recorded), which is never taken to be free.
    pub shipping_cost: Option<String>,
    /// `price + shipping_cost`; null when shipping is unknown.
    pub total_price: Option<String>,
    /// `fixed_price` or `auction`.
    pub buying_option: Option<String>,
    /// An auction's current bid.
    pub current_bid: Option<String>,
    /// Bids so far.
    pub bid_count: Option<i32>,
    /// When the listing ends (auctions).
    pub ends_at: Option<DateTime<Utc>>,
    /// Seller's eBay user name.
    pub seller: Option<String>,
    /// Seller's positive feedback, percent (decimal string); null when unknown or when nobody
    /// has rated the seller yet (eBay's "0.0" for them is not 0 % positive).
    pub seller_feedback_percent: Option<String>,
    /// Deal verdict against comparable listings (same condition group and buying format, lots
    /// and for-parts units apart), from analytics-service: `{"kind": "lowest_in_30_days" |
    /// "below_typical", "percent_below_typical": "12.5"}`; null when the listing is no deal, or
    /// analytics could not answer in time.
    pub deal: Option<pubsub::insights::Deal>,
    /// Price when first seen.
    pub first_price: String,
    /// Price before the latest change, if it changed.
    pub previous_price: Option<String>,
    /// Price at the latest run that saw it.
    pub last_price: String,
    /// First seen by this alert.
    pub first_seen_at: DateTime<Utc>,
    /// Last seen by this alert.
    pub last_seen_at: DateTime<Utc>,
    /// When it was last mentioned in an email.
    pub last_notified_at: Option<DateTime<Utc>>,
}

#[derive(FromQueryResult)]
struct SeenRow {
    item_id: String,
    title: String,
    item_url: String,
    image_url: Option<String>,
    condition: Option<String>,
    condition_id: Option<i32>,
    condition_group: Option<String>,
    currency: String,
    shipping_cost: Option<String>,
    buying_option: Option<String>,
    current_bid: Option<String>,
    bid_count: Option<i32>,
    ends_at: Option<DateTime<Utc>>,
    seller: Option<String>,
    seller_feedback_percent: Option<String>,
    first_price: String,
    previous_price: Option<String>,
    last_price: String,
    first_seen_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    last_notified_at: Option<DateTime<Utc>>,
}

impl SeenRow {
    /// The listing as analytics judges it (its latest sighting); `None` when a stored price
    /// cannot be read.
    fn observed(&self) -> Option<pubsub::ObservedItem> {
        let money = |text: &str| {
            Decimal::from_str(text)
                .ok()
                .map(|v| pubsub::Money::new(v, self.currency.clone()))
        };
        Some(pubsub::ObservedItem {
            item_id: self.item_id.clone(),
            title: self.title.clone(),
            price: money(&self.last_price)?,
            shipping_cost: self.shipping_cost.as_deref().and_then(money),
            condition: self.condition.clone(),
            buying_options: Vec::new(),
            item_url: self.item_url.clone(),
            image_url: None,
            seller: None,
            condition_id: self.condition_id.and_then(|c| u32::try_from(c).ok()),
            buying_option: self.buying_option.clone(),
            current_bid: self.current_bid.as_deref().and_then(money),
            bid_count: self.bid_count.and_then(|c| u32::try_from(c).ok()),
            ends_at: self.ends_at,
            seller_feedback_percent: None,
        })
    }
}

impl From<SeenRow> for SeenListing {
    fn from(r: SeenRow) -> Self {
        let total = r.shipping_cost.as_deref().and_then(|s| {
            let price = Decimal::from_str(&r.last_price).ok()?;
            let shipping = Decimal::from_str(s).ok()?;
            Some(format!("{:.2}", price + shipping))
        });
        Self {
            condition: r
                .condition_group
                .as_deref()
                .and_then(|g| ConditionGroup::parse(g).ok()),
            condition_id: r.condition_id,
            condition_label: r.condition,
            price: r.last_price.clone(),
            shipping_cost: r.shipping_cost,
            total_price: total,
            buying_option: r.buying_option,
            current_bid: r.current_bid,
            bid_count: r.bid_count,
            ends_at: r.ends_at,
            seller: r.seller,
            seller_feedback_percent: r.seller_feedback_percent,
            deal: None,
            item_id: r.item_id,
            title: r.title,
            item_url: r.item_url,
            image_url: r.image_url,
            currency: r.currency,
            first_price: r.first_price,
            previous_price: r.previous_price,
            last_price: r.last_price,
            first_seen_at: r.first_seen_at,
            last_seen_at: r.last_seen_at,
            last_notified_at: r.last_notified_at,
        }
    }
}

/// Recent listings.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeenListings {
    /// Most recently seen first.
    pub items: Vec<SeenListing>,
}

/// Listings the alert matched recently, with first-seen time and price history.
#[utoipa::path(
    operation_id = "list_alert_items",
    tag = "alerts",
    params(
        ("id" = Uuid, Path, description = "alert id"),
        ("limit" = Option<u32>, Query, description = "1–200, default 50")
    ),
    responses((status = 200, body = SeenListings), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/alerts/{id}/items")]
async fn items(
    user: CurrentUser,
    id: web::Path<Uuid>,
    query: web::Query<std::collections::HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let limit = match query.get("limit") {
        None => 50,
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=200).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_query(vec![FieldError::new(
                    "limit",
                    "must be a whole number from 1 to 200",
                )]));
            }
        },
    };
    let alert = alerts::find(&state.db, &user, id.into_inner()).await?;
    let items = SeenRow::find_by_statement(sql(
        state.db.get_database_backend(),
        &format!(
            "SELECT item_id, title, item_url, image_url, condition, condition_id, condition_group, currency, shipping_cost, \
             buying_option, current_bid, bid_count, ends_at, seller, seller_feedback_percent, first_price, previous_price, \
             last_price, first_seen_at, last_seen_at, last_notified_at FROM seen_listings WHERE alert_id = $1 \
             ORDER BY last_seen_at DESC, first_seen_at DESC, item_id LIMIT {limit}"
        ),
        [alert.id.into()],
    ))
    .all(&state.db)
    .await?;
    let observed: Vec<pubsub::ObservedItem> = items.iter().filter_map(SeenRow::observed).collect();
    // Without an answer from analytics the listings are still served, without verdicts.
    let deals = verdicts::fetch(&state, alert.id, Utc::now(), observed)
        .await
        .unwrap_or_default();
    let items = items
        .into_iter()
        .map(|row| {
            let deal = deals.get(&row.item_id).cloned();
            SeenListing {
                deal,
                ..SeenListing::from(row)
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(SeenListings { items }))
}

/// The daily eBay call budget, how much of it is used, and the plan for the caller's alerts:
/// how often each runs now and why, with a warning when they ask for more than the budget gives.
#[utoipa::path(
    operation_id = "get_quota",
    tag = "alerts",
    responses((status = 200, body = QuotaView), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/quota")]
async fn quota_view(
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    use crate::config::SchedulerPolicy;
    use crate::runner::planner::{self, Reason};
    let now = state.clock.now();
    let budget = state.settings.ebay_daily_call_budget;
    let used = state.calls.used(now).await;
    let demand = quota::daily_demand(&state.db).await?;
    let stretch = quota::stretch_factor(demand, budget);
    let mine = query_groups::active_alerts_of(&state.db, user.id).await?;
    let plan = match state.settings.scheduler_policy {
        SchedulerPolicy::Adaptive => Some(runner::current_plan(&state, now).await?),
        SchedulerPolicy::Uniform => None,
    };
    let planned: std::collections::HashMap<&str, &planner::GroupPlan> = plan
        .iter()
        .flat_map(|p| p.groups.iter())
        .map(|g| (g.query_key.as_str(), g))
        .collect();
    let alerts: Vec<quota::AlertCadence> = mine
        .iter()
        .map(|a| {
            let (interval, reason, rate) = match planned.get(a.query_key.as_str()) {
                Some(g) if g.interval_minutes > a.frequency_minutes => {
                    (g.interval_minutes, g.reason, Some(g.rate_per_hour))
                }
                Some(g) => (a.frequency_minutes, Reason::AsAsked, Some(g.rate_per_hour)),
                None if stretch > 1.0 => (
                    quota::effective_interval_minutes(a.frequency_minutes, stretch),
                    Reason::Stretched,
                    None,
                ),
                None => (a.frequency_minutes, Reason::AsAsked, None),
            };
            quota::AlertCadence {
                alert_id: a.id,
                search_phrase: a.search_phrase.clone(),
                frequency_minutes: a.frequency_minutes,
                effective_interval_minutes: interval,
                reason,
                explanation: planner::describe(reason, interval),
                new_listings_per_hour: rate.map(|r| (r * 1000.0).round() / 1000.0),
            }
        })
        .collect();
    // Per shared search, as eBay is called: the most frequent alert of each asks, the
    // shortest effective interval is what it gets.
    let mut searches: std::collections::HashMap<&str, (i32, i32)> = Default::default();
    for (a, c) in mine.iter().zip(&alerts) {
        let entry = searches
            .entry(a.query_key.as_str())
            .or_insert((i32::MAX, i32::MAX));
        entry.0 = entry.0.min(a.frequency_minutes.max(1));
        entry.1 = entry.1.min(c.effective_interval_minutes.max(1));
    }
    let per_day = |minutes: i32| 1440.0 / f64::from(minutes);
    let asked: f64 = searches.values().map(|(asked, _)| per_day(*asked)).sum();
    let given: f64 = searches.values().map(|(_, given)| per_day(*given)).sum();
    let round = |x: f64| (x * 10.0).round() / 10.0;
    Ok(HttpResponse::Ok().json(QuotaView {
        daily_budget: budget,
        calls_today: used,
        remaining: u64::from(budget).saturating_sub(used),
        resets_at: quota::resets_at(now),
        demand_per_day: round(demand),
        stretch_factor: (stretch * 100.0).round() / 100.0,
        policy: state.settings.scheduler_policy,
        alerts,
        asked_per_day: round(asked),
        given_per_day: round(given),
        warning: quota::shortfall_warning(asked, given),
    }))
}
