//! `GET /api/v1/alerts/{id}/insights?days=N`: the insight report of one alert, computed on
//! request from the daily rollups (cheap: one row per day plus the latest run's listings);
//! `GET …/insights.csv?days=N` and `GET …/listings.csv?days=N`: the CSV exports;
//! `POST …/verdicts`: deal verdicts on listings a run saw.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use pubsub::insights::{VerdictRequest, VerdictResponse};
use uuid::Uuid;

use super::auth::Authenticated;
use crate::error::ApiError;
use crate::reports;
use crate::state::AppState;

/// Window when `days` is not given.
pub const DEFAULT_DAYS: u32 = 14;
/// Longest window.
pub const MAX_DAYS: u32 = 90;
/// At most this many listings per verdict request (a run's email holds far fewer).
pub const MAX_VERDICT_ITEMS: usize = 500;
/// Largest verdict request body.
const MAX_VERDICT_BODY: usize = 2 * 1024 * 1024;

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/alerts/{id}/insights", web::get().to(get_insights))
        .route(
            "/api/v1/alerts/{id}/insights.csv",
            web::get().to(get_insights_csv),
        )
        .route(
            "/api/v1/alerts/{id}/listings.csv",
            web::get().to(get_listings_csv),
        )
        .service(
            web::resource("/api/v1/alerts/{id}/verdicts")
                .app_data(web::PayloadConfig::new(MAX_VERDICT_BODY))
                .route(web::post().to(post_verdicts)),
        );
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

#[tracing::instrument(skip(ctx, req, _auth), fields(alert_id = %path))]
async fn get_insights_csv(
    _auth: Authenticated,
    ctx: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let alert_id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let days = parse_days(req.query_string())?;
    let export = reports::insights_csv(&ctx.db, alert_id, days, Utc::now())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(csv_response(export))
}

#[tracing::instrument(skip(ctx, req, _auth), fields(alert_id = %path))]
async fn get_listings_csv(
    _auth: Authenticated,
    ctx: web::Data<AppState>,
    path: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let alert_id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let days = parse_days(req.query_string())?;
    let export = reports::listings_csv(&ctx.db, alert_id, days, Utc::now())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(csv_response(export))
}

fn csv_response(export: reports::CsvExport) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", export.file_name),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(export.body)
}

/// Parses a verdict request, naming the field at fault (`observed_at`, `items`, `items[3]`).
pub fn parse_verdict_request(body: &[u8]) -> Result<VerdictRequest, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid_field("body", &format!("is not JSON: {e}")))?;
    let observed_at = value
        .get("observed_at")
        .cloned()
        .ok_or_else(|| ApiError::invalid_field("observed_at", "is required"))
        .and_then(|v| {
            serde_json::from_value(v)
                .map_err(|_| ApiError::invalid_field("observed_at", "must be an RFC 3339 time"))
        })?;
    let Some(items) = value.get("items").and_then(|v| v.as_array()) else {
        return Err(ApiError::invalid_field(
            "items",
            "must be a list of listings",
        ));
    };
    if items.len() > MAX_VERDICT_ITEMS {
        return Err(ApiError::invalid_field(
            "items",
            &format!("must hold at most {MAX_VERDICT_ITEMS} listings"),
        ));
    }
    let items = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            serde_json::from_value(item.clone()).map_err(|e| {
                ApiError::invalid_field(&format!("items[{i}]"), &format!("is not a listing: {e}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VerdictRequest { observed_at, items })
}

#[tracing::instrument(skip(ctx, body, _auth), fields(alert_id = %path))]
async fn post_verdicts(
    _auth: Authenticated,
    ctx: web::Data<AppState>,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let alert_id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    let request = parse_verdict_request(&body)?;
    let verdicts = reports::verdicts(&ctx.db, alert_id, &request, Utc::now()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(VerdictResponse { verdicts }))
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

    #[test]
    fn verdict_requests_name_the_field_at_fault() {
        let field = |body: &str| match parse_verdict_request(body.as_bytes()) {
            Err(ApiError::BadRequest { details, .. }) => details[0].field.clone(),
            other => panic!("{body}: {other:?}"),
        };
        assert_eq!(
            field(r#"{"observed_at":"yesterday","items":[]}"#),
            "observed_at"
        );
        assert_eq!(field(r#"{"items":[]}"#), "observed_at");
        assert_eq!(field(r#"{"observed_at":"2026-12-05T12:00:00Z"}"#), "items");
        assert_eq!(
            field(r#"{"observed_at":"2026-12-05T12:00:00Z","items":[{}]}"#),
            "items[0]"
        );
        assert_eq!(field("not json"), "body");
        let many = format!(
            r#"{{"observed_at":"2026-12-05T12:00:00Z","items":[{}]}}"#,
            vec![
                r#"{"item_id":"v1|1|0","title":"t","price":{"value":"1","currency":"USD"},"item_url":"u"}"#;
                MAX_VERDICT_ITEMS + 1
            ]
            .join(",")
        );
        assert_eq!(field(&many), "items");
        let ok =
            parse_verdict_request(br#"{"observed_at":"2026-12-05T12:00:00Z","items":[]}"#).unwrap();
        assert!(ok.items.is_empty());
    }
}
