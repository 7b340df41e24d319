//! `GET /api/v1/alerts/{id}/insights?days=14` — the price series and summary, fetched from
//! analytics-service's internal read API after checking that the caller owns the alert.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use pubsub::insights::{InsightReport, InsightSummary, MIN_DAYS_WITH_DATA};
use uuid::Uuid;

use crate::alerts;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::state::AppState;

/// Mounts the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(insights);
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
    let days = match query.get("days") {
        None => 14,
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=MAX_DAYS).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_query(vec![FieldError::new(
                    "days",
                    "must be a whole number from 1 to 90",
                )]));
            }
        },
    };
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
