//! Running an alert now, its recent listings, and the eBay quota.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use sea_orm::FromQueryResult;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::alerts;
use crate::auth::CurrentUser;
use crate::config::policy;
use crate::db::sql;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::quota::{self, QuotaView};
use crate::runner::{self, RunError, RunSummary};
use crate::state::AppState;

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

/// A listing the alert has seen, with its price history.
#[derive(Debug, Serialize, ToSchema, FromQueryResult)]
pub struct SeenListing {
    /// eBay item id.
    pub item_id: String,
    /// Title.
    pub title: String,
    /// The listing on eBay.
    pub item_url: String,
    /// Picture.
    pub image_url: Option<String>,
    /// Condition label.
    pub condition: Option<String>,
    /// Currency of the prices.
    pub currency: String,
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
    let items = SeenListing::find_by_statement(sql(
        state.db.get_database_backend(),
        &format!(
            "SELECT item_id, title, item_url, image_url, condition, currency, first_price, previous_price, last_price, \
             first_seen_at, last_seen_at, last_notified_at FROM seen_listings WHERE alert_id = $1 \
             ORDER BY last_seen_at DESC, first_seen_at DESC, item_id LIMIT {limit}"
        ),
        [alert.id.into()],
    ))
    .all(&state.db)
    .await?;
    Ok(HttpResponse::Ok().json(SeenListings { items }))
}

/// The daily eBay call budget and how much of it is used.
#[utoipa::path(
    operation_id = "get_quota",
    tag = "alerts",
    responses((status = 200, body = QuotaView), (status = 401, body = ErrorBody)),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/quota")]
async fn quota_view(
    _user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let budget = state.settings.ebay_daily_call_budget;
    let used = state.calls.used(now).await;
    let demand = quota::daily_demand(&state.db).await?;
    Ok(HttpResponse::Ok().json(QuotaView {
        daily_budget: budget,
        calls_today: used,
        remaining: u64::from(budget).saturating_sub(used),
        resets_at: quota::resets_at(now),
        demand_per_day: (demand * 10.0).round() / 10.0,
        stretch_factor: (quota::stretch_factor(demand, budget) * 100.0).round() / 100.0,
    }))
}
