//! `GET /api/v1/alerts/{id}/insights?days=N`: the insight report of one alert, computed on
//! request from the daily rollups (cheap: one row per day plus the latest run's listings).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use uuid::Uuid;

use super::auth::Authenticated;
use crate::error::ApiError;
use crate::reports;
use crate::state::AppState;

/// Window when `days` is not given.
pub const DEFAULT_DAYS: u32 = 14;
/// Longest window.
pub const MAX_DAYS: u32 = 90;

/// Registers the route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/alerts/{id}/insights", web::get().to(get_insights));
}

/// Parses `days`: absent → 14; otherwise a whole number 1..=90.
pub fn parse_days(query: &str) -> Result<u32, ApiError> {
    let mut days = None;
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key == "days" {
            days = Some(value.into_owned());
        }
    }
    match days {
        None => Ok(DEFAULT_DAYS),
        Some(text) => match text.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_DAYS).contains(&n) => Ok(n),
            _ => Err(ApiError::invalid_field(
                "days",
                &format!("must be a whole number from 1 to {MAX_DAYS}"),
            )),
        },
    }
}

#[tracing::instrument(skip(ctx, req, _auth), fields(alert_id = %path))]
async fn get_insights(
    _auth: Authenticated,
    ctx: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    // Not a UUID cannot name an alert: the same 404 as an unknown one.
    let alert_id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let days = parse_days(req.query_string())?;
    let report = reports::report(&ctx.db, alert_id, days, Utc::now())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_defaults_to_fourteen_and_must_be_in_range() {
        assert_eq!(parse_days("").unwrap(), 14);
        assert_eq!(parse_days("days=1").unwrap(), 1);
        assert_eq!(parse_days("days=90").unwrap(), 90);
        for bad in [
            "days=0", "days=91", "days=abc", "days=", "days=-3", "days=7.5",
        ] {
            assert!(parse_days(bad).is_err(), "{bad}");
        }
    }
}
