//! `GET /api/v1/alerts/{id}/insights?days=14` — the price series and summary, fetched from
//! analytics-service's internal read API after checking that the caller owns the alert; and the
//! CSV exports `insights.csv` (per day and segment) and `listings.csv` (the listings seen),
//! passed through from analytics the same way.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use pubsub::insights::{InsightReport, InsightSummary, MIN_DAYS_WITH_DATA};
use uuid::Uuid;

use crate::alerts;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::state::AppState;

/// Mounts the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(insights)
        .service(insights_csv)
        .service(listings_csv);
}

/// `days`: absent → 14, else a whole number from 1 to 90.
fn parse_days(query: &std::collections::HashMap<String, String>) -> Result<u32, ApiError> {
    match query.get("days") {
        None => Ok(14),
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=MAX_DAYS).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_query(vec![FieldError::new(
                "days",
                "must be a whole number from 1 to 90",
            )])),
        },
    }
}

/// Price history per day and segment as CSV: `date, segment, count, min, p25, median, p75, max,
/// new_listings, robust_low, without_shipping` (see `docs/analytics-api.md`).
#[utoipa::path(
    operation_id = "get_alert_insights_csv",
    tag = "alerts",
    params(
        ("id" = Uuid, Path, description = "alert id"),
        ("days" = Option<u32>, Query, description = "1–90, default 14")
    ),
    responses(
        (status = 200, content_type = "text/csv", body = String, description = "one row per day and segment, with a header row; `Content-Disposition: attachment; filename=…`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "analytics-service is unreachable")
    ),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/alerts/{id}/insights.csv")]
async fn insights_csv(
    user: CurrentUser,
    id: web::Path<Uuid>,
    query: web::Query<std::collections::HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    export(
        &state,
        &user,
        id.into_inner(),
        "insights",
        parse_days(&query)?,
    )
    .await
}

/// The listings the alert saw as CSV: `item_id, title, condition, segment, first_seen,
/// last_seen, last_price, lowest_price, currency, item_url`.
#[utoipa::path(
    operation_id = "get_alert_listings_csv",
    tag = "alerts",
    params(
        ("id" = Uuid, Path, description = "alert id"),
        ("days" = Option<u32>, Query, description = "1–90, default 14")
    ),
    responses(
        (status = 200, content_type = "text/csv", body = String, description = "one row per listing, most recently seen first; `Content-Disposition: attachment; filename=…`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "analytics-service is unreachable")
    ),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/alerts/{id}/listings.csv")]
async fn listings_csv(
    user: CurrentUser,
    id: web::Path<Uuid>,
    query: web::Query<std::collections::HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    export(
        &state,
        &user,
        id.into_inner(),
        "listings",
        parse_days(&query)?,
    )
    .await
}

/// Passes a CSV export through from analytics; an alert analytics has not heard of yet gets a
/// header-only file rather than an error (nothing has arrived for it, as with the insights).
async fn export(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    kind: &str,
    days: u32,
) -> Result<HttpResponse, ApiError> {
    let alert = alerts::find(&state.db, user, id).await?;
    let url = format!(
        "{}/api/v1/alerts/{}/{kind}.csv?days={days}",
        state.settings.analytics_url.as_str().trim_end_matches('/'),
        alert.id
    );
    let mut request = state.http.get(&url).timeout(Duration::from_secs(30));
    if let Some(token) = &state.settings.analytics_api_token {
        request = request.bearer_auth(token.expose());
    }
    let response = request.send().await.map_err(|e| {
        tracing::warn!(error = %e, "analytics-service unreachable");
        ApiError::unavailable("Exports are unavailable right now; try again in a moment.")
    })?;
    let fallback_name = format!("{kind}-{}.csv", alert.id);
    let (name, body) = match response.status().as_u16() {
        200 => {
            let name = response
                .headers()
                .get(actix_web::http::header::CONTENT_DISPOSITION.as_str())
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split("filename=\"").nth(1))
                .and_then(|v| v.strip_suffix('"'))
                .filter(|n| {
                    n.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
                })
                .map_or(fallback_name, str::to_owned);
            let body = response.bytes().await.map_err(|e| {
                ApiError::upstream(format!("analytics-service broke off the export: {e}"))
            })?;
            (name, body.to_vec())
        }
        404 => {
            let header = if kind == "insights" {
                "date,segment,count,min,p25,median,p75,max,new_listings,robust_low,without_shipping"
            } else {
                "item_id,title,condition,segment,first_seen,last_seen,last_price,lowest_price,currency,item_url"
            };
            (fallback_name, format!("{header}\r\n").into_bytes())
        }
        status => {
            tracing::warn!(status, "analytics-service refused the export");
            return Err(ApiError::upstream(
                "The export could not be made; try again later.",
            ));
        }
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", "text/csv; charset=utf-8"))
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

/// Longest window offered.
const MAX_DAYS: u32 = 90;

/// Price history and summary of the alert's search over the last `days` days.
#[utoipa::path(
    operation_id = "get_alert_insights",
    tag = "alerts",
    params(
        ("id" = Uuid, Path, description = "alert id"),
        ("days" = Option<u32>, Query, description = "1–90, default 14")
    ),
    responses(
        (status = 200, body = InsightReport, description = "`enough_data` is false (with a message) until there are 3 days of prices"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "analytics-service is unreachable")
    ),
    security(("session" = []), ("bearer" = []))
)]
#[get("/api/v1/alerts/{id}/insights")]
async fn insights(
    user: CurrentUser,
    id: web::Path<Uuid>,
    query: web::Query<std::collections::HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let days = parse_days(&query)?;
    let alert = alerts::find(&state.db, &user, id.into_inner()).await?;
    let url = format!(
        "{}/api/v1/alerts/{}/insights?days={days}",
        state.settings.analytics_url.as_str().trim_end_matches('/'),
        alert.id
    );
    let mut request = state.http.get(&url).timeout(Duration::from_secs(10));
    if let Some(token) = &state.settings.analytics_api_token {
        request = request.bearer_auth(token.expose());
    }
    let response = request.send().await.map_err(|e| {
        tracing::warn!(error = %e, "analytics-service unreachable");
        ApiError::unavailable("Price insights are unavailable right now; try again in a moment.")
    })?;
    match response.status().as_u16() {
        200 => {
            let report: InsightReport = response.json().await.map_err(|e| {
                ApiError::upstream(format!(
                    "analytics-service answered with an unreadable report: {e}"
                ))
            })?;
            Ok(HttpResponse::Ok().json(report))
        }
        // Analytics has not received anything for this alert yet (it was just created, or the
        // events are still on their way): an honest empty report, not an error.
        404 => Ok(HttpResponse::Ok().json(empty_report(&alert, days))),
        status => {
            tracing::warn!(status, "analytics-service refused the insights request");
            Err(ApiError::upstream(
                "Price insights could not be computed; try again later.",
            ))
        }
    }
}

fn empty_report(alert: &crate::db::entities::alert::Model, days: u32) -> InsightReport {
    let today = Utc::now().date_naive();
    InsightReport {
        alert_id: alert.id,
        search_phrase: Some(alert.search_phrase.clone()),
        currency: alert.currency.clone(),
        days,
        window_start: today - chrono::Duration::days(i64::from(days) - 1),
        window_end: today,
        generated_at: Utc::now(),
        days_with_data: 0,
        enough_data: false,
        message: Some(format!(
            "Not enough data yet: insights need prices from at least {MIN_DAYS_WITH_DATA} days, and none have arrived for this alert."
        )),
        series: Vec::new(),
        summary: InsightSummary::default(),
        main_segment: None,
        segments: Vec::new(),
    }
}
